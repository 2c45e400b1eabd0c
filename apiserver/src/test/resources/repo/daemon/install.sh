#!/bin/sh
# Every action script of this set counts its runs (<script>-count): the fault drills check that a fault made none run.
echo run >> install-count
echo "installed"
