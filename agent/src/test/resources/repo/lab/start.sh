#!/bin/sh
touch running-marker
echo "started"
