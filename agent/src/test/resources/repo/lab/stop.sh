#!/bin/sh
rm -f running-marker
echo "stopped"
