#include "scep/csr.hpp"

#include <openssl/x509v3.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"
#include "scep/algorithms.hpp"
#include "scep/key_state.hpp"

namespace scep {

namespace {

using X509ReqPtr = ossl::Handle<X509_REQ, X509_REQ_free>;
using ExtensionPtr = ossl::Handle<X509_EXTENSION, X509_EXTENSION_free>;
inline void free_extension_stack(STACK_OF(X509_EXTENSION) * s) {
    sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
}
using ExtensionStackPtr = ossl::Handle<STACK_OF(X509_EXTENSION), free_extension_stack>;

bool is_printable_string(std::string_view s) {
    for (unsigned char c : s) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        std::string_view(" '()+,-./:=?").find(static_cast<char>(c)) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

Result<void> push_extension(STACK_OF(X509_EXTENSION) * stack, int nid, bool critical, void* value) {
    ExtensionPtr ext(X509V3_EXT_i2d(nid, critical ? 1 : 0, value));
    if (!ext || sk_X509_EXTENSION_push(stack, ext.get()) <= 0) {
        return ossl::error(ErrorCode::internal, std::string("cannot encode the ") + OBJ_nid2ln(nid) + " extension");
    }
    ext.release();
    return {};
}

// Wipes the request's own copy of the challenge password before OpenSSL frees the request.
struct ChallengeWiper {
    X509_REQ* req;
    ~ChallengeWiper() {
        const int index = X509_REQ_get_attr_by_NID(req, NID_pkcs9_challengePassword, -1);
        if (index < 0) return;
        const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(X509_REQ_get_attr(req, index), 0);
        if (value == nullptr || (value->type != V_ASN1_PRINTABLESTRING && value->type != V_ASN1_UTF8STRING)) return;
        const ASN1_STRING* text = value->value.asn1_string;
        OPENSSL_cleanse(const_cast<unsigned char*>(ASN1_STRING_get0_data(text)),
                        static_cast<std::size_t>(ASN1_STRING_length(text)));
    }
};

using AttributePtr = ossl::Handle<X509_ATTRIBUTE, X509_ATTRIBUTE_free>;

// The MS-WCCE validity request ([MS-WCCE] 2.2.2.7.10), decoded from its DER so that the
// encoding lives in one place (validity_attribute_der).
Result<void> add_validity_attribute(X509_REQ* req, const RequestedValidity& validity) {
    const Bytes der = validity_attribute_der(validity);
    const unsigned char* p = der.data();
    AttributePtr attribute(d2i_X509_ATTRIBUTE(nullptr, &p, static_cast<long>(der.size())));
    if (!attribute || X509_REQ_add1_attr(req, attribute.get()) != 1) {
        return ossl::error(ErrorCode::internal, "cannot add the requested validity (" + to_string(validity) + ")");
    }
    return {};
}

} // namespace

Result<CertificationRequest> build_csr(const PrivateKey& key, const CsrParams& params) {
    X509NamePtr subject_name;
    if (params.exact_subject != nullptr) {
        subject_name.reset(X509_NAME_dup(params.exact_subject));
        if (!subject_name) return ossl::error(ErrorCode::internal, "cannot copy the subject name");
    } else {
        SCEP_TRY(subject_name, to_x509_name(params.subject));
    }
    const std::shared_ptr<X509_NAME> subject(std::move(subject_name));

    X509ReqPtr req(X509_REQ_new());
    if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1 ||
        X509_REQ_set_subject_name(req.get(), subject.get()) != 1 ||
        X509_REQ_set_pubkey(req.get(), key.public_key()) != 1) {
        return ossl::error(ErrorCode::internal, "cannot build the certificate request");
    }

    const ChallengeWiper wipe_challenge_on_return{req.get()};
    if (params.challenge_password) {
        // PrintableString where possible: NDES and older servers expect it; UTF8String otherwise.
        const std::string_view challenge = params.challenge_password->view();
        const int type = is_printable_string(challenge) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
        if (X509_REQ_add1_attr_by_NID(req.get(), NID_pkcs9_challengePassword, type,
                                      reinterpret_cast<const unsigned char*>(challenge.data()),
                                      static_cast<int>(challenge.size())) != 1) {
            return ossl::error(ErrorCode::internal, "cannot add the challenge password");
        }
    }

    if (params.validity) SCEP_TRY_VOID(add_validity_attribute(req.get(), *params.validity));

    ExtensionStackPtr extensions(sk_X509_EXTENSION_new_null());
    if (params.digital_signature || params.key_encipherment) {
        ossl::Asn1BitStringPtr usage(ASN1_BIT_STRING_new());
        if (params.digital_signature) ASN1_BIT_STRING_set_bit(usage.get(), 0, 1);
        if (params.key_encipherment) ASN1_BIT_STRING_set_bit(usage.get(), 2, 1);
        SCEP_TRY_VOID(push_extension(extensions.get(), NID_key_usage, true, usage.get()));
    }
    if (!params.extended_key_usages.empty()) {
        ossl::ExtKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
        for (const auto& name : params.extended_key_usages) {
            ASN1_OBJECT* obj = OBJ_txt2obj(name.c_str(), 0);
            if (obj == nullptr) {
                ossl::clear_errors();
                return Error(ErrorCode::usage, "unknown extended key usage '" + name +
                                                   "' (use e.g. clientAuth, serverAuth or a dotted OID)");
            }
            sk_ASN1_OBJECT_push(eku.get(), obj);
        }
        SCEP_TRY_VOID(push_extension(extensions.get(), NID_ext_key_usage, false, eku.get()));
    }
    if (!params.alt_names.empty()) {
        SCEP_TRY(const GeneralNamesPtr names, to_general_names(params.alt_names));
        SCEP_TRY_VOID(push_extension(extensions.get(), NID_subject_alt_name, false, names.get()));
    }
    if (sk_X509_EXTENSION_num(extensions.get()) > 0 && X509_REQ_add_extensions(req.get(), extensions.get()) != 1) {
        return ossl::error(ErrorCode::internal, "cannot add the extension request");
    }

    // Signed where the key lives: in the TPM or token for a hardware key.
    SCEP_TRY(const detail::MdCtxPtr sign, detail::sign_context(key, detail::evp_md(params.digest)));
    if (X509_REQ_sign_ctx(req.get(), sign.get()) <= 0) {
        return ossl::error(ErrorCode::internal, "cannot sign the certificate request");
    }
    unsigned char* out = nullptr;
    const int len = i2d_X509_REQ(req.get(), &out);
    if (len <= 0) return ossl::error(ErrorCode::internal, "cannot encode the certificate request");
    CertificationRequest csr{SecureBytes(out, out + len), std::move(subject)};
    OPENSSL_clear_free(out, static_cast<std::size_t>(len));
    return csr;
}

} // namespace scep
