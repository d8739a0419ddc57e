#!/usr/bin/env bash
# Benchmarks scepctl against its peers on the local test bed: wall time (median of paired A/B
# runs, so machine drift cancels) and peak RSS, both taken by bench/measure.py (spawn to reap,
# and wait4's ru_maxrss). Run by hand on a quiet
# machine after the README's set-up; prints a table and writes bench/RESULTS.md.
#
#   bench/run.sh [RUNS]        RUNS per measurement, default 15 (at least 10)
#
# Needs: the test bed's packages (scripts/install-deps.sh), certmonger (scep-submit) and
# /usr/bin/time; installs certmonger and time with apt when they are missing (as root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
runs=${1:-15}
[ "$runs" -ge 10 ] || { echo "bench: RUNS must be at least 10" >&2; exit 64; }
scepctl=${SCEPCTL:-$root/build/scepctl}
[ -x "$scepctl" ] || "$root/scripts/build.sh" >/dev/null
find_scep_submit() { for p in /usr/lib/certmonger/scep-submit /usr/libexec/certmonger/scep-submit; do [ -x "$p" ] && echo "$p" && return; done; }
scep_submit=$(find_scep_submit || true)
if [ -z "$scep_submit" ] || [ ! -x /usr/bin/time ]; then
  apt-get install -y certmonger time >/dev/null
  scep_submit=$(find_scep_submit)
fi

build_dir=$(dirname "$scepctl")
cmake --build "$build_dir" --target bench_enroll_loop bench_rusage >/dev/null
enroll_loop=$build_dir/bench_enroll_loop
# measure.py takes peak RSS and exact CPU time from it (bench/rusage.cpp).
export BENCH_RUSAGE=$build_dir/bench_rusage

bed=$(mktemp -d /tmp/scepctl-bench.XXXXXX)
chmod 755 "$bed"
shm=$(mktemp -d /dev/shm/scepctl-bench.XXXXXX)
swtpm_pid=
trap '[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null; "$root/tests/interop/testbed/down.sh" "$bed" >/dev/null 2>&1 || true; rm -rf "$bed" "$shm"' EXIT
"$root/tests/interop/testbed/up.sh" "$bed" >"$bed.log" 2>&1 || { cat "$bed.log"; exit 1; }
rm -f "$bed.log"
# shellcheck source=/dev/null
. "$bed/env.sh"
tb=$bed/bin/tb
url=$TESTBED_SCEP_DIRECT_URL
work=$bed/work
mkdir -p "$work"
# PKCS#1 ("RSA PRIVATE KEY"): the only form scepclient reads; scepctl reads it too.
openssl genrsa -traditional -out "$work/key.pem" 2048 2>/dev/null
challenge=$(cat "$TESTBED_CHALLENGE_FILE")

# measure NAME CMD...: one run inside the bed; appends "seconds kilobytes" to $work/NAME.

measure() {
  local name=$1
  shift
  BENCH_STDERR="$work/stderr" "$tb" python3 "$here/measure.py" "$work/$name" "$@" ||
    { echo "bench: $name failed: $(tail -n 3 "$work/stderr")" >&2; exit 1; }
}
# shellcheck source=bench/cpu.sh
. "$here/cpu.sh"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$work/$1" | median; }

# pair A B: RUNS rounds, alternating which goes first, after one warm-up each.
pair() {
  local a=$1 b=$2 i
  : >"$work/$a"
  : >"$work/$b"
  "run_$a" && "run_$b" && : >"$work/$a" && : >"$work/$b"
  for ((i = 0; i < runs; i++)); do
    if ((i % 2)); then "run_$b"; "run_$a"; else "run_$a"; "run_$b"; fi
  done
}

run_scepctl_caps() { measure scepctl_caps "$scepctl" getcacaps --url "$url"; }
run_curl_caps() { measure curl_caps curl -sS "$url?operation=GetCACaps"; }
run_certmonger_caps() { measure certmonger_caps "$scep_submit" -u "$url" -c; }
run_scepctl_cacert() { measure scepctl_cacert "$scepctl" getcacert --url "$url"; }
run_certmonger_cacert() { measure certmonger_cacert "$scep_submit" -u "$url" -C; }
n=0
# Output directories on the bed's disk, or with FRESH_BASE=/dev/shm on tmpfs, where fsync costs
# nothing: scepctl fsyncs every file it writes and its directory, scepclient does not.
fresh() { n=$((n + 1)); out="${FRESH_BASE:-$work}/out$n"; mkdir -p "$out"; }
run_scepctl_enroll() {
  fresh
  measure "scepctl_enroll${1:-}" env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" \
    --key "$work/key.pem" --subject CN=bench --out-dir "$out"
}
run_scepclient_enroll() {
  fresh
  cp "$work/key.pem" "$out/key.pem"
  measure "scepclient_enroll${1:-}" scepclient -server-url "$url" -private-key "$out/key.pem" \
    -certificate "$out/cert.pem" -challenge "$challenge" -cn bench
}
run_scepctl_enroll_tmpfs() { FRESH_BASE=$shm run_scepctl_enroll _tmpfs; }
run_scepclient_enroll_tmpfs() { FRESH_BASE=$shm run_scepclient_enroll _tmpfs; }
run_scepctl_genkey() {
  fresh
  measure scepctl_genkey env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" \
    --subject CN=bench --out-dir "$out"
}
run_openssl_genkey() {
  fresh
  measure openssl_genkey openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/k.pem"
}
# N enrollments: one process (bench_enroll_loop: one connection, one GetCACaps/GetCACert, no files)
# against N scepctl processes in a row.
batch=10
run_one_process() { measure one_process env SCEPCTL_CHALLENGE="$challenge" "$enroll_loop" "$url" "$work/key.pem" "$batch"; }
run_n_processes() {
  measure n_processes env SCEPCTL_CHALLENGE="$challenge" bash -c 'for i in $(seq "$1"); do mkdir -p "$2/batch$i" && "$3" -q enroll --url "$4" --key "$5" \
    --subject CN=bench --out-dir "$2/batch$i" || exit 1; rm -rf "$2/batch$i"; done' _ "$batch" "$shm" \
    "$scepctl" "$url" "$work/key.pem"
}

# A key in a TPM (swtpm, the same software TPM the tests use, on 127.0.0.1 inside the bed) against
# the same enrollment with a key file: what keeping the key in hardware costs per enrollment.
tcti="swtpm:host=127.0.0.1,port=19010"
mkdir -p "$work/swtpm"
"$tb" swtpm socket --tpm2 --tpmstate dir="$work/swtpm" --flags not-need-init,startup-clear \
  --server type=tcp,port=19010,bindaddr=127.0.0.1 --ctrl type=tcp,port=19011,bindaddr=127.0.0.1 &
swtpm_pid=$!
for _ in $(seq 100); do
  "$tb" env TPM2TOOLS_TCTI="$tcti" tpm2_getcap properties-fixed >/dev/null 2>&1 && break
  sleep 0.1
done
"$tb" env TPM2TOOLS_TCTI="$tcti" tpm2_dictionarylockout --setup-parameters --max-tries=4294967295 --clear-lockout \
  >/dev/null
mkdir -p "$work/tpmkey"
SCEPCTL_CHALLENGE="$challenge" "$tb" "$scepctl" -q enroll --url "$url" --key-store tpm2 --tpm2-tcti "$tcti" \
  --subject CN=bench-tpm --out-dir "$work/tpmkey" >/dev/null
run_file_key() { fresh; measure file_key env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" --key "$work/key.pem" --subject CN=bench --out-dir "$out"; }
run_tpm_key() { fresh; measure tpm_key env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" --key "$work/tpmkey/key.pem" --tpm2-tcti "$tcti" --subject CN=bench --out-dir "$out"; }

# shellcheck source=renew.sh
. "$here/renew.sh"

pair scepctl_caps curl_caps
pair scepctl_caps certmonger_caps
pair scepctl_cacert certmonger_cacert
pair scepctl_enroll scepclient_enroll
pair scepctl_enroll_tmpfs scepclient_enroll_tmpfs
pair scepctl_genkey openssl_genkey

# Growth with work: key size, and GET against POST (message size in the URL).
for bits in 2048 3072 4096; do
  eval "run_keysize_$bits() { fresh; measure keysize_$bits env SCEPCTL_CHALLENGE=\"\$challenge\" \"\$scepctl\" -q enroll --url \"\$url\" --key-size $bits --subject CN=bench --out-dir \"\$out\"; }"
done
pair keysize_2048 keysize_3072
: >"$work/keysize_4096"
for ((i = 0; i < runs; i++)); do run_keysize_4096; done
run_get() { fresh; measure get env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" --key "$work/key.pem" --method get --subject CN=bench --out-dir "$out"; }
run_post() { fresh; measure post env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" --key "$work/key.pem" --method post --subject CN=bench --out-dir "$out"; }
pair get post
pair one_process n_processes
pair file_key tpm_key
renew_measure
cpu_measure

# Round trips over a WAN link (delay proxy): bench/wan.sh.
# shellcheck source=bench/wan.sh
. "$here/wan.sh"
wan_measure

ms() { awk -v s="$(col "$1" 1)" 'BEGIN { printf "%.1f", s * 1000 }'; }
kb() { col "$1" 2; }
ratio() { awk -v a="$(col "$1" 1)" -v b="$(col "$2" 1)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
row() { printf '| %s | %s ms | %s KiB | %s | %s ms | %s KiB | %s |\n' "$1" "$(ms "$2")" "$(kb "$2")" "$3" "$(ms "$4")" "$(kb "$4")" "$(ratio "$2" "$4")"; }
table=$(
  echo '| measurement | scepctl | scepctl peak RSS | peer | peer time | peer peak RSS | ratio (scepctl/peer) |'
  echo '|---|---|---|---|---|---|---|'
  row "GetCACaps" scepctl_caps "curl" curl_caps
  row "GetCACaps" scepctl_caps "certmonger scep-submit -c" certmonger_caps
  row "GetCACert" scepctl_cacert "certmonger scep-submit -C" certmonger_cacert
  row "enroll, existing RSA-2048 key" scepctl_enroll "micromdm scepclient" scepclient_enroll
  row "same, output on tmpfs (no fsync cost)" scepctl_enroll_tmpfs "micromdm scepclient" scepclient_enroll_tmpfs
  row "enroll, generating RSA-2048" scepctl_genkey "openssl genpkey (key only)" openssl_genkey
  row "enroll, existing key in a TPM (swtpm)" tpm_key "scepctl, same key in a file" file_key
  cpu_rows
  renew_rows
  echo
  echo '| growth | median | peak RSS |'
  echo '|---|---|---|'
  for m in keysize_2048 keysize_3072 keysize_4096 get post; do printf '| %s | %s ms | %s KiB |\n' "$m" "$(ms $m)" "$(kb $m)"; done
  printf '| %s enrollments, one process (bench_enroll_loop) | %s ms | %s KiB |\n' "$batch" "$(ms one_process)" "$(kb one_process)"
  printf '| %s enrollments, %s scepctl processes (tmpfs) | %s ms | %s KiB |\n' "$batch" "$batch" "$(ms n_processes)" "$(kb n_processes)"
  wan_rows
)
echo "$table"
# The hand-written analysis below the marker survives a re-run.
marker='<!-- analysis: kept by bench/run.sh -->'
# (The marker holds a '/': it cannot be a sed /address/.)
analysis=$(awk -v m="$marker" '$0 == m { keep = 1 } keep' "$here/RESULTS.md" 2>/dev/null || true)
{
  echo "# Benchmark results"
  echo
  echo "Produced by \`bench/run.sh $runs\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -r));"
  echo "$("$scepctl" --version | tr '\n' ';' | sed 's/;$//'); scepclient and scepserver from Debian package scep"
  echo "$(dpkg-query -W -f='${Version}' scep); certmonger $(dpkg-query -W -f='${Version}' certmonger)."
  echo "Medians of $runs paired runs (A/B order alternating) against scepserver on loopback in the test bed."
  echo
  echo "$table"
  if [ -n "$analysis" ]; then echo; echo "$analysis"; fi
} >"$here/RESULTS.md"
echo "written: $here/RESULTS.md"
