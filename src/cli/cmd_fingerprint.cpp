// scepctl fingerprint: the fingerprints of a CA certificate file, in the forms they are compared
// in: SHA-256 and SHA-1 as openssl prints them, MD5 as the NDES admin page shows it. Offline.
#include "cli/app.hpp"
#include "config/settings.hpp"

namespace cli {

util::Result<void> run_fingerprint(Run& run) {
    const std::string file = run.options.text("file").value_or("");
    auto certs = config::read_certificate_file(file);
    if (!certs) return std::move(certs).error();

    const Output& out = run.out;
    Json list = Json::array();
    for (std::size_t i = 0; i < certs->size(); ++i) {
        const scep::Certificate& cert = (*certs)[i];
        const util::Bytes sha256 = cert.fingerprint(scep::DigestAlg::sha256);
        if (i != 0) out.line("");
        if (certs->size() > 1)
            out.line("certificate " + std::to_string(i + 1) + " of " + std::to_string(certs->size()));
        out.line("subject: " + cert.subject());
        out.line("sha256:  " + util::to_hex_grouped(sha256, ':'));
        out.line("sha1:    " + util::to_hex_grouped(cert.fingerprint(scep::DigestAlg::sha1), ':'));
        out.line("md5:     " + scep::ndes_thumbprint(cert) + "  (as the NDES admin page shows it)");
        out.line("pin:     --ca-fingerprint sha256:" + util::to_hex(sha256));
        Json entry = Json::object();
        entry.set("subject", cert.subject())
            .set("sha256", util::to_hex(sha256))
            .set("sha1", util::to_hex(cert.fingerprint(scep::DigestAlg::sha1)))
            .set("md5", util::to_hex(cert.fingerprint(scep::DigestAlg::md5)))
            .set("md5_ndes", scep::ndes_thumbprint(cert));
        list.push(entry);
    }
    Json result = Json::object();
    result.set("command", "fingerprint").set("file", file).set("certificates", list);
    out.json(result);
    return {};
}

} // namespace cli
