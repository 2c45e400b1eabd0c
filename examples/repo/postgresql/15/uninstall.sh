#!/bin/sh
# Stops the server and removes the cluster: its data goes too.
set -eu
./stop.sh
rm -rf data run pg.env postgres.log
echo "PostgreSQL cluster removed"
