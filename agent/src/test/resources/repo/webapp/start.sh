#!/bin/sh
# Serves www/ on $WEB_BIND:$WEB_PORT with Python's http.server, in the background, and returns once it answers.
set -eu
if [ -f server.pid ] && kill -0 "$(cat server.pid)" 2>/dev/null; then
  echo "already running as $(cat server.pid)"
  exit 0
fi
nohup python3 -m http.server "$WEB_PORT" --bind "$WEB_BIND" --directory www > server.log 2>&1 &
echo $! > server.pid
i=0
until python3 -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)" "$WEB_BIND" "$WEB_PORT" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -ge 100 ] || ! kill -0 "$(cat server.pid)" 2>/dev/null; then
    echo "server did not come up:" >&2
    cat server.log >&2
    exit 1
  fi
  sleep 0.1
done
echo "started as $(cat server.pid)"
