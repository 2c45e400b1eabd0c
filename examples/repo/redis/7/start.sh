#!/bin/sh
# Starts the instance and returns once it answers PING.
REDIS_BIND="${REDIS_BIND:-$HOST_IP}"
set -eu
redis-server "$APP_HOME/redis.conf"
if [ -n "${REDIS_PASSWORD:-}" ]; then export REDISCLI_AUTH="$REDIS_PASSWORD"; fi # never on the command line
i=0
until [ "$(redis-cli -h "$REDIS_BIND" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; do
  i=$((i + 1))
  if [ $i -ge 100 ]; then echo "redis did not answer within 10s" >&2; cat redis.log >&2; exit 1; fi
  sleep 0.1
done
echo "redis started as $(cat redis.pid)"
