#!/bin/sh
# Healthy when the instance answers PING.
REDIS_BIND="${REDIS_BIND:-$HOST_IP}"
if [ -n "${REDIS_PASSWORD:-}" ]; then export REDISCLI_AUTH="$REDIS_PASSWORD"; fi # never on the command line
answer="$(redis-cli -h "$REDIS_BIND" -p "$REDIS_PORT" ping 2>&1)"
if [ "$answer" = "PONG" ]; then
  echo '{"code":"0","msg":"PONG"}'
else
  printf '{"code":"1","msg":"no PONG from %s:%s: %s"}\n' "$REDIS_BIND" "$REDIS_PORT" "$(echo "$answer" | tr -d '"' | head -c 200)"
fi
