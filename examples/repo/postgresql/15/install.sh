#!/bin/sh
# PostgreSQL from the machine's own binaries (Debian: postgresql-15), a cluster of its own in $APP_HOME/data.
# Metadata: PG_PORT, PG_BIND (listen address), PG_PASSWORD (the superuser's), optional PG_SUPERUSER (postgres),
# PG_BIN (where initdb is), PG_OS_USER (the account the server runs as when the agent is root; postgres).
set -eu
: "${PG_PORT:?set PG_PORT in metadata}" "${PG_BIND:?set PG_BIND in metadata}" "${PG_PASSWORD:?set PG_PASSWORD in metadata}"

bin="${PG_BIN:-}"
if [ -z "$bin" ] && command -v pg_config >/dev/null 2>&1; then bin="$(pg_config --bindir)"; fi
if [ ! -x "$bin/initdb" ]; then bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"; fi
if [ ! -x "$bin/initdb" ]; then
  echo "no PostgreSQL server binaries on this host: install postgresql, or set PG_BIN" >&2
  exit 2
fi

# initdb refuses to run as root: a root agent runs the server as an ordinary account.
run_as=""
owner="$(id -un)"
if [ "$(id -u)" = 0 ]; then
  owner="${PG_OS_USER:-postgres}"
  run_as="runuser -u $owner --"
fi

rm -rf data run
mkdir -p data run
touch postgres.log
chown "$owner" data run postgres.log
chmod 700 data

# What the other scripts need, found once here.
cat > pg.env <<ENV
PG_BIN='$bin'
RUN_AS='$run_as'
ENV

# The password goes through a file only the server's account can read, never a command line.
pwfile="$APP_HOME/run/pwfile"
( umask 077; printf '%s\n' "$PG_PASSWORD" > "$pwfile" )
chown "$owner" "$pwfile"
$run_as "$bin/initdb" -D "$APP_HOME/data" -U "${PG_SUPERUSER:-postgres}" --pwfile="$pwfile" \
  --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --no-instructions
rm -f "$pwfile"

cat >> data/postgresql.conf <<CONF
listen_addresses = '$PG_BIND'
port = $PG_PORT
unix_socket_directories = '$APP_HOME/run'
CONF
echo "PostgreSQL cluster created in $APP_HOME/data for $PG_BIND:$PG_PORT"
