// A renewal's new token key takes the old key's label (include/scep/key_store.hpp): the steps, each
// of which finds its objects by label and CKA_ID, so that a second run after an interruption
// finishes the handover and repeats nothing.
#include "scep/key_store.hpp"
#include "scep/pkcs11_token.hpp"

namespace scep {

namespace {

using detail::Pkcs11Token;
using detail::Pkcs11Uri;

std::string backup_label(const std::string& label) {
    return label + ".bak";
}

Result<Pkcs11Token> open_logged_in(const Pkcs11Uri& uri, const std::optional<Secret>& pin,
                                   const KeyStoreOptions& options) {
    const std::string module = options.pkcs11_module.empty() ? k_default_pkcs11_module : options.pkcs11_module;
    SCEP_TRY(Pkcs11Token token, Pkcs11Token::open(module, uri));
    SCEP_TRY_VOID(token.login(pin));
    return token;
}

// The label and id of a pair as its URI gives them; both must be there.
struct PairName {
    std::string label;
    Bytes id;
};

Result<PairName> pair_name(const Pkcs11Uri& uri) {
    std::optional<Bytes> id = uri.id();
    if (uri.label().empty() || !id) {
        return Error(ErrorCode::internal, "the token handover record lacks a key's label or id");
    }
    return PairName{uri.label(), std::move(*id)};
}

} // namespace

std::string TokenHandover::to_text() const {
    return old_key + "\n" + new_key + "\n";
}

Result<TokenHandover> TokenHandover::parse(std::string_view text) {
    const auto end = text.find('\n');
    TokenHandover handover;
    if (end != std::string_view::npos) {
        handover.old_key = std::string(text.substr(0, end));
        const std::string_view rest = text.substr(end + 1);
        handover.new_key = std::string(rest.substr(0, rest.find('\n')));
    }
    if (handover.old_key.rfind("pkcs11:", 0) != 0 || handover.new_key.rfind("pkcs11:", 0) != 0) {
        return Error(ErrorCode::file, "not a token handover record (two pkcs11: URIs)");
    }
    SCEP_TRY(const Pkcs11Uri old_uri, Pkcs11Uri::parse(handover.old_key));
    SCEP_TRY(const Pkcs11Uri new_uri, Pkcs11Uri::parse(handover.new_key));
    SCEP_TRY_VOID(pair_name(old_uri));
    SCEP_TRY_VOID(pair_name(new_uri));
    return handover;
}

Result<std::string> TokenHandover::new_key_by_id() const {
    SCEP_TRY(const Pkcs11Uri uri, Pkcs11Uri::parse(new_key));
    SCEP_TRY(const PairName name, pair_name(uri));
    return uri.with_id(name.id);
}

Result<std::optional<TokenHandover>> plan_token_handover(const PrivateKey& old_key, const PrivateKey& new_key,
                                                         const std::optional<Secret>& pin,
                                                         const KeyStoreOptions& options) {
    if (old_key.store() != KeyStore::pkcs11 || new_key.store() != KeyStore::pkcs11)
        return std::optional<TokenHandover>();
    SCEP_TRY(const Pkcs11Uri old_uri, Pkcs11Uri::parse(old_key.location().reference));
    // Named by id (too): moving a label would not make the URI name the new key.
    if (old_uri.label().empty() || old_uri.id()) return std::optional<TokenHandover>();
    SCEP_TRY(Pkcs11Token token, open_logged_in(old_uri, pin, options));
    SCEP_TRY(const std::vector<unsigned long> objects, token.find_keys(old_uri.label(), std::nullopt));
    std::optional<Bytes> id;
    for (const unsigned long object : objects) {
        SCEP_TRY(Bytes object_id, token.id_of(object));
        if (id && *id != object_id) {
            return Error(ErrorCode::config, "several keys on token '" + token.label() + "' are labelled '" +
                                                old_uri.label() + "': scepctl cannot tell which to keep as .bak");
        }
        id = std::move(object_id);
    }
    if (!id)
        return Error(ErrorCode::config,
                     "the key '" + old_uri.label() + "' is no longer on token '" + token.label() + "'");
    SCEP_TRY(const Pkcs11Uri new_uri, Pkcs11Uri::parse(new_key.location().reference));
    if (new_uri.label().empty() || !new_uri.id())
        return std::optional<TokenHandover>(); // not made by generate_replacement
    return std::optional<TokenHandover>(
        TokenHandover{old_uri.with_object(old_uri.label(), *id), new_uri.without_pin()});
}

Result<void> hand_over_token_label(const TokenHandover& handover, const std::optional<Secret>& pin,
                                   const KeyStoreOptions& options) {
    SCEP_TRY(const Pkcs11Uri old_uri, Pkcs11Uri::parse(handover.old_key));
    SCEP_TRY(const Pkcs11Uri new_uri, Pkcs11Uri::parse(handover.new_key));
    SCEP_TRY(const PairName old_pair, pair_name(old_uri));
    SCEP_TRY(const PairName new_pair, pair_name(new_uri));
    SCEP_TRY(Pkcs11Token token, open_logged_in(old_uri, pin, options));
    const std::string backup = backup_label(old_pair.label);
    // 1. An older backup pair goes (the old pair may already carry the backup label: it stays).
    SCEP_TRY(const std::vector<unsigned long> backups, token.find_keys(backup, std::nullopt));
    for (const unsigned long object : backups) {
        SCEP_TRY(const Bytes id, token.id_of(object));
        if (id != old_pair.id) SCEP_TRY_VOID(token.destroy(object));
    }
    // 2. The old pair becomes the backup, so that no two pairs ever carry the label at once.
    SCEP_TRY(const std::vector<unsigned long> old_objects, token.find_keys(old_pair.label, old_pair.id));
    for (const unsigned long object : old_objects)
        SCEP_TRY_VOID(token.set_label(object, backup));
    // 3. The new pair takes the label.
    SCEP_TRY(const std::vector<unsigned long> new_objects, token.find_keys(new_pair.label, new_pair.id));
    for (const unsigned long object : new_objects)
        SCEP_TRY_VOID(token.set_label(object, old_pair.label));
    // The label names the new pair, and only it.
    SCEP_TRY(const std::vector<unsigned long> named, token.find_keys(old_pair.label, std::nullopt));
    for (const unsigned long object : named) {
        SCEP_TRY(const Bytes id, token.id_of(object));
        if (id != new_pair.id) {
            return Error(ErrorCode::config, "after relabelling, a key labelled '" + old_pair.label + "' on token '" +
                                                token.label() + "' is not the new key");
        }
    }
    if (named.empty()) {
        return Error(ErrorCode::config,
                     "the new key (" + handover.new_key + ") is no longer on token '" + token.label() + "'");
    }
    return {};
}

} // namespace scep
