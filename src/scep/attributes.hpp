// SCEP's signed attributes (RFC 8894 §3.2.1): OIDs and readers shared by the CertRep parser and
// the decoder.
#pragma once

#include <optional>
#include <string>

#include <openssl/cms.h>
#include <openssl/objects.h>

#include "ossl/handles.hpp"

namespace scep::detail {

using Asn1ObjectPtr = ossl::Handle<ASN1_OBJECT, ASN1_OBJECT_free>;

// RFC 8894 §3.2.1 attribute OIDs (VeriSign arc) and failInfoText (§3.2.1.4, RFC 7191 id-aa 24.1).
constexpr const char* k_oid_message_type = "2.16.840.1.113733.1.9.2";
constexpr const char* k_oid_pki_status = "2.16.840.1.113733.1.9.3";
constexpr const char* k_oid_fail_info = "2.16.840.1.113733.1.9.4";
constexpr const char* k_oid_sender_nonce = "2.16.840.1.113733.1.9.5";
constexpr const char* k_oid_recipient_nonce = "2.16.840.1.113733.1.9.6";
constexpr const char* k_oid_transaction_id = "2.16.840.1.113733.1.9.7";
constexpr const char* k_oid_fail_info_text = "1.3.6.1.5.5.7.24.1";

inline Asn1ObjectPtr oid(const char* dotted) {
    return Asn1ObjectPtr(OBJ_txt2obj(dotted, 1));
}

// The single value of a signed attribute, or null when absent (or not single-valued).
inline const ASN1_TYPE* signed_attribute(CMS_SignerInfo* si, const char* dotted) {
    auto obj = oid(dotted);
    const int index = CMS_signed_get_attr_by_OBJ(si, obj.get(), -1);
    if (index < 0) return nullptr;
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, index);
    return X509_ATTRIBUTE_count(attr) == 1 ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
}

// PrintableString per the RFC; other string types are tolerated, servers differ.
inline std::optional<std::string> string_value(const ASN1_TYPE* value) {
    if (value == nullptr) return std::nullopt;
    switch (value->type) {
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_UTF8STRING:
    case V_ASN1_IA5STRING: {
        const ASN1_STRING* s = value->value.asn1_string;
        return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                           static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    default: return std::nullopt;
    }
}

// A decimal number of at most three digits ("19", "3"), as SCEP sends messageType and pkiStatus.
inline std::optional<int> small_number(const std::string& text) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    int n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    return n;
}

// Loads OpenSSL's legacy provider once (single DES, which scepserver and scepclient use), for reading only.
void load_legacy_provider();

} // namespace scep::detail
