#!/bin/sh
echo run >> uninstall-count
if [ -s app.pid ]; then kill "$(cat app.pid)" 2>/dev/null; fi
rm -f app.pid
echo "uninstalled"
