#!/bin/sh
# Starts the application, a long-running process in a session of its own (so it outlives this script and the agent),
# and returns once its pid is in app.pid.
echo run >> start-count
rm -f app.pid
setsid sh -c 'echo $$ > app.pid.new && mv app.pid.new app.pid && exec sleep 1000000' </dev/null >/dev/null 2>&1 &
i=0
while [ ! -s app.pid ]; do
  i=$((i + 1))
  if [ $i -ge 100 ]; then echo "the application did not start within 10s" >&2; exit 1; fi
  sleep 0.1
done
echo "started as $(cat app.pid)"
