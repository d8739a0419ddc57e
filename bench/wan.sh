# shellcheck shell=bash disable=SC2154 # run.sh's variables
# Round trips over a WAN link (issue 22, target 3), sourced by bench/run.sh: time to certificate
# through bench/delay_proxy.py (WAN_DELAY_MS each way, default 25: a 50 ms round trip), for
# scepctl and the peers, over http and https, for a plain enrollment (existing RSA-2048 key) and
# for the full NDES flow (challenge from the admin page with Kerberos, the KDC behind the proxy
# too), with the connections, HTTP requests and KDC exchanges of one run of each beside the times,
# and each flow's floor.
#
# Uses run.sh's tb, work, scepctl, scep_submit, challenge, measure, fresh, col/ms/kb and $runs.
# Everything goes through the bed's Apache (the NDES URL layout, and the only https server):
#   proxy 127.0.0.1:28080 -> Apache http, 28443 -> Apache https, 28888 (udp+tcp) -> the KDC.
wan_delay_ms=${WAN_DELAY_MS:-25}
wan_rtt_ms=$((2 * wan_delay_ms))
wan_http_port=28080 wan_https_port=28443 wan_kdc_port=28888
wan_url=http://localhost:$wan_http_port/certsrv/mscep/mscep.dll
wan_url_tls=https://localhost:$wan_https_port/certsrv/mscep/mscep.dll
wan_admin=http://localhost:$wan_http_port/certsrv/mscep_admin/
wan_admin_tls=https://localhost:$wan_https_port/certsrv/mscep_admin/
wan_proxy_pid=
wan_mode="time"

# wan_start_proxy: the delay proxy in the bed's namespace; a private krb5.conf (KRB5_CONFIG of
# these runs only) names it as the KDC. Stopped by pid at the end of wan_measure or on exit.
wan_start_proxy() {
  wan_log=$work/wan-proxy.log
  : >"$wan_log"
  rm -f "$work/wan-proxy.ready"
  "$tb" python3 "$here/delay_proxy.py" --delay-ms "$wan_delay_ms" --log "$wan_log" --ready "$work/wan-proxy.ready" \
    --tcp "$wan_http_port=127.0.0.1:$TESTBED_HTTP_PORT" --tcp "$wan_https_port=127.0.0.1:$TESTBED_HTTPS_PORT" \
    --tcp "$wan_kdc_port=127.0.0.1:$TESTBED_KDC_PORT" --udp "$wan_kdc_port=127.0.0.1:$TESTBED_KDC_PORT" 2>"$work/wan-proxy.err" &
  wan_proxy_pid=$!
  local previous
  eval "previous=$(trap -p EXIT | sed 's/^trap -- //; s/ EXIT$//')"
  # shellcheck disable=SC2064 # the pid is fixed now; run.sh's own clean-up runs after
  trap "wan_stop_proxy; $previous" EXIT
  for _ in $(seq 100); do [ -e "$work/wan-proxy.ready" ] && break; sleep 0.05; done
  [ -e "$work/wan-proxy.ready" ] || { echo "bench: the delay proxy did not start" >&2; exit 1; }
  sed "s/^\( *kdc = \).*/\1127.0.0.1:$wan_kdc_port/" "$TESTBED_DIR/etc/krb5.conf" >"$work/wan-krb5.conf"
}
wan_stop_proxy() {
  [ -n "$wan_proxy_pid" ] || return 0
  kill "$wan_proxy_pid" 2>/dev/null || true
  wait "$wan_proxy_pid" 2>/dev/null || true
  wan_proxy_pid=
}

# wan_run NAME CMD...: one run inside the bed, timed (measure) or, with wan_mode=count, counted.
wan_run() { if [ "$wan_mode" = count ]; then wan_count "$@"; else measure "$@"; fi; }

# wan_count NAME CMD...: one untimed run; writes "CONNECTIONS REQUESTS KDC_EXCHANGES KDC_TRANSPORT
# BYTES" to $work/NAME.counts: TCP connections to Apache and the bytes they carried (the proxy's
# log), HTTP requests (Apache's access log: mscep.dll is proxied to scepserver, the admin page is
# Apache's own), AS/TGS requests (the KDC's log) and how they travelled (proxy: udp datagrams, tcp
# connections, e.g. "3-udp").
wan_count() {
  local name=$1 p0 a0 k0
  shift
  p0=$(wc -l <"$wan_log")
  a0=$(wc -l <"$TESTBED_DIR/log/apache-access.log")
  k0=$(wc -l <"$TESTBED_DIR/log/krb5kdc.log")
  "$tb" "$@" >/dev/null 2>"$work/stderr" || { echo "bench: $name failed: $(tail -n 3 "$work/stderr")" >&2; exit 1; }
  for _ in $(seq 100); do # the proxy closes each connection a delay after the client did
    wan_proxy_since "$p0" | awk '$1 == "tcp-open" { o[$2 " " $3] = 1 } $1 == "tcp-close" { delete o[$2 " " $3] }
      END { for (k in o) exit 1 }' && break
    sleep 0.05
  done
  wan_proxy_since "$p0" | awk -v k="$wan_kdc_port" -v a="$(tail -n "+$((a0 + 1))" "$TESTBED_DIR/log/apache-access.log" | wc -l)" \
    -v kdc="$(tail -n "+$((k0 + 1))" "$TESTBED_DIR/log/krb5kdc.log" | grep -cE ' (AS|TGS)_REQ ')" '
    $1 == "tcp-open" { mine[$2 " " $3] = 1 }
    $1 == "tcp-open" && $2 != k { conns++ }
    $1 == "tcp-close" && $2 != k && ($2 " " $3) in mine { bytes += $4 + $5 }
    $1 == "tcp-open" && $2 == k { ktcp++ }
    $1 == "udp" { kudp++ }
    END { how = (kudp ? kudp "-udp" : "") (ktcp ? (kudp ? "+" : "") ktcp "-tcp" : "")
          printf "%d %d %d %s %d\n", conns, a, kdc, how == "" ? "-" : how, bytes }' >"$work/$name.counts"
}
wan_proxy_since() { tail -n "+$(($1 + 1))" "$wan_log"; }

# Plain enrollment, existing RSA-2048 key. $1 = http or https.
wan_tls() { if [ "$1" = https ]; then echo "$TESTBED_TLS_CA"; fi; }
wan_scepctl_plain() {
  local u=$wan_url tls=()
  [ "$1" = https ] && u=$wan_url_tls tls=(--cacert "$TESTBED_TLS_CA")
  fresh
  wan_run "wan_plain_$1_scepctl" env SCEPCTL_CHALLENGE="$challenge" "$scepctl" -q "${tls[@]}" enroll --url "$u" \
    --key "$work/key.pem" --subject CN=bench --out-dir "$out"
}
# scepclient has no CA option: Go reads the roots from SSL_CERT_FILE.
wan_scepclient_plain() {
  local u=$wan_url
  [ "$1" = https ] && u=$wan_url_tls
  fresh
  cp "$work/key.pem" "$out/key.pem"
  wan_run "wan_plain_$1_scepclient" env SSL_CERT_FILE="${TESTBED_TLS_CA}" scepclient -server-url "$u" \
    -private-key "$out/key.pem" -certificate "$out/cert.pem" -challenge "$challenge" -cn bench
}
# certmonger's daemon builds the PKCSReq and runs the helper once per step: GetCACaps (-c), the CA
# certificates (-C: GetCACert, GetCACert/GetCAChain) and the PKIOperation (-p: GetCACaps again,
# then PKIOperation), each a new process with its own connection. The PKCSReq is a ready-made one
# (wan_pkcsreq: scepctl's, to the same CA, with the bed's static challenge); the daemon's own
# decryption of the reply is not part of it.
# shellcheck disable=SC2016 # expanded by the inner bash
wan_certmonger_steps='s=$1 u=$2 out=$3 msg=$4; shift 4
  "$s" -u "$u" "$@" -c >/dev/null && "$s" -u "$u" "$@" -C >"$out/cas.pem" &&
  "$s" -u "$u" "$@" -r "$out/cas.pem" -N "$out/cas.pem" -p "$msg" >"$out/envelope.pem"'
wan_certmonger_plain() {
  local u=$wan_url tls=()
  [ "$1" = https ] && u=$wan_url_tls tls=(-R "$TESTBED_TLS_CA")
  fresh
  wan_run "wan_plain_$1_certmonger" bash -c "$wan_certmonger_steps" _ "$scep_submit" "$u" "$out" "$work/wan-pkcsreq.pem" "${tls[@]}"
}
# Over https, scep-submit gives its -R CA file to its first request only (src/scep.c passes no CA
# to the later cm_submit_h_init calls), so -p's PKIOperation fails to verify the server: tried once.
wan_certmonger_https_try() {
  fresh
  if "$tb" bash -c "$wan_certmonger_steps" _ "$scep_submit" "$wan_url_tls" "$out" "$work/wan-pkcsreq.pem" \
    -R "$TESTBED_TLS_CA" >"$out/stdout" 2>&1; then
    wan_certmonger_https="completes (not timed)"
  else
    wan_certmonger_https="-c and -C work; -p fails: $(grep -v '^$' "$out/envelope.pem" "$out/stdout" 2>/dev/null | tail -n 1 | sed 's/^[^:]*://')"
  fi
}
# A PKCSReq for certmonger's helper: scepctl's, sent once with GET so that Apache's access log
# holds it (URL-encoded base64), straight to the bed (no proxy).
wan_pkcsreq() {
  fresh
  SCEPCTL_CHALLENGE="$challenge" "$tb" "$scepctl" -q enroll --url "$TESTBED_SCEP_URL" --key "$work/key.pem" \
    --subject CN=bench --method get --out-dir "$out" >/dev/null
  grep -o 'operation=PKIOperation&message=[^ ]*' "$TESTBED_DIR/log/apache-access.log" | tail -n 1 |
    sed 's/.*message=//' | python3 -c 'import sys, textwrap, urllib.parse
b64 = urllib.parse.unquote(sys.stdin.read().strip())
print("-----BEGIN PKCS7-----", *textwrap.wrap(b64, 64), "-----END PKCS7-----", sep="\n")' >"$work/wan-pkcsreq.pem"
}

# The full NDES flow: Kerberos (the service user's keytab) to the admin page, its challenge, then
# the enrollment. scepctl does it in one run; the peers cannot (no HTTP authentication), so their
# flow is what an admin scripts: kinit, curl --negotiate, the challenge scraped from the UTF-16
# page, scepclient.
wan_scepctl_ndes() {
  local u=$wan_url a=$wan_admin tls=()
  [ "$1" = https ] && u=$wan_url_tls a=$wan_admin_tls tls=(--cacert "$TESTBED_TLS_CA")
  fresh
  wan_run "wan_ndes_$1_scepctl" env KRB5_CONFIG="$work/wan-krb5.conf" "$scepctl" -q "${tls[@]}" enroll --url "$u" \
    --challenge-url "$a" --kerberos --service-user "$TESTBED_SVC_PRINCIPAL" --keytab "$TESTBED_SVC_KEYTAB" \
    --allowed-domain localhost --allow-insecure-auth --key "$work/key.pem" --subject CN=bench --out-dir "$out"
}
# shellcheck disable=SC2016 # expanded by the inner bash
wan_ndes_script='set -o pipefail; u=$1 a=$2 out=$3 tlsca=$4
  export KRB5CCNAME=FILE:$out/ccache
  kinit -k -t "$TESTBED_SVC_KEYTAB" "$TESTBED_SVC_PRINCIPAL" || exit 1
  ch=$(curl -fsS ${tlsca:+--cacert "$tlsca"} --negotiate -u : "$a" | iconv -f UTF-16 -t UTF-8 |
    sed -n "s/.*challenge password is: <B> \([^ <]*\) <\/B>.*/\1/p") && [ -n "$ch" ] || exit 1
  SSL_CERT_FILE=$tlsca scepclient -server-url "$u" -private-key "$out/key.pem" -certificate "$out/cert.pem" \
    -challenge "$ch" -cn bench'
wan_peer_ndes() {
  local u=$wan_url a=$wan_admin
  [ "$1" = https ] && u=$wan_url_tls a=$wan_admin_tls
  fresh
  cp "$work/key.pem" "$out/key.pem"
  wan_run "wan_ndes_$1_peer" env KRB5_CONFIG="$work/wan-krb5.conf" bash -c "$wan_ndes_script" _ "$u" "$a" "$out" \
    "$(wan_tls "$1")"
}
# renew from a timer (existing pair, --reuse-key): with the CA/RA certificates it stored and pinned
# (--ca-cache: GetCACaps and PKIOperation) and asking GetCACert too. $1 = cached or fetched.
wan_renew_pair() { # an enrolled pair to renew, straight to the bed (no proxy)
  local cache=()
  [ "$1" = cached ] && cache=(--ca-cache "$work/wan_pair_$1/ca-ra.pem")
  mkdir -p "$work/wan_pair_$1"
  "$tb" "$scepctl" -q enroll --url "$TESTBED_SCEP_URL" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" \
    --challenge-file "$TESTBED_CHALLENGE_FILE" --subject "CN=bench-wan-$1" --out-dir "$work/wan_pair_$1" "${cache[@]}" \
    >/dev/null
}
wan_renew() {
  local cache=()
  [ "$1" = cached ] && cache=(--ca-cache "$work/wan_pair_$1/ca-ra.pem")
  wan_run "wan_$1_http_renew" "$scepctl" -q renew --url "$wan_url" --ca-fingerprint "sha256:$TESTBED_CA_SHA256" \
    --reuse-key --challenge-file "$TESTBED_CHALLENGE_FILE" --out-dir "$work/wan_pair_$1" "${cache[@]}"
}
run_wan_renew_cached_http() { wan_renew cached; }
run_wan_renew_fetched_http() { wan_renew fetched; }

for wan_t in http https; do
  for wan_c in scepctl_plain scepclient_plain certmonger_plain scepctl_ndes peer_ndes; do
    eval "run_wan_${wan_c}_$wan_t() { wan_$wan_c $wan_t; }"
  done
done

# wan_group A B...: like run.sh's pair for several clients: one warm-up each, then RUNS rounds,
# each starting one client later, so that every client is measured in the same stretch of time.
wan_group() {
  local i j clients=$# # (not n: fresh's counter)
  local names=("$@")
  for ((j = 0; j < clients; j++)); do "run_${names[j]}"; done
  for ((j = 0; j < clients; j++)); do : >"$work/$(wan_file "${names[j]}")"; done
  for ((i = 0; i < runs; i++)); do
    for ((j = 0; j < clients; j++)); do "run_${names[(i + j) % clients]}"; done
  done
}
# run_wan_scepctl_plain_http writes wan_plain_http_scepctl
wan_file() { local c=${1#wan_} t=${1##*_}; c=${c%_*}; echo "wan_${c#*_}_${t}_${c%%_*}"; }

# strongSwan's pki --scep: tried once over http; its reason for not completing goes in the table.
wan_pki_try() {
  fresh
  "$tb" pki --scepca --url "$wan_url" --caout "$out/ca.der" --force >/dev/null 2>&1
  openssl rsa -in "$work/key.pem" -outform DER -out "$out/key.der" 2>/dev/null
  if "$tb" pki --scep --url "$wan_url" --in "$out/key.der" --dn CN=bench --password "$challenge" \
    --cacert-enc "$out/ca.der" --cacert-sig "$out/ca.der" >"$out/cert.der" 2>"$out/pki.err"; then
    wan_pki_result="completes (not timed)"
  else
    wan_pki_result="fails: $(grep -v -e '^plugin' -e '^TPM' "$out/pki.err" | tail -n 1)"
    if "$tb" pki --scep --url "$wan_url" --in "$out/key.der" --dn CN=bench --password "$challenge" --cipher des3 \
      --cacert-enc "$out/ca.der" --cacert-sig "$out/ca.der" >"$out/cert.der" 2>"$out/pki.err"; then
      wan_pki_result="$wan_pki_result; with --cipher des3 it completes (not timed)"
    else
      wan_pki_result="$wan_pki_result; with --cipher des3: $(grep -v -e '^plugin' -e '^TPM' "$out/pki.err" | tail -n 1)"
    fi
  fi
}

wan_measure() {
  command -v pki >/dev/null || apt-get install -y strongswan-pki >/dev/null
  wan_pkcsreq
  wan_renew_pair cached
  wan_renew_pair fetched
  wan_start_proxy
  wan_pki_try
  wan_certmonger_https_try
  local t c
  wan_mode=count
  for c in scepctl_plain_http scepclient_plain_http certmonger_plain_http scepctl_plain_https scepclient_plain_https \
    scepctl_ndes_http peer_ndes_http scepctl_ndes_https peer_ndes_https renew_cached_http renew_fetched_http; do
    "run_wan_$c"
  done
  wan_mode="time"
  wan_group wan_scepctl_plain_http wan_scepclient_plain_http wan_certmonger_plain_http
  wan_group wan_scepctl_plain_https wan_scepclient_plain_https
  wan_group wan_scepctl_ndes_http wan_peer_ndes_http
  wan_group wan_scepctl_ndes_https wan_peer_ndes_https
  wan_group wan_renew_cached_http wan_renew_fetched_http
  wan_stop_proxy
}

# The floor of a flow, in round trips: a TCP connection (1), TLS 1.3 (1), each HTTP request (1),
# each KDC exchange over UDP (1).
wan_floor_row() { # wan_floor_row FLOW TRANSPORT REQUESTS KDC WHAT
  local rtts=$((1 + $3 + $4)) handshake=
  [ "$2" = https ] && rtts=$((rtts + 1)) handshake=" + TLS"
  printf '| %s, %s | **floor** (%s) | %s ms (%s round trips) | 1%s | %s | %s | | |\n' "$1" "$2" "$5" \
    "$((rtts * wan_rtt_ms))" "$rtts" "$handshake" "$3" "$4"
}
wan_row() { # wan_row FLOW TRANSPORT CLIENT-LABEL NAME [NAME-A NAME-B: the ratio A/B in this row]
  local counts ratio=
  read -r -a counts <"$work/$4.counts"
  if [ $# -ge 6 ]; then
    ratio=$(ratio "$5" "$6")
  elif [ $# -eq 4 ] && [ "${4##*_}" != scepctl ]; then
    ratio=$(ratio "${4%_*}_scepctl" "$4")
  fi
  [ "${counts[3]}" != - ] && counts[2]="${counts[2]} (${counts[3]//-/ })"
  printf '| %s, %s | %s | %s ms | %s | %s | %s | %s KiB | %s |\n' "$1" "$2" "$3" "$(ms "$4")" "${counts[0]}" \
    "${counts[1]}" "${counts[2]}" "$((counts[4] / 1024))" "$ratio"
}
wan_rows() {
  echo
  echo "| WAN flow (${wan_rtt_ms} ms round trip) | client | time to certificate | TCP connections | HTTP requests | KDC exchanges | bytes | ratio (scepctl/client) |"
  echo '|---|---|---|---|---|---|---|---|'
  local t
  for t in http https; do
    wan_floor_row "plain enrollment" "$t" 3 0 "GetCACaps, GetCACert, PKIOperation on one connection"
    wan_row "plain enrollment" "$t" scepctl "wan_plain_${t}_scepctl"
    wan_row "plain enrollment" "$t" "micromdm scepclient" "wan_plain_${t}_scepclient"
    [ "$t" = http ] && wan_row "plain enrollment" "$t" "certmonger scep-submit -c, -C, -p (ready-made PKCSReq)" "wan_plain_${t}_certmonger"
  done
  printf '| plain enrollment, https | certmonger scep-submit -R | %s | | | | | |\n' "$wan_certmonger_https"
  printf '| plain enrollment, http | strongSwan pki --scepca, --scep | %s | | | | | |\n' "$wan_pki_result"
  for t in http https; do
    wan_floor_row "NDES flow" "$t" 4 2 "AS-REQ with pre-authentication, TGS-REQ, admin page with Negotiate at once, 3 SCEP requests"
    wan_row "NDES flow" "$t" "scepctl --challenge-url --kerberos --keytab" "wan_ndes_${t}_scepctl"
    wan_row "NDES flow" "$t" "kinit -k, curl --negotiate, scepclient" "wan_ndes_${t}_peer"
  done
  wan_floor_row "renew from a timer" http 2 0 "GetCACaps, PKIOperation: CA/RA certificates stored and pinned"
  wan_row "renew from a timer" http "scepctl renew (GetCACert too)" wan_fetched_http_renew -
  wan_row "renew from a timer" http "scepctl renew --ca-cache (ratio: against GetCACert too)" wan_cached_http_renew \
    wan_cached_http_renew wan_fetched_http_renew
}
