# shellcheck shell=bash
# Sourced by bench/run.sh (issue 22, part "cpu"): CPU per request and per enrollment (user + system
# time of the process, exact: bench_rusage's wait4, see measure.py's third column) and peak RSS,
# paired against curl (GetCACaps) and micromdm scepclient (enrollment with an existing RSA-2048 key).
# Uses run.sh's measure, fresh, pair, col, kb, url, work, challenge and scepctl.

run_cpu_scepctl_caps() { measure cpu_scepctl_caps "$scepctl" getcacaps --url "$url"; }
run_cpu_curl_caps() { measure cpu_curl_caps curl -sS "$url?operation=GetCACaps"; }
run_cpu_scepctl_enroll() {
  fresh
  measure cpu_scepctl_enroll env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q enroll --url "$url" \
    --key "$work/key.pem" --subject CN=bench --out-dir "$out"
}
run_cpu_scepclient_enroll() {
  fresh
  cp "$work/key.pem" "$out/key.pem"
  measure cpu_scepclient_enroll scepclient -server-url "$url" -private-key "$out/key.pem" \
    -certificate "$out/cert.pem" -challenge "$challenge" -cn bench
}

cpu_measure() {
  pair cpu_scepctl_caps cpu_curl_caps
  pair cpu_scepctl_enroll cpu_scepclient_enroll
}

# Median CPU time in ms (column 3 of measure.py's lines), and the ratio of two medians.
cpu_ms() { awk -v s="$(col "$1" 3)" 'BEGIN { printf "%.1f", s * 1000 }'; }
cpu_ratio() { awk -v a="$(col "$1" 3)" -v b="$(col "$2" 3)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
cpu_row() {
  printf '| %s | %s ms CPU | %s KiB | %s | %s ms CPU | %s KiB | %s |\n' "$1" "$(cpu_ms "$2")" "$(kb "$2")" "$3" \
    "$(cpu_ms "$4")" "$(kb "$4")" "$(cpu_ratio "$2" "$4")"
}

# Rows for the main table (same columns: time there is CPU time here, user + system).
cpu_rows() {
  cpu_row "CPU (user+sys), GetCACaps" cpu_scepctl_caps "curl" cpu_curl_caps
  cpu_row "CPU (user+sys), enroll, existing RSA-2048 key" cpu_scepctl_enroll "micromdm scepclient" cpu_scepclient_enroll
}
