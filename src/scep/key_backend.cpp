#include "scep/key_backend.hpp"

#include <ctime>

#include "scep/key_state.hpp"
#include "scep/pkcs11_token.hpp"

namespace scep {

namespace detail {

namespace {

class FileBackend final : public KeyBackend {
  public:
    KeyStore store() const override { return KeyStore::file; }
    Result<PrivateKey> load(const KeyReference& ref, ByteView file_data, const std::optional<Secret>& secret) override {
        SCEP_TRY(PrivateKey key, PrivateKey::load(file_data, secret));
        return key.with_reference(ref.text);
    }
    Result<PrivateKey> generate_rsa(int bits, const KeyGenTarget&, const std::optional<Secret>&) override {
        return PrivateKey::generate_rsa(bits);
    }
};

} // namespace

std::unique_ptr<KeyBackend> make_file_backend() {
    return std::make_unique<FileBackend>();
}

std::string replacement_label(std::string_view old_label) {
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    return std::string(old_label.empty() ? "scepctl" : old_label) + "-" + stamp;
}

} // namespace detail

const char* const k_default_pkcs11_module = SCEPCTL_P11_KIT_PROXY;
const char* const k_default_tpm2_tcti = "device:/dev/tpmrm0";

namespace {

std::unique_ptr<detail::KeyBackend> backend_for(KeyStore store, const KeyStoreOptions& options) {
    switch (store) {
    case KeyStore::tpm2: return detail::make_tpm2_backend(options);
    case KeyStore::pkcs11: return detail::make_pkcs11_engine_backend(options);
    case KeyStore::file: break;
    }
    return detail::make_file_backend();
}

} // namespace

Result<KeyReference> parse_key_reference(std::string_view text) {
    if (text.substr(0, 7) == "handle:") {
        const std::string_view hex = text.substr(7);
        const bool is_hex = hex.size() == 10 && (hex.substr(0, 2) == "0x" || hex.substr(0, 2) == "0X") &&
                            hex.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string_view::npos;
        // TPM 2.0 Part 2 §7.5: persistent objects are 0x81000000..0x81FFFFFF.
        if (!is_hex || (hex[2] != '8' || hex[3] != '1')) {
            return Error(ErrorCode::usage, "'" + std::string(text) + "' is not a persistent TPM handle")
                .with_fix("write it as handle:0x81000001 (0x81000000 to 0x81FFFFFF; tpm2_getcap handles-persistent "
                          "lists them)");
        }
        return KeyReference{KeyReference::Kind::tpm2_handle, std::string(text)};
    }
    if (text.substr(0, 7) == "pkcs11:") {
        SCEP_TRY_VOID(detail::Pkcs11Uri::parse(text));
        return KeyReference{KeyReference::Kind::pkcs11_uri, std::string(text)};
    }
    if (text.empty()) return Error(ErrorCode::usage, "the key reference is empty");
    return KeyReference{KeyReference::Kind::path, std::string(text)};
}

bool is_tss2_key_blob(ByteView data) {
    constexpr std::string_view k_begin = "-----BEGIN TSS2 PRIVATE KEY-----";
    const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    const auto start = text.find_first_not_of(" \t\r\n");
    return start != std::string_view::npos && text.substr(start, k_begin.size()) == k_begin;
}

Result<std::optional<std::string>> pkcs11_pin_source(std::string_view uri) {
    SCEP_TRY(const detail::Pkcs11Uri parsed, detail::Pkcs11Uri::parse(uri));
    return parsed.pin_source();
}

Result<PrivateKey> load_key(const KeyReference& ref, ByteView file_data, const std::optional<Secret>& secret,
                            const KeyStoreOptions& options) {
    KeyStore store = KeyStore::file;
    if (ref.kind == KeyReference::Kind::pkcs11_uri) {
        store = KeyStore::pkcs11;
    } else if (ref.kind == KeyReference::Kind::tpm2_handle || is_tss2_key_blob(file_data)) {
        store = KeyStore::tpm2;
    }
    return backend_for(store, options)->load(ref, file_data, secret);
}

Result<PrivateKey> generate_key(const KeyGenTarget& target, int bits, const std::optional<Secret>& secret,
                                const KeyStoreOptions& options) {
    if (bits != 2048 && bits != 3072 && bits != 4096) {
        return Error(ErrorCode::usage,
                     "RSA key size " + std::to_string(bits) + " is not supported (use 2048, 3072 or 4096)");
    }
    return backend_for(target.store, options)->generate_rsa(bits, target, secret);
}

Result<PrivateKey> generate_replacement(const PrivateKey& old_key, int bits, const std::optional<Secret>& secret,
                                        const KeyStoreOptions& options) {
    KeyGenTarget target;
    target.store = old_key.store();
    if (target.store == KeyStore::pkcs11) {
        SCEP_TRY(const detail::Pkcs11Uri old_uri, detail::Pkcs11Uri::parse(old_key.location().reference));
        target.pkcs11_token = old_key.location().reference;
        target.pkcs11_label = detail::replacement_label(old_uri.label());
    }
    return generate_key(target, bits, secret, options);
}

} // namespace scep
