#!/bin/sh
# Stops the server and waits until it is gone.
set -u
if [ -f server.pid ]; then
  pid=$(cat server.pid)
  kill "$pid" 2>/dev/null
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  rm -f server.pid
fi
echo "stopped"
