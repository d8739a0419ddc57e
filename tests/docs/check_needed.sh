#!/usr/bin/env bash
# Start-up cost and peak RSS as the link decides them (bench/notes/cpu.md): in DT_NEEDED, libcrypto
# and libc first, where the loader finds most of its start-up symbol lookups soonest, and no libm
# (nothing in scepctl calls it; each library is one more to map and relocate at every start); and
# the code the common commands run placed together (src/cli/hot_sections.ld) in a section of at
# least 100 KB (an empty one means the list no longer matches: scripts/gen-hot-sections.sh).
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
hot=$(readelf -SW "$1" | sed -n 's/.* \.text\.scepctl_hot  *PROGBITS  *[0-9a-f]*  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
[ -n "$hot" ] && hot=$((16#$hot))
if [ -z "$hot" ] || [ "$hot" -lt 102400 ]; then
  echo "FAIL: .text.scepctl_hot is ${hot:-missing} bytes: regenerate src/cli/hot_sections.ld (scripts/gen-hot-sections.sh)"
  fail=1
fi
exit $fail
