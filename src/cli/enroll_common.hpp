// What enroll and renew share: the request options (with one help text each), the profile, the
// challenge password, subject and SANs, algorithms, the CA round trip and the result summary.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "cli/challenge.hpp"
#include "cli/json.hpp"
#include "cli/output.hpp"
#include "scep/enrollment.hpp"
#include "scep/subject.hpp"

namespace cli {

enum class RequestCommand { enroll, renew };

// The options of a certificate request. enroll and renew register them with add_request_options;
// --key-out and --cert-out are enroll's names, renew calls the same fields --key and --cert.
struct RequestOptions {
    std::string subject = "CN=${fqdn}";
    std::vector<std::string> vars;
    std::vector<std::string> sans;
    std::string challenge;
    std::string challenge_file;
    std::string key_pass_file;
    int key_size = 2048;
    std::string out_dir = ".";
    std::string key_out, cert_out, chain_out;
    std::string ca_fingerprint;
    std::string message;
    std::string key_usage = "both";
    std::vector<std::string> ekus;
    std::string cipher, digest;
    bool force_alg = false;
    std::string method = "auto";
    int poll_interval = 10;
    int max_polls = 30;
    int poll_timeout = 3600;
    bool force = false;
    std::vector<std::string> allowed_digests; // only from a profile
    ChallengeOptions challenge_source;        // --challenge-url and its authentication
};

// Registers the shared options (and the challenge page's) on `sub`. Not --key-out/--cert-out/--key/
// --cert, which differ between the commands.
void add_request_options(CLI::App* sub, RequestOptions& o, RequestCommand command);

// Fills what the command line left unset from the profile and its CA: flags > environment > file
// > defaults. `given(flag)` says whether a flag was on the command line. For renew the profile's
// subject, san, eku and key_usage are not used (they come from the certificate being renewed),
// and its key_out/cert_out fill --key/--cert.
void apply_profile(RequestOptions& o, const std::function<bool(const char*)>& given, const config::ProfileConfig* p,
                   const config::CaConfig* ca, RequestCommand command);

util::Error usage_error(std::string message);

// --challenge-file, then --challenge (- = stdin), then SCEPCTL_CHALLENGE. Never echoed anywhere.
util::Result<std::optional<util::Secret>> read_challenge(const RequestOptions& options, const Output& out);

// --key-pass-file, read when given.
util::Result<std::optional<util::Secret>> read_key_passphrase(const RequestOptions& options, const Output& out);
// A private key file (PEM or DER), never read through a link; errors name `option` and the path.
util::Result<scep::PrivateKey> load_private_key(const std::string& path, const std::optional<util::Secret>& passphrase,
                                                const char* option);

// Removes the temp files a killed run left next to `paths` (store::remove_stale_temp_files) and
// says so; call it holding the directory lock.
util::Result<void> remove_stale_temp_files(const std::vector<std::filesystem::path>& paths, const Output& out);

// ${name} for --subject and --san: --var, then the environment, then the built-ins.
util::Result<scep::VariableLookup> template_variables(const RequestOptions& options);
util::Result<scep::DistinguishedName> subject_from(const RequestOptions& options, const scep::VariableLookup& raw);
util::Result<std::vector<scep::SubjectAltName>> alt_names_from(const RequestOptions& options,
                                                               const scep::VariableLookup& variables);

// The checks every request makes before any key is made or packet sent: key usage, cipher and
// digest, method, polling budget, CA fingerprint syntax.
struct CheckedRequest {
    scep::AlgorithmPreference preference;
    scep::HttpMethod method = scep::HttpMethod::automatic;
    std::optional<scep::Fingerprint> pinned;
};
util::Result<CheckedRequest> check_request_options(const RequestOptions& options);

// GetCACaps, GetCACert, the pinned fingerprint (or a warning naming the CA) and the algorithms.
struct CaSession {
    scep::CapsReply caps;
    scep::CaCertBundle ca;
    scep::AlgorithmChoice algorithms;
};
util::Result<CaSession> contact_ca(scep::Client& client, const RequestOptions& options, const CheckedRequest& checked,
                                   const Output& out);

// Fetches the one-time challenge from the admin page when `source` is set (call it after every
// other check: it uses up a password) and stores it in `challenge`. Returns where the challenge
// came from, for the JSON output: "given", "none" or "admin page (AUTH)".
util::Result<std::string> fetch_challenge_if_needed(std::optional<util::Secret>& challenge,
                                                    const std::optional<ChallengeSource>& source,
                                                    const Context& context, const Output& out);

// The CSR for `key`: subject, SANs, challenge, key usage and EKUs from the options.
scep::CsrParams csr_params(const RequestOptions& options, scep::DistinguishedName subject,
                           std::vector<scep::SubjectAltName> alt_names, const std::optional<util::Secret>& challenge,
                           scep::MessageDigest digest);

scep::PollPolicy poll_policy(const RequestOptions& options);
scep::EnrollmentHooks progress_hooks(const Output& out);

// How the certificate was obtained: transaction_id, resumed, polls, method, cipher, digest,
// challenge ("<redacted>" or null: never the value) and challenge_source.
void add_exchange_json(Json& json, const scep::EnrollmentResult& result, const scep::AlgorithmChoice& algorithms,
                       bool resumed, bool challenge_sent, const std::string& challenge_origin);
// "label:      path" (text) and files[label] = path (JSON).
void show_file(const Output& out, Json& files, const std::string& label, const std::string& path);

} // namespace cli
