#!/bin/bash
# up.sh DIR: start the scepctl interop test bed in DIR (must be empty or missing).
#
# Everything runs in a private network namespace that has only a loopback interface:
#   MIT krb5kdc (realm EXAMPLE.TEST), micromdm scepserver, Apache + mod_auth_gssapi
#   (NDES URL layout, Negotiate-protected mscep_admin challenge pages, HTTP and HTTPS).
# TESTBED_KDB=ldap: the KDC keeps its database in OpenLDAP (slapd, MIT's LDAP KDB module) and the
# bed mirrors Active Directory: HTTP/localhost is an alias of the service user (one key, as an AD
# account with an SPN) and krbAllowedToDelegateTo lists the delegation target (kdb-ldap.sh).
# Clients run inside the bed with DIR/bin/tb CMD...; DIR/env.sh holds the TESTBED_* variables;
# down.sh DIR stops it. Nothing outside DIR is written. See README.md next to this script.
set -eu
# Apache workers (www-data) read the config, pages and keytab: do not inherit a strict umask.
# Secrets get explicit modes below.
umask 022

here=$(cd "$(dirname "$0")" && pwd -P)
t0=$(date +%s%N)

elapsed() {
    local ms=$((($(date +%s%N) - t0) / 1000000))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
say() { printf '[up %ss] %s\n' "$(elapsed)" "$*"; }
die() { printf 'up.sh: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: up.sh DIR" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (network namespace, Apache switching to www-data)"

for cmd in unshare nsenter ip runuser iconv curl openssl krb5kdc kdb5_util kadmin.local kinit \
           scepserver apache2; do
    command -v "$cmd" >/dev/null ||
        die "command '$cmd' not found; needed packages: scep krb5-kdc krb5-admin-server krb5-user apache2 libapache2-mod-auth-gssapi curl openssl iproute2"
done
[ -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
    die "mod_auth_gssapi.so not found (package libapache2-mod-auth-gssapi)"
KDB=${TESTBED_KDB:-db2}
case $KDB in
    db2) ;;
    ldap)
        for cmd in slapd slappasswd kdb5_ldap_util ldapadd ldapmodify ldapsearch; do
            command -v "$cmd" >/dev/null ||
                die "command '$cmd' not found; TESTBED_KDB=ldap needs the packages slapd krb5-kdc-ldap ldap-utils"
        done
        [ -f /usr/share/doc/krb5-kdc-ldap/kerberos.schema.gz ] ||
            die "kerberos.schema.gz not found (package krb5-kdc-ldap)"
        ;;
    *) die "TESTBED_KDB must be db2 (the default) or ldap, not '$KDB'" ;;
esac

REALM=EXAMPLE.TEST
KDC_PORT=${TESTBED_KDC_PORT:-18888}
HTTP_PORT=${TESTBED_HTTP_PORT:-18080}
HTTPS_PORT=${TESTBED_HTTPS_PORT:-18443}
SCEP_PORT=${TESTBED_SCEP_PORT:-18081}
LDAP_PORT=${TESTBED_LDAP_PORT:-18389}   # slapd, only with TESTBED_KDB=ldap
for port in "$KDC_PORT" "$HTTP_PORT" "$HTTPS_PORT" "$SCEP_PORT" "$LDAP_PORT"; do
    case $port in
        '' | *[!0-9]*) die "port '$port' is not a number" ;;
    esac
    if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die "port $port is out of range"; fi
done
[ "$(printf '%s\n' "$KDC_PORT" "$HTTP_PORT" "$HTTPS_PORT" "$SCEP_PORT" "$LDAP_PORT" | sort -u | wc -l)" = 5 ] ||
    die "the KDC, HTTP, HTTPS, SCEP and LDAP ports must differ"

# DIR is pasted verbatim into krb5, Apache and shell files: keep it free of quoting trouble.
valid_path() {
    case $1 in
        *[!A-Za-z0-9._/-]*) die "DIR '$1' may only contain letters, digits and . _ / -" ;;
    esac
}
valid_path "$1"
created_dir=0
if [ ! -e "$1" ]; then
    mkdir "$1" || die "cannot create $1 (its parent must exist)"
    created_dir=1
fi
DIR=$(cd "$1" && pwd -P)

# On failure: before anything was started, only remove a DIR this script created; afterwards
# stop whatever was started (the logs stay in DIR).
started=0
on_exit() {
    local rc=$?
    [ $rc -ne 0 ] || return 0
    if [ $started = 1 ]; then
        echo "up.sh: start failed (exit $rc), stopping what was started; logs: $DIR/log/" >&2
        "$here/down.sh" "$DIR" >&2 || true
    elif [ $created_dir = 1 ]; then
        rm -rf "$DIR"
    fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

valid_path "$DIR"
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty; use a fresh directory (down.sh stops an old bed)"
# Apache workers run as www-data and read the keytab and pages below DIR.
runuser -u www-data -- test -x "$DIR" ||
    die "www-data cannot enter $DIR: DIR and all its parents must be world-searchable (chmod o+x), e.g. a directory under /tmp"

# All Kerberos tools run by this script use the bed's config and a throwaway cache in DIR,
# never the caller's (or the system's default) credentials cache.
export KRB5_CONFIG=$DIR/etc/krb5.conf KRB5_KDC_PROFILE=$DIR/etc/kdc.conf
export KRB5CCNAME=FILE:$DIR/run/ready.ccache
unset KRB5_CLIENT_KTNAME KRB5_KTNAME KRB5_TRACE

# Retry CMD every 50 ms for up to 10 s; die with DESC if it never succeeds.
wait_until() {
    local desc=$1 i=0
    shift
    until "$@"; do
        i=$((i + 1))
        [ $i -lt 200 ] || die "$desc"
        sleep 0.05
    done
}
rand_hex() { openssl rand -hex "$1"; }

mkdir -p "$DIR"/{etc,kdc,keytabs,secrets,scep,tls,client,run/apache,log,bin} \
         "$DIR"/apache/{htdocs/certsrv/mscep_admin,htdocs/certsrv/mscep_admin_basic,htdocs/certsrv/mscep_admin_anon,rcache}
chmod 700 "$DIR/kdc" "$DIR/secrets"
chown www-data:www-data "$DIR/apache/rcache"
chmod 700 "$DIR/apache/rcache"
# Apache workers (www-data) write the server-side krb5 trace.
install -o www-data -g www-data -m 0640 /dev/null "$DIR/log/krb5_trace_apache.log"

SVC_PRINCIPAL=svc-scep@$REALM
HTTP_PRINCIPAL=HTTP/localhost@$REALM
SVC_KEYTAB=$DIR/keytabs/svc-scep.keytab
HTTP_KEYTAB=$DIR/keytabs/http.keytab
PASSWORD_FILE=$DIR/secrets/svc-password
CHALLENGE_FILE=$DIR/secrets/challenge
BASIC_USER=ndes-admin
BASIC_PASSWORD_FILE=$DIR/secrets/basic-password
# shellcheck source=tests/interop/testbed/kdb-ldap.sh
[ "$KDB" = ldap ] && . "$here/kdb-ldap.sh"
(umask 077
 printf 'Svc-%s' "$(rand_hex 12)" >"$PASSWORD_FILE"
 printf 'Basic-%s' "$(rand_hex 12)" >"$BASIC_PASSWORD_FILE"
 rand_hex 8 | tr a-f A-F | tr -d '\n' >"$CHALLENGE_FILE")   # NDES style: 16 upper-case hex
CHALLENGE=$(cat "$CHALLENGE_FILE")

# --- network namespace with only lo ------------------------------------------------------------
# scepserver has no listen-address option and binds all interfaces; inside this namespace
# "all interfaces" is loopback only. The holder process keeps the namespace alive.
host_ns=$(readlink /proc/self/ns/net)
unshare --net -- sleep infinity </dev/null >/dev/null 2>&1 &
holder=$!
ns=
for _ in $(seq 100); do
    ns=$(readlink "/proc/$holder/ns/net" 2>/dev/null) || break   # holder died
    [ "$ns" != "$host_ns" ] && break
    sleep 0.01
done
if [ -z "$ns" ] || [ "$ns" = "$host_ns" ]; then
    kill "$holder" 2>/dev/null || true
    die "could not create a network namespace (unshare --net needs CAP_SYS_ADMIN; default Docker containers block it)"
fi
echo "$holder" >"$DIR/run/netns.pid"
echo "$ns" >"$DIR/run/netns.id"
started=1
nsenter -t "$holder" -n -- ip link set lo up   # a new namespace starts with lo down
say "network namespace $ns (holder pid $holder), lo up"

# --- key material, in the background while the KDC database is made (key generation is slow) -----
scepserver ca -init -depot "$DIR/scep/depot" -keySize 2048 -years 5 -country US \
    -organization "$REALM test bed" -organizational_unit "NDES test bed CA" \
    >"$DIR/log/scepserver-ca.log" 2>&1 &
ca_job=$!
# TLS: own CA + leaf for localhost. A separate CA, not a self-signed leaf: some verifiers
# (rustls/webpki) reject a self-signed end-entity certificate as its own trust anchor.
(cd "$DIR/tls"
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
     -days 365 -subj "/O=$REALM test bed/CN=test bed TLS CA" \
     -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
 openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
     -out server.csr -subj "/CN=localhost"
 printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
     "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >server.ext
 openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(rand_hex 8)" \
     -days 365 -extfile server.ext -out server.pem) >"$DIR/log/tls.log" 2>&1 &
tls_job=$!

# --- KDC -------------------------------------------------------------------------------------
cat >"$DIR/etc/krb5.conf" <<EOF
# Test bed Kerberos client config (used via KRB5_CONFIG; /etc/krb5.conf is not read)
[libdefaults]
    default_realm = $REALM
    dns_lookup_kdc = false
    dns_lookup_realm = false
    # take the host name from the URL verbatim: http://localhost:... -> HTTP/localhost@$REALM
    dns_canonicalize_hostname = false
    rdns = false
    qualify_shortname = ""
    # guards: nothing falls back to the system's default cache or keytab
    default_ccache_name = FILE:$DIR/client/krb5cc_default
    default_keytab_name = FILE:$DIR/keytabs/default.keytab
    default_client_keytab_name = FILE:$DIR/keytabs/client_default.keytab
    forwardable = false
    ticket_lifetime = 10h

[realms]
    $REALM = {
        kdc = 127.0.0.1:$KDC_PORT
    }

[domain_realm]
    localhost = $REALM
    .example.test = $REALM
    example.test = $REALM
EOF

cat >"$DIR/etc/kdc.conf" <<EOF
# Test bed KDC config (used via KRB5_KDC_PROFILE; /etc/krb5kdc/kdc.conf is not read)
[kdcdefaults]
    kdc_listen = 127.0.0.1:$KDC_PORT
    kdc_tcp_listen = 127.0.0.1:$KDC_PORT

[realms]
    $REALM = {
$(if [ "$KDB" = ldap ]; then ldap_kdc_realm_conf; else echo "        database_name = $DIR/kdc/principal"; fi)
        key_stash_file = $DIR/kdc/stash
        acl_file = $DIR/etc/kadm5.acl
        admin_keytab = FILE:$DIR/kdc/kadm5.keytab
        max_life = 10h 0m 0s
        max_renewable_life = 7d 0h 0m 0s
        master_key_type = aes256-cts-hmac-sha1-96
        supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
        # like Active Directory: the KDC rejects a wrong password (PREAUTH_FAILED)
        default_principal_flags = +preauth
    }

[logging]
    kdc = FILE:$DIR/log/krb5kdc.log
    admin_server = FILE:$DIR/log/kadmin.log
    default = FILE:$DIR/log/krb5lib.log
$([ "$KDB" = ldap ] && ldap_kdc_dbmodules_conf)
EOF
echo "# kadmind is not used; kadmin.local needs no ACL" >"$DIR/etc/kadm5.acl"

# Commands go in on stdin so the password never appears in a process list. kadmin.local exits 0
# even when a request fails, so its stderr is checked instead. "ktadd -norandkey" keeps the
# password valid (plain ktadd re-randomizes the key), so the service user has both.
if [ "$KDB" = ldap ]; then
    ldap_write_config
    ldap_create_database
    say "slapd started (pid $(cat "$DIR/run/slapd.pid")), realm container created"
    # Apache gets the service user's own key (the HTTP keytab holds svc-scep's entries), as IIS
    # with useAppPoolCredentials decrypts with the app pool account's key.
    ldap_create_principals
else
    # db2 has no principal aliases, so the AD account that holds the SPN is mirrored by giving
    # HTTP/localhost the service user's key: the same password with the realm-only salt makes the
    # same key, as the SPN on an AD account shares the account's key (useAppPoolCredentials).
    SHARED_KEY_ENCTYPES=aes256-cts-hmac-sha1-96:onlyrealm,aes128-cts-hmac-sha1-96:onlyrealm
    kdb5_util -r "$REALM" create -s -P "$(rand_hex 16)" >"$DIR/log/kdb5_util.log" 2>&1 ||
        die "kdb5_util create failed: $(cat "$DIR/log/kdb5_util.log")"
    kadmin.local -r "$REALM" >"$DIR/log/kadmin-setup.log" 2>"$DIR/log/kadmin-setup.err" <<EOF
addprinc -e $SHARED_KEY_ENCTYPES -pw $(cat "$PASSWORD_FILE") $SVC_PRINCIPAL
ktadd -k $SVC_KEYTAB -norandkey $SVC_PRINCIPAL
addprinc -e $SHARED_KEY_ENCTYPES -pw $(cat "$PASSWORD_FILE") $HTTP_PRINCIPAL
ktadd -k $HTTP_KEYTAB -norandkey $HTTP_PRINCIPAL
EOF
    if grep -v '^No policy specified for' "$DIR/log/kadmin-setup.err" >&2; then
        die "kadmin.local reported the errors above"
    fi
fi
chown root:www-data "$HTTP_KEYTAB"   # Apache workers (www-data) read it per request
chmod 0640 "$HTTP_KEYTAB"
say "KDC database ($KDB) + principals created ($SVC_PRINCIPAL, $HTTP_PRINCIPAL)"

# --- SCEP CA (scepserver's own depot) ----------------------------------------------------------
wait "$ca_job" || die "scepserver ca -init failed: $(cat "$DIR/log/scepserver-ca.log")"
cp "$DIR/scep/depot/ca.pem" "$DIR/scep/ca.pem"
fingerprint() {   # $1 = digest; prints lowercase hex without colons
    openssl x509 -in "$DIR/scep/ca.pem" -noout -fingerprint "-$1" | sed 's/.*=//; s/://g' | tr A-F a-f
}
CA_SHA256=$(fingerprint sha256)
CA_SHA1=$(fingerprint sha1)
CA_MD5=$(fingerprint md5)
# NDES shows the MD5 as 4 groups of 8 upper-case hex digits
CA_THUMBPRINT=$(echo "$CA_MD5" | tr a-f A-F | sed 's/.\{8\}/& /g; s/ $//')
say "SCEP CA created (RSA 2048)"

# --- env.sh and wrappers (DIR baked in, so they work from any shell) ------------------------------
cat >"$DIR/env.sh" <<EOF
# Test bed environment, generated by up.sh. Source it, or run clients with $DIR/bin/tb.
# The service user's password is NOT here: read it from \$TESTBED_SVC_PASSWORD_FILE.
export TESTBED_DIR=$DIR
export TESTBED_REALM=$REALM
export TESTBED_KDC=127.0.0.1:$KDC_PORT
export TESTBED_KDC_PORT=$KDC_PORT TESTBED_HTTP_PORT=$HTTP_PORT TESTBED_HTTPS_PORT=$HTTPS_PORT TESTBED_SCEP_PORT=$SCEP_PORT
export TESTBED_SVC_PRINCIPAL=$SVC_PRINCIPAL
export TESTBED_SVC_KEYTAB=$SVC_KEYTAB
export TESTBED_SVC_PASSWORD_FILE=$PASSWORD_FILE
export TESTBED_HTTP_PRINCIPAL=$HTTP_PRINCIPAL
export TESTBED_HTTP_KEYTAB=$HTTP_KEYTAB
export TESTBED_CHALLENGE=$CHALLENGE
export TESTBED_CHALLENGE_FILE=$CHALLENGE_FILE
export TESTBED_BASIC_USER=$BASIC_USER
export TESTBED_BASIC_PASSWORD_FILE=$BASIC_PASSWORD_FILE
export TESTBED_ADMIN_BASIC_URL=http://localhost:$HTTP_PORT/certsrv/mscep_admin_basic/
export TESTBED_ADMIN_BASIC_URL_TLS=https://localhost:$HTTPS_PORT/certsrv/mscep_admin_basic/
export TESTBED_ADMIN_ANON_URL=http://localhost:$HTTP_PORT/certsrv/mscep_admin_anon/
export TESTBED_SCEP_CA=$DIR/scep/ca.pem
export TESTBED_CA_SHA256=$CA_SHA256
export TESTBED_CA_SHA1=$CA_SHA1
export TESTBED_CA_MD5=$CA_MD5
export TESTBED_CA_THUMBPRINT_MD5='$CA_THUMBPRINT'
export TESTBED_SCEP_DIRECT_URL=http://127.0.0.1:$SCEP_PORT/scep
export TESTBED_SCEP_URL=http://localhost:$HTTP_PORT/certsrv/mscep/mscep.dll
export TESTBED_SCEP_URL_TLS=https://localhost:$HTTPS_PORT/certsrv/mscep/mscep.dll
export TESTBED_ADMIN_URL=http://localhost:$HTTP_PORT/certsrv/mscep_admin/
export TESTBED_ADMIN_URL_TLS=https://localhost:$HTTPS_PORT/certsrv/mscep_admin/
export TESTBED_TLS_CA=$DIR/tls/ca.pem
export KRB5_CONFIG=$DIR/etc/krb5.conf
export KRB5_KDC_PROFILE=$DIR/etc/kdc.conf
: "\${KRB5CCNAME:=FILE:$DIR/client/ccache}"
export KRB5CCNAME
export TESTBED_KDB=$KDB
EOF
if [ "$KDB" = ldap ]; then
    cat >>"$DIR/env.sh" <<EOF
# TESTBED_KDB=ldap: the KDC's database is in slapd (kdb-ldap.sh); LDAP clients skip /etc/ldap.
export LDAPNOINIT=1
export TESTBED_LDAP_URI=$LDAP_URI TESTBED_LDAP_PORT=$LDAP_PORT
export TESTBED_LDAP_ADMIN_DN=$LDAP_ADMIN_DN
export TESTBED_LDAP_PASSWORD_FILE=$LDAP_PASSWORD_FILE
export TESTBED_SVC_DN='$(ldap_principal_dn "$SVC_PRINCIPAL")'
export TESTBED_OTHER_PRINCIPAL=$OTHER_PRINCIPAL
export TESTBED_OTHER_DN='$(ldap_principal_dn "$OTHER_PRINCIPAL")'
export TESTBED_USER_PRINCIPAL=$USER_PRINCIPAL
export TESTBED_USER_PASSWORD_FILE=$USER_PASSWORD_FILE
export TESTBED_DELEGATE_TO=$HTTP_PRINCIPAL
EOF
    cat >"$DIR/bin/ldap" <<EOF
#!/bin/sh
# Run an OpenLDAP tool in the bed, bound as the directory admin, e.g.
#   ldap ldapmodify <<LDIF ... LDIF      ldap ldapsearch -LLL -b dc=example,dc=test krbPrincipalName=HTTP/*
. $DIR/env.sh
[ \$# -gt 0 ] || { echo "usage: ldap ldapmodify|ldapsearch|ldapadd|ldapdelete ARGS..." >&2; exit 2; }
tool=\$1
shift
exec $DIR/bin/tb "\$tool" -x -H $LDAP_URI -D $LDAP_ADMIN_DN -y $LDAP_PASSWORD_FILE "\$@"
EOF
    chmod 755 "$DIR/bin/ldap"
fi

cat >"$DIR/bin/tb" <<EOF
#!/bin/sh
# Run a command inside the test bed's network namespace with $DIR/env.sh applied
# (KRB5CCNAME is kept if already set). Without arguments: a shell.
. $DIR/env.sh
pid=\$(cat $DIR/run/netns.pid 2>/dev/null) || { echo "tb: no test bed running in $DIR" >&2; exit 1; }
# a recycled pid must not send us into some other namespace
[ "\$(readlink "/proc/\$pid/ns/net" 2>/dev/null)" = "\$(cat $DIR/run/netns.id 2>/dev/null)" ] ||
    { echo "tb: namespace holder \$pid of $DIR is gone (test bed down?)" >&2; exit 1; }
[ \$# -gt 0 ] || set -- "\${SHELL:-/bin/sh}"
# with only -n, nsenter does not fork: "tb server &" gives the server's pid in \$!
exec nsenter -t "\$pid" -n -- "\$@"
EOF

cat >"$DIR/bin/kadmin" <<EOF
#!/bin/sh
# kadmin.local on the test bed's KDC database (no kadmind), e.g.: kadmin -q "getprinc svc-scep".
# In the bed's namespace: with TESTBED_KDB=ldap the database is slapd on its loopback.
exec $DIR/bin/tb kadmin.local -r $REALM "\$@"
EOF

# start-NAME starts one service again after it was stopped (negative tests stop them with kill).
# $1 = wrapper name, $2 = service (pid file run/$2.pid), $3 = shell lines that start it, write
# the pid file and wait (bounded) until the service is up.
write_start_wrapper() {
    cat >"$DIR/bin/start-$1" <<EOF
#!/bin/sh
# Start $2 in the test bed namespace; pid file $DIR/run/$2.pid. Stop it with: kill \$(cat $DIR/run/$2.pid)
set -eu
pf=$DIR/run/$2.pid
in_bed() { [ "\$(readlink "/proc/\$1/ns/net" 2>/dev/null)" = "\$(cat $DIR/run/netns.id)" ]; }
if [ -s "\$pf" ] && in_bed "\$(cat "\$pf")"; then
    echo "start-$1: $2 is already running as pid \$(cat "\$pf")" >&2
    exit 1
fi
rm -f "\$pf"
$3
EOF
    chmod 755 "$DIR/bin/start-$1"
}
# Servers get a clean environment with only what they need.
# LDAPNOINIT: an LDAP client (the KDC with TESTBED_KDB=ldap) reads no /etc/ldap/ldap.conf.
clean_env="env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C LDAPNOINIT=1"
# krb5kdc and apache2 daemonize after binding their ports, then write their own pid file.
# shellcheck disable=SC2016  # expanded by the generated script, not here
wait_pidfile='i=0
while [ ! -s "$pf" ]; do
    i=$((i + 1))
    [ $i -lt 500 ] || { echo "$0: no pid file after 5 s; see the logs in '"$DIR/log"'" >&2; exit 1; }
    sleep 0.01
done'
write_start_wrapper kdc krb5kdc "\
$DIR/bin/tb $clean_env KRB5_CONFIG=$DIR/etc/krb5.conf KRB5_KDC_PROFILE=$DIR/etc/kdc.conf \\
    krb5kdc -r $REALM -P \"\$pf\" </dev/null >>$DIR/log/krb5kdc.out 2>&1
$wait_pidfile"
if [ "$KDB" = ldap ]; then
    write_start_wrapper slapd slapd "\
$DIR/bin/tb $clean_env $SLAPD_CMD </dev/null >>$DIR/log/slapd.out 2>&1
$wait_pidfile"
fi
# KRB5RCACHEDIR keeps the replay cache in DIR; KRB5_TRACE logs the server-side krb5 steps.
write_start_wrapper apache apache2 "\
$DIR/bin/tb $clean_env KRB5_CONFIG=$DIR/etc/krb5.conf KRB5RCACHEDIR=$DIR/apache/rcache \\
    KRB5_KTNAME=FILE:$HTTP_KEYTAB KRB5_TRACE=$DIR/log/krb5_trace_apache.log \\
    apache2 -f $DIR/apache/httpd.conf -k start </dev/null >>$DIR/log/apache2.out 2>&1
$wait_pidfile"
# scepserver stays in the foreground: background it, record \$! (tb and env exec, so that is
# scepserver itself) and wait until it answers.
write_start_wrapper scepserver scepserver "\
$DIR/bin/tb $clean_env scepserver -depot $DIR/scep/depot -port $SCEP_PORT \\
    -challenge \"\$(cat $CHALLENGE_FILE)\" -allowrenew 0 -debug </dev/null >>$DIR/log/scepserver.log 2>&1 &
pid=\$!
echo \"\$pid\" >\"\$pf\"
i=0
until $DIR/bin/tb curl -s --max-time 1 -o /dev/null 'http://127.0.0.1:$SCEP_PORT/scep?operation=GetCACaps'; do
    i=\$((i + 1))
    # gone or a zombie: it exited (right after the fork it is not yet in the namespace)
    if [ \$i -ge 500 ] || ! grep -q '^State:[[:space:]]*[^Z]' /proc/\$pid/status 2>/dev/null; then
        echo \"\$0: scepserver is not answering; see $DIR/log/scepserver.log\" >&2
        exit 1
    fi
    sleep 0.01
done"
chmod 755 "$DIR/bin/tb" "$DIR/bin/kadmin"

"$DIR/bin/start-kdc"
say "krb5kdc started (pid $(cat "$DIR/run/krb5kdc.pid"))"
"$DIR/bin/start-scepserver"
say "scepserver started (pid $(cat "$DIR/run/scepserver.pid"))"

# --- NDES-like challenge pages -------------------------------------------------------------------
# Real NDES sends UTF-16LE (with a BOM, while its meta tag claims UTF-8); the key sentences are
# NDES's own wording, which clients match on. The thumbprint line comes before the challenge.
ndes_page() {   # $1 = body paragraphs
    printf '%s' '<HTML><Head><Meta HTTP-Equiv="Content-Type" Content="text/html; charset=UTF-8">' \
        '<Title>Network Device Enrollment Service</Title></Head><Body><Font Face="Arial">' \
        '<P> Network Device Enrollment Service allows you to obtain certificates for routers or other' \
        ' network devices using the Simple Certificate Enrollment Protocol (SCEP). </P>' "$1" \
        '</Font></Body></HTML>'
    printf '\r\n'
}
utf16le() { iconv -f UTF-8 -t UTF-16LE; }
bom() { printf '\377\376'; }
admin=$DIR/apache/htdocs/certsrv/mscep_admin
success=$(ndes_page "<P> To complete certificate enrollment for your network device you will need the following information: <P> The thumbprint (hash value) for the CA certificate is: <B> $CA_THUMBPRINT </B> <P> The enrollment challenge password is: <B> $CHALLENGE </B> <P> This password can be used only once and will expire within 60 minutes. <P> Each enrollment requires a new challenge password. You can refresh this web page to obtain a new challenge password. </P>")
{ bom; echo "$success" | utf16le; } >"$admin/index.html"
echo "$success" >"$admin/utf8.html"
echo "$success" | utf16le >"$admin/nobom.html"
{ bom; ndes_page "<P> The password cache is full. <P> Network Device Enrollment Service stores unused password for later use. By default, passwords are stored for 60 minutes. </P>" | utf16le; } >"$admin/cachefull.html"
{ bom; ndes_page "<P> You do not have sufficient permission to enroll with SCEP.  Please contact your system administrator. </P>" | utf16le; } >"$admin/noperm.html"
# the same page behind Basic (as IIS with Basic authentication) and with anonymous access left on
cp "$admin/index.html" "$DIR/apache/htdocs/certsrv/mscep_admin_basic/index.html"
cp "$admin/index.html" "$DIR/apache/htdocs/certsrv/mscep_admin_anon/index.html"
printf '%s:%s\n' "$BASIC_USER" "$(openssl passwd -apr1 -in "$BASIC_PASSWORD_FILE")" >"$DIR/apache/htpasswd"
chgrp www-data "$DIR/apache/htpasswd"
chmod 0640 "$DIR/apache/htpasswd"

# --- Apache --------------------------------------------------------------------------------------
scep_backend=http://127.0.0.1:$SCEP_PORT/scep
cat >"$DIR/apache/httpd.conf" <<EOF
# Test bed Apache config: apache2 -f $DIR/apache/httpd.conf (nothing from /etc/apache2 is read)
ServerRoot "$DIR/apache"
ServerName localhost
PidFile "$DIR/run/apache2.pid"
DefaultRuntimeDir "$DIR/run/apache"
Mutex file:$DIR/run/apache default
User www-data
Group www-data
Listen 127.0.0.1:$HTTP_PORT
ErrorLog "$DIR/log/apache-error.log"
LogLevel info auth_gssapi:debug
# client port and keep-alive count after the address: one port is one connection (test_transport)
LogFormat "%h %{remote}p %k %u %t \"%r\" %>s %b %{ms}Tms \"%{WWW-Authenticate}o\"" tb
CustomLog "$DIR/log/apache-access.log" tb

LoadModule mpm_event_module     /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authn_core_module    /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authz_core_module    /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module    /usr/lib/apache2/modules/mod_authz_user.so
LoadModule auth_gssapi_module   /usr/lib/apache2/modules/mod_auth_gssapi.so
LoadModule auth_basic_module    /usr/lib/apache2/modules/mod_auth_basic.so
LoadModule authn_file_module    /usr/lib/apache2/modules/mod_authn_file.so
LoadModule proxy_module         /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module    /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule mime_module          /usr/lib/apache2/modules/mod_mime.so
LoadModule dir_module           /usr/lib/apache2/modules/mod_dir.so
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
LoadModule ssl_module           /usr/lib/apache2/modules/mod_ssl.so

# small: one process, a few threads
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 4
MaxSpareThreads 32
Timeout 30

TypesConfig /dev/null
AddType text/html .html
DocumentRoot "$DIR/apache/htdocs"
DirectoryIndex index.html
<Directory />
    Options None
    AllowOverride None
    Require all denied
</Directory>
<Directory "$DIR/apache/htdocs">
    Options None
    AllowOverride None
    Require all granted
</Directory>

# SCEP with the NDES URL layout -> scepserver, which serves only GET/POST on exactly /scep
# (the longer path must come first: the first matching ProxyPass wins)
ProxyRequests Off
ProxyPass        /certsrv/mscep/mscep.dll/pkiclient.exe $scep_backend
ProxyPass        /certsrv/mscep/mscep.dll               $scep_backend
ProxyPass        /cgi-bin/pkiclient.exe                 $scep_backend

# NDES admin (challenge) pages: Kerberos via SPNEGO/Negotiate only, no Basic fallback
<Location /certsrv/mscep_admin>
    AuthType GSSAPI
    AuthName "NDES mscep_admin (test bed)"
    GssapiCredStore keytab:$HTTP_KEYTAB
    GssapiAllowedMech krb5
    GssapiBasicAuth Off
    GssapiUseSessions Off
    GssapiSSLonly Off
    Require valid-user
</Location>
# the admin page behind Basic only (IIS Basic authentication), and one with anonymous access on
<Location /certsrv/mscep_admin_basic>
    AuthType Basic
    AuthName "NDES mscep_admin (Basic)"
    AuthBasicProvider file
    AuthUserFile "$DIR/apache/htpasswd"
    Require valid-user
</Location>
<DirectoryMatch "^$admin(_basic|_anon)?/?\$">
    AddType "text/html; charset=utf-16" .html
</DirectoryMatch>
<Directory "$admin">
    AddType "text/html; charset=utf-16" .html
    <Files utf8.html>
        ForceType "text/html; charset=utf-8"
    </Files>
    # what real NDES often sends: UTF-16LE without BOM and without a charset
    <Files nobom.html>
        ForceType text/html
    </Files>
</Directory>

Listen 127.0.0.1:$HTTPS_PORT https
SSLSessionCache shmcb:$DIR/run/apache/ssl_scache(512000)
<VirtualHost 127.0.0.1:$HTTPS_PORT>
    ServerName localhost:$HTTPS_PORT
    SSLEngine on
    SSLCertificateFile    $DIR/tls/server.pem
    SSLCertificateKeyFile $DIR/tls/server.key
</VirtualHost>
EOF
wait "$tls_job" || die "creating the TLS certificates failed: $(cat "$DIR/log/tls.log")"
say "TLS CA + server certificate created"
"$DIR/bin/start-apache" || die "apache2 did not start: $(tail -n 5 "$DIR/log/apache2.out" "$DIR/log/apache-error.log" 2>/dev/null)"
say "apache2 started (pid $(cat "$DIR/run/apache2.pid"))"

# --- readiness ---------------------------------------------------------------------------------
tb=$DIR/bin/tb
kdc_answers() { "$tb" kinit -k -t "$SVC_KEYTAB" "$SVC_PRINCIPAL" >/dev/null 2>&1; }
wait_until "KDC does not answer on 127.0.0.1:$KDC_PORT (kinit -k failed for 10 s; see $DIR/log/krb5kdc.log)" kdc_answers
# kinit reads the password from stdin when that is not a terminal
"$tb" kinit -c "FILE:$DIR/run/ready-pw.ccache" "$SVC_PRINCIPAL" <"$PASSWORD_FILE" >/dev/null 2>&1 ||
    die "kinit with the service user's password failed (keytab export re-randomized the key?)"
say "KDC answers (kinit with keytab and with password)"

caps_ok() { "$tb" curl -fsS --max-time 2 "$@" 2>/dev/null | grep -qx SCEPStandard; }
wait_until "scepserver does not answer GetCACaps on port $SCEP_PORT (see $DIR/log/scepserver.log)" \
    caps_ok "http://127.0.0.1:$SCEP_PORT/scep?operation=GetCACaps"
[ "$(cat "/proc/$(cat "$DIR/run/scepserver.pid")/comm")" = scepserver ] ||
    die "run/scepserver.pid does not name the scepserver process"
say "scepserver answers GetCACaps"

admin_status() {   # prints the HTTP status of the admin page; extra curl options in "$@"
    "$tb" curl -sS --max-time 2 -o "$DIR/run/ready.page" -w '%{http_code}' "$@" \
        "http://localhost:$HTTP_PORT/certsrv/mscep_admin/" 2>/dev/null || true
}
apache_401() { [ "$(admin_status)" = 401 ]; }
wait_until "Apache does not answer with 401 on port $HTTP_PORT (see $DIR/log/apache-error.log)" apache_401
[ "$(admin_status --negotiate -u :)" = 200 ] ||
    die "Negotiate with a valid ticket did not give 200 (see $DIR/log/apache-error.log, krb5_trace_apache.log)"
iconv -f UTF-16 -t UTF-8 "$DIR/run/ready.page" | grep -qF "The enrollment challenge password is: <B> $CHALLENGE </B>" ||
    die "the admin page does not contain the challenge"
caps_ok "http://localhost:$HTTP_PORT/certsrv/mscep/mscep.dll?operation=GetCACaps" ||
    die "GetCACaps through Apache failed (proxy to scepserver)"
caps_ok --cacert "$DIR/tls/ca.pem" "https://localhost:$HTTPS_PORT/certsrv/mscep/mscep.dll?operation=GetCACaps" ||
    die "GetCACaps over HTTPS failed (see $DIR/log/apache-error.log)"
rm -f "$DIR/run/ready.ccache" "$DIR/run/ready-pw.ccache" "$DIR/run/ready.page"
say "Apache: 401 without ticket, 200 + challenge with Negotiate, SCEP proxied over HTTP and HTTPS"

cat <<EOF
Test bed is UP in $DIR (ready after $(elapsed) s)
  clients:         $DIR/bin/tb CMD...   (namespace + $DIR/env.sh)
  service user:    $SVC_PRINCIPAL  keytab $SVC_KEYTAB  password file $PASSWORD_FILE
  HTTP principal:  $HTTP_PRINCIPAL  keytab $HTTP_KEYTAB
  KDC database:    $KDB$([ "$KDB" = ldap ] && echo " (slapd $LDAP_URI; $HTTP_PRINCIPAL is an alias of $SVC_PRINCIPAL)")
  challenge file:  $CHALLENGE_FILE
  mscep_admin:     http://localhost:$HTTP_PORT/certsrv/mscep_admin/  https://localhost:$HTTPS_PORT/certsrv/mscep_admin/
  SCEP via Apache: http://localhost:$HTTP_PORT/certsrv/mscep/mscep.dll  https://localhost:$HTTPS_PORT/certsrv/mscep/mscep.dll
  SCEP direct:     http://127.0.0.1:$SCEP_PORT/scep
  TLS CA:          $DIR/tls/ca.pem
  stop with:       $here/down.sh $DIR
EOF
