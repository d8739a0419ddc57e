#!/usr/bin/python3
"""Writes the crafted-*.der vectors of this directory: malformed or unusual pkiMessages that no
client or server at hand sends, for the decoder's findings.

They come from the NDES fixture's DER and CMS writer (tests/fixtures/ndes_fixture.py:
signed_data, enveloped_data, attribute, issuer_and_serial), i.e. from python3-cryptography for
RSA, SHA and AES, as tests/data/certrep/make_certrep.py makes the CertRep vectors -- never from
scepctl's C++ code. Keys and certificates: ../openssl (ca, ra-sign, ra-encrypt) and
../certrep (client). The PKCS#10 is made here with python3-cryptography.
Envelopes and nonces are random: re-running changes the files; tests use the committed ones.
"""

import os
import secrets
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "fixtures")))

import ndes_fixture as nf  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

DATA = os.path.normpath(os.path.join(HERE, ".."))


def load_cert(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def load_key(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def attrs(message_type, txid="CRAFTED", sender_nonce=None, extra=()):
    out = [nf.attribute(nf.OID_SCEP_MESSAGE_TYPE, nf.printable(message_type)),
           nf.attribute(nf.OID_SCEP_TRANSACTION_ID, nf.printable(txid)),
           nf.attribute(nf.OID_SCEP_SENDER_NONCE, nf.octets(sender_nonce or secrets.token_bytes(16))),
           nf.attribute(nf.OID_CONTENT_TYPE, nf.oid(nf.OID_DATA))]
    return out + list(extra)


def tampered_csr(key):
    """A PKCS#10 with a challengePassword whose signature no longer verifies."""
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crafted bad csr")]))
           .add_attribute(x509.oid.AttributeOID.CHALLENGE_PASSWORD, b"0123456789ABCDEF")
           .sign(key, hashes.SHA256()))
    data = bytearray(csr.public_bytes(serialization.Encoding.DER))
    data[-10] ^= 0x01  # inside the signature BIT STRING at the end
    return bytes(data)


def main():
    ca, ca_key = load_cert("openssl/ca.pem"), load_key("openssl/ca.key")
    ra_sign, ra_sign_key = load_cert("openssl/ra-sign.pem"), load_key("openssl/ra-sign.key")
    ra_encrypt = load_cert("openssl/ra-encrypt.pem")
    client, client_key = load_cert("certrep/client.pem"), load_key("certrep/client.key")
    ca_ias, ra_ias = nf.issuer_and_serial(der(ca)), nf.issuer_and_serial(der(ra_sign))
    client_ias = nf.issuer_and_serial(der(client))
    nonce = secrets.token_bytes(16)

    def reply(extra, key=ra_sign_key, ias=ra_ias, content=b"\x00", message_type="3"):
        return nf.signed_data(key, ias, "sha1", attrs(message_type, extra=extra), content)

    status = lambda s: nf.attribute(nf.OID_SCEP_PKI_STATUS, nf.printable(s))  # noqa: E731
    recipient = nf.attribute(nf.OID_SCEP_RECIPIENT_NONCE, nf.octets(nonce))
    vectors = {
        "crafted-certrep-signed-by-ca.der": reply([status("3"), recipient], key=ca_key, ias=ca_ias),
        "crafted-certrep-no-status.der": reply([]),
        "crafted-certrep-status-7.der": reply([status("7"), recipient]),
        "crafted-certrep-success-no-envelope.der": reply([status("0"), recipient]),
        "crafted-request-type-42.der": nf.signed_data(
            client_key, client_ias, "sha256", attrs("42", sender_nonce=secrets.token_bytes(8)), b"\x00",
            cert_ders=[der(client)]),
        "crafted-pkcsreq-no-signer-cert.der": nf.signed_data(
            client_key, client_ias, "sha256", attrs("19"), nf.enveloped_data(b"\x00", der(ra_encrypt), "aes128-cbc")),
        "crafted-pkcsreq-aes-bad-csr.der": nf.signed_data(
            client_key, client_ias, "sha256", attrs("19"),
            nf.enveloped_data(tampered_csr(client_key), der(ra_encrypt), "aes128-cbc"), cert_ders=[der(client)]),
    }
    for name, data in sorted(vectors.items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
