#!/bin/sh
# Prints LOG_LINES numbered lines as install.sh does; with HOLD=yes it then waits until a file "release" appears in
# APP_HOME, so that a test can read the log of an action still running.
action=$(basename "$0" .sh)
n="${LOG_LINES:-100}"
i=1
while [ "$i" -le "$n" ]; do
  if [ $((i % 7)) -eq 0 ]; then
    printf '%s of %s on %s: line %07d of %07d (stderr)\n' "$action" "$APP_NAME" "${HOST_IP:-?}" "$i" "$n" >&2
  else
    printf '%s of %s on %s: line %07d of %07d\n' "$action" "$APP_NAME" "${HOST_IP:-?}" "$i" "$n"
  fi
  i=$((i + 1))
done
if [ "${HOLD:-no}" = yes ]; then
  while [ ! -f release ]; do sleep 0.1; done
  echo released
fi
touch running
