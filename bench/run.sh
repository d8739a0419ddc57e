#!/usr/bin/env bash
# Benchmarks scepctl against its peers on the local test bed: wall time (median of paired A/B
# runs, so machine drift cancels) and peak RSS (/usr/bin/time -f %M). Run by hand on a quiet
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

bed=$(mktemp -d /tmp/scepctl-bench.XXXXXX)
chmod 755 "$bed"
trap '"$root/tests/interop/testbed/down.sh" "$bed" >/dev/null 2>&1 || true; rm -rf "$bed"' EXIT
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
  "$tb" /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >/dev/null 2>"$work/stderr" ||
    { echo "bench: $name failed: $(tail -n 3 "$work/stderr")" >&2; exit 1; }
  cat "$work/time.out" >>"$work/$name"
}
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
fresh() { n=$((n + 1)); mkdir -p "$work/out$n"; }
run_scepctl_enroll() {
  fresh
  measure scepctl_enroll env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" \
    --key "$work/key.pem" --subject CN=bench --out-dir "$work/out$n"
}
run_scepclient_enroll() {
  fresh
  cp "$work/key.pem" "$work/out$n/key.pem"
  measure scepclient_enroll scepclient -server-url "$url" -private-key "$work/out$n/key.pem" \
    -certificate "$work/out$n/cert.pem" -challenge "$challenge" -cn bench
}
run_scepctl_genkey() {
  fresh
  measure scepctl_genkey env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" \
    --subject CN=bench --out-dir "$work/out$n"
}
run_openssl_genkey() {
  fresh
  measure openssl_genkey openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/out$n/k.pem"
}

pair scepctl_caps curl_caps
pair scepctl_caps certmonger_caps
pair scepctl_cacert certmonger_cacert
pair scepctl_enroll scepclient_enroll
pair scepctl_genkey openssl_genkey

# Growth with work: key size, and GET against POST (message size in the URL).
for bits in 2048 3072 4096; do
  eval "run_keysize_$bits() { fresh; measure keysize_$bits env SCEPCTL_CHALLENGE=\"\$challenge\" \"\$scepctl\" -q enroll --url \"\$url\" --key-size $bits --subject CN=bench --out-dir \"\$work/out\$n\"; }"
done
pair keysize_2048 keysize_3072
: >"$work/keysize_4096"
for ((i = 0; i < runs; i++)); do run_keysize_4096; done
run_get() { fresh; measure get env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" --key "$work/key.pem" --method get --subject CN=bench --out-dir "$work/out$n"; }
run_post() { fresh; measure post env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" --key "$work/key.pem" --method post --subject CN=bench --out-dir "$work/out$n"; }
pair get post

ms() { awk -v s="$(col "$1" 1)" 'BEGIN { printf "%.1f", s * 1000 }'; }
kb() { col "$1" 2; }
ratio() { awk -v a="$(col "$1" 1)" -v b="$(col "$2" 1)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
row() { printf '| %s | %s ms | %s KiB | %s | %s ms | %s KiB | %s |\n' "$1" "$(ms "$2")" "$(kb "$2")" "$3" "$(ms "$4")" "$(kb "$4")" "$(ratio "$2" "$4")"; }
# /usr/bin/time %e has 10 ms resolution; medians of many runs still rank reliably.
table=$(
  echo '| measurement | scepctl | scepctl peak RSS | peer | peer time | peer peak RSS | ratio (scepctl/peer) |'
  echo '|---|---|---|---|---|---|---|'
  row "GetCACaps" scepctl_caps "curl" curl_caps
  row "GetCACaps" scepctl_caps "certmonger scep-submit -c" certmonger_caps
  row "GetCACert" scepctl_cacert "certmonger scep-submit -C" certmonger_cacert
  row "enroll, existing RSA-2048 key" scepctl_enroll "micromdm scepclient" scepclient_enroll
  row "enroll, generating RSA-2048" scepctl_genkey "openssl genpkey (key only)" openssl_genkey
  echo
  echo '| growth | median | peak RSS |'
  echo '|---|---|---|'
  for m in keysize_2048 keysize_3072 keysize_4096 get post; do printf '| %s | %s ms | %s KiB |\n' "$m" "$(ms $m)" "$(kb $m)"; done
)
echo "$table"
{
  echo "# Benchmark results"
  echo
  echo "Produced by \`bench/run.sh $runs\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(uname -r));"
  echo "$("$scepctl" --version | tr '\n' ';' | sed 's/;$//'); scepclient and scepserver from Debian package scep"
  echo "$(dpkg-query -W -f='${Version}' scep); certmonger $(dpkg-query -W -f='${Version}' certmonger)."
  echo "Medians of $runs paired runs (A/B order alternating) against scepserver on loopback in the test bed."
  echo
  echo "$table"
} >"$here/RESULTS.md"
echo "written: $here/RESULTS.md"
