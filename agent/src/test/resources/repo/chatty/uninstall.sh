#!/bin/sh
rm -f running
echo uninstalled
