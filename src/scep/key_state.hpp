// What a PrivateKey holds (include/scep/key.hpp), for the key backends that make one.
#pragma once

#include <memory>
#include <string>

#include "ossl/handles.hpp"
#include "scep/key.hpp"

namespace scep::detail {

// Where a key lives and how its operations are fetched; shared by the copies of a key.
struct KeyPlace {
    // The provider or engine of a hardware key: PrivateKey keeps it loaded until its key objects
    // are freed (a TPM key object holds one of the TPM's few object slots).
    std::shared_ptr<const void> keeper;
    OSSL_LIB_CTX* libctx = nullptr;
    std::string propq; // empty: none
    KeyLocation location;
    Bytes tpm2_blob;
};

// What a backend hands to PrivateKey(KeyState&&).
struct KeyState {
    KeyPlace place;
    ossl::EvpPkeyPtr key;
    ossl::EvpPkeyPtr public_key; // in the default library context
};

// The public half of `key` (any provider's or engine's) as a default-context key, through its
// SubjectPublicKeyInfo.
Result<ossl::EvpPkeyPtr> public_copy(EVP_PKEY* key);

using MdCtxPtr = ossl::Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
// A context that signs with `key` and `md` where the key lives (its provider and property
// query): for X509_REQ_sign_ctx and X509_sign_ctx.
Result<MdCtxPtr> sign_context(const PrivateKey& key, const EVP_MD* md);

// Refuses a key that is not RSA, naming what it is. `where` names the key in the message.
Result<void> require_rsa(const EVP_PKEY* key, const std::string& where);

// What a hardware backend hands over for `key`, held where `place` says: the key must be RSA
// (`where` names it in the error), and its public half is copied to the default context.
Result<KeyState> hardware_key_state(ossl::EvpPkeyPtr key, KeyPlace place, const std::string& where);

} // namespace scep::detail
