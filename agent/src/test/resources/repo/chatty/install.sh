#!/bin/sh
# Prints LOG_LINES numbered lines (every seventh to stderr), which the log tests compare with what the agent kept,
# then exits with INSTALL_EXIT.
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
exit "${INSTALL_EXIT:-0}"
