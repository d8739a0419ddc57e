#!/usr/bin/env bash
# bed.sh up|down DIR: the CTest fixture around testbed/up.sh and testbed/down.sh.
# "up" first stops and removes a bed a crashed earlier run may have left in DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
action=$1 dir=$2
case $action in
  up)
    if [ -e "$dir" ]; then
      "$here/testbed/down.sh" "$dir" >/dev/null 2>&1 || true
      rm -rf "$dir"
    fi
    exec "$here/testbed/up.sh" "$dir"
    ;;
  down)
    [ -e "$dir" ] || exit 0
    "$here/testbed/down.sh" "$dir"
    rm -rf "$dir"
    ;;
  *) echo "usage: bed.sh up|down DIR" >&2; exit 2 ;;
esac
