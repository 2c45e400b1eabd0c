#!/bin/sh
set -eu
./stop.sh
rm -rf data redis.conf redis.log
echo "redis instance removed"
