#!/bin/sh
# Behaves as INSTALL_MODE says: ok, fail, slow (INSTALL_SECONDS) or hang (children that never end).
echo "install starting"
echo run >> install-runs # one line per run: tests count them
case "${INSTALL_MODE:-ok}" in
  fail) echo "boom: cannot install" >&2; exit 3 ;;
  slow) sleep "${INSTALL_SECONDS:-5}" ;;
  hang) sleep "$HANG_TOKEN" & (sleep "$HANG_TOKEN"; echo never) & sleep "$HANG_TOKEN"; wait ;;
esac
touch installed-marker
echo "install done"
