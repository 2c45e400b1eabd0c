#!/bin/sh
# A slow install that counts its runs: the crash tests check it ran exactly once.
echo run >> install-count
sleep "${INSTALL_SECONDS:-4}"
echo "installed"
