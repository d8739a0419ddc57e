// libFuzzer target: a PKIOperation reply (CertRep, RFC 8894 §3.3.2) through what enroll does with
// it: parse and verify the signature with the test RA signing certificate as the only accepted
// signer, check transaction ID and nonce, and open a SUCCESS envelope with the test client's key.
//
// A mutated reply almost never keeps a valid signature, so the code behind the signature check
// would hardly be reached by raw inputs alone. An input that does not start like DER (0x30) is
// therefore read as the *content* of a reply instead: signed attributes (each present or not, of
// a chosen ASN.1 type, with fuzzed bytes) and eContent, which the harness signs with the test RA
// key in memory. Both kinds also go to the envelope opener as a SUCCESS reply's EnvelopedData.
#include <cstddef>
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include "fuzz_support.hpp"
#include "ossl/handles.hpp"
#include "scep/pki_message.hpp"

namespace {

struct Vectors {
    scep::Certificate ra_sign = fuzz::certificate("openssl/ra-sign.pem");
    scep::PrivateKey ra_sign_key = fuzz::private_key("openssl/ra-sign.key");
    scep::Certificate ca = fuzz::certificate("openssl/ca.pem");
    scep::Certificate client = fuzz::certificate("certrep/client.pem");
    scep::PrivateKey client_key = fuzz::private_key("certrep/client.key");
    // tests/data/certrep/values.txt: the vectors' transaction ID and our senderNonce.
    scep::TransactionId transaction_id = "B757182A6EAA220CB2ECBB6CABF204893F3C0D2A7F2FDA48858AEE1C46A6666E";
    scep::Nonce nonce{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
};

void open(const Vectors& v, const scep::CertRep& rep) {
    auto issued = scep::open_cert_rep(rep, v.client, v.client_key);
    if (issued) (void)issued->certificate.issued_by(v.ca);
}

void parse_check_open(const Vectors& v, util::ByteView reply) {
    if (auto rep = scep::parse_cert_rep(reply, v.ra_sign)) {
        (void)scep::fail_info_name(rep->fail_info.value_or(-1));
        if (scep::check_cert_rep(*rep, v.transaction_id, v.nonce) && rep->status == scep::PkiStatus::success) {
            open(v, *rep);
        }
    }
}

// A CertRep with fuzzed signed attributes and content, validly signed by the test RA.
util::Bytes signed_reply(const Vectors& v, FuzzedDataProvider& in) {
    using AsnObjectPtr = ossl::Handle<ASN1_OBJECT, ASN1_OBJECT_free>;
    static constexpr const char* k_attributes[] = {
        "2.16.840.1.113733.1.9.2", // messageType
        "2.16.840.1.113733.1.9.3", // pkiStatus
        "2.16.840.1.113733.1.9.4", // failInfo
        "2.16.840.1.113733.1.9.7", // transactionID
        "2.16.840.1.113733.1.9.6", // recipientNonce
        "2.16.840.1.113733.1.9.5", // senderNonce
        "1.3.6.1.5.5.7.24.1",      // failInfoText
    };
    static constexpr int k_types[] = {V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, V_ASN1_IA5STRING, V_ASN1_OCTET_STRING,
                                      V_ASN1_T61STRING};
    ossl::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY));
    if (!cms) return {};
    CMS_SignerInfo* si = CMS_add1_signer(cms.get(), v.ra_sign.native(), v.ra_sign_key.native(), EVP_sha256(),
                                         CMS_BINARY | CMS_NOSMIMECAP | CMS_NOCERTS);
    if (si == nullptr) return {};
    for (const char* dotted : k_attributes) {
        if (!in.ConsumeBool()) continue;
        const int type = in.PickValueInArray(k_types);
        const std::string value = in.ConsumeRandomLengthString(80);
        AsnObjectPtr oid(OBJ_txt2obj(dotted, 1));
        CMS_signed_add1_attr_by_OBJ(si, oid.get(), type, value.data(), static_cast<int>(value.size()));
    }
    const std::string content = in.ConsumeRemainingBytesAsString();
    ossl::BioPtr bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!bio || CMS_final(cms.get(), bio.get(), nullptr, CMS_BINARY) != 1) return {};
    unsigned char* der = nullptr;
    const int length = i2d_CMS_ContentInfo(cms.get(), &der);
    if (length <= 0) return {};
    util::Bytes out(der, der + length);
    OPENSSL_free(der);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Vectors v;
    if (size > 0 && data[0] == 0x30) {
        parse_check_open(v, util::ByteView(data, size));
    } else {
        FuzzedDataProvider in(data, size);
        const util::Bytes reply = signed_reply(v, in);
        if (!reply.empty()) parse_check_open(v, reply);
    }
    scep::CertRep envelope_only;
    envelope_only.status = scep::PkiStatus::success;
    envelope_only.enveloped_data.assign(data, data + size);
    open(v, envelope_only);
    ERR_clear_error();
    return 0;
}
