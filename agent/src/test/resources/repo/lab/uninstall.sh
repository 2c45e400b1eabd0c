#!/bin/sh
rm -f installed-marker running-marker
echo "uninstalled"
