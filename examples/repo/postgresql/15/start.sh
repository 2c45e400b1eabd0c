#!/bin/sh
# Starts the cluster and returns once it accepts connections (pg_ctl -w).
set -eu
# shellcheck source=/dev/null  # written by install.sh: PG_BIN and RUN_AS
. ./pg.env
$RUN_AS "$PG_BIN/pg_ctl" -D "$APP_HOME/data" -l "$APP_HOME/postgres.log" -w -t 60 start
