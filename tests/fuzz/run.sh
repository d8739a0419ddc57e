#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS [TARGET...]]: builds the libFuzzer targets with clang, ASan and UBSan
# in FUZZ_BUILD_DIR (default build-fuzz/, its own build directory; an existing clang build made
# with -DSCEPCTL_FUZZ=ON, such as scripts/test.sh's build-sanitize/, is reused) and runs each for
# SECONDS (default 60), one after another, seeded from the third-party vectors in tests/data.
# Fails on the first crash, sanitizer report, leak, timeout (an input running over 20 s) or
# out-of-memory, naming the reproducer (replay it: BUILD/fuzz_X REPRODUCER). The corpus each run
# grows is kept in BUILD/corpus/TARGET for the next run. Last lines: one summary line per target.
set -euo pipefail
seconds=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
all=(fuzz_caps fuzz_ca_certs fuzz_cert_rep fuzz_challenge_page fuzz_config fuzz_subject)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
case $seconds in '' | *[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS [TARGET...]]" >&2; exit 64 ;; esac

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (Debian packages clang libclang-rt-14-dev)" >&2; exit 1; }
if [ -e "$build/CMakeCache.txt" ]; then
  # An existing clang build (e.g. scripts/test.sh's sanitizer build) keeps its settings.
  cmake -S "$root" -B "$build" -DSCEPCTL_FUZZ=ON >/dev/null
else
  cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCEPCTL_FUZZ=ON \
    -DSCEPCTL_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

data=$root/tests/data
# seeds TARGET DIR: copies the target's seed inputs (third-party vectors) into DIR.
seeds() {
  local dir=$2
  case $1 in
    fuzz_caps) cp "$data"/openssl/caps-*.txt "$data"/scepserver/getcacaps.txt "$dir" ;;
    fuzz_ca_certs) cp "$data"/openssl/getcacert-* "$data"/openssl/ca.der "$data"/scepserver/getcacert.der "$dir" ;;
    fuzz_cert_rep) cp "$data"/certrep/*.der "$dir" ;;
    fuzz_challenge_page) cp "$data"/ndes/*.html "$dir" && cp "$data"/ndes/source/cache-full.html "$dir/source-cache-full.html" ;;
    fuzz_config) cp "$root"/examples/*.toml "$dir" ;;
    fuzz_subject)
      # "SUBJECT\nSAN..." from what openssl printed for its own vectors: the RFC 2253 subjects,
      # and the subjectAltNames of san.der in --san syntax.
      local sans n=0
      sans=$(openssl x509 -inform DER -in "$data/subject/san.der" -noout -ext subjectAltName | tail -n +2 |
        tr ',' '\n' | sed 's/^ *//; s/^DNS:/dns:/; s/^IP Address:/ip:/; s/^URI:/uri:/; /^othername:/d')
      while IFS=$'\t' read -r _ subject; do
        n=$((n + 1))
        printf '%s\n%s\n' "$subject" "$sans" >"$dir/subject-$n"
      done <"$data/subject/openssl-rfc2253.txt"
      printf 'CN=${device},O=Example\ndns:${fqdn}\n' >"$dir/template"
      ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
status=0
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  seed_dir=$build/seeds/$target
  artifacts=$build/artifacts
  rm -rf "$seed_dir"
  mkdir -p "$corpus" "$seed_dir" "$artifacts"
  seeds "$target" "$seed_dir"
  log=$build/$target.log
  echo "fuzz: $target for $seconds s (log $log)"
  if "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
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
  summary+=("$(printf '%-20s %-6s %10s executions %7s/s  corpus %s' "$target" "$result" "${execs:-?}" "${rate:-?}" \
    "$(find "$corpus" -type f | wc -l)")")
  [ "$status" -eq 0 ] || break
done
printf '%s\n' "${summary[@]}"
exit "$status"
