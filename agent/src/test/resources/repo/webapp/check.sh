#!/bin/sh
# Fetches index.html; prints a line of its own before the verdict, as real checks do.
echo "probing http://$WEB_BIND:$WEB_PORT/"
if python3 - "$WEB_BIND" "$WEB_PORT" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://{sys.argv[1]}:{sys.argv[2]}/index.html", timeout=3).read()
PY
then
  echo '{"code":"0","msg":"serving index.html"}'
else
  echo "{\"code\":\"1\",\"msg\":\"nothing answers on $WEB_BIND:$WEB_PORT\"}"
fi
