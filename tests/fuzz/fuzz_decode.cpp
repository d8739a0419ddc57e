// libFuzzer target: `scepctl decode`'s input (any captured SCEP message, RFC 8894 §3, §4.2) through
// scep::decode: input detection (DER, PEM, base64, URL-encoded, base64url, message= queries), the
// pkiMessage reader, envelope recipients against the test NDES bundle, decryption with the RA
// encryption key, GetCACert classification and every finding, with and without a request to
// compare a CertRep with.
//
// A mutated envelope almost never decrypts, so the reader of decrypted content (PKCS#10,
// IssuerAndSubject, IssuerAndSerialNumber, certs-only PKCS#7) would hardly be reached by raw
// inputs alone. An input starting with 0x01 is therefore read as that content instead: the harness
// encrypts the rest to the test RA encryption certificate and decodes the EnvelopedData with its key.
#include <cstddef>
#include <cstdint>
#include <string>

#include <openssl/cms.h>

#include "fuzz_support.hpp"
#include "ossl/handles.hpp"
#include "scep/decode.hpp"

namespace {

constexpr std::int64_t k_now = 1796423400; // 2026-12-04 22:30 UTC: inside the vectors' validity

struct Vectors {
    scep::CaCertBundle bundle = ndes_bundle();
    scep::Certificate ra_encrypt = fuzz::certificate("openssl/ra-encrypt.pem");
    scep::PrivateKey ra_encrypt_key = fuzz::private_key("openssl/ra-encrypt.key");
    scep::PrivateKey requester_key = fuzz::private_key("decode/scepclient-ndes.key");
    util::Bytes request = fuzz::read_data("decode/scepclient-ndes-pkcsreq.der");
    scep::Capabilities caps = scep::Capabilities::parse("POSTPKIOperation\nSHA-256\nAES\n");

    static scep::CaCertBundle ndes_bundle() {
        auto bundle = scep::parse_get_ca_cert(fuzz::read_data("openssl/getcacert-ndes.p7b"), "", k_now);
        if (!bundle) std::abort();
        return std::move(bundle).value();
    }
};

// Reads every string of the result, so that a dangling or unterminated one shows under ASan.
std::size_t touch(const scep::Decoded& d) {
    std::size_t seen = scep::describe(d.input).size() + scep::to_string(d.kind).size();
    for (const auto& f : d.findings)
        seen += f.id.size() + f.text.size() + scep::to_string(f.severity).size();
    if (d.pki_message) {
        const auto& m = *d.pki_message;
        seen += m.message_type_name.size() + m.pki_status_name.size() + m.fail_info_name.size();
        seen += m.signer.sid_issuer.size() + m.signer.digest_algorithm.size() + m.certificates.size();
        if (m.signer.certificate) seen += m.signer.certificate->subject.size();
        if (m.envelope) {
            for (const auto& r : m.envelope->recipients)
                seen += r.issuer.size() + r.serial_hex.size() + r.key_id_hex.size() + r.certificate_subject.size();
            if (m.envelope->decrypted) seen += m.envelope->decrypted->size;
        }
    }
    if (d.certificates) {
        for (const auto& c : d.certificates->certificates)
            seen += c.subject.size() + c.sha256_fingerprint.size() + c.extended_key_usage.size();
    }
    if (d.csr) seen += d.csr->subject.size() + d.csr->subject_alt_names.size();
    return seen;
}

void run(util::ByteView input, const scep::DecodeOptions& options) {
    if (auto decoded = scep::decode(input, options)) {
        if (touch(*decoded) == 0) std::abort(); // the input description is never empty
    }
}

// The input as the content of an EnvelopedData for the test RA encryption certificate.
util::Bytes enveloped(const Vectors& v, util::ByteView content) {
    ossl::X509StackViewPtr recipients(sk_X509_new_null());
    sk_X509_push(recipients.get(), v.ra_encrypt.native());
    ossl::BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    ossl::CmsPtr cms(CMS_encrypt(recipients.get(), in.get(), EVP_aes_128_cbc(), CMS_BINARY));
    return cms ? ossl::to_der(cms.get(), i2d_CMS_ContentInfo) : util::Bytes();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Vectors v;
    const util::ByteView input(data, size);

    scep::DecodeOptions server;
    server.ca_bundle = &v.bundle;
    server.key = &v.ra_encrypt_key;
    server.caps = &v.caps;
    server.now_unix = k_now;

    if (size > 0 && data[0] == 0x01) {
        const util::Bytes envelope = enveloped(v, input.subspan(1));
        if (!envelope.empty()) run(envelope, server);
        return 0;
    }
    scep::DecodeOptions plain;
    run(input, plain);
    run(input, server);
    scep::DecodeOptions requester = server;
    requester.key = &v.requester_key;
    requester.request = v.request;
    run(input, requester);
    // The same input as a --ca-bundle file; a bundle it yields must have an issuing CA.
    if (auto bundle = scep::read_ca_bundle(input, k_now)) (void)bundle->issuing_ca().subject();
    return 0;
}
