#!/bin/sh
set -eu
./stop.sh
./start.sh
