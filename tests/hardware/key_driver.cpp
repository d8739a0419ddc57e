// Drives the key stores (include/scep/key_store.hpp, src/store/key_files.hpp) for the hardware
// key tests (test_tpm2.sh, test_pkcs11.sh): each command loads or makes a key as scepctl does and
// does one protocol operation with it; the scripts check the result with the openssl CLI,
// tpm2-tools and pkcs11-tool. Errors are printed as users read them, the details after.
//
//   key_driver [--tcti T] [--module M] [--pin-file F] COMMAND ARGS...
//     generate tpm2|pkcs11|file BITS OUT [TOKEN_URI]  new key; OUT gets its key file (or its URI)
//     replace KEY BITS OUT                            a renewal's new key, in KEY's store
//     pubkey KEY OUT.pem                              the public key, PEM
//     location KEY                                    prints "store reference"
//     check KEY CERT.pem                              prints "matches|differs BITS"
//     csr KEY OUT.der                                 a PKCS#10 request signed by KEY
//     pkimessage KEY RECIPIENT.pem SIGNER_OUT.pem MESSAGE_OUT.der
//     decrypt KEY CERT.pem ENVELOPE.der OUT           open_envelope: the content, to OUT
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <openssl/pem.h>

#include "ossl/handles.hpp"
#include "scep/certificate.hpp"
#include "scep/csr.hpp"
#include "scep/key_store.hpp"
#include "scep/pki_message.hpp"
#include "store/atomic_file.hpp"
#include "store/key_files.hpp"

namespace {

util::Bytes read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return util::Bytes(std::istreambuf_iterator<char>(in), {});
}

void write(const std::string& path, util::ByteView data) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

int fail(const util::Error& error) {
    std::cerr << "error: " << error.text() << "\n";
    for (const auto& line : error.details)
        std::cerr << "  " << line << "\n";
    return 1;
}

#define TRY(decl, expr)                                                                                                \
    auto SCEP_CONCAT(r_, __LINE__) = (expr);                                                                           \
    if (!SCEP_CONCAT(r_, __LINE__)) return fail(SCEP_CONCAT(r_, __LINE__).error());                                    \
    decl = std::move(SCEP_CONCAT(r_, __LINE__)).value()

scep::Certificate certificate(const std::string& path) {
    const util::Bytes pem = read(path);
    auto certs = scep::Certificate::from_pem(std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()));
    if (!certs) {
        std::cerr << "no certificate in " << path << "\n";
        std::exit(2);
    }
    return certs->front();
}

// A new key's file: its key blob or PKCS#8 (store::write_key_file), or for a token its URI.
int save_new_key(const scep::PrivateKey& key, const std::string& out) {
    if (key.store() == scep::KeyStore::pkcs11) {
        write(out, util::as_bytes(key.location().reference + "\n"));
    } else {
        TRY(const scep::PrivateKey written,
            store::write_key_file(out, key, store::Format::pem, std::nullopt, store::Overwrite::refuse));
        std::cout << scep::to_string(written.store()) << " " << written.location().reference << "\n";
        return 0;
    }
    std::cout << scep::to_string(key.store()) << " " << key.location().reference << "\n";
    return 0;
}

int run(const std::vector<std::string>& args, const scep::KeyStoreOptions& options,
        const std::optional<util::Secret>& secret) {
    const std::string& command = args.at(0);
    if (command == "generate") {
        scep::KeyGenTarget target;
        target.store = scep::parse_key_store(args.at(1)).value();
        if (args.size() > 4) target.pkcs11_token = args.at(4);
        TRY(const scep::PrivateKey key, scep::generate_key(target, std::stoi(args.at(2)), secret, options));
        return save_new_key(key, args.at(3));
    }
    TRY(const scep::PrivateKey key, store::load_key(args.at(1), secret, options));
    if (command == "replace") {
        TRY(const scep::PrivateKey replacement,
            scep::generate_replacement(key, std::stoi(args.at(2)), secret, options));
        if (replacement.store() != key.store()) return fail(util::Error(util::ErrorCode::internal, "store changed"));
        return save_new_key(replacement, args.at(3));
    }
    if (command == "location") {
        std::cout << scep::to_string(key.store()) << " " << key.location().reference << "\n";
        return 0;
    }
    if (command == "check") { // check KEY CERT.pem: does the certificate hold KEY, and how large is KEY
        std::cout << (key.matches(certificate(args.at(2))) ? "matches" : "differs") << " " << key.bits() << "\n";
        return 0;
    }
    if (command == "pubkey") {
        ossl::BioPtr bio(BIO_new(BIO_s_mem()));
        PEM_write_bio_PUBKEY(bio.get(), key.public_key());
        write(args.at(2), util::as_bytes(ossl::mem_bio_string(bio.get())));
        return 0;
    }
    scep::CsrParams params;
    params.subject = scep::parse_distinguished_name("CN=hardware key test").value();
    if (command == "csr") {
        TRY(const scep::CertificationRequest csr, scep::build_csr(key, params));
        write(args.at(2), csr.der);
        return 0;
    }
    if (command == "pkimessage") {
        TRY(const scep::CertificationRequest csr, scep::build_csr(key, params));
        TRY(const scep::Certificate signer,
            scep::make_self_signed_signer(key, csr.subject.get(), scep::MessageDigest::sha256));
        scep::OutgoingMessage message;
        message.transaction_id = scep::transaction_id_for(key);
        message.sender_nonce = scep::random_nonce();
        TRY(const util::Bytes der, scep::build_pki_message(message, csr.der, signer, key, certificate(args.at(2))));
        write(args.at(3), util::as_bytes(signer.pem()));
        write(args.at(4), der);
        return 0;
    }
    if (command == "decrypt") {
        scep::CertRep rep;
        rep.status = scep::PkiStatus::success;
        rep.enveloped_data = read(args.at(3));
        TRY(const scep::OpenedEnvelope opened, scep::open_envelope(rep, certificate(args.at(2)), key));
        write(args.at(4), opened.content);
        return 0;
    }
    std::cerr << "unknown command " << command << "\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    scep::KeyStoreOptions options;
    std::optional<util::Secret> secret;
    while (args.size() >= 2 && args[0].rfind("--", 0) == 0) {
        if (args[0] == "--tcti") options.tpm2_tcti = args[1];
        if (args[0] == "--module") options.pkcs11_module = args[1];
        if (args[0] == "--pin-file") {
            const util::Bytes pin = read(args[1]);
            std::string_view text(reinterpret_cast<const char*>(pin.data()), pin.size());
            secret = util::Secret(text.substr(0, text.find('\n')));
        }
        args.erase(args.begin(), args.begin() + 2);
    }
    if (args.empty()) {
        std::cerr << "usage: key_driver [--tcti T] [--module M] [--pin-file F] COMMAND ARGS...\n";
        return 2;
    }
    return run(args, options, secret);
}
