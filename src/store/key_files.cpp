#include "store/key_files.hpp"

#include <openssl/crypto.h>

namespace store {

namespace {

// The first line of a PIN file, as --key-pass-file reads a passphrase.
util::Result<util::Secret> read_pin_file(const std::string& path) {
    auto data = read_file(path, 4096);
    if (!data) return std::move(data).error().context("the PKCS#11 URI's pin-source");
    std::string_view text(reinterpret_cast<const char*>(data->data()), data->size());
    text = text.substr(0, text.find_first_of("\r\n"));
    util::Secret pin(text);
    OPENSSL_cleanse(data->data(), data->size());
    if (pin.empty()) return util::Error(util::ErrorCode::file, "the PIN file " + path + " (pin-source) is empty");
    return pin;
}

} // namespace

util::Result<scep::PrivateKey> load_key(std::string_view reference, const std::optional<util::Secret>& secret,
                                        const scep::KeyStoreOptions& options) {
    SCEP_TRY(const scep::KeyReference ref, scep::parse_key_reference(reference));
    util::Bytes data;
    std::optional<util::Secret> pin = secret;
    if (ref.kind == scep::KeyReference::Kind::path) {
        SCEP_TRY(data, read_regular_file(ref.text, 1 << 20));
    } else if (ref.kind == scep::KeyReference::Kind::pkcs11_uri && !pin) {
        SCEP_TRY(const std::optional<std::string> source, scep::pkcs11_pin_source(ref.text));
        if (source) {
            SCEP_TRY(util::Secret from_file, read_pin_file(*source));
            pin = std::move(from_file);
        }
    }
    auto key = scep::load_key(ref, data, pin, options);
    OPENSSL_cleanse(data.data(), data.size());
    return key;
}

util::Result<scep::PrivateKey> write_key_file(const std::filesystem::path& path, const scep::PrivateKey& key,
                                              Format format, const std::optional<util::Secret>& passphrase,
                                              Overwrite overwrite) {
    SCEP_TRY(util::Bytes encoded, encode_key(key, format, passphrase));
    auto written = write_file_atomic(path, encoded, 0600, overwrite);
    OPENSSL_cleanse(encoded.data(), encoded.size());
    if (!written) return std::move(written).error();
    return key.with_reference(path.string());
}

} // namespace store
