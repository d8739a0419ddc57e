# shellcheck shell=bash disable=SC2154  # sourced by up.sh, which sets holder, DIR, REALM, ...
# kdb-ldap.sh: sourced by up.sh when TESTBED_KDB=ldap. The KDC keeps its principals in OpenLDAP
# (slapd with MIT's LDAP KDB module, package krb5-kdc-ldap) instead of the db2 file: only that
# module knows principal aliases and constrained delegation (krbAllowedToDelegateTo), which the
# bed uses to mirror Active Directory:
#   svc-scep@REALM        the service user (password + keytab), and, as an alias of the same
#                         entry, HTTP/localhost@REALM: one key for both, like an AD account with
#                         the SPN http/localhost. krbAllowedToDelegateTo: HTTP/localhost@REALM.
#   svc-other@REALM       another account (random key), to move the SPN to or duplicate it on
#   alice@REALM           a user with a password (a client of the service; S4U2Self subject)
# slapd runs in the bed's namespace on 127.0.0.1:LDAP_PORT with its own config (slapd.conf, not
# /etc/ldap), database and pid file in DIR; LDAPNOINIT=1 keeps every LDAP client (the KDC,
# kadmin.local, ldapmodify) away from /etc/ldap/ldap.conf and ~/.ldaprc.
# Uses from up.sh: DIR REALM LDAP_PORT holder SVC_PRINCIPAL SVC_KEYTAB HTTP_KEYTAB HTTP_PRINCIPAL
# PASSWORD_FILE, and die, say, rand_hex.

LDAP_SUFFIX=dc=example,dc=test
LDAP_ADMIN_DN=cn=admin,$LDAP_SUFFIX
LDAP_URI=ldap://127.0.0.1:$LDAP_PORT
LDAP_KRB_CONTAINER=cn=krbContainer,$LDAP_SUFFIX
LDAP_PASSWORD_FILE=$DIR/secrets/ldap-admin-password
LDAP_SERVICE_STASH=$DIR/kdc/ldap-service.stash
OTHER_PRINCIPAL=svc-other@$REALM
USER_PRINCIPAL=alice@$REALM
USER_PASSWORD_FILE=$DIR/secrets/user-password
# slapd daemonizes once it listens and writes DIR/run/slapd.pid itself (pidfile in slapd.conf).
SLAPD_CMD="slapd -f $DIR/etc/slapd.conf -h ldap://127.0.0.1:$LDAP_PORT/"

ldap_in_bed() { nsenter -t "$holder" -n -- env LDAPNOINIT=1 "$@"; }
# An LDAP tool bound as the directory's admin (password from its 0600 file, never in argv).
ldap_admin() {
    local tool=$1
    shift
    ldap_in_bed "$tool" -x -H "$LDAP_URI" -D "$LDAP_ADMIN_DN" -y "$LDAP_PASSWORD_FILE" "$@"
}
# The DN kdb5_ldap_util gives a principal it creates in the realm container.
ldap_principal_dn() { echo "krbPrincipalName=$1,cn=$REALM,$LDAP_KRB_CONTAINER"; }

# kdc.conf: the realm's database line and the [dbmodules] section.
ldap_kdc_realm_conf() { echo "        database_module = ldap"; }
ldap_kdc_dbmodules_conf() {
    cat <<EOF

[dbmodules]
    ldap = {
        db_library = kldap
        ldap_kerberos_container_dn = $LDAP_KRB_CONTAINER
        ldap_kdc_dn = $LDAP_ADMIN_DN
        ldap_kadmind_dn = $LDAP_ADMIN_DN
        ldap_service_password_file = $LDAP_SERVICE_STASH
        ldap_servers = $LDAP_URI
        ldap_conns_per_server = 2
    }
EOF
}

ldap_write_config() {
    (umask 077
     printf 'Ldap-%s' "$(rand_hex 12)" >"$LDAP_PASSWORD_FILE"
     printf 'User-%s' "$(rand_hex 12)" >"$USER_PASSWORD_FILE")
    mkdir -p "$DIR/ldap/db"
    chmod 700 "$DIR/ldap"
    zcat /usr/share/doc/krb5-kdc-ldap/kerberos.schema.gz >"$DIR/ldap/kerberos.schema"
    cat >"$DIR/etc/slapd.conf" <<EOF
# Test bed slapd config: slapd -f $DIR/etc/slapd.conf (nothing from /etc/ldap/slapd.d is read)
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include $DIR/ldap/kerberos.schema
pidfile $DIR/run/slapd.pid
argsfile $DIR/run/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb

database mdb
maxsize 67108864
suffix "$LDAP_SUFFIX"
rootdn "$LDAP_ADMIN_DN"
rootpw $(slappasswd -T "$LDAP_PASSWORD_FILE")
directory $DIR/ldap/db
index objectClass eq
index krbPrincipalName eq,pres,sub
EOF
    chmod 600 "$DIR/etc/slapd.conf"   # it holds the admin password's hash
    slaptest -u -f "$DIR/etc/slapd.conf" >"$DIR/log/slaptest.log" 2>&1 ||
        die "slaptest refused the slapd config: $(cat "$DIR/log/slaptest.log")"
}

ldap_answers() { ldap_admin ldapsearch -b "$LDAP_SUFFIX" -s base '(objectClass=*)' dn >/dev/null 2>&1; }

# Start slapd, make the base entry and the realm container, stash the KDC's LDAP password.
ldap_create_database() {
    # shellcheck disable=SC2086  # SLAPD_CMD is a command line (DIR has no blanks: up.sh checks)
    nsenter -t "$holder" -n -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C $SLAPD_CMD \
        </dev/null >>"$DIR/log/slapd.out" 2>&1 || die "slapd did not start: $(cat "$DIR/log/slapd.out")"
    local i=0
    until ldap_in_bed ldapsearch -x -H "$LDAP_URI" -b '' -s base '(objectClass=*)' >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 200 ] || die "slapd does not answer on $LDAP_URI (see $DIR/log/slapd.out)"
        sleep 0.05
    done
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: %s test bed\ndc: example\n' \
        "$LDAP_SUFFIX" "$REALM" | ldap_admin ldapadd >"$DIR/log/ldap-setup.log" 2>&1 ||
        die "ldapadd of $LDAP_SUFFIX failed: $(cat "$DIR/log/ldap-setup.log")"
    # The KDC and kadmin.local bind with the password stashed here (read from stdin, twice).
    { cat "$LDAP_PASSWORD_FILE"; echo; cat "$LDAP_PASSWORD_FILE"; echo; } |
        kdb5_ldap_util stashsrvpw -f "$LDAP_SERVICE_STASH" "$LDAP_ADMIN_DN" >>"$DIR/log/ldap-setup.log" 2>&1 ||
        die "kdb5_ldap_util stashsrvpw failed: $(cat "$DIR/log/ldap-setup.log")"
    # Without -D it binds as ldap_kadmind_dn with the stashed password; the master key is read
    # from stdin (twice) and stashed (-s) for krb5kdc.
    local master
    master=$(rand_hex 16)
    printf '%s\n%s\n' "$master" "$master" |
        ldap_in_bed kdb5_ldap_util -r "$REALM" create -subtrees "$LDAP_SUFFIX" -s >>"$DIR/log/ldap-setup.log" 2>&1 ||
        die "kdb5_ldap_util create failed: $(cat "$DIR/log/ldap-setup.log")"
}

# The AD-like principals; see the top of this file.
ldap_create_principals() {
    ldap_in_bed kadmin.local -r "$REALM" >"$DIR/log/kadmin-setup.log" 2>"$DIR/log/kadmin-setup.err" <<EOF
addprinc -pw $(cat "$PASSWORD_FILE") $SVC_PRINCIPAL
ktadd -k $SVC_KEYTAB -norandkey $SVC_PRINCIPAL
ktadd -k $HTTP_KEYTAB -norandkey $SVC_PRINCIPAL
addprinc -randkey $OTHER_PRINCIPAL
addprinc -pw $(cat "$USER_PASSWORD_FILE") $USER_PRINCIPAL
EOF
    if grep -v '^No policy specified for' "$DIR/log/kadmin-setup.err" >&2; then
        die "kadmin.local reported the errors above"
    fi
    # The SPN as an alias of the service user (MIT: krbCanonicalName first, then the alias), and
    # the constrained delegation target (AD: msDS-AllowedToDelegateTo).
    ldap_admin ldapmodify >>"$DIR/log/ldap-setup.log" 2>&1 <<EOF ||
dn: $(ldap_principal_dn "$SVC_PRINCIPAL")
changetype: modify
add: krbCanonicalName
krbCanonicalName: $SVC_PRINCIPAL
-
add: krbPrincipalName
krbPrincipalName: $HTTP_PRINCIPAL
-
add: krbAllowedToDelegateTo
krbAllowedToDelegateTo: $HTTP_PRINCIPAL
EOF
        die "ldapmodify (SPN alias, delegation) failed: $(cat "$DIR/log/ldap-setup.log")"
}
