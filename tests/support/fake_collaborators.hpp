// Fakes for the collaborators a workflow or a check is handed (workflow/context.hpp): a transport
// factory whose transports all record into one test::ReplayTransport, a clock that records its
// waits and never waits, and an event sink that keeps what it was told. For PKIOperation replies
// that must echo a request's transaction ID and nonce, NdesFixture runs the project's NDES-like
// server (tests/fixtures/ndes_fixture.py) as a coprocess and hands it each pkiMessage: the
// replies come from its Python CertRep writer, never from scepctl's code.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/resolve.hpp"
#include "replay_transport.hpp"
#include "test_support.hpp"
#include "transport/factory.hpp"
#include "util/events.hpp"
#include "workflow/context.hpp"

namespace test {

// Never sleeps: each wait is recorded and moves the steady clock on by as much.
class FakeClock final : public workflow::Clock {
  public:
    std::int64_t unix_now = static_cast<std::int64_t>(std::time(nullptr));
    std::vector<std::chrono::seconds> sleeps;
    std::optional<std::size_t> interrupt_at; // the wait with this index reports a signal

    std::int64_t now_unix() const override { return unix_now; }
    std::chrono::steady_clock::time_point now() const override { return m_start + m_slept; }
    bool sleep(std::chrono::seconds duration) override {
        if (interrupt_at && sleeps.size() == *interrupt_at) return false;
        sleeps.push_back(duration);
        m_slept += duration;
        return true;
    }

  private:
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration m_slept{};
};

class RecordingSink final : public util::EventSink {
  public:
    std::vector<std::string> notes, warnings;
    void note(const std::string& text) override { notes.push_back(text); }
    void warning(const std::string& text) override { warnings.push_back(text); }
    static bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
        for (const auto& line : lines) {
            if (line.find(part) != std::string::npos) return true;
        }
        return false;
    }
    bool noted(const std::string& part) const { return any_contains(notes, part); }
    bool warned(const std::string& part) const { return any_contains(warnings, part); }
};

// Every transport it opens forwards to the one ReplayTransport `replay`: one reply queue and one
// request log, in the order the run asked, whichever transport asked. Each keeps its own
// credentials and headers. `responder`, when set, may compute the reply to a request instead
// (it returns nullopt to leave the request to the queue).
class FakeTransports final : public transport::TransportFactory {
  public:
    using Responder = std::function<std::optional<util::Result<scep::HttpResponse>>(
        const std::string& method, const std::string& url, util::ByteView body)>;

    ReplayTransport replay;
    std::vector<transport::TransportOptions> opened;
    Responder responder;

    std::unique_ptr<scep::HttpTransport> open(const transport::TransportOptions& options) override {
        opened.push_back(options);
        return std::make_unique<Handle>(*this);
    }
    void add(long status, std::string content_type, util::ByteView body) {
        replay.replies.push_back(reply(status, std::move(content_type), body));
    }
    void add(util::Error error) { replay.replies.push_back(std::move(error)); }
    std::vector<Request>& requests() { return replay.requests; }

  private:
    class Handle final : public scep::HttpTransport {
      public:
        explicit Handle(FakeTransports& owner) : m_owner(owner) {}
        util::Result<scep::HttpResponse> get(const std::string& url) override {
            prepare("GET", url, {});
            return m_owner.replay.get(url);
        }
        util::Result<scep::HttpResponse> post(const std::string& url, util::ByteView body,
                                              const std::string& content_type) override {
            prepare("POST", url, body);
            return m_owner.replay.post(url, body, content_type);
        }
        void set_credentials(scep::HttpCredentials credentials) override { m_auth = credentials.scheme; }
        void set_extra_headers(std::vector<std::string> headers) override { m_headers = std::move(headers); }
        void set_at_most_once(bool at_most_once) override { m_at_most_once = at_most_once; }
        std::string url_host(const std::string& url) const override { return m_owner.replay.url_host(url); }

      private:
        void prepare(const std::string& method, const std::string& url, util::ByteView body) {
            scep::HttpCredentials credentials;
            credentials.scheme = m_auth;
            m_owner.replay.set_credentials(std::move(credentials));
            m_owner.replay.set_extra_headers(m_headers);
            m_owner.replay.set_at_most_once(m_at_most_once);
            if (!m_owner.responder) return;
            if (auto computed = m_owner.responder(method, url, body))
                m_owner.replay.replies.push_front(std::move(*computed));
        }
        FakeTransports& m_owner;
        scep::HttpAuth m_auth = scep::HttpAuth::none;
        std::vector<std::string> m_headers;
        bool m_at_most_once = false;
    };
};

// The collaborators of one run, all fakes.
struct Fakes {
    FakeTransports transports;
    RecordingSink events;
    FakeClock clock;
    workflow::Collaborators with{transports, events, clock};
};

// The options of `command` from a command line and an environment of our own (never the
// process's: no HOME, so no user configuration file is found).
inline config::Options resolve_options(config::Command command, const config::CommandLine& line,
                                       std::map<std::string, std::string> environment = {}) {
    const config::Environment env = [environment](std::string_view name) -> std::optional<std::string> {
        const auto it = environment.find(std::string(name));
        if (it == environment.end() || it->second.empty()) return std::nullopt;
        return it->second;
    };
    auto options = config::resolve(command, line, env);
    if (!options) throw std::runtime_error("resolve: " + options.error().message);
    return std::move(options).value();
}

inline config::Environment no_environment() {
    return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

// tests/fixtures/ndes_fixture.py's SCEP service, fed one pkiMessage at a time over a pipe (no
// HTTP, no port): its main() runs with the HTTP server replaced by the loop below, so every
// option of the fixture (--mode pending, --pending-polls, --challenge, ...) means what it means
// there. The fixture keeps its messages, issued certificates and events.jsonl in `state_dir`.
class NdesFixture {
  public:
    NdesFixture(const std::filesystem::path& state_dir, const std::vector<std::string>& fixture_args) {
        ::signal(SIGPIPE, SIG_IGN);
        int to_child[2], from_child[2];
        if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw std::runtime_error("pipe failed");
        std::vector<std::string> args = {
            "/usr/bin/python3", "-c", k_driver,      std::string(SCEPCTL_TEST_DATA) + "/../fixtures",
            "--port",           "1",  "--state-dir", state_dir.string()};
        args.insert(args.end(), fixture_args.begin(), fixture_args.end());
        m_pid = ::fork();
        if (m_pid < 0) throw std::runtime_error("fork failed");
        if (m_pid == 0) {
            ::dup2(to_child[0], 0);
            ::dup2(from_child[1], 1);
            ::close(to_child[1]);
            ::close(from_child[0]);
            std::vector<char*> argv;
            for (auto& arg : args)
                argv.push_back(arg.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(to_child[0]);
        ::close(from_child[1]);
        m_in = ::fdopen(to_child[1], "wb");
        m_out = ::fdopen(from_child[0], "rb");
    }
    NdesFixture(const NdesFixture&) = delete;
    NdesFixture& operator=(const NdesFixture&) = delete;
    ~NdesFixture() {
        if (m_in != nullptr) std::fclose(m_in); // EOF: the driver returns and the fixture exits
        if (m_out != nullptr) std::fclose(m_out);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }

    // The fixture's answer to a PKIOperation request (a GET's message is in its URL); nullopt for
    // any other request.
    std::optional<util::Result<scep::HttpResponse>> answer(const std::string& method, const std::string& url,
                                                           util::ByteView body) {
        if (url.find("operation=PKIOperation") == std::string::npos) return std::nullopt;
        std::fprintf(m_in, "%s %zu %zu\n", method.c_str(), url.size(), body.size());
        std::fwrite(url.data(), 1, url.size(), m_in);
        std::fwrite(body.data(), 1, body.size(), m_in);
        std::fflush(m_in);
        long status = 0;
        std::size_t size = 0;
        if (std::fscanf(m_out, "%ld %zu", &status, &size) != 2 || std::fgetc(m_out) != '\n') {
            throw std::runtime_error("the NDES fixture did not answer (see its fixture.log)");
        }
        util::Bytes reply_body(size);
        if (size > 0 && std::fread(reply_body.data(), 1, size, m_out) != size) {
            throw std::runtime_error("the NDES fixture's answer is cut short");
        }
        if (status == 500)
            throw std::runtime_error("the NDES fixture failed: " + std::string(util::as_chars(reply_body)));
        ++pki_operations;
        return util::Result<scep::HttpResponse>(
            reply(status, status == 200 ? "application/x-pki-message" : "text/plain", reply_body));
    }
    // A responder for FakeTransports.
    FakeTransports::Responder responder() {
        return [this](const std::string& method, const std::string& url, util::ByteView body) {
            return answer(method, url, body);
        };
    }

    int pki_operations = 0;

    // Where the fixture keeps the `n`th pkiMessage it received (1-based) and its events.
    static std::filesystem::path request_file(const std::filesystem::path& state_dir, int n) {
        char name[32];
        std::snprintf(name, sizeof name, "%04d-request.der", n);
        return state_dir / "messages" / name;
    }
    static std::string events(const std::filesystem::path& state_dir) { return slurp(state_dir / "events.jsonl"); }

  private:
    static constexpr const char* k_driver = R"py(
import base64, sys, threading, traceback, urllib.parse
sys.path.insert(0, sys.argv[1])
import ndes_fixture as nf

class Pipe:
    def __init__(self, *args, **kwargs):
        pass
    def serve_forever(self, poll_interval=None):
        rd, wr = sys.stdin.buffer, sys.stdout.buffer
        while True:
            line = rd.readline()
            if not line:
                break
            method, url_size, body_size = line.split()
            url = rd.read(int(url_size)).decode()
            body = rd.read(int(body_size))
            try:
                if method == b"GET":
                    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
                    body = base64.b64decode(query["message"][0])
                rep = self.svc.pki_operation(body, method.decode(), self.svc.next_n())
                status = 200
            except nf.BadMessage as e:
                rep, status = str(e).encode(), 400
            except Exception:
                rep, status = traceback.format_exc().encode(), 500
            wr.write(b"%d %d\n" % (status, len(rep)) + rep)
            wr.flush()
        self.svc.stopping.set()
    def shutdown(self):
        pass
    def server_close(self):
        pass

class Now:
    def __init__(self, target=None, kwargs=None, daemon=None):
        self.target, self.kwargs = target, kwargs or {}
    def start(self):
        self.target(**self.kwargs)

nf.Server = Pipe
threading.Thread = Now
sys.exit(nf.main(sys.argv[2:]))
)py";

    pid_t m_pid = -1;
    std::FILE* m_in = nullptr;
    std::FILE* m_out = nullptr;
};

// The PKCS#10 inside a pkiMessage file, written to `csr` (DER): the openssl CLI checks the
// signature (not the signer's chain) and decrypts the envelope with the RA encryption key of
// tests/data/openssl. Throws when openssl refuses either step.
inline void extract_csr(const std::filesystem::path& pki_message, const std::filesystem::path& csr) {
    const TempDir dir;
    const std::string inner = (dir.path / "inner.der").string();
    int status = 0;
    std::string output = shell(
        "openssl cms -verify -noverify -binary -inform DER -in '" + pki_message.string() + "' -out " + inner, status);
    if (status != 0) throw std::runtime_error("openssl cms -verify: " + output);
    output = shell("openssl cms -decrypt -binary -inform DER -in " + inner + " -recip " +
                       data_path("openssl/ra-encrypt.pem") + " -inkey " + data_path("openssl/ra-encrypt.key") +
                       " -out '" + csr.string() + "'",
                   status);
    if (status != 0) throw std::runtime_error("openssl cms -decrypt: " + output);
}

// The PKCS#10 inside a pkiMessage file as `openssl req -text` prints it, after openssl verified
// the CSR's own signature too.
inline std::string csr_text_of(const std::filesystem::path& pki_message) {
    const TempDir dir;
    const std::string csr = (dir.path / "csr.der").string();
    extract_csr(pki_message, csr);
    int status = 0;
    const std::string output =
        shell("openssl req -inform DER -in " + csr + " -verify -noout -text -nameopt RFC2253", status);
    if (status != 0 || output.find("verify OK") == std::string::npos) {
        throw std::runtime_error("openssl req -verify: " + output);
    }
    return output;
}

} // namespace test
