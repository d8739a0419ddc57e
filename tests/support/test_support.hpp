#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <iterator>
#include <string>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/bytes.hpp"
#include "scep/certificate.hpp"
#include "scep/key.hpp"

namespace test {

// A fresh directory under the system temp dir, removed with everything in it at scope end.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string templ = (std::filesystem::temp_directory_path() / "scepctl-test-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = templ;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() { std::filesystem::remove_all(path); }
};

inline std::string data_path(const std::string& relative) {
    return std::string(SCEPCTL_TEST_DATA) + "/" + relative;
}

inline util::Bytes read_data(const std::string& relative) {
    std::ifstream in(data_path(relative), std::ios::binary);
    if (!in) throw std::runtime_error("missing test vector " + relative);
    return util::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_text(const std::string& relative) {
    const auto bytes = read_data(relative);
    return std::string(bytes.begin(), bytes.end());
}

// The first certificate of a PEM vector, and an unencrypted key vector; a broken vector throws.
inline scep::Certificate certificate(const std::string& relative) {
    auto certs = scep::Certificate::from_pem(read_text(relative));
    if (!certs) throw std::runtime_error(relative + ": " + certs.error().message);
    return certs->front();
}

inline scep::PrivateKey private_key(const std::string& relative) {
    auto key = scep::PrivateKey::load(read_data(relative), std::nullopt);
    if (!key) throw std::runtime_error(relative + ": " + key.error().message);
    return std::move(key).value();
}

inline void write_file(const std::filesystem::path& path, util::ByteView data) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Runs a shell command (a third-party tool judging our output), returns its stdout and stderr;
// the exit status goes to `status`.
inline std::string shell(const std::string& command, int& status) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe))
        output.append(buf, n);
    status = ::pclose(pipe);
    return output;
}

// A whole file as text ("" when it cannot be read, which any content check then catches).
inline std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The permission bits of a file; 0xFFFF (never a mode) when it cannot be stat'ed.
inline mode_t mode_of(const std::filesystem::path& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0xFFFF;
}

// A throw-away self-signed certificate (PEM, EC P-256, subject CN=x) made by `openssl req -x509`
// in `dir` with `extra` arguments, e.g. "-addext extendedKeyUsage=clientAuth". The config has a
// section [dir_sect] (CN=inner) for dirName SANs. Throws when openssl fails.
inline std::string openssl_self_signed(const std::filesystem::path& dir, const std::string& extra) {
    write_file(dir / "req.cnf", util::as_bytes("[req]\ndistinguished_name=dn\n[dn]\n[dir_sect]\nCN=inner\n"));
    int status = 0;
    const std::string output = shell("cd '" + dir.string() +
                                         "' && openssl req -new -x509 -config req.cnf -newkey ec -pkeyopt "
                                         "ec_paramgen_curve:P-256 -nodes -keyout k.pem -subj /CN=x -out c.pem " +
                                         extra,
                                     status);
    if (status != 0) throw std::runtime_error("openssl req failed: " + output);
    return slurp(dir / "c.pem");
}

// The unprivileged identity the hostile-environment tests use for "someone else" (nobody).
constexpr uid_t k_other_uid = 65534;
constexpr gid_t k_other_gid = 65534;

// Runs `body` in a child process as k_other_uid/k_other_gid (the tests run as root); true when it
// returned true.
template <class Body> bool as_other_user(Body body) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setresgid(k_other_gid, k_other_gid, k_other_gid) != 0 ||
            ::setresuid(k_other_uid, k_other_uid, k_other_uid) != 0) {
            ::_exit(3);
        }
        ::_exit(body() ? 0 : 1);
    }
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// "FILE ALG HEX" lines of tests/data/openssl/fingerprints.txt
inline std::string fingerprint_of(const std::string& file, const std::string& alg) {
    std::ifstream in(data_path("openssl/fingerprints.txt"));
    std::string f, a, hex;
    while (in >> f >> a >> hex) {
        if (f == file && a == alg) return hex;
    }
    throw std::runtime_error("no fingerprint for " + file + " " + alg);
}

} // namespace test
