#!/bin/sh
# CRASH_AFTER_START=yes: the application answers once after each start, then dies (a crash loop).
if [ -f running ] && [ "${CRASH_AFTER_START:-}" = yes ]; then
  rm -f running
  echo '{"code":"0","msg":"up, for a moment"}'
elif [ -f running ]; then
  echo '{"code":"0","msg":"running"}'
else
  echo '{"code":"1","msg":"stopped"}'
fi
