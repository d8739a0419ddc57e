#!/usr/bin/env bash
# Certificates with chosen validity periods for the issued-certificate validity check
# (tests/unit/test_enrollment.cpp), made with `openssl ca -startdate/-enddate`, which also writes
# a validity that ends before it begins. Run in this directory; see README.md for provenance.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/ca.cnf" <<'CNF'
[ca]
default_ca = c
[c]
database = db/index.txt
serial = db/serial
new_certs_dir = db
policy = p
default_md = sha256
unique_subject = no
[p]
commonName = supplied
CNF
mkdir "$work/db"
touch "$work/db/index.txt"
echo 1001 >"$work/db/serial"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -subj "/CN=Validity Test CA" -days 7300 \
  -out ca.pem 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$work/leaf.key" -subj "/CN=validity-leaf" -out "$work/leaf.csr" 2>/dev/null
issue() { # NAME START END
  (cd "$work" && openssl ca -batch -config ca.cnf -cert "$OLDPWD/ca.pem" -keyfile ca.key -in leaf.csr \
    -startdate "$2" -enddate "$3" -notext -out "$OLDPWD/$1.pem" 2>/dev/null)
}
issue current 20260101000000Z 20360101000000Z
issue expired 20200101000000Z 20210101000000Z
issue inverted 20300101000000Z 20200101000000Z
issue future 20360101000000Z 20370101000000Z
issue starts-soon 20261204000400Z 20271204000000Z
