#!/bin/sh
rm -f running
echo stopped
