// Bench helper (not installed): N PKCSReq enrollments with one key in one process, one libcurl
// handle and one GetCACaps/GetCACert, against N scepctl processes. bench/run.sh builds it with
// `cmake --build build --target bench_enroll_loop` and reads the challenge from SCEPCTL_CHALLENGE.
//
//   bench_enroll_loop URL KEY.pem N
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <thread>

#include "scep/client.hpp"
#include "scep/csr.hpp"
#include "scep/enrollment.hpp"
#include "scep/key.hpp"
#include "scep/pki_message.hpp"
#include "scep/subject.hpp"
#include "store/atomic_file.hpp"
#include "transport/curl_transport.hpp"

namespace {

util::Result<int> enroll_n(const std::string& url, const std::string& key_path, int count) {
    const char* challenge = std::getenv("SCEPCTL_CHALLENGE");
    SCEP_TRY(const util::Bytes key_data, store::read_file(key_path, 1 << 20));
    SCEP_TRY(const scep::PrivateKey key, scep::PrivateKey::load(key_data, std::nullopt));
    SCEP_TRY(const scep::DistinguishedName subject, scep::parse_distinguished_name("CN=bench"));

    transport::CurlTransport transport(transport::TransportOptions{});
    scep::Client client(transport, url);
    SCEP_TRY(const scep::CapsReply caps, client.get_ca_caps());
    SCEP_TRY(const scep::CaCertBundle ca, client.get_ca_cert({}, std::time(nullptr)));
    SCEP_TRY(const scep::AlgorithmChoice algorithms, scep::choose_algorithms(caps.caps, {}));

    scep::EnrollmentHooks hooks;
    hooks.sleep = [](std::chrono::seconds wait) {
        std::this_thread::sleep_for(wait);
        return true;
    };
    int issued = 0;
    for (int i = 0; i < count; ++i) {
        scep::CsrParams params;
        params.subject = subject;
        if (challenge != nullptr) params.challenge_password = util::Secret(challenge);
        params.digest = algorithms.digest;
        SCEP_TRY(const scep::CertificationRequest csr, scep::build_csr(key, params));
        SCEP_TRY(const scep::Certificate signer,
                 scep::make_self_signed_signer(key, csr.subject.get(), algorithms.digest));
        scep::EnrollmentRequest request{
            key, csr, signer, key, scep::MessageType::pkcs_req, algorithms, scep::HttpMethod::automatic, {}};
        SCEP_TRY(const scep::EnrollmentResult result, scep::enroll(client, ca, caps.caps, request, hooks));
        if (key.matches(result.certificate)) ++issued;
    }
    return issued;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: bench_enroll_loop URL KEY.pem N\n");
        return 64;
    }
    const int count = std::atoi(argv[3]);
    auto issued = enroll_n(argv[1], argv[2], count);
    if (!issued) {
        std::fprintf(stderr, "bench_enroll_loop: %s\n", issued.error().message.c_str());
        return 1;
    }
    if (*issued != count) {
        std::fprintf(stderr, "bench_enroll_loop: %d of %d certificates match the key\n", *issued, count);
        return 1;
    }
    return 0;
}
