#!/bin/sh
set -eu
./stop.sh
rm -rf www server.log
echo "uninstalled $APP_NAME"
