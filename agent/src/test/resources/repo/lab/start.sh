#!/bin/sh
# Records the environment it was given, so tests can see exactly what reaches a script.
env > started-env
touch running-marker
echo "started"
