// PKCS#11 through its C API, with p11-kit's RFC 7512 URI parser and module loader: what the
// ENGINE does not offer (finding the token a URI names with a useful error, and making key pairs
// on it). Signing and decrypting go through the engine (key_pkcs11_engine.cpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scep/util.hpp"

struct p11_kit_uri;

namespace scep::detail {

// An RFC 7512 URI (parsed by p11-kit).
class Pkcs11Uri {
  public:
    static Result<Pkcs11Uri> parse(std::string_view text);
    const p11_kit_uri* native() const { return m_uri.get(); }

    std::optional<std::string> pin_value() const;
    std::optional<std::string> pin_source() const; // "file:" removed
    std::string label() const;                     // the object= attribute, or empty
    std::optional<Bytes> id() const;               // the id= attribute, if given
    // The URI for messages and the ENGINE: token and object attributes only (what libp11 parses),
    // never a PIN.
    std::string without_pin() const;
    // The token of this URI with another object: object=label;id=...;type=private.
    std::string with_object(const std::string& label, ByteView id) const;
    // The token of this URI with the private key of this id: id=...;type=private.
    std::string with_id(ByteView id) const;

  private:
    struct Free {
        void operator()(p11_kit_uri* uri) const noexcept;
    };
    std::unique_ptr<p11_kit_uri, Free> m_uri;
    std::string m_text;
};

// Turns a PKCS#11 return value into the error a user reads; `token` names the token.
Error pkcs11_error(unsigned long rv, const std::string& action, const std::string& token);

// One session on the one token a URI names, through `module` (loaded for this object's life).
class Pkcs11Token {
  public:
    static Result<Pkcs11Token> open(const std::string& module, const Pkcs11Uri& uri);
    Pkcs11Token(Pkcs11Token&& other) noexcept;
    Pkcs11Token& operator=(Pkcs11Token&&) = delete;
    ~Pkcs11Token();

    const std::string& label() const { return m_label; }
    // Exactly one C_Login as the user. No PIN: only for a token with its own PIN pad.
    Result<void> login(const std::optional<Secret>& pin);
    // An RSA key pair on the token: private, sensitive, never extractable, for signing and
    // decryption; `label` and `id` on both halves.
    Result<void> generate_rsa(int bits, const std::string& label, ByteView id);

    // Key objects (private and public: the halves of a pair) with this CKA_LABEL and, when given,
    // this CKA_ID. Certificates and data objects are never touched.
    Result<std::vector<unsigned long>> find_keys(const std::string& label, std::optional<ByteView> id);
    Result<Bytes> id_of(unsigned long object);
    Result<void> set_label(unsigned long object, const std::string& label);
    Result<void> destroy(unsigned long object);

  private:
    Pkcs11Token() = default;
    void close();
    void* m_library = nullptr;       // dlopen handle
    void* m_module = nullptr;        // CK_FUNCTION_LIST*
    bool m_initialized_here = false; // false: the module was already initialized (by the ENGINE)
    unsigned long m_session = 0;
    bool m_has_session = false;
    bool m_logged_in_here = false;
    bool m_protected_auth_path = false;
    std::string m_label;
};

// Refuses a module path that does not exist, naming the package of the usual modules.
Result<void> check_pkcs11_module(const std::string& module);

} // namespace scep::detail
