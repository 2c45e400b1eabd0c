#!/bin/sh
# Healthy when the server accepts connections on its address.
# shellcheck source=/dev/null  # written by install.sh: PG_BIN and RUN_AS
. ./pg.env
if answer="$("$PG_BIN/pg_isready" -h "$PG_BIND" -p "$PG_PORT" -t 5 2>&1)"; then
  printf '{"code":"0","msg":"%s"}\n' "$answer"
else
  printf '{"code":"1","msg":"%s"}\n' "$answer"
fi
