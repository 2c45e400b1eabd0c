#!/bin/sh
# Stops the instance and waits until its process is gone.
set -u
if [ -f redis.pid ] && kill -0 "$(cat redis.pid)" 2>/dev/null; then
  pid="$(cat redis.pid)"
  kill "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fi
rm -f redis.pid
echo "redis stopped"
