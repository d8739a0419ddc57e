#!/usr/bin/env bash
# Installs everything scepctl needs to build and test, from Debian 12 packages only.
# Skips apt entirely when every package is already installed (fast re-runs on a dev machine).
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  libssl-dev libcurl4-openssl-dev libkrb5-dev libcli11-dev libtomlplusplus-dev catch2
  # keys in hardware: p11-kit's URI parser and proxy module (build), the TPM provider and the PKCS#11
  # engine (run time)
  libp11-kit-dev p11-kit tpm2-openssl libengine-pkcs11-openssl
  # test bed: real SCEP server, MIT KDC, Apache with Negotiate, clock skew, TLS tools
  scep krb5-kdc krb5-admin-server krb5-user apache2 libapache2-mod-auth-gssapi faketime openssl curl
  iproute2 util-linux python3
  # the test bed's second KDC flavour (TESTBED_KDB=ldap): MIT's LDAP KDB module on OpenLDAP, for
  # principal aliases and constrained delegation
  slapd krb5-kdc-ldap ldap-utils
  # hardware key tests (tests/hardware): a software TPM and its tools, SoftHSM2 tokens, pkcs11-tool
  # and OpenSC's pkcs11-spy module
  swtpm tpm2-tools softhsm2 opensc opensc-pkcs11
  # the NDES-like fixture server (tests/fixtures) and its checks
  python3-cryptography python3-asn1crypto
  # scepctl status --prometheus: node_exporter's textfile collector reads the file in the interop test
  # (run on 127.0.0.1 of the bed, its own directory; promtool's package, prometheus, is ~96 MB)
  prometheus-node-exporter
  # sanitizer build and libFuzzer targets (clang 14), memory and syscall checks of the interop tests
  clang libclang-rt-14-dev valgrind strace
  # the shipped systemd units are checked with systemd-analyze verify (nothing is started)
  systemd
  # the Ansible role in examples/ansible/ is run with ansible-playbook -c local (tests/interop)
  ansible-core
  # man page checks (man --warnings), the .deb (dpkg-shlibdeps is in dpkg-dev), the source's format
  man-db dpkg-dev clang-format
  # the zsh completion is checked in a real zsh (tests/docs/check_zsh_completion.sh)
  zsh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# slapd: no system directory and no system-wide server; the bed runs its own slapd with its own
# config (tests/interop/testbed/kdb-ldap.sh).
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends "${packages[@]}"
