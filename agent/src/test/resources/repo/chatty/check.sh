#!/bin/sh
if [ -f running ]; then echo '{"code":"0","msg":"running"}'; else echo '{"code":"1","msg":"stopped"}'; fi
