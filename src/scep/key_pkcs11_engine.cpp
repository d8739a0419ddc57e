// PKCS#11 keys through libp11's ENGINE "pkcs11" (Debian: libengine-pkcs11-openssl), the route
// Debian 12's OpenSSL 3.0 offers (its main archive has no pkcs11-provider). The ENGINE API is
// deprecated in OpenSSL 3: this file is its only user, and the one place its deprecation is
// silenced. A provider route would be another KeyBackend beside this one.
#define OPENSSL_SUPPRESS_DEPRECATED // before any OpenSSL header

#include <mutex>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ui.h>

#include "ossl/errors.hpp"
#include "scep/key_backend.hpp"
#include "scep/key_state.hpp"
#include "scep/pkcs11_token.hpp"

namespace scep::detail {

namespace {

constexpr const char* k_engine_package = "libengine-pkcs11-openssl";

// The ENGINE, initialized for one module; freed when the last key made with it goes.
class Pkcs11Engine {
  public:
    explicit Pkcs11Engine(ENGINE* engine, std::string module) : m_engine(engine), m_module(std::move(module)) {
        // Never a prompt on the terminal: a missing PIN is an error, not a question.
        m_no_prompt = UI_create_method("scepctl: no PIN prompt");
        UI_method_set_reader(m_no_prompt, [](UI*, UI_STRING*) { return 0; });
    }
    Pkcs11Engine(const Pkcs11Engine&) = delete;
    Pkcs11Engine& operator=(const Pkcs11Engine&) = delete;
    ~Pkcs11Engine() {
        ENGINE_finish(m_engine);
        ENGINE_free(m_engine);
        UI_destroy_method(m_no_prompt);
    }
    ENGINE* get() const { return m_engine; }
    UI_METHOD* no_prompt() const { return m_no_prompt; }
    const std::string& module() const { return m_module; }

  private:
    ENGINE* m_engine;
    std::string m_module;
    UI_METHOD* m_no_prompt = nullptr;
};

std::mutex g_engine_mutex;
std::weak_ptr<Pkcs11Engine> g_engine; // one module per process, as the ENGINE holds one

Result<std::shared_ptr<Pkcs11Engine>> open_engine(const std::string& module) {
    const std::lock_guard lock(g_engine_mutex);
    if (auto engine = g_engine.lock()) {
        if (engine->module() == module) return engine;
        return Error(ErrorCode::usage,
                     "keys from two PKCS#11 modules in one run ('" + engine->module() + "' and '" + module + "')");
    }
    SCEP_TRY_VOID(check_pkcs11_module(module));
    ENGINE* raw = ENGINE_by_id("pkcs11");
    if (raw == nullptr) {
        return ossl::error(ErrorCode::config, "OpenSSL's PKCS#11 engine is not installed")
            .with_fix(std::string("apt install ") + k_engine_package);
    }
    if (ENGINE_ctrl_cmd_string(raw, "QUIET", nullptr, 0) != 1) ossl::clear_errors(); // older libp11: no QUIET
    if (ENGINE_ctrl_cmd_string(raw, "MODULE_PATH", module.c_str(), 0) != 1 || ENGINE_init(raw) != 1) {
        ENGINE_free(raw);
        return ossl::error(ErrorCode::config, "the PKCS#11 engine cannot use module '" + module + "'");
    }
    auto engine = std::make_shared<Pkcs11Engine>(raw, module);
    g_engine = engine;
    return engine;
}

// libp11 reports a PKCS#11 return value as the reason of its "PKCS#11 module" error library.
std::optional<unsigned long> ckr_in_queue() {
    std::optional<unsigned long> found;
    for (unsigned long code = 0; (code = ERR_peek_error()) != 0; ERR_get_error()) {
        const char* lib = ERR_lib_error_string(code);
        if (lib != nullptr && std::string_view(lib) == "PKCS#11 module") found = ERR_GET_REASON(code);
        if (ERR_GET_LIB(code) == ERR_LIB_UI) found = ~0ul; // no PIN: the prompt we refuse
    }
    return found;
}

Error load_failure(const Pkcs11Uri& uri, const std::string& token) {
    const std::optional<unsigned long> rv = ckr_in_queue();
    if (rv == ~0ul) {
        return Error(ErrorCode::usage, "token '" + token + "' needs its user PIN")
            .with_fix("give it with --key-pass-file, the environment, stdin, or pin-source= in the URI");
    }
    if (rv) return pkcs11_error(*rv, "loading the key", token);
    return Error(ErrorCode::file, "no private key matches " + uri.without_pin() + " on token '" + token + "'")
        .with_fix("list the token's keys with pkcs11-tool --module MODULE --login --list-objects --type privkey");
}

class Pkcs11EngineBackend final : public KeyBackend {
  public:
    explicit Pkcs11EngineBackend(std::string module) : m_module(std::move(module)) {}
    KeyStore store() const override { return KeyStore::pkcs11; }

    Result<PrivateKey> load(const KeyReference& ref, ByteView, const std::optional<Secret>& secret) override {
        SCEP_TRY(const Pkcs11Uri uri, Pkcs11Uri::parse(ref.text));
        std::optional<Secret> pin = secret;
        if (!pin) {
            if (auto value = uri.pin_value()) {
                pin = Secret(*value);
                util::cleanse(*value);
            }
        }
        // The token first, without a login: "no such token" says more than "object not found".
        std::string token_label;
        {
            SCEP_TRY(const Pkcs11Token token, Pkcs11Token::open(m_module, uri));
            token_label = token.label();
        }
        return load_uri(uri, token_label, pin);
    }

    Result<PrivateKey> generate_rsa(int bits, const KeyGenTarget& target,
                                    const std::optional<Secret>& secret) override {
        SCEP_TRY(const Pkcs11Uri uri, Pkcs11Uri::parse(target.pkcs11_token));
        std::optional<Secret> pin = secret;
        if (!pin) {
            if (auto value = uri.pin_value()) {
                pin = Secret(*value);
                util::cleanse(*value);
            }
        }
        const std::string label = target.pkcs11_label.empty() ? replacement_label("") : target.pkcs11_label;
        Bytes id(16);
        if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) {
            return ossl::error(ErrorCode::internal, "no random bytes for the key's CKA_ID");
        }
        std::string token_label;
        {
            SCEP_TRY(Pkcs11Token token, Pkcs11Token::open(m_module, uri));
            SCEP_TRY_VOID(token.login(pin));
            SCEP_TRY_VOID(token.generate_rsa(bits, label, id));
            token_label = token.label();
        }
        SCEP_TRY(const Pkcs11Uri new_uri, Pkcs11Uri::parse(uri.with_object(label, id)));
        return load_uri(new_uri, token_label, pin);
    }

  private:
    Result<PrivateKey> load_uri(const Pkcs11Uri& uri, const std::string& token, const std::optional<Secret>& pin) {
        SCEP_TRY(const std::shared_ptr<Pkcs11Engine> engine, open_engine(m_module));
        // The PIN goes to the ENGINE, never into the URI it is given (libp11 logs URIs).
        if (pin && ENGINE_ctrl_cmd_string(engine->get(), "PIN", pin->c_str(), 0) != 1) {
            return ossl::error(ErrorCode::internal, "cannot hand the PIN to the PKCS#11 engine");
        }
        const std::string location = uri.without_pin();
        ERR_clear_error();
        // libp11 looks without a login first, then logs in exactly once (libp11 0.4.12
        // eng_back.c ctx_load_object): a wrong PIN is one failed attempt.
        ossl::EvpPkeyPtr key(ENGINE_load_private_key(engine->get(), location.c_str(), engine->no_prompt(), nullptr));
        if (!key) return load_failure(uri, token);
        ossl::clear_errors();
        KeyPlace place;
        place.keeper = engine;
        place.location = {KeyStore::pkcs11, location};
        SCEP_TRY(KeyState state, hardware_key_state(std::move(key), std::move(place), "the key " + location));
        return PrivateKey(std::move(state));
    }

    std::string m_module;
};

} // namespace

std::unique_ptr<KeyBackend> make_pkcs11_engine_backend(const KeyStoreOptions& options) {
    return std::make_unique<Pkcs11EngineBackend>(options.pkcs11_module.empty() ? k_default_pkcs11_module
                                                                               : options.pkcs11_module);
}

} // namespace scep::detail
