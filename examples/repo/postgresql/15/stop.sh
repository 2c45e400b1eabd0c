#!/bin/sh
# Stops the cluster (fast shutdown); stopping a stopped cluster is fine.
set -eu
# shellcheck source=/dev/null  # written by install.sh: PG_BIN and RUN_AS
. ./pg.env
if $RUN_AS "$PG_BIN/pg_ctl" -D "$APP_HOME/data" status >/dev/null 2>&1; then
  $RUN_AS "$PG_BIN/pg_ctl" -D "$APP_HOME/data" -m fast -w -t 60 stop
else
  echo "not running"
fi
