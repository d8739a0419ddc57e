#!/usr/bin/python3
"""Writes the CertRep test vectors of this directory (run by make-vectors.sh).

The replies come from the NDES fixture's CertRep writer (tests/fixtures/ndes_fixture.py:
build_cert_rep, enveloped_data, degenerate_p7), i.e. from python3-cryptography for RSA, SHA,
AES and 3DES and from the fixture's own DER writer -- never from scepctl's C++ code. The issued
certificates are made here with python3-cryptography. Inputs: client.key/.pem and
other-client.key/.pem (made by the openssl CLI in make-vectors.sh) and the NDES-like test PKI in
../openssl (ca, ra-sign, foreign-ra).

Nonces and transaction IDs are fixed (see README.md); the content-encryption keys and IVs are
random, so the envelopes change on every run. Tests read the committed files.
"""

import datetime
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "fixtures")))

import ndes_fixture as nf  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402

PKI = os.path.normpath(os.path.join(HERE, "..", "openssl"))

# RFC 8894 section 3.2.1.5: the reply's recipientNonce echoes our senderNonce.
RECIPIENT_NONCE = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
OTHER_NONCE = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
SENDER_NONCE = bytes.fromhex("5ce05ce05ce05ce05ce05ce05ce05ce0")  # the server's own nonce
ISSUED_SERIAL = 0x5CE7C0DE0001
FOREIGN_SERIAL = 0x5CE7C0DE0002


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def transaction_id(key):
    """scepctl's rule (RFC 8894 section 3.2.1.1 leaves it to the client): upper-case hex
    SHA-256 of the DER SubjectPublicKeyInfo; computed here independently of scepctl."""
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest().upper()


def issue(ca, ca_key, subject_cert, public_key, serial):
    """An NDES-like end-entity certificate for public_key, signed by the CA with SHA-256."""
    not_before = ca.not_valid_before
    not_after = min(not_before + datetime.timedelta(days=365), ca.not_valid_after)
    return (x509.CertificateBuilder().subject_name(subject_cert.subject).issuer_name(ca.subject)
            .public_key(public_key).serial_number(serial)
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False),
                           critical=True)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))


def main():
    ca, ca_key = load_cert(os.path.join(PKI, "ca.pem")), load_key(os.path.join(PKI, "ca.key"))
    ra_sign_key = load_key(os.path.join(PKI, "ra-sign.key"))
    ra_sign_ias = nf.issuer_and_serial(der(load_cert(os.path.join(PKI, "ra-sign.pem"))))
    foreign_key = load_key(os.path.join(PKI, "foreign-ra.key"))
    foreign_ias = nf.issuer_and_serial(der(load_cert(os.path.join(PKI, "foreign-ra.pem"))))
    client, client_key = load_cert(os.path.join(HERE, "client.pem")), load_key(os.path.join(HERE, "client.key"))
    other, other_key = (load_cert(os.path.join(HERE, "other-client.pem")),
                        load_key(os.path.join(HERE, "other-client.key")))
    txid, other_txid = transaction_id(client_key), transaction_id(other_key)

    issued = der(issue(ca, ca_key, client, client_key.public_key(), ISSUED_SERIAL))
    foreign_issued = der(issue(ca, ca_key, client, other_key.public_key(), FOREIGN_SERIAL))

    def envelope(cipher, cert_der=issued, recipient=client):
        # NDES: the issued certificate first, then the CA, encrypted to the request's signer cert.
        return nf.enveloped_data(nf.degenerate_p7([cert_der, der(ca)]),
                                 der(recipient), cipher)

    def rep(status, digest="sha1", content=b"\x00", key=ra_sign_key, ias=ra_sign_ias, tid=txid,
            nonce=RECIPIENT_NONCE, fail_info=None, text=None):
        return nf.build_cert_rep(key, ias, digest, status, tid, nonce, SENDER_NONCE,
                                 fail_info=fail_info, fail_info_text=text, content=content)

    vectors = {}
    for cipher, cname in (("des-ede3-cbc", "des3"), ("aes128-cbc", "aes128")):
        for digest in ("sha1", "sha256"):
            vectors["success-%s-%s.der" % (cname, digest)] = rep(nf.STATUS_SUCCESS, digest, envelope(cipher))
    vectors["pending.der"] = rep(nf.STATUS_PENDING)
    vectors["pending-no-content.der"] = rep(nf.STATUS_PENDING, "sha256", content=None)
    for name, number in nf.FAIL_INFO.items():
        vectors["failure-%s.der" % name] = rep(nf.STATUS_FAILURE, fail_info=number, text=nf.FAIL_TEXT[name])
    vectors["failure-badRequest-no-text.der"] = rep(nf.STATUS_FAILURE, fail_info="2")
    vectors["failure-unknown-failinfo.der"] = rep(nf.STATUS_FAILURE, fail_info="9")

    good = vectors["success-des3-sha1.der"]
    # The SignedData ends with the SignerInfo, which ends with the 256-byte RSA signature.
    signature = nf.a_cms.ContentInfo.load(good)["content"]["signer_infos"][0]["signature"].native
    assert len(signature) == 256 and good.endswith(signature)
    flipped = bytearray(good)
    flipped[-100] ^= 0x01
    vectors["tampered-signature.der"] = bytes(flipped)
    vectors["wrong-signer-key.der"] = rep(nf.STATUS_SUCCESS, content=envelope("des-ede3-cbc"), key=foreign_key)
    vectors["foreign-signer.der"] = rep(nf.STATUS_SUCCESS, content=envelope("des-ede3-cbc"), key=foreign_key,
                                        ias=foreign_ias)
    vectors["wrong-transaction.der"] = rep(nf.STATUS_SUCCESS, content=envelope("des-ede3-cbc"), tid=other_txid)
    vectors["wrong-nonce.der"] = rep(nf.STATUS_SUCCESS, content=envelope("des-ede3-cbc"), nonce=OTHER_NONCE)
    vectors["wrong-recipient.der"] = rep(nf.STATUS_SUCCESS, content=envelope("des-ede3-cbc", recipient=other))
    vectors["foreign-key-cert.der"] = rep(nf.STATUS_SUCCESS, content=envelope("des-ede3-cbc", cert_der=foreign_issued))

    for name, data in sorted(vectors.items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    with open(os.path.join(HERE, "values.txt"), "w") as f:
        f.write("transactionID %s\n" % txid)
        f.write("other-transactionID %s\n" % other_txid)
        f.write("recipientNonce %s\n" % RECIPIENT_NONCE.hex())
        f.write("other-recipientNonce %s\n" % OTHER_NONCE.hex())
        f.write("senderNonce %s\n" % SENDER_NONCE.hex())
        f.write("issued-serial %X\n" % ISSUED_SERIAL)
        f.write("foreign-issued-serial %X\n" % FOREIGN_SERIAL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
