// krb_checks: drives krb::check_spn_ownership and krb::check_delegation against a real KDC, for
// tests/interop/test_krb_ldap.sh (until check-kerberos calls them). One JSON object per check on
// stdout; exit 0 when both pass, 1 when one does not, 2 on a usage or setup error.
//
//   krb_checks --principal P --realm R --kdc HOST:PORT --allowed-domain D (--keytab F | --password-file F)
//              --host FQDN [--delegate-to SPN] [--s4u-user PRINCIPAL]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "krb/delegation.hpp"
#include "krb/kerberos.hpp"
#include "krb/spn_owner.hpp"
#include "util/secret.hpp"

namespace {

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& item : items)
        out += (out.size() > 1 ? "," : "") + json_string(item);
    return out + "]";
}

struct Args {
    krb::KerberosSettings settings;
    std::string host;
    krb::DelegationOptions delegation;
};

bool read_password(const std::string& path, krb::KerberosSettings& settings) {
    std::ifstream file(path);
    if (!file) return false;
    util::Secret password;
    char c = 0;
    while (file.get(c))
        password.push_back(c);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
        password.pop_back();
    settings.password = std::move(password);
    return true;
}

bool parse(int argc, char** argv, Args& args) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--principal")
            args.settings.principal = value;
        else if (flag == "--realm")
            args.settings.realm = value;
        else if (flag == "--kdc")
            args.settings.kdcs.push_back(value);
        else if (flag == "--allowed-domain")
            args.settings.allowed_domains.push_back(value);
        else if (flag == "--keytab")
            args.settings.keytab = value;
        else if (flag == "--password-file") {
            if (!read_password(value, args.settings)) return false;
        } else if (flag == "--host")
            args.host = value;
        else if (flag == "--delegate-to")
            args.delegation.target = value;
        else if (flag == "--s4u-user")
            args.delegation.s4u_user = value;
        else
            return false;
    }
    return argc % 2 == 1 && !args.host.empty() && !args.settings.principal.empty();
}

} // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parse(argc, argv, args)) {
        std::cerr << "usage: krb_checks --principal P --realm R --kdc HOST:PORT --allowed-domain D "
                     "(--keytab F | --password-file F) --host FQDN [--delegate-to SPN] [--s4u-user P]\n";
        return 2;
    }
    auto session = krb::Session::open(args.settings);
    if (!session) {
        std::cerr << "krb_checks: " << session.error().text() << "\n";
        return 2;
    }
    if (auto tgt = (*session)->acquire_initial_ticket(); !tgt) {
        std::cerr << "krb_checks: " << tgt.error().text() << "\n";
        return 2;
    }
    const krb::SpnOwnership spn = krb::check_spn_ownership(**session, args.host);
    std::cout << "{\"check\":\"spn-owner\",\"status\":" << json_string(std::string(krb::to_string(spn.owner)))
              << ",\"spn\":" << json_string(spn.spn) << ",\"account\":" << json_string(spn.account)
              << ",\"summary\":" << json_string(spn.summary) << ",\"fix\":" << json_string(spn.fix)
              << ",\"krb5_error\":" << json_string(spn.krb5_error)
              << ",\"forwardable\":" << (spn.forwardable ? "true" : "false")
              << ",\"details\":" << json_list(spn.details) << "}\n";
    const krb::Delegation delegation = krb::check_delegation(**session, spn, args.delegation);
    std::cout << "{\"check\":\"delegation\",\"status\":" << json_string(std::string(krb::to_string(delegation.result)))
              << ",\"target\":" << json_string(delegation.target) << ",\"account\":" << json_string(delegation.account)
              << ",\"summary\":" << json_string(delegation.summary) << ",\"fix\":" << json_string(delegation.fix)
              << ",\"krb5_error\":" << json_string(delegation.krb5_error)
              << ",\"protocol_transition\":" << json_string(std::string(krb::to_string(delegation.protocol_transition)))
              << ",\"information\":" << json_string(delegation.information)
              << ",\"details\":" << json_list(delegation.details) << "}\n";
    return spn.passed() && delegation.passed() ? 0 : 1;
}
