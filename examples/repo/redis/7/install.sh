#!/bin/sh
# Redis from the machine's redis-server (Debian: redis-server), an instance of its own in $APP_HOME.
# Metadata: REDIS_PORT; optional REDIS_BIND (default: the host's own address, HOST_IP), REDIS_PASSWORD, REDIS_MAXMEMORY.
# On several hosts, each runs an instance of its own on its own address: a pool.
set -eu
REDIS_BIND="${REDIS_BIND:-$HOST_IP}"
: "${REDIS_PORT:?set REDIS_PORT in metadata}"
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is not installed on this host" >&2; exit 2; }
mkdir -p data
( umask 077
  cat > redis.conf <<CONF
bind $REDIS_BIND
port $REDIS_PORT
dir $APP_HOME/data
pidfile $APP_HOME/redis.pid
logfile $APP_HOME/redis.log
daemonize yes
protected-mode no
CONF
  if [ -n "${REDIS_PASSWORD:-}" ]; then printf 'requirepass %s\n' "$REDIS_PASSWORD" >> redis.conf; fi
  if [ -n "${REDIS_MAXMEMORY:-}" ]; then printf 'maxmemory %s\n' "$REDIS_MAXMEMORY" >> redis.conf; fi
)
echo "Redis instance configured for $REDIS_BIND:$REDIS_PORT"
