#!/usr/bin/env bash
# The libraries scepctl names in DT_NEEDED (bench/notes/cpu.md): libcrypto and libc first, where the
# loader finds most of its start-up symbol lookups soonest, and no libm (nothing in scepctl calls it,
# and each library is one more to map and relocate at every start).
#   check_needed.sh SCEPCTL
set -euo pipefail
needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "$needed"
fail=0
if grep -q '^libm\.so' <<<"$needed"; then
  echo "FAIL: scepctl needs libm: something calls a libm function again (std::to_chars(double), std::llround, ...)"
  fail=1
fi
first_two=$(head -n 2 <<<"$needed" | tr '\n' ' ')
if [ "$first_two" != "libcrypto.so.3 libc.so.6 " ]; then
  echo "FAIL: libcrypto and libc are not first in DT_NEEDED: '$first_two'"
  fail=1
fi
exit $fail
