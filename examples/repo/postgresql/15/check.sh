#!/bin/sh
# Healthy when the server accepts connections on its address.
. ./pg.env
if answer="$("$PG_BIN/pg_isready" -h "$PG_BIND" -p "$PG_PORT" -t 5 2>&1)"; then
  printf '{"code":"0","msg":"%s"}\n' "$answer"
else
  printf '{"code":"1","msg":"%s"}\n' "$answer"
fi
