#!/usr/bin/env bash
# Makes the MS-WCCE validity request attributes (szOID_ENROLLMENT_NAME_VALUE_PAIR with
# ValidityPeriod / ValidityPeriodUnits, MS-WCCE 2.2.2.7.10) with the openssl CLI, from the
# ASN.1 written out in the config files below. Not scepctl code. Run from this directory.
set -euo pipefail
cd "$(dirname "$0")"
make_one() { # NAME PERIOD UNITS
  cat >"$1.cnf" <<CNF
# [MS-WCCE] 2.2.2.7.10: Attribute { OID 1.3.6.1.4.1.311.13.2.1, SET OF EnrollmentNameValuePair },
# EnrollmentNameValuePair ::= SEQUENCE { name BMPString, value BMPString }
asn1 = SEQUENCE:attribute
[attribute]
type = OID:1.3.6.1.4.1.311.13.2.1
values = SET:pairs
[pairs]
period = SEQUENCE:period
units = SEQUENCE:units
[period]
name = BMPSTRING:ValidityPeriod
value = BMPSTRING:$2
[units]
name = BMPSTRING:ValidityPeriodUnits
value = BMPSTRING:$3
CNF
  openssl asn1parse -genconf "$1.cnf" -noout -out "$1.der"
}
make_one validity-365-days Days 365
make_one validity-1-years Years 1
make_one validity-12-hours Hours 12
make_one validity-6-months Months 6
make_one validity-2-weeks Weeks 2
