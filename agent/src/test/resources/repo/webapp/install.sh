#!/bin/sh
# Unpacks the site into $APP_HOME/www.
set -eu
mkdir -p www
tar -xzf "$PACKAGE" -C www
echo "installed $APP_NAME in $APP_HOME"
