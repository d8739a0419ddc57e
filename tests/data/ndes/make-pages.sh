#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks in README strings are literal on purpose
# make-pages.sh - encode the NDES admin-page sources the ways servers and proxies send them.
#
# Reads the UTF-8 pages in source/, writes five encodings of each next to this script and
# rewrites README.md. Uses only iconv (glibc) and coreutils; writes only into this directory.
# The output is deterministic: re-running it must leave `git status` clean.
set -euo pipefail

DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
cd "$DIR"

ICONV_VERSION=$(iconv --version | head -n 1)

# name|BOM bytes (printf escapes)|iconv target|description
VARIANTS=(
  'utf16le-bom|\xff\xfe|UTF-16LE|UTF-16LE with a BOM (FF FE), as PSNDESEnrollment reports NDES sending it'
  'utf16le||UTF-16LE|UTF-16LE without a BOM, as the fleetdm/fleet mock NDES says real NDES often sends it'
  'utf16be-bom|\xfe\xff|UTF-16BE|UTF-16BE with a BOM (FE FF)'
  'utf8-bom|\xef\xbb\xbf|UTF-8|UTF-8 with a BOM (EF BB BF), as a re-encoding proxy might send it'
  'utf8||UTF-8|plain UTF-8 without a BOM'
)

declare -A SOURCE_NOTE=(
  [password-16]='success page with a 16-hex one-time password; wording of fleetdm/fleet `ee/server/service/scep/sceptest/testdata/mscep_admin_password.html`'
  [password-32]='success page with a 32-hex password as older servers issue (sample value from cryptlib `test/scep.c` WS2008 notes); wording as password-16'
  [password-single]='UseSinglePassword page ("This password can be used multiple times and will not expire.", reported wording, unverified); otherwise as password-16'
  [password-malformed]='success page whose password field holds `8CE31702-1F690069` (not hex); otherwise as password-16'
  [thumbprint-only]='success page cut after the CA thumbprint block: no password line'
  [cache-full]='"The password cache is full." page; wording of fleetdm/fleet `ee/server/service/scep/sceptest/testdata/mscep_admin_cache_full.html`'
  [no-permission]='"You do not have sufficient permission to enroll with SCEP." page; wording of fleetdm/fleet `ee/server/service/scep/sceptest/testdata/mscep_admin_insufficient_permissions.html`'
  [iis-401]='IIS-style "401 - Unauthorized" error page written for these tests after the IIS default error page (not a capture)'
)

lines=()
for src in source/*.html; do
  base=$(basename "$src" .html)
  note=${SOURCE_NOTE[$base]:?"no README note for $src"}
  lines+=("- \`$src\`: hand-written UTF-8 source, $note.")
  for variant in "${VARIANTS[@]}"; do
    IFS='|' read -r name bom target desc <<<"$variant"
    out="$base.$name.html"
    { printf '%b' "$bom"; iconv -f UTF-8 -t "$target" "$src"; } >"$out.tmp"
    mv -- "$out.tmp" "$out"
    lines+=("- \`$out\`: $desc; \`$src\` encoded by \`make-pages.sh\` with $ICONV_VERSION (\`iconv -f UTF-8 -t $target\`${bom:+, BOM prepended with printf}).")
  done
done

{
  cat <<'EOF'
# NDES admin-page (mscep_admin) test pages

`tests/unit/test_challenge_page.cpp` decodes and parses these with `ndes::decode_page` and
`ndes::parse_challenge_page`. The sources in `source/` are hand-written for scepctl; their
wording is Microsoft NDES page text as captured in the fleetdm/fleet test data and described in
Sleepw4lker/PSNDESEnrollment and zentralopensource/zentral, as collected in the project's NDES
research notes (ndes-kerberos.md §1.2-1.5): thumbprint block before the password,
`<B> … </B>` with single spaces, UTF-16LE bodies whatever the meta tag says. The CA thumbprint
`A656FA66 AB12B433 A2DA5CF7 CC153D9A` and the passwords are published samples, not live secrets.
Every other file is generated from a source by `make-pages.sh` (third-party tool: iconv); edit
the source and re-run the script, never edit the encoded files.

## Provenance (one line per file)

- `make-pages.sh`: written for scepctl; encodes the sources and writes this README.
EOF
  printf '%s\n' "${lines[@]}"
} >README.md
