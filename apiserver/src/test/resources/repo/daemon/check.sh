#!/bin/sh
if [ -s app.pid ] && kill -0 "$(cat app.pid)" 2>/dev/null; then
  echo "{\"code\":\"0\",\"msg\":\"running as $(cat app.pid)\"}"
else
  echo '{"code":"1","msg":"not running"}'
fi
