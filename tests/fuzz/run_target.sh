#!/usr/bin/env bash
# tests/fuzz/run_target.sh BUILD TARGET SECONDS: runs one built libFuzzer target for SECONDS,
# seeded from the third-party vectors in tests/data, growing the corpus in BUILD/corpus/TARGET.
# Fails on a crash, sanitizer report, leak, timeout (an input running over 20 s) or out-of-memory,
# naming the reproducer (replay it: BUILD/tests/fuzz/TARGET REPRODUCER). Last line: one summary
# line. Used by run.sh and by the "fuzz: TARGET smoke" CTest tests of a -DSCEPCTL_FUZZ=ON build.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: tests/fuzz/run_target.sh BUILD TARGET SECONDS" >&2; exit 64; }
build=$1 target=$2 seconds=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/data
binary=$build/tests/fuzz/$target
[ -x "$binary" ] || { echo "fuzz: $binary is not built" >&2; exit 1; }

corpus=$build/corpus/$target
seed_dir=$build/seeds/$target
artifacts=$build/artifacts
rm -rf "$seed_dir"
mkdir -p "$corpus" "$seed_dir" "$artifacts"
case $target in
  fuzz_caps) cp "$data"/openssl/caps-*.txt "$data"/scepserver/getcacaps.txt "$seed_dir" ;;
  fuzz_ca_certs) cp "$data"/openssl/getcacert-* "$data"/openssl/ca.der "$data"/scepserver/getcacert.der "$seed_dir" ;;
  fuzz_cert_rep) cp "$data"/certrep/*.der "$seed_dir" ;;
  fuzz_challenge_page)
    cp "$data"/ndes/*.html "$seed_dir"
    cp "$data"/ndes/source/cache-full.html "$seed_dir/source-cache-full.html"
    ;;
  fuzz_config) cp "$root"/examples/*.toml "$seed_dir" ;;
  fuzz_decode)
    # Captured requests and replies, GetCACert replies, a GET URL and a PEM PKCS#10; and the
    # decrypted contents a pkiMessage carries (0x01 + content, see fuzz_decode.cpp): scepclient's
    # PKCS#10 and NDES's certs-only reply.
    cp "$data"/decode/*.der "$data"/decode/*.url "$data"/decode/*.pem "$data"/certrep/*.der "$seed_dir"
    cp "$data"/openssl/getcacert-ndes.p7b "$data"/openssl/getcacert-intermediate.p7b "$seed_dir"
    { printf '\001'; openssl req -in "$data/decode/scepclient-ndes-csr.pem" -outform DER; } >"$seed_dir/content-csr"
    { printf '\001'; cat "$data/openssl/getcacert-ndes.p7b"; } >"$seed_dir/content-certs"
    ;;
  fuzz_subject)
    # "SUBJECT\nSAN..." from what openssl printed for its own vectors: the RFC 2253 subjects,
    # and the subjectAltNames of san.der in --san syntax.
    sans=$(openssl x509 -inform DER -in "$data/subject/san.der" -noout -ext subjectAltName | tail -n +2 |
      tr ',' '\n' | sed 's/^ *//; s/^DNS:/dns:/; s/^IP Address:/ip:/; s/^URI:/uri:/; /^othername:/d')
    n=0
    while IFS=$'\t' read -r _ subject; do
      n=$((n + 1))
      printf '%s\n%s\n' "$subject" "$sans" >"$seed_dir/subject-$n"
    done <"$data/subject/openssl-rfc2253.txt"
    printf 'CN=${device},O=Example\ndns:${fqdn}\n' >"$seed_dir/template"
    ;;
  *) echo "fuzz: no seeds known for '$target'" >&2; exit 64 ;;
esac
# Inputs that once failed (tests/fuzz/regressions/TARGET/): every run starts from them too.
if [ -d "$root/tests/fuzz/regressions/$target" ]; then
  for file in "$root/tests/fuzz/regressions/$target"/*; do cp "$file" "$seed_dir/regression-${file##*/}"; done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
log=$build/$target.log
echo "fuzz: $target for $seconds s (log $log)"
status=0
if "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$target-" "$corpus" "$seed_dir" >"$log" 2>&1; then
  result=ok
else
  result=FAILED
  status=1
  tail -n 40 "$log"
  echo "fuzz: $target FAILED; reproducer: $(grep -o "$artifacts/$target-[^ ]*" "$log" | tail -n 1)"
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
printf '%-20s %-6s %10s executions %7s/s  corpus %s\n' "$target" "$result" "${execs:-?}" "${rate:-?}" \
  "$(find "$corpus" -type f | wc -l)"
exit "$status"
