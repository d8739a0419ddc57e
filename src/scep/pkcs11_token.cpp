#include "scep/pkcs11_token.hpp"

#include <array>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

namespace scep::detail {

namespace {

CK_FUNCTION_LIST* functions(void* module) {
    return static_cast<CK_FUNCTION_LIST*>(module);
}

// CK_UTF8CHAR fields are padded with blanks, not terminated.
std::string padded(const unsigned char* text, std::size_t size) {
    std::string s(reinterpret_cast<const char*>(text), size);
    const auto end = s.find_last_not_of(' ');
    return end == std::string::npos ? std::string() : s.substr(0, end + 1);
}

std::string ckr_name(CK_RV rv) {
    switch (rv) {
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_PIN_EXPIRED: return "CKR_PIN_EXPIRED";
    case CKR_PIN_INVALID: return "CKR_PIN_INVALID";
    case CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_TOKEN_WRITE_PROTECTED: return "CKR_TOKEN_WRITE_PROTECTED";
    case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_KEY_SIZE_RANGE: return "CKR_KEY_SIZE_RANGE";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_ATTRIBUTE_READ_ONLY: return "CKR_ATTRIBUTE_READ_ONLY";
    case CKR_ACTION_PROHIBITED: return "CKR_ACTION_PROHIBITED";
    default: {
        char hex[32];
        std::snprintf(hex, sizeof hex, "CKR 0x%lx", static_cast<unsigned long>(rv));
        return hex;
    }
    }
}

} // namespace

void Pkcs11Uri::Free::operator()(p11_kit_uri* uri) const noexcept {
    p11_kit_uri_free(uri);
}

Result<Pkcs11Uri> Pkcs11Uri::parse(std::string_view text) {
    Pkcs11Uri parsed;
    parsed.m_text = std::string(text);
    parsed.m_uri.reset(p11_kit_uri_new());
    if (!parsed.m_uri) return Error(ErrorCode::internal, "out of memory parsing a PKCS#11 URI");
    const int rc = p11_kit_uri_parse(parsed.m_text.c_str(), P11_KIT_URI_FOR_ANY, parsed.m_uri.get());
    if (rc != P11_KIT_URI_OK) {
        // The message never quotes the URI: it may hold a pin-value.
        return Error(ErrorCode::usage, std::string("the PKCS#11 URI is not valid: ") + p11_kit_uri_message(rc))
            .with_fix("write it as RFC 7512 says, e.g. pkcs11:token=device;object=scep-key;type=private");
    }
    return parsed;
}

std::optional<std::string> Pkcs11Uri::pin_value() const {
    const char* pin = p11_kit_uri_get_pin_value(m_uri.get());
    if (pin == nullptr) return std::nullopt;
    return std::string(pin);
}

std::optional<std::string> Pkcs11Uri::pin_source() const {
    const char* source = p11_kit_uri_get_pin_source(m_uri.get());
    if (source == nullptr) return std::nullopt;
    std::string path(source);
    if (path.rfind("file:", 0) == 0) path.erase(0, 5);
    return path;
}

std::string Pkcs11Uri::label() const {
    const CK_ATTRIBUTE* attr = p11_kit_uri_get_attribute(m_uri.get(), CKA_LABEL);
    if (attr == nullptr || attr->pValue == nullptr) return {};
    return std::string(static_cast<const char*>(attr->pValue), attr->ulValueLen);
}

std::optional<Bytes> Pkcs11Uri::id() const {
    const CK_ATTRIBUTE* attr = p11_kit_uri_get_attribute(m_uri.get(), CKA_ID);
    if (attr == nullptr || attr->pValue == nullptr) return std::nullopt;
    const auto* bytes = static_cast<const std::uint8_t*>(attr->pValue);
    return Bytes(bytes, bytes + attr->ulValueLen);
}

namespace {

std::string format_uri(p11_kit_uri* uri) {
    p11_kit_uri_set_pin_value(uri, nullptr);
    p11_kit_uri_set_pin_source(uri, nullptr);
    char* text = nullptr;
    if (p11_kit_uri_format(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &text) != P11_KIT_URI_OK) return "pkcs11:";
    std::string result(text);
    std::free(text);
    return result;
}

} // namespace

std::string Pkcs11Uri::without_pin() const {
    auto copy = parse(m_text);
    if (!copy) return "pkcs11:";
    return format_uri(copy->m_uri.get());
}

namespace {

// The token of `text` with a private key object named by `label` (when not empty) and `id`.
std::string private_key_uri(const std::string& text, const std::string& label, ByteView id) {
    auto copy = Pkcs11Uri::parse(text);
    if (!copy) return "pkcs11:";
    auto* uri = const_cast<p11_kit_uri*>(copy->native());
    p11_kit_uri_clear_attributes(uri);
    CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
    std::vector<CK_ATTRIBUTE> attrs{{CKA_ID, const_cast<std::uint8_t*>(id.data()), id.size()},
                                    {CKA_CLASS, &klass, sizeof klass}};
    if (!label.empty()) attrs.push_back({CKA_LABEL, const_cast<char*>(label.data()), label.size()});
    for (auto& attr : attrs)
        p11_kit_uri_set_attribute(uri, &attr);
    return format_uri(uri);
}

} // namespace

std::string Pkcs11Uri::with_object(const std::string& label, ByteView id) const {
    return private_key_uri(m_text, label, id);
}

std::string Pkcs11Uri::with_id(ByteView id) const {
    return private_key_uri(m_text, {}, id);
}

Error pkcs11_error(unsigned long rv, const std::string& action, const std::string& token) {
    const std::string where = "token '" + token + "'";
    switch (rv) {
    case CKR_PIN_INCORRECT:
        return Error(ErrorCode::file, "wrong PIN for " + where +
                                          " (one login attempt was made; scepctl never retries, tokens lock "
                                          "after a few wrong PINs)")
            .with_fix("check the PIN given with --key-pass-file, the environment, stdin or pin-source");
    case CKR_PIN_LOCKED:
        return Error(ErrorCode::file, "the user PIN of " + where + " is locked")
            .with_fix("unblock it with the SO PIN (e.g. pkcs11-tool --unlock-pin)");
    case CKR_PIN_EXPIRED:
        return Error(ErrorCode::file, "the user PIN of " + where + " has expired")
            .with_fix("set a new one (e.g. pkcs11-tool --change-pin)");
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
        return Error(ErrorCode::file, "the token refuses the PIN's characters or length (" + where + ")")
            .with_fix("check the PIN file: only its first line is the PIN");
    case CKR_TOKEN_NOT_PRESENT: return Error(ErrorCode::config, where + " is not present").with_fix("insert the token");
    case CKR_TOKEN_WRITE_PROTECTED:
        return Error(ErrorCode::config, where + " is write-protected: no key can be made on it");
    case CKR_ATTRIBUTE_READ_ONLY:
    case CKR_ACTION_PROHIBITED:
        return Error(ErrorCode::config, action + " is refused by " + where + " (" + ckr_name(rv) + ")")
            .with_fix("give the new key as --key from now on (its URI is printed)");
    case CKR_DEVICE_MEMORY:
        return Error(ErrorCode::config, where + " is full: no room for another key")
            .with_fix("delete an old key from it (pkcs11-tool --delete-object)");
    case CKR_MECHANISM_INVALID:
    case CKR_KEY_SIZE_RANGE:
        return Error(ErrorCode::usage, where + " cannot make an RSA key of this size")
            .with_fix("choose another --key-size (2048 is the most widely supported)");
    default: return Error(ErrorCode::config, action + " failed on " + where + ": " + ckr_name(rv));
    }
}

Result<void> check_pkcs11_module(const std::string& module) {
    if (::access(module.c_str(), R_OK) == 0) return {};
    const int err = errno;
    return Error(ErrorCode::config, "PKCS#11 module '" + module + "': " + std::strerror(err))
        .with_fix("install it (Debian: p11-kit for the proxy " + std::string(SCEPCTL_P11_KIT_PROXY) +
                  ", softhsm2, opensc-pkcs11, or your token vendor's package) or give its path with "
                  "--pkcs11-module");
}

Result<Pkcs11Token> Pkcs11Token::open(const std::string& module, const Pkcs11Uri& uri) {
    SCEP_TRY_VOID(check_pkcs11_module(module));
    Pkcs11Token token;
    // dlopen, as libp11 does (p11_kit_module_load refuses p11-kit's own proxy, the default).
    token.m_library = ::dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
    auto* get_list = token.m_library != nullptr
                         ? reinterpret_cast<CK_C_GetFunctionList>(::dlsym(token.m_library, "C_GetFunctionList"))
                         : nullptr;
    CK_FUNCTION_LIST* f = nullptr;
    if (get_list == nullptr || get_list(&f) != CKR_OK || f == nullptr) {
        const char* why = ::dlerror();
        return Error(ErrorCode::config, "cannot load the PKCS#11 module '" + module + "'" +
                                            (why != nullptr ? std::string(" (") + why + ")" : ""))
            .with_fix("check that it is a PKCS#11 module for this machine's architecture");
    }
    token.m_module = f;
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV init = f->C_Initialize(&args);
    if (init != CKR_OK && init != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        return pkcs11_error(init, "C_Initialize", module);
    }
    token.m_initialized_here = init == CKR_OK;

    CK_ULONG count = 0;
    if (f->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK) {
        return Error(ErrorCode::config, "the PKCS#11 module '" + module + "' cannot list its slots");
    }
    std::vector<CK_SLOT_ID> slots(count);
    if (count > 0 && f->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) {
        return Error(ErrorCode::config, "the PKCS#11 module '" + module + "' cannot list its slots");
    }
    slots.resize(count);
    std::vector<std::string> seen;
    std::vector<std::pair<CK_SLOT_ID, CK_TOKEN_INFO>> matches;
    auto* u = const_cast<p11_kit_uri*>(uri.native());
    for (const CK_SLOT_ID slot : slots) {
        CK_TOKEN_INFO info{};
        if (f->C_GetTokenInfo(slot, &info) != CKR_OK || (info.flags & CKF_TOKEN_INITIALIZED) == 0) continue;
        seen.push_back("'" + padded(info.label, sizeof info.label) + "'");
        if (p11_kit_uri_match_token_info(u, &info) == 1) matches.emplace_back(slot, info);
    }
    if (matches.size() != 1) {
        std::string list;
        for (const auto& name : seen)
            list += (list.empty() ? "" : ", ") + name;
        const std::string which = uri.without_pin();
        if (matches.empty()) {
            return Error(ErrorCode::config, "no token matches " + which + " in module '" + module + "'")
                .with_fix(seen.empty() ? "insert the token (the module sees none)" : "tokens present: " + list);
        }
        return Error(ErrorCode::config, "several tokens match " + which + " (" + list + ")")
            .with_fix("add token= or serial= to the URI to name one");
    }
    token.m_label = padded(matches[0].second.label, sizeof matches[0].second.label);
    token.m_protected_auth_path = (matches[0].second.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
    CK_SESSION_HANDLE session = 0;
    const CK_RV opened =
        f->C_OpenSession(matches[0].first, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
    if (opened != CKR_OK) return pkcs11_error(opened, "opening a session", token.m_label);
    token.m_session = session;
    token.m_has_session = true;
    return token;
}

Pkcs11Token::Pkcs11Token(Pkcs11Token&& other) noexcept
    : m_library(other.m_library), m_module(other.m_module), m_initialized_here(other.m_initialized_here),
      m_session(other.m_session), m_has_session(other.m_has_session), m_logged_in_here(other.m_logged_in_here),
      m_protected_auth_path(other.m_protected_auth_path), m_label(std::move(other.m_label)) {
    other.m_library = nullptr;
    other.m_module = nullptr;
    other.m_has_session = false;
    other.m_logged_in_here = false;
    other.m_initialized_here = false;
}

Pkcs11Token::~Pkcs11Token() {
    close();
    if (m_library != nullptr) ::dlclose(m_library);
}

void Pkcs11Token::close() {
    if (m_module == nullptr) return;
    CK_FUNCTION_LIST* f = functions(m_module);
    // Only what this object began is ended: the ENGINE may share the module and its login.
    if (m_logged_in_here) f->C_Logout(m_session);
    if (m_has_session) f->C_CloseSession(m_session);
    if (m_initialized_here) f->C_Finalize(nullptr);
}

Result<void> Pkcs11Token::login(const std::optional<Secret>& pin) {
    if (!pin && !m_protected_auth_path) {
        // The ENGINE may have logged in already (a PIN from the URI's pin-source): the login state
        // is the application's, shared by all its sessions (PKCS#11 v2.40 §5.6).
        CK_SESSION_INFO info{};
        if (functions(m_module)->C_GetSessionInfo(m_session, &info) == CKR_OK && info.state == CKS_RW_USER_FUNCTIONS) {
            return {};
        }
        return Error(ErrorCode::usage, "token '" + m_label + "' needs its user PIN")
            .with_fix("give it with --key-pass-file, the environment, stdin, or pin-source= in the URI");
    }
    CK_FUNCTION_LIST* f = functions(m_module);
    auto* text = pin ? reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin->c_str())) : nullptr;
    const CK_RV rv = f->C_Login(m_session, CKU_USER, text, pin ? pin->size() : 0);
    if (rv == CKR_USER_ALREADY_LOGGED_IN) return {}; // the ENGINE's login, kept
    if (rv != CKR_OK) return pkcs11_error(rv, "login", m_label);
    m_logged_in_here = true;
    return {};
}

Result<void> Pkcs11Token::generate_rsa(int bits, const std::string& label, ByteView id) {
    CK_FUNCTION_LIST* f = functions(m_module);
    CK_MECHANISM mechanism{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_ULONG modulus_bits = static_cast<CK_ULONG>(bits);
    std::array<CK_BYTE, 3> exponent{0x01, 0x00, 0x01}; // 65537
    auto* label_ptr = const_cast<char*>(label.data());
    auto* id_ptr = const_cast<std::uint8_t*>(id.data());
    CK_ATTRIBUTE public_template[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_PRIVATE, &no, sizeof no},
        {CKA_MODULUS_BITS, &modulus_bits, sizeof modulus_bits},
        {CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()},
        {CKA_VERIFY, &yes, sizeof yes},
        {CKA_ENCRYPT, &yes, sizeof yes},
        {CKA_LABEL, label_ptr, label.size()},
        {CKA_ID, id_ptr, id.size()},
    };
    CK_ATTRIBUTE private_template[] = {
        {CKA_TOKEN, &yes, sizeof yes},        {CKA_PRIVATE, &yes, sizeof yes}, {CKA_SENSITIVE, &yes, sizeof yes},
        {CKA_EXTRACTABLE, &no, sizeof no},    {CKA_SIGN, &yes, sizeof yes},    {CKA_DECRYPT, &yes, sizeof yes},
        {CKA_LABEL, label_ptr, label.size()}, {CKA_ID, id_ptr, id.size()},
    };
    CK_OBJECT_HANDLE public_key = 0;
    CK_OBJECT_HANDLE private_key = 0;
    const CK_RV rv = f->C_GenerateKeyPair(m_session, &mechanism, public_template, std::size(public_template),
                                          private_template, std::size(private_template), &public_key, &private_key);
    if (rv != CKR_OK) return pkcs11_error(rv, "making an RSA key pair", m_label);
    return {};
}

Result<std::vector<unsigned long>> Pkcs11Token::find_keys(const std::string& label, std::optional<ByteView> id) {
    CK_FUNCTION_LIST* f = functions(m_module);
    std::vector<unsigned long> found;
    for (CK_OBJECT_CLASS klass : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
        std::vector<CK_ATTRIBUTE> match{{CKA_CLASS, &klass, sizeof klass},
                                        {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
        if (id) match.push_back({CKA_ID, const_cast<std::uint8_t*>(id->data()), id->size()});
        CK_RV rv = f->C_FindObjectsInit(m_session, match.data(), match.size());
        if (rv != CKR_OK) return pkcs11_error(rv, "looking for the key '" + label + "'", m_label);
        std::array<CK_OBJECT_HANDLE, 16> batch{};
        CK_ULONG count = 0;
        while ((rv = f->C_FindObjects(m_session, batch.data(), batch.size(), &count)) == CKR_OK && count > 0) {
            found.insert(found.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(count));
        }
        f->C_FindObjectsFinal(m_session);
        if (rv != CKR_OK) return pkcs11_error(rv, "looking for the key '" + label + "'", m_label);
    }
    return found;
}

Result<Bytes> Pkcs11Token::id_of(unsigned long object) {
    CK_FUNCTION_LIST* f = functions(m_module);
    CK_ATTRIBUTE attr{CKA_ID, nullptr, 0};
    CK_RV rv = f->C_GetAttributeValue(m_session, object, &attr, 1);
    if (rv != CKR_OK || attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
        return pkcs11_error(rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID : rv, "reading a key's CKA_ID", m_label);
    }
    Bytes id(attr.ulValueLen);
    attr.pValue = id.data();
    rv = f->C_GetAttributeValue(m_session, object, &attr, 1);
    if (rv != CKR_OK) return pkcs11_error(rv, "reading a key's CKA_ID", m_label);
    return id;
}

Result<void> Pkcs11Token::set_label(unsigned long object, const std::string& label) {
    CK_ATTRIBUTE attr{CKA_LABEL, const_cast<char*>(label.data()), label.size()};
    const CK_RV rv = functions(m_module)->C_SetAttributeValue(m_session, object, &attr, 1);
    if (rv != CKR_OK) return pkcs11_error(rv, "labelling a key '" + label + "'", m_label);
    return {};
}

Result<void> Pkcs11Token::destroy(unsigned long object) {
    const CK_RV rv = functions(m_module)->C_DestroyObject(m_session, object);
    if (rv != CKR_OK) return pkcs11_error(rv, "deleting an old backup key", m_label);
    return {};
}

} // namespace scep::detail
