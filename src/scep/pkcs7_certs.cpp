#include "scep/pkcs7_certs.hpp"

#include <openssl/cms.h>

#include "ossl/errors.hpp"
#include "ossl/handles.hpp"

namespace scep::detail {

Result<std::vector<Certificate>> certs_from_pkcs7(ByteView body) {
    const unsigned char* p = body.data();
    ossl::CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(body.size())));
    if (!cms) return ossl::error(ErrorCode::bad_reply, "not a DER PKCS#7/CMS structure (truncated or garbage)");
    if (p != body.data() + body.size()) {
        return Error(ErrorCode::bad_reply, "trailing bytes after the PKCS#7 structure");
    }
    if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        return Error(ErrorCode::bad_reply, "PKCS#7 structure is not SignedData (expected a certs-only bundle)");
    }
    ossl::X509StackPtr stack(CMS_get1_certs(cms.get()));
    if (!stack || sk_X509_num(stack.get()) == 0) {
        ossl::clear_errors();
        return Error(ErrorCode::bad_reply, "PKCS#7 bundle contains no certificates");
    }
    std::vector<Certificate> certs;
    while (sk_X509_num(stack.get()) > 0) {
        certs.emplace_back(sk_X509_shift(stack.get()));
    }
    return certs;
}

} // namespace scep::detail
