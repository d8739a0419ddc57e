// Typed settings from the resolved options: what the workflows and checks are given. Each builder
// checks only what it reads, so a subcommand validates only the options it uses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/resolve.hpp"
#include "krb/kerberos.hpp"
#include "scep/certificate.hpp"
#include "scep/csr.hpp"
#include "scep/enrollment.hpp"
#include "scep/key_store.hpp"
#include "scep/subject.hpp"
#include "transport/options.hpp"

namespace config {

// ${name} in --subject, --san and the output paths: --var, then the environment, then the
// built-ins hostname, fqdn and user.
util::Result<scep::VariableLookup> template_variables(const Options& options, const Environment& environment);

// A path setting with its ${var} templates filled in; nullopt when the setting is unset.
util::Result<std::optional<std::string>> path_setting(const Options& options, std::string_view setting,
                                                      const scep::VariableLookup& variables);

// The certificates of a DER or PEM file (--ca-cert-pin, scepctl fingerprint): one for DER, every
// one for PEM; an error naming the file when it holds none.
util::Result<std::vector<scep::Certificate>> read_certificate_file(const std::string& path);

// Where the SCEP server is and how to reach it.
struct ServerSettings {
    std::string url;
    std::string message;                   // the message= parameter of GetCACaps and GetCACert
    std::optional<scep::Fingerprint> pin;  // --ca-fingerprint, or the SHA-256 of --ca-cert-pin
    transport::TransportOptions transport; // trust, proxy, time limits; the caller adds its reporting hooks
};
util::Result<ServerSettings> server_settings(const Options& options);
// The same without a SCEP URL (check-kerberos needs only the HTTP settings).
transport::TransportOptions transport_settings(const Options& options);

// The service user and how it gets its tickets; the password stays in its file until it is needed.
struct KerberosPlan {
    krb::KerberosSettings settings;
    std::string password_file;   // empty with a keytab or --use-ccache
    std::string password_origin; // "--password-file" or "[kerberos] password_file", for messages
    std::string keytab_origin;   // "--keytab" or "[kerberos] keytab"
};
util::Result<KerberosPlan> kerberos_plan(const Options& options);

// Where a challenge password comes from.
struct ChallengePlan {
    std::string challenge_file;           // --challenge-file
    std::string literal;                  // --challenge VALUE ("-": standard input)
    std::string admin_url;                // the NDES admin page, when one is configured
    std::optional<KerberosPlan> kerberos; // set when Kerberos is preferred for the admin page
    std::string username;                 // NTLM/Basic on the admin page
    std::string user_password_file;
    std::string user_password_origin;
    bool allow_insecure_auth = false;
};
util::Result<ChallengePlan> challenge_plan(const Options& options);

// Where keys are made (--key-store) and how the TPM and PKCS#11 modules are reached.
struct KeyStoreSettings {
    scep::KeyStore store = scep::KeyStore::file; // for a generated key
    scep::KeyStoreOptions hardware;              // --tpm2-tcti, --pkcs11-module
};
KeyStoreSettings key_store_settings(const Options& options);

enum class KeyUsage { signature, encryption, both };

// What a certificate request asks for, and how it is sent.
struct RequestSettings {
    std::optional<scep::DistinguishedName> subject; // unset: renew keeps the certificate's
    std::optional<std::vector<scep::SubjectAltName>> sans;
    std::optional<int> key_size;
    std::optional<KeyUsage> key_usage;
    std::optional<std::vector<std::string>> ekus;
    std::optional<scep::RequestedValidity> validity; // --validity: the MS-WCCE attribute
    scep::AlgorithmPreference algorithms;
    scep::HttpMethod method = scep::HttpMethod::automatic;
    scep::PollPolicy poll;
};
util::Result<RequestSettings> request_settings(const Options& options, const scep::VariableLookup& variables);
// "signature", "encryption" or "both" for a certificate's keyUsage: what NDES picks its template
// from, so a renewal lands on the same one; "both" without the extension.
KeyUsage key_usage_of(const scep::KeyUsage& usage);
std::string to_string(KeyUsage usage);

} // namespace config
