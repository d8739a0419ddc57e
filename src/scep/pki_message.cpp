#include "scep/pki_message.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/cms.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "scep/algorithms.hpp"
#include "scep/attributes.hpp"
#include "scep/key_state.hpp"
#include "scep/pkcs7_certs.hpp"

namespace scep {

namespace {

using detail::k_oid_fail_info;
using detail::k_oid_fail_info_text;
using detail::k_oid_message_type;
using detail::k_oid_pki_status;
using detail::k_oid_recipient_nonce;
using detail::k_oid_sender_nonce;
using detail::k_oid_transaction_id;
using detail::oid;
using detail::signed_attribute;
using detail::small_number;
using detail::string_value;

bool add_string_attribute(CMS_SignerInfo* si, const char* dotted, int type, const std::string& value) {
    auto obj = oid(dotted);
    return obj && CMS_signed_add1_attr_by_OBJ(si, obj.get(), type, value.data(), static_cast<int>(value.size())) == 1;
}

void append_der_length(Bytes& out, std::size_t length) {
    if (length < 0x80) {
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    Bytes digits;
    for (std::size_t n = length; n != 0; n >>= 8)
        digits.insert(digits.begin(), static_cast<std::uint8_t>(n & 0xff));
    out.push_back(static_cast<std::uint8_t>(0x80 | digits.size()));
    out.insert(out.end(), digits.begin(), digits.end());
}

// SEQUENCE { first, second } of two DER encodings.
Bytes der_sequence(ByteView first, ByteView second) {
    Bytes out{0x30};
    append_der_length(out, first.size() + second.size());
    out.insert(out.end(), first.begin(), first.end());
    out.insert(out.end(), second.begin(), second.end());
    return out;
}

// scepserver (micromdm) encrypts every CertRep with single DES, which OpenSSL 3 keeps in its
// legacy provider. Loaded only when a reply is opened (we never encrypt with it), and unloaded
// at exit so nothing of it is left for leak checkers.
class LegacyProviders {
  public:
    LegacyProviders()
        : m_default(OSSL_PROVIDER_load(nullptr, "default")), // explicit loading disables the implicit default
          m_legacy(OSSL_PROVIDER_load(nullptr, "legacy")) {
        ossl::clear_errors(); // a missing legacy module only means DES replies cannot be read
    }
    LegacyProviders(const LegacyProviders&) = delete;
    LegacyProviders& operator=(const LegacyProviders&) = delete;
    ~LegacyProviders() {
        if (m_legacy != nullptr) OSSL_PROVIDER_unload(m_legacy);
        if (m_default != nullptr) OSSL_PROVIDER_unload(m_default);
    }

  private:
    OSSL_PROVIDER* m_default;
    OSSL_PROVIDER* m_legacy;
};

void load_legacy_provider_once() {
    static const LegacyProviders providers;
}

// §3.3.2.1: the envelope is encrypted to the certificate that signed our request; its
// key-transport recipient for that certificate. When none names it, the reply is not for us: say
// so rather than "cannot decrypt". A TPM key cannot do RSA-OAEP (tpm2-openssl decrypts PKCS#1
// v1.5 only): say that rather than fail inside the provider.
Result<CMS_RecipientInfo*> our_recipient_info(CMS_ContentInfo* envelope, const Certificate& our_cert,
                                              const PrivateKey& our_key) {
    STACK_OF(CMS_RecipientInfo)* recipients = CMS_get0_RecipientInfos(envelope);
    for (int i = 0; i < sk_CMS_RecipientInfo_num(recipients); ++i) {
        CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(recipients, i);
        if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_TRANS ||
            CMS_RecipientInfo_ktri_cert_cmp(ri, our_cert.native()) != 0) {
            continue;
        }
        X509_ALGOR* algorithm = nullptr;
        CMS_RecipientInfo_ktri_get0_algs(ri, nullptr, nullptr, &algorithm);
        if (algorithm != nullptr && OBJ_obj2nid(algorithm->algorithm) == NID_rsaesOaep &&
            our_key.store() == KeyStore::tpm2) {
            return Error(ErrorCode::bad_reply, "the server encrypted its reply with RSA-OAEP, which the TPM provider "
                                               "(tpm2-openssl) cannot decrypt: it does PKCS#1 v1.5 only")
                .with_fix("have the CA use PKCS#1 v1.5 key transport, or keep this key in a file or a PKCS#11 token");
        }
        return ri;
    }
    return Error(ErrorCode::verification, "the reply is encrypted to another certificate, not to '" +
                                              our_cert.subject() + "' that signed our request");
}

} // namespace

void detail::load_legacy_provider() {
    load_legacy_provider_once();
}

namespace {

// A PKCS#7 ContentInfo's outside: SEQUENCE { contentType OID of PKCS#7, ... } spanning all of der.
// Its content is left unparsed: the caller parses it once (certs_from_pkcs7, crls_from_pkcs7).
// d2i_PKCS7 here decoded every certificate a second time, each one's public key through
// OpenSSL's generic decoder (about 1.6 M instructions per reply, callgrind).
void free_sequence_any(ASN1_SEQUENCE_ANY* seq) {
    sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
}

bool is_pkcs7_shell(ByteView der) {
    const unsigned char* p = der.data();
    ossl::Handle<ASN1_SEQUENCE_ANY, free_sequence_any> seq(
        d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(der.size())));
    if (!seq || p != der.data() + der.size() || sk_ASN1_TYPE_num(seq.get()) < 1) return false;
    const ASN1_TYPE* type = sk_ASN1_TYPE_value(seq.get(), 0);
    if (type->type != V_ASN1_OBJECT) return false;
    switch (OBJ_obj2nid(type->value.object)) {
    case NID_pkcs7_data:
    case NID_pkcs7_signed:
    case NID_pkcs7_enveloped:
    case NID_pkcs7_signedAndEnveloped:
    case NID_pkcs7_digest:
    case NID_pkcs7_encrypted: return true;
    default: return false;
    }
}

std::string envelope_cipher_name(ByteView der) {
    const unsigned char* p = der.data();
    ossl::Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
    if (!p7 || !PKCS7_type_is_enveloped(p7.get())) return "unknown";
    return OBJ_nid2sn(OBJ_obj2nid(p7->d.enveloped->enc_data->algorithm->algorithm));
}

} // namespace

std::string fail_info_name(int fail_info) {
    switch (fail_info) {
    case 0: return "badAlg";
    case 1: return "badMessageCheck";
    case 2: return "badRequest";
    case 3: return "badTime";
    case 4: return "badCertId";
    default: return "unknown(" + std::to_string(fail_info) + ")";
    }
}

std::string to_string(MessageType type) {
    switch (type) {
    case MessageType::cert_rep: return "CertRep";
    case MessageType::renewal_req: return "RenewalReq";
    case MessageType::pkcs_req: return "PKCSReq";
    case MessageType::cert_poll: return "CertPoll";
    case MessageType::get_cert: return "GetCert";
    case MessageType::get_crl: return "GetCRL";
    }
    return "unknown";
}

std::string to_string(ContentCipher cipher) {
    switch (cipher) {
    case ContentCipher::aes128_cbc: return "aes128";
    case ContentCipher::aes256_cbc: return "aes256";
    case ContentCipher::des3_cbc: return "des3";
    }
    return "unknown";
}

std::string to_string(MessageDigest digest) {
    switch (digest) {
    case MessageDigest::sha1: return "sha1";
    case MessageDigest::sha256: return "sha256";
    case MessageDigest::sha512: return "sha512";
    }
    return "unknown";
}

std::optional<ContentCipher> cipher_from_string(std::string_view name) {
    for (const auto cipher : {ContentCipher::aes128_cbc, ContentCipher::aes256_cbc, ContentCipher::des3_cbc}) {
        if (to_string(cipher) == name) return cipher;
    }
    return std::nullopt;
}

std::optional<MessageDigest> digest_from_string(std::string_view name) {
    for (const auto digest : {MessageDigest::sha1, MessageDigest::sha256, MessageDigest::sha512}) {
        if (to_string(digest) == name) return digest;
    }
    return std::nullopt;
}

Nonce random_nonce() {
    Nonce nonce{};
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
        std::abort(); // no entropy: never send a fixed nonce
    return nonce;
}

namespace {
TransactionId upper_hex_sha256(ByteView data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    std::string hex = to_hex(ByteView(digest, len));
    for (auto& c : hex)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return hex;
}
} // namespace

TransactionId transaction_id_for(const PrivateKey& key) {
    return upper_hex_sha256(key.public_key_der());
}

TransactionId renewal_transaction_id(const PrivateKey& key, const Certificate& renewed) {
    Bytes data = key.public_key_der();
    const Bytes cert = renewed.der();
    data.insert(data.end(), cert.begin(), cert.end());
    return upper_hex_sha256(data);
}

Result<Bytes> build_pki_message(const OutgoingMessage& message, ByteView message_data, const Certificate& signer_cert,
                                const PrivateKey& signer_key, const Certificate& recipient) {
    // pkcsPKIEnvelope (§3.2.2): EnvelopedData, key transport to the CA/RA certificate.
    ossl::X509StackViewPtr recipients(sk_X509_new_null());
    ossl::BioPtr plain(BIO_new_mem_buf(message_data.data(), static_cast<int>(message_data.size())));
    if (!recipients || !plain || sk_X509_push(recipients.get(), recipient.native()) <= 0) {
        return ossl::error(ErrorCode::internal, "out of memory building the request");
    }
    ossl::CmsPtr envelope(CMS_encrypt(recipients.get(), plain.get(), detail::evp_cipher(message.cipher), CMS_BINARY));
    if (!envelope) {
        return ossl::error(ErrorCode::internal, "cannot encrypt the request to '" + recipient.subject() + "'");
    }
    const Bytes envelope_der = ossl::to_der(envelope.get(), i2d_CMS_ContentInfo);

    // pkiMessage (§3.2): SignedData, eContentType data, SCEP signed attributes.
    // In the signer key's library context: a hardware key signs in its TPM or token. The digest
    // is explicit (a TPM key names no default digest).
    ossl::CmsPtr signed_data(CMS_sign_ex(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY,
                                         signer_key.libctx(), signer_key.propq()));
    if (!signed_data) return ossl::error(ErrorCode::internal, "cannot create the SignedData");
    CMS_SignerInfo* si = CMS_add1_signer(signed_data.get(), signer_cert.native(), signer_key.native(),
                                         detail::evp_md(message.digest), CMS_BINARY | CMS_NOSMIMECAP);
    if (si == nullptr) return ossl::error(ErrorCode::internal, "cannot add the signer to the request");
    const std::string nonce(message.sender_nonce.begin(), message.sender_nonce.end());
    if (!add_string_attribute(si, k_oid_message_type, V_ASN1_PRINTABLESTRING,
                              std::to_string(static_cast<int>(message.type))) ||
        !add_string_attribute(si, k_oid_transaction_id, V_ASN1_PRINTABLESTRING, message.transaction_id) ||
        !add_string_attribute(si, k_oid_sender_nonce, V_ASN1_OCTET_STRING, nonce)) {
        return ossl::error(ErrorCode::internal, "cannot add the SCEP attributes to the request");
    }
    ossl::BioPtr content(BIO_new_mem_buf(envelope_der.data(), static_cast<int>(envelope_der.size())));
    if (!content || CMS_final(signed_data.get(), content.get(), nullptr, CMS_BINARY) != 1) {
        return ossl::error(ErrorCode::internal, "cannot sign the request");
    }
    return ossl::to_der(signed_data.get(), i2d_CMS_ContentInfo);
}

Result<Certificate> make_self_signed_signer(const PrivateKey& key, const X509_NAME* subject, MessageDigest digest) {
    ossl::X509Ptr cert(X509_new());
    ossl::Handle<BIGNUM, BN_free> serial(BN_new());
    if (!cert || !serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
        return ossl::error(ErrorCode::internal, "cannot create the signer certificate");
    }
    X509_set_version(cert.get(), X509_VERSION_3);
    X509_set_subject_name(cert.get(), subject);
    X509_set_issuer_name(cert.get(), subject);
    // A little slack backwards for servers whose clock is behind ours.
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
    X509_set_pubkey(cert.get(), key.public_key());
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    ossl::Handle<X509_EXTENSION, X509_EXTENSION_free> usage(
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
    if (!usage || X509_add_ext(cert.get(), usage.get(), -1) != 1) {
        return ossl::error(ErrorCode::internal, "cannot build the signer certificate");
    }
    SCEP_TRY(const detail::MdCtxPtr sign, detail::sign_context(key, detail::evp_md(digest)));
    if (X509_sign_ctx(cert.get(), sign.get()) <= 0) {
        return ossl::error(ErrorCode::internal, "cannot sign the signer certificate");
    }
    return Certificate(cert.release());
}

Result<Bytes> issuer_and_subject(const X509_NAME* issuer, const X509_NAME* subject) {
    const Bytes issuer_der = ossl::to_der(issuer, i2d_X509_NAME);
    const Bytes subject_der = ossl::to_der(subject, i2d_X509_NAME);
    if (issuer_der.empty() || subject_der.empty())
        return ossl::error(ErrorCode::internal, "cannot encode IssuerAndSubject");
    return der_sequence(issuer_der, subject_der); // SEQUENCE { issuer Name, subject Name }
}

Result<std::string> parse_serial_hex(std::string_view serial_hex) {
    std::string hex;
    std::string_view text = trim_ascii(serial_hex);
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
    for (char c : text) {
        if (c == ':' || c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            return Error(ErrorCode::usage, "serial number '" + std::string(serial_hex) +
                                               "' is not hexadecimal (write it as openssl x509 -serial shows it)");
        }
        if (hex.empty() && c == '0') continue;
        hex.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (hex.empty() && text.find('0') != std::string_view::npos) hex = "0";
    if (hex.empty() || hex.size() > 40) {
        return Error(ErrorCode::usage, "serial number '" + std::string(serial_hex) + "' must have 1 to 40 hex digits");
    }
    return hex;
}

Result<Bytes> issuer_and_serial(const X509_NAME* issuer, std::string_view serial_hex) {
    SCEP_TRY(const std::string hex, parse_serial_hex(serial_hex));
    BIGNUM* raw = nullptr;
    if (BN_hex2bn(&raw, hex.c_str()) == 0) return ossl::error(ErrorCode::internal, "cannot read the serial number");
    ossl::Handle<BIGNUM, BN_free> bn(raw);
    ossl::Handle<ASN1_INTEGER, ASN1_INTEGER_free> serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    const Bytes issuer_der = ossl::to_der(issuer, i2d_X509_NAME);
    const Bytes serial_der = serial ? ossl::to_der(serial.get(), i2d_ASN1_INTEGER) : Bytes();
    if (issuer_der.empty() || serial_der.empty()) {
        return ossl::error(ErrorCode::internal, "cannot encode IssuerAndSerialNumber");
    }
    return der_sequence(issuer_der, serial_der); // SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }
}

Result<CertRep> parse_cert_rep(ByteView der, const Certificate& expected_signer) {
    const unsigned char* p = der.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) return ossl::error(ErrorCode::bad_reply, "reply is not a DER PKCS#7 message (truncated or garbage)");
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        return Error(ErrorCode::bad_reply, "reply is not a PKCS#7 SignedData");
    }
    STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
    if (sk_CMS_SignerInfo_num(signers) != 1) {
        return Error(ErrorCode::bad_reply,
                     "reply has " + std::to_string(sk_CMS_SignerInfo_num(signers)) + " signers, expected exactly one");
    }
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);

    // Only the certificate we got from GetCACert may have signed it (§3.3.2); NDES includes no
    // certificates, and any it did include must not be trusted for this.
    ossl::X509StackViewPtr trusted(sk_X509_new_null());
    sk_X509_push(trusted.get(), expected_signer.native());
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    const bool detached = content == nullptr || *content == nullptr; // PENDING/FAILURE carry no envelope (§3.3.2.2)
    ossl::BioPtr empty(BIO_new_mem_buf("", 0));
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (CMS_verify(cms.get(), trusted.get(), nullptr, detached ? empty.get() : nullptr, out.get(),
                   CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN | CMS_BINARY) != 1) {
        return ossl::error(ErrorCode::verification, "reply signature does not verify with '" +
                                                        expected_signer.subject() +
                                                        "' (signed by another key, or altered)");
    }

    CertRep rep;
    X509_ALGOR* digest_alg = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, nullptr);
    if (digest_alg != nullptr) rep.signature_digest = OBJ_nid2sn(OBJ_obj2nid(digest_alg->algorithm));

    const auto message_type = string_value(signed_attribute(si, k_oid_message_type));
    if (!message_type) return Error(ErrorCode::bad_reply, "reply has no messageType attribute");
    if (*message_type != "3") {
        return Error(ErrorCode::bad_reply, "reply has messageType '" + *message_type + "', expected 3 (CertRep)");
    }
    const auto transaction_id = string_value(signed_attribute(si, k_oid_transaction_id));
    if (!transaction_id) return Error(ErrorCode::bad_reply, "reply has no transactionID attribute");
    rep.transaction_id = *transaction_id;

    const ASN1_TYPE* nonce = signed_attribute(si, k_oid_recipient_nonce);
    if (nonce == nullptr || nonce->type != V_ASN1_OCTET_STRING) {
        return Error(ErrorCode::bad_reply, "reply has no recipientNonce attribute");
    }
    const ASN1_OCTET_STRING* nonce_value = nonce->value.octet_string;
    if (ASN1_STRING_length(nonce_value) != static_cast<int>(rep.recipient_nonce.size())) {
        return Error(ErrorCode::verification, "reply's recipientNonce has " +
                                                  std::to_string(ASN1_STRING_length(nonce_value)) +
                                                  " bytes; ours had 16");
    }
    std::copy_n(ASN1_STRING_get0_data(nonce_value), rep.recipient_nonce.size(), rep.recipient_nonce.begin());

    const auto status_text = string_value(signed_attribute(si, k_oid_pki_status));
    if (!status_text) return Error(ErrorCode::bad_reply, "reply has no pkiStatus attribute");
    const auto status = small_number(*status_text);
    if (!status || (*status != 0 && *status != 2 && *status != 3)) {
        return Error(ErrorCode::bad_reply, "reply has unknown pkiStatus '" + *status_text + "'");
    }
    rep.status = static_cast<PkiStatus>(*status);
    if (const auto fail_info = string_value(signed_attribute(si, k_oid_fail_info))) {
        rep.fail_info = small_number(*fail_info).value_or(-1);
    }
    if (const auto text = string_value(signed_attribute(si, k_oid_fail_info_text))) rep.fail_info_text = *text;

    if (rep.status == PkiStatus::success) {
        rep.enveloped_data = ossl::mem_bio_bytes(out.get());
        if (rep.enveloped_data.empty())
            return Error(ErrorCode::bad_reply, "SUCCESS reply carries no certificate envelope");
    }
    return rep;
}

Result<void> check_cert_rep(const CertRep& rep, const TransactionId& transaction_id, const Nonce& sender_nonce) {
    if (rep.transaction_id != transaction_id) {
        return Error(ErrorCode::verification,
                     "reply is for transaction '" + rep.transaction_id + "', not ours ('" + transaction_id + "')");
    }
    if (rep.recipient_nonce != sender_nonce) {
        return Error(ErrorCode::verification,
                     "reply's recipientNonce does not match the senderNonce we sent (replayed or"
                     " misrouted reply)");
    }
    return {};
}

Result<OpenedEnvelope> open_envelope(const CertRep& rep, const Certificate& our_cert, const PrivateKey& our_key) {
    load_legacy_provider_once();
    // Parsed into our key's library context, so that the key decrypts where it lives.
    ossl::CmsPtr envelope(CMS_ContentInfo_new_ex(our_key.libctx(), our_key.propq()));
    const unsigned char* p = rep.enveloped_data.data();
    CMS_ContentInfo* parsed = envelope.get();
    if (!envelope || d2i_CMS_ContentInfo(&parsed, &p, static_cast<long>(rep.enveloped_data.size())) == nullptr ||
        OBJ_obj2nid(CMS_get0_type(envelope.get())) != NID_pkcs7_enveloped) {
        if (parsed != envelope.get()) envelope.release(); // d2i freed it
        return ossl::error(ErrorCode::bad_reply, "reply's content is not a PKCS#7 EnvelopedData");
    }
    SCEP_TRY(CMS_RecipientInfo * ours, our_recipient_info(envelope.get(), our_cert, our_key));
    // The key transport (RFC 5652 §6.2.1) decrypted by our key itself, checked here: CMS_decrypt
    // given a key it cannot really use falls silently into a random content key and garbage.
    EVP_PKEY_up_ref(our_key.native()); // set0 takes a reference: set0(nullptr) gives it back
    if (CMS_RecipientInfo_set0_pkey(ours, our_key.native()) != 1 ||
        CMS_RecipientInfo_decrypt(envelope.get(), ours) != 1) {
        CMS_RecipientInfo_set0_pkey(ours, nullptr);
        return ossl::error(ErrorCode::bad_reply, "our " + to_string(our_key.store()) +
                                                     " key cannot decrypt the reply's content key (the reply is "
                                                     "not for this key, or corrupt)");
    }
    CMS_RecipientInfo_set0_pkey(ours, nullptr);
    ossl::BioPtr out(BIO_new(BIO_s_mem()));
    if (CMS_decrypt(envelope.get(), nullptr, nullptr, nullptr, out.get(), CMS_BINARY) != 1) {
        return ossl::error(ErrorCode::bad_reply, "cannot decrypt the reply with our key (corrupt envelope, or cipher " +
                                                     envelope_cipher_name(rep.enveloped_data) + " is not available)");
    }
    Bytes content = ossl::mem_bio_bytes(out.get());
    // §3.3.2.1: what was encrypted is a degenerate PKCS#7, never anything else.
    if (!is_pkcs7_shell(content)) {
        ossl::clear_errors();
        return Error(ErrorCode::bad_reply, "the reply's envelope decrypted to something that is not PKCS#7 (a wrong "
                                           "content key: the reply was not encrypted to our key)");
    }
    return OpenedEnvelope{std::move(content), envelope_cipher_name(rep.enveloped_data)};
}

// The envelope is for the signer (our_cert/our_key); the issued certificate is the one for
// requested_key, which differs from the signer's on a renewal with a new key.
Result<IssuedCertificates> open_cert_rep(const CertRep& rep, const Certificate& our_cert, const PrivateKey& our_key,
                                         const PrivateKey& requested_key) {
    SCEP_TRY(OpenedEnvelope opened, open_envelope(rep, our_cert, our_key));
    auto certs = detail::certs_from_pkcs7(opened.content);
    if (!certs) return std::move(certs).error().context("reply's certificate bundle");

    std::optional<Certificate> issued;
    std::vector<Certificate> others;
    for (auto& cert : *certs) {
        if (!issued && requested_key.matches(cert) && !cert.is_self_signed()) {
            issued = cert;
        } else {
            others.push_back(cert);
        }
    }
    if (!issued) return Error(ErrorCode::verification, "reply holds no certificate for our key");
    return IssuedCertificates{std::move(*issued), std::move(others), std::move(opened.envelope_cipher)};
}

} // namespace scep
