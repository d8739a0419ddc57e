// TPM 2.0 keys through Debian's tpm2-openssl provider, loaded into a library context of our own
// (default first, then tpm2; legacy too, for the single-DES replies some servers send). Keys sign
// and decrypt there with k_tpm2_propq; everything else (the CA's certificates, digests, content
// ciphers) stays with the default provider. Facts measured with tpm2-openssl 1.1.1 on Debian 12:
//  - the TCTI comes only from TPM2OPENSSL_TCTI, read when the provider loads;
//  - without a resource manager (swtpm) the TPM has three object slots: a key object holds one
//    while it lives, so every key object is freed as soon as it is no longer needed;
//  - errors carry the TSS2 return code as "%i %s" data (tpm2-provider-core.c).
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <unistd.h>

#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "ossl/errors.hpp"
#include "scep/key_backend.hpp"
#include "scep/key_state.hpp"

namespace scep::detail {

namespace {

// Signing and decryption with the key in the TPM; hashing, AES and random numbers stay in
// software (with plain provider=tpm2 they go to the TPM: slow, and they exhaust its slots).
constexpr const char* k_tpm2_propq = "?provider=tpm2,tpm2.digest=no,tpm2.cipher=no,tpm2.rand=no";
constexpr const char* k_provider_package = "tpm2-openssl";

using DecoderCtxPtr = ossl::Handle<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using EncoderCtxPtr = ossl::Handle<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;
using StoreCtxPtr = ossl::Handle<OSSL_STORE_CTX, OSSL_STORE_close>;
using StoreInfoPtr = ossl::Handle<OSSL_STORE_INFO, OSSL_STORE_INFO_free>;
using UiMethodPtr = ossl::Handle<UI_METHOD, UI_destroy_method>;

// The OpenSSL error queue, taken: its lines for --verbose and tpm2-openssl's TSS2 return code.
struct QueuedErrors {
    std::vector<std::string> lines;
    std::optional<std::uint32_t> tss2_rc; // the last one reported
    bool dso_failed = false;              // a module could not be loaded
};

QueuedErrors take_errors() {
    QueuedErrors taken;
    const char* data = nullptr;
    int flags = 0;
    unsigned long code = 0;
    while ((code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        std::string line = buf;
        if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
            line += std::string(" (") + data + ")";
            char* end = nullptr;
            const long rc = std::strtol(data, &end, 10);
            if (end != data && *end == ' ' && ERR_GET_LIB(code) >= ERR_LIB_USER) {
                taken.tss2_rc = static_cast<std::uint32_t>(rc);
            }
        }
        if (ERR_GET_LIB(code) == ERR_LIB_DSO) taken.dso_failed = true;
        taken.lines.push_back(std::move(line));
    }
    return taken;
}

Error with_lines(Error error, const QueuedErrors& errors) {
    for (const auto& line : errors.lines)
        error.details.push_back(line);
    return error;
}

// TPM 2.0 Part 2 §6.6 response codes, as tpm2-openssl passes them on.
std::optional<Error> explain_rc(std::uint32_t rc, const std::string& what) {
    const std::uint32_t layer = (rc >> 16) & 0xff;
    if (layer == 10) { // TSS2_TCTI_RC_LAYER
        return Error(ErrorCode::config, "lost the connection to the TPM")
            .with_fix("check that the TPM (or its resource manager) is running");
    }
    if (layer != 0) return std::nullopt;
    const std::uint32_t code =
        (rc & 0x80) != 0 ? (rc & 0xbf) : (rc & 0xfff); // format-one: drop handle/parameter number
    switch (code) {
    case 0x902: // TPM_RC_OBJECT_MEMORY
    case 0x903: // TPM_RC_SESSION_MEMORY
    case 0x904: // TPM_RC_MEMORY
        return Error(ErrorCode::config, "the TPM is out of object memory (other objects hold its few slots)")
            .with_fix("use the kernel's resource manager (--tpm2-tcti device:/dev/tpmrm0), which swaps objects out; "
                      "without one, free the slots with tpm2_flushcontext -t");
    case 0x921: // TPM_RC_LOCKOUT
        return Error(ErrorCode::config, "the TPM is in dictionary-attack lockout after wrong authorization values")
            .with_fix("wait for the lockout to end, or reset it with tpm2_dictionarylockout -c");
    case 0x09f: // TPM_RC_INTEGRITY
        return Error(ErrorCode::file, what + " was made by another TPM (or this TPM's owner hierarchy was cleared "
                                             "since): a TSS2 key blob loads only on the TPM that made it")
            .with_fix("enroll again on this machine with --key-store tpm2");
    case 0x08b: // TPM_RC_HANDLE
        return Error(ErrorCode::file, "there is no key at " + what)
            .with_fix("list the TPM's persistent keys with tpm2_getcap handles-persistent");
    case 0x08e: // TPM_RC_AUTH_FAIL
    case 0x0a2: // TPM_RC_BAD_AUTH
        return Error(ErrorCode::file, "wrong authorization value for " + what)
            .with_fix("give the key's password with --key-pass-file");
    case 0x084: // TPM_RC_VALUE
    case 0x087: // TPM_RC_KEY_SIZE
        return Error(ErrorCode::usage, "the TPM cannot make or use an RSA key of this size")
            .with_fix("use --key-size 2048, which every TPM supports");
    default: return std::nullopt;
    }
}

Error tpm2_failure(ErrorCode code, const std::string& message, const std::string& what) {
    const QueuedErrors errors = take_errors();
    if (errors.tss2_rc) {
        if (auto explained = explain_rc(*errors.tss2_rc, what)) return with_lines(std::move(*explained), errors);
    }
    return with_lines(Error(code, message), errors);
}

// The provider and its library context, one per process (TPM2OPENSSL_TCTI is process-wide, and
// a TPM without resource manager serves one connection); freed with the last key.
class Tpm2Context {
  public:
    Tpm2Context(OSSL_LIB_CTX* libctx, std::string tcti) : m_libctx(libctx), m_tcti(std::move(tcti)) {}
    Tpm2Context(const Tpm2Context&) = delete;
    Tpm2Context& operator=(const Tpm2Context&) = delete;
    ~Tpm2Context() {
        for (auto it = m_providers.rbegin(); it != m_providers.rend(); ++it)
            OSSL_PROVIDER_unload(*it);
        OSSL_LIB_CTX_free(m_libctx);
    }
    OSSL_LIB_CTX* libctx() const { return m_libctx; }
    const std::string& tcti() const { return m_tcti; }
    void add(OSSL_PROVIDER* provider) { m_providers.push_back(provider); }

  private:
    OSSL_LIB_CTX* m_libctx;
    std::string m_tcti;
    std::vector<OSSL_PROVIDER*> m_providers;
};

std::mutex g_tpm2_mutex;
std::weak_ptr<Tpm2Context> g_tpm2;

std::string resolve_tcti(const KeyStoreOptions& options) {
    if (!options.tpm2_tcti.empty()) return options.tpm2_tcti;
    const char* env = std::getenv("TPM2OPENSSL_TCTI");
    if (env != nullptr && *env != '\0') return env;
    return k_default_tpm2_tcti;
}

// A device TCTI names a file: say what is wrong with it before the TSS says "IO failure".
Result<void> check_device(const std::string& tcti) {
    if (tcti != "device" && tcti.rfind("device:", 0) != 0) return {};
    const std::string path = tcti.size() > 7 ? tcti.substr(7) : "/dev/tpm0"; // the TSS's default device
    if (::access(path.c_str(), R_OK | W_OK) == 0) return {};
    const int err = errno;
    if (err == EACCES) {
        return Error(ErrorCode::config, "no permission to use the TPM at " + path)
            .with_fix("run as root or as a member of the group that owns it (Debian: tss)");
    }
    if (path == "/dev/tpmrm0" && ::access("/dev/tpm0", F_OK) == 0) {
        return Error(ErrorCode::config, "the kernel's TPM resource manager /dev/tpmrm0 is missing (/dev/tpm0 is there)")
            .with_fix("use a kernel with the resource manager (4.12 or later), or tpm2-abrmd with --tpm2-tcti tabrmd:");
    }
    return Error(ErrorCode::config, "no TPM at " + path + " (" + std::strerror(err) + ")")
        .with_fix("enable the TPM in the firmware, or name another with --tpm2-tcti (e.g. "
                  "swtpm:host=127.0.0.1,port=2321)");
}

Result<std::shared_ptr<Tpm2Context>> open_tpm2(const KeyStoreOptions& options) {
    const std::string tcti = resolve_tcti(options);
    const std::lock_guard lock(g_tpm2_mutex);
    if (auto context = g_tpm2.lock()) {
        if (context->tcti() == tcti) return context;
        return Error(ErrorCode::usage, "two TPMs in one run ('" + context->tcti() + "' and '" + tcti + "')");
    }
    SCEP_TRY_VOID(check_device(tcti));
    // tpm2-openssl reads the TCTI from the environment only, when it loads. The TSS's own log
    // lines would repeat on stderr what our error says once.
    ::setenv("TPM2OPENSSL_TCTI", tcti.c_str(), 1);
    ::setenv("TSS2_LOG", "all+NONE", 0);
    auto context = std::make_shared<Tpm2Context>(OSSL_LIB_CTX_new(), tcti);
    if (context->libctx() == nullptr) return ossl::error(ErrorCode::internal, "out of memory");
    ERR_clear_error();
    OSSL_PROVIDER* base = OSSL_PROVIDER_load(context->libctx(), "default");
    if (base == nullptr) return ossl::error(ErrorCode::internal, "cannot load OpenSSL's default provider");
    context->add(base);
    OSSL_PROVIDER* tpm2 = OSSL_PROVIDER_load(context->libctx(), "tpm2");
    if (tpm2 == nullptr) {
        const QueuedErrors errors = take_errors();
        if (errors.dso_failed) {
            return with_lines(Error(ErrorCode::config, "the TPM provider for OpenSSL (tpm2.so) is not installed")
                                  .with_fix(std::string("apt install ") + k_provider_package),
                              errors);
        }
        return with_lines(Error(ErrorCode::config, "cannot reach the TPM through TCTI '" + tcti + "'")
                              .with_fix("check --tpm2-tcti (default " + std::string(k_default_tpm2_tcti) +
                                        ", the kernel's resource manager) and that the TPM is there"),
                          errors);
    }
    context->add(tpm2);
    if (OSSL_PROVIDER* legacy = OSSL_PROVIDER_load(context->libctx(), "legacy")) context->add(legacy);
    ERR_clear_error(); // no legacy module only means single-DES replies cannot be read
    g_tpm2 = context;
    return context;
}

Result<PrivateKey> make_key(const std::shared_ptr<Tpm2Context>& context, ossl::EvpPkeyPtr key, std::string reference,
                            Bytes blob) {
    const std::string where = "the TPM key " + reference;
    KeyPlace place{.keeper = context,
                   .libctx = context->libctx(),
                   .propq = k_tpm2_propq,
                   .location = {KeyStore::tpm2, std::move(reference)},
                   .tpm2_blob = std::move(blob)};
    SCEP_TRY(KeyState state, hardware_key_state(std::move(key), std::move(place), where));
    return PrivateKey(std::move(state));
}

int secret_callback(char* buf, int size, int, void* userdata) {
    const auto* secret = static_cast<const Secret*>(userdata);
    if (secret == nullptr || secret->size() > static_cast<std::size_t>(size)) return -1;
    std::memcpy(buf, secret->c_str(), secret->size());
    return static_cast<int>(secret->size());
}

class Tpm2Backend final : public KeyBackend {
  public:
    explicit Tpm2Backend(KeyStoreOptions options) : m_options(std::move(options)) {}
    KeyStore store() const override { return KeyStore::tpm2; }

    Result<PrivateKey> load(const KeyReference& ref, ByteView file_data, const std::optional<Secret>& secret) override {
        SCEP_TRY(const std::shared_ptr<Tpm2Context> context, open_tpm2(m_options));
        if (ref.kind == KeyReference::Kind::tpm2_handle) return load_handle(context, ref.text, secret);
        return load_blob(context, ref.text, file_data, secret);
    }

    Result<PrivateKey> generate_rsa(int bits, const KeyGenTarget&, const std::optional<Secret>&) override {
        SCEP_TRY(const std::shared_ptr<Tpm2Context> context, open_tpm2(m_options));
        ossl::EvpPkeyCtxPtr gen(EVP_PKEY_CTX_new_from_name(context->libctx(), "RSA", "provider=tpm2"));
        EVP_PKEY* raw = nullptr;
        if (!gen || EVP_PKEY_keygen_init(gen.get()) <= 0 || EVP_PKEY_CTX_set_rsa_keygen_bits(gen.get(), bits) <= 0 ||
            EVP_PKEY_generate(gen.get(), &raw) <= 0) {
            return tpm2_failure(ErrorCode::config, "the TPM cannot make an RSA-" + std::to_string(bits) + " key",
                                "the new key");
        }
        ossl::EvpPkeyPtr key(raw);
        gen.reset();
        // The key blob: the TPM's wrapping of the key under its storage key, which only this TPM
        // can load (TSS2 PRIVATE KEY, tpm2-openssl's encoder).
        EncoderCtxPtr encoder(
            OSSL_ENCODER_CTX_new_for_pkey(key.get(), EVP_PKEY_KEYPAIR, "PEM", nullptr, "provider=tpm2"));
        unsigned char* out = nullptr;
        std::size_t len = 0;
        if (!encoder || OSSL_ENCODER_to_data(encoder.get(), &out, &len) != 1) {
            return ossl::error(ErrorCode::internal, "cannot encode the TPM key blob");
        }
        Bytes blob(out, out + len);
        OPENSSL_free(out);
        if (!is_tss2_key_blob(blob)) return Error(ErrorCode::internal, "the TPM provider wrote no TSS2 key blob");
        return make_key(context, std::move(key), "", std::move(blob));
    }

  private:
    Result<PrivateKey> load_blob(const std::shared_ptr<Tpm2Context>& context, const std::string& path, ByteView data,
                                 const std::optional<Secret>& secret) {
        EVP_PKEY* raw = nullptr;
        DecoderCtxPtr decoder(OSSL_DECODER_CTX_new_for_pkey(&raw, nullptr, nullptr, nullptr, EVP_PKEY_KEYPAIR,
                                                            context->libctx(), "?provider=tpm2"));
        if (!decoder) return ossl::error(ErrorCode::internal, "cannot set up the TPM key decoder");
        if (secret) {
            OSSL_DECODER_CTX_set_passphrase(decoder.get(), reinterpret_cast<const unsigned char*>(secret->c_str()),
                                            secret->size());
        }
        const unsigned char* p = data.data();
        std::size_t len = data.size();
        const bool decoded = OSSL_DECODER_from_data(decoder.get(), &p, &len) == 1;
        ossl::EvpPkeyPtr key(raw);
        if (!decoded || !key) {
            return tpm2_failure(ErrorCode::file, "the TPM cannot load the key blob " + path, "the key blob " + path);
        }
        return make_key(context, std::move(key), path, Bytes(data.begin(), data.end()));
    }

    Result<PrivateKey> load_handle(const std::shared_ptr<Tpm2Context>& context, const std::string& handle,
                                   const std::optional<Secret>& secret) {
        // "?pass" makes the provider ask for the key's authorization value (tpm2-provider-store-object.c).
        const std::string uri = secret ? handle + "?pass" : handle;
        UiMethodPtr ui(UI_UTIL_wrap_read_pem_callback(secret_callback, 0));
        StoreCtxPtr store(OSSL_STORE_open_ex(uri.c_str(), context->libctx(), "?provider=tpm2", ui.get(),
                                             const_cast<Secret*>(secret ? &*secret : nullptr), nullptr, nullptr,
                                             nullptr));
        if (!store) return tpm2_failure(ErrorCode::file, "cannot open TPM key " + handle, handle);
        ossl::EvpPkeyPtr key;
        while (!key && OSSL_STORE_eof(store.get()) == 0) {
            StoreInfoPtr info(OSSL_STORE_load(store.get()));
            if (!info) break;
            if (OSSL_STORE_INFO_get_type(info.get()) == OSSL_STORE_INFO_PKEY) {
                key.reset(OSSL_STORE_INFO_get1_PKEY(info.get()));
            }
        }
        if (!key) return tpm2_failure(ErrorCode::file, "there is no key at " + handle, handle);
        ossl::clear_errors();
        return make_key(context, std::move(key), handle, {});
    }

    KeyStoreOptions m_options;
};

} // namespace

std::unique_ptr<KeyBackend> make_tpm2_backend(const KeyStoreOptions& options) {
    return std::make_unique<Tpm2Backend>(options);
}

} // namespace scep::detail
