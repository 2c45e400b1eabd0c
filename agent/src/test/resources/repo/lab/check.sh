#!/bin/sh
# Behaves as CHECK_MODE says: ok (healthy while started), garbage (no verdict), fail (exits 2).
case "${CHECK_MODE:-ok}" in
  garbage) echo "all good, probably" ;;
  fail) echo '{"code":"0","msg":"claims fine"}'; exit 2 ;;
  *)
    if [ -f running-marker ]; then echo '{"code":"0","msg":"marker present"}'
    else echo '{"code":"1","msg":"not started"}'; fi ;;
esac
