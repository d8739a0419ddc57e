// The bytes of key, certificate and chain files in the formats a sysadmin asks for: PEM, DER
// (certificate as DER, chain as a PKCS#7 certs-only .p7b, key as PKCS#8 DER) and PKCS#12.
// Encoding only; files are written by atomic_file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.hpp"
#include "scep/certificate.hpp"
#include "scep/key.hpp"
#include "util/result.hpp"

namespace store {

enum class Format { pem, der, p12 };

// "pem", "der" or "p12"; anything else is nullopt.
std::optional<Format> parse_format(std::string_view name);
std::string to_string(Format format);

// PKCS#8: PEM, or DER for Format::der; encrypted with AES-256-CBC (PBES2) when a passphrase is given.
// A TPM key: its TSS2 key blob (PEM only, no passphrase: the TPM protects it). A PKCS#11 key or a
// TPM key at a persistent handle has no key file: usage error.
util::Result<util::Bytes> encode_key(const scep::PrivateKey& key, Format format,
                                     const std::optional<util::Secret>& passphrase);

// One certificate: PEM text, or DER for Format::der.
util::Result<util::Bytes> encode_certificate(const scep::Certificate& cert, Format format);

// Several certificates: concatenated PEM, or for Format::der a PKCS#7 certs-only SignedData in
// DER (what `openssl crl2pkcs7 -nocrl -outform DER` writes; Windows and Java read it as .p7b),
// because a DER certificate file holds exactly one certificate.
util::Result<util::Bytes> encode_chain(const std::vector<scep::Certificate>& certs, Format format);

// A PKCS#12 bundle of key, certificate and chain, with the certificate's CN (else its subject)
// as friendly name. OpenSSL 3's modern algorithms: PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC)
// for the key and the certificates, and a SHA-256 MAC. An empty passphrase is refused.
util::Result<util::Bytes> encode_pkcs12(const scep::PrivateKey& key, const scep::Certificate& cert,
                                        const std::vector<scep::Certificate>& chain, const util::Secret& passphrase);

// The CN of the certificate's subject (the last one if there are several), else the whole subject.
std::string friendly_name(const scep::Certificate& cert);

} // namespace store
