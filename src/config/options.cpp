#include "config/options.hpp"

#include <algorithm>
#include <array>

#include "config/validate.hpp"

namespace config {

namespace {

constexpr std::array<Command, 13> k_commands{
    Command::getcacaps,      Command::getcacert,   Command::enroll,        Command::renew,   Command::getchallenge,
    Command::check_kerberos, Command::check_ndes,  Command::getnextcacert, Command::getcert, Command::getcrl,
    Command::decode,         Command::fingerprint, Command::status};

constexpr std::array<std::string_view, 3> k_ciphers{"aes128", "aes256", "des3"};
constexpr std::array<std::string_view, 3> k_methods{"auto", "get", "post"};
constexpr std::array<std::string_view, 3> k_renew_modes{"auto", "renewalreq", "pkcsreq"};
constexpr std::array<std::string_view, 2> k_ca_types{"microsoft", "generic"};
constexpr std::array<std::string_view, 3> k_formats{"pem", "der", "p12"};
constexpr std::array<std::string_view, 3> k_digests{"sha256", "sha512", "sha1"};
constexpr std::array<std::string_view, 3> k_key_usages{"signature", "encryption", "both"};
constexpr std::array<std::string_view, 3> k_key_stores{"file", "tpm2", "pkcs11"};

// The rows, in the order --help and the man pages list them. Rows with the same flag take
// different subcommands: their help differs (renew's --subject defaults to the certificate's).
constexpr OptionSpec k_options[] = {
    {.flag = "url",
     .kind = Kind::text,
     .value_name = "URL",
     .commands = 0,
     .table = Table::ca,
     .key = "scep_url",
     .validate = http_url,
     .help = "SCEP endpoint URL, e.g. https://ndes.example.com/certsrv/mscep/mscep.dll",
     .manual = R"roff(The SCEP endpoint, e.g.
.I https://ndes.example.com/certsrv/mscep/mscep.dll
or
.IR http://ca.example.com/cgi\-bin/pkiclient.exe .
Must start with http:// or https://. Default: the
.B scep_url
of the CA chosen with \-\-ca or \-\-profile.
)roff"},
    {.flag = "config",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = 0,
     .env = "SCEPCTL_CONFIG",
     .help = "Configuration file (default: $SCEPCTL_CONFIG, ~/.config/scepctl/config.toml, /etc/scepctl/config.toml)",
     .manual = R"roff(Configuration file of CA and enrollment profiles; see
.BR scepctl.toml (5).
Default:
.BR $SCEPCTL_CONFIG ,
then
.IR ~/.config/scepctl/config.toml ,
then
.IR /etc/scepctl/config.toml .
A file named by \-\-config or SCEPCTL_CONFIG must exist.
)roff"},
    {.flag = "profile",
     .kind = Kind::text,
     .value_name = "NAME",
     .commands = 0,
     .env = "SCEPCTL_PROFILE",
     .repeatable = bit(Command::status),
     .help = "Use [profile.NAME] of the configuration file (default: $SCEPCTL_PROFILE)",
     .manual = R"roff(Use
.BI [profile. NAME ]
of the configuration file (default:
.BR $SCEPCTL_PROFILE ).
Its values fill in every option not given on the command line: options win
over the environment, the environment over the file, the file over built-in
defaults.
.B scepctl status
takes it more than once, one profile each.
)roff"},
    {.flag = "ca",
     .kind = Kind::text,
     .value_name = "NAME",
     .commands = 0,
     .table = Table::profile,
     .key = "ca",
     .help = "Use [ca.NAME] of the configuration file (default: the profile's CA)",
     .manual = R"roff(Use
.BI [ca. NAME ]
of the configuration file: its URL, TLS CA file, fingerprint, timeout and
challenge page. Default: the profile's CA.
)roff"},
    {.flag = "cacert",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = 0,
     .table = Table::ca,
     .key = "tls_ca_file",
     .help = "PEM file of CAs trusted for the server's TLS certificate (default: system trust store)",
     .manual = R"roff(PEM file of CA certificates trusted for the server's TLS certificate. Without
it the CA's
.B tls_ca_file
or the system trust store is used.
)roff"},
    {.flag = "insecure",
     .kind = Kind::flag,
     .commands = 0,
     .help = "Do not verify the server's TLS certificate (prints a warning)",
     .manual = R"roff(Do not verify the server's TLS certificate. Prints a warning. Meant only for
first contact with a lab server.
)roff"},
    {.flag = "timeout",
     .kind = Kind::seconds,
     .value_name = "SECONDS",
     .commands = 0,
     .table = Table::ca,
     .key = "timeout",
     .default_value = "60",
     .validate = timeout_seconds,
     .help = "Seconds one HTTP request may take in total, 0.001 to 86400 (default 60)",
     .manual = R"roff(How long one HTTP request may take in total (default: the CA's
.BR timeout ,
else 60): a number of seconds from 0.001 to 86400 (one day), fractions allowed.
Anything else (0, a negative number, inf, nan, 1e300, 0.0001, which would round
to no limit at all) is a usage error (exit 64) that names the value and the
range. The connection
attempt itself is limited to 15 seconds or the timeout, whichever is shorter.
)roff"},
    {.flag = "proxy",
     .kind = Kind::text,
     .value_name = "URL",
     .commands = 0,
     .help = "HTTP(S) proxy URL (default: the http_proxy/https_proxy/no_proxy environment)",
     .manual = R"roff(HTTP(S) proxy. Without it the usual
.BR http_proxy ,
.BR https_proxy " and " no_proxy
environment variables apply.
)roff"},
    {.flag = "json",
     .kind = Kind::flag,
     .commands = 0,
     .help = "Print the result as one JSON object on stdout",
     .manual = R"roff(Print the result as one JSON object on standard output. Errors are printed as
.B {"error": {"code": ..., "exit_code": ..., "message": ...}}
on standard output as well as one line on standard error.
)roff"},
    {.flag = "verbose",
     .short_flag = 'v',
     .kind = Kind::flag,
     .commands = 0,
     .help = "Trace HTTP requests and show error details on stderr (secrets redacted)",
     .manual = R"roff(Trace HTTP requests and responses on standard error and show error details
(OpenSSL error queue). Authorization headers, Negotiate tokens, cookies and
URL user information are replaced by
.BR <redacted> ;
message bodies are shown only as byte counts.
)roff"},
    {.flag = "quiet",
     .short_flag = 'q',
     .kind = Kind::flag,
     .commands = 0,
     .help = "Print no notes or warnings on stderr, only errors",
     .manual = R"roff(Print no notes or warnings on standard error; errors are still printed.
)roff"},
    {.flag = "version",
     .kind = Kind::flag,
     .commands = 0,
     .help = "Print the version and the linked OpenSSL, libcurl and krb5 versions",
     .manual = R"roff(Print the version of scepctl and of the OpenSSL, libcurl and MIT krb5 it uses.
)roff"},
    {.flag = "message",
     .kind = Kind::text,
     .value_name = "ID",
     .commands = bit(Command::getcacaps) | bit(Command::getcacert) | bit(Command::getnextcacert) |
                 bit(Command::getcert) | bit(Command::getcrl) | bit(Command::enroll) | bit(Command::renew) |
                 bit(Command::check_ndes) | bit(Command::decode),
     .table = Table::ca,
     .key = "message",
     .help = "CA identifier sent as the message= parameter of GetCACaps and GetCACert (most servers ignore it)",
     .manual = R"roff(CA identifier sent as the
.B message=
parameter of GetCACaps and GetCACert. Most servers, NDES included, ignore it.
Default: the CA's
.BR message .
)roff"},
    {.flag = "ca-fingerprint",
     .kind = Kind::text,
     .value_name = "ALG:HEX",
     .commands = bit(Command::getcacert) | bit(Command::getnextcacert) | bit(Command::getcert) | bit(Command::getcrl) |
                 bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes) | bit(Command::decode),
     .table = Table::ca,
     .key = "ca_fingerprint",
     .validate = fingerprint,
     .excludes = "ca-cert-pin",
     .help = "Expected CA fingerprint: sha256:HEX, sha1:HEX or md5:HEX (colons and spaces allowed); a mismatch fails",
     .manual = R"roff(The CA fingerprint you got out of band:
.BR sha256: ,
.BR sha1: " or " md5:
followed by hex digits; colons and spaces are ignored, so openssl's
.B AB:CD:...
form, the NDES page's
.B "DC60FAA3 5B15E5C8 ..."
form and openssl's whole line
.RB ( "sha256 Fingerprint=AB:CD:..." )
work. Without a prefix the algorithm follows from the length. It
must match the issuing CA (for getnextcacert: the current CA) or a CA above it
in the bundle, or the command fails with exit 97 before any further request
and nothing is written. Default: the CA's
.BR ca_fingerprint ;
without one scepctl warns that the CA is not authenticated.
)roff"},
    {.flag = "ca-cert-pin",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::getcacert) | bit(Command::getnextcacert) | bit(Command::getcert) | bit(Command::getcrl) |
                 bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "ca_cert",
     .excludes = "ca-fingerprint",
     .help = "Pin the SHA-256 of this CA certificate (PEM or DER) instead of giving --ca-fingerprint",
     .manual = R"roff(Pin the CA by a copy of its certificate (PEM or DER, the first certificate
of a PEM file): scepctl computes its SHA\-256 and checks it as
.B \-\-ca\-fingerprint sha256:...
would. The certificate is read before any request; a file that is missing or
holds no certificate is an error naming the file. Excludes \-\-ca\-fingerprint; in the configuration file
.B ca_cert
and
.B ca_fingerprint
exclude each other in one CA table, and a flag wins over the file's key of
the other kind.
.B "scepctl fingerprint FILE"
prints the fingerprints to compare with the CA administrator's.
)roff"},
    {.flag = "ca-cache",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll) | bit(Command::renew),
     .table = Table::profile,
     .key = "ca_cache",
     .help = "Keep the server's CA/RA certificates in FILE; renew uses them instead of GetCACert while they match the "
             "pinned CA",
     .manual = R"roff(A file where the server's CA and RA certificates (the GetCACert reply, as PEM,
in the order the server sent them) are kept between runs.
.B enroll
and
.B renew
write it after a successful run, replacing an older one (mode 0644; it holds
no secret). It is a cache: it is written without fsync, and a missing,
damaged or outdated file only costs one GetCACert.
.B renew
uses it instead of asking the server with GetCACert when the CA is pinned
(\-\-ca\-fingerprint, \-\-ca\-cert\-pin or the CA's
.BR ca_fingerprint / ca_cert )
and the pin matches the file's CA, every certificate in it is valid now, and
every RA certificate in it is signed by its CA; otherwise it fetches them, as
without this option. GetCACaps is still asked (the capabilities decide the
message type and the algorithms). When the server's RA certificates changed
since the file was written, the request is encrypted to an RA the server no
longer uses: a reply that does not verify with the file's RA signing
certificate, a FAILURE with failInfo badMessageCheck or an HTTP 500 makes
renew fetch GetCACert (checked against the pin like any other) and, when it
differs from the file, send the request once more, to the new RA; then it
replaces the file. Default: the profile's
.BR ca_cache ;
without either, nothing is kept and renew asks GetCACert every time.
)roff"},
    {.flag = "out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::getcacert) | bit(Command::getnextcacert),
     .help = "Write the certificates as PEM to FILE (atomically)",
     .manual = R"roff(Write the certificates as a PEM bundle: the CA chain from the issuing CA
upwards (getnextcacert: the new CA chain), then the RA certificates. The file is written atomically (temporary
file, fsync, rename) with mode 0644. An existing file is not replaced unless
.B \-\-force
is given; that check happens before any request is sent. A missing directory
is made (0755) when its parent exists.
.B \-\-out \-
(or /dev/stdout) writes the PEM to standard output and the summary to
standard error; it cannot be combined with \-\-json.
)roff"},
    {.flag = "out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::getcert) | bit(Command::getcrl),
     .required = true,
     .help = "Write the result as PEM to FILE (atomically)",
     .manual = R"roff(Write the certificate (getcrl: the CRL) as PEM, atomically, mode 0644.
Required. An existing file is not replaced unless \-\-force is given, and that
is checked before any request. A missing directory is made (0755) when its
parent exists.
.B \-\-out \-
(or /dev/stdout) writes the PEM to standard output and the summary to
standard error; it cannot be combined with \-\-json.
)roff"},
    {.flag = "force",
     .kind = Kind::flag,
     .commands = bit(Command::getcacert) | bit(Command::getnextcacert) | bit(Command::getcert) | bit(Command::getcrl),
     .help = "Replace the --out file if it exists",
     .manual = R"roff(Replace an existing
.B \-\-out
file.
)roff"},
    {.flag = "serial",
     .kind = Kind::text,
     .value_name = "SERIAL",
     .commands = bit(Command::getcert),
     .validate = serial_hex,
     .required = true,
     .help = "Serial number of the certificate to fetch (hex, as openssl x509 -serial prints it)",
     .manual = R"roff(Serial number in hexadecimal, as
.B openssl x509 \-serial
and Windows show it; colons, spaces and a 0x prefix are allowed. Required.
)roff"},
    {.flag = "key",
     .kind = Kind::path,
     .value_name = "KEY",
     .commands = bit(Command::getcert) | bit(Command::getcrl),
     .help = "RSA key (PEM or DER) that signs the request and opens the reply (default: a throw-away key)",
     .manual = R"roff(RSA key (PEM or DER) that signs the request and opens the reply (default: a
throw\-away key).
)roff"},
    {.flag = "key-pass-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::getcert) | bit(Command::getcrl) | bit(Command::decode),
     .help = "Passphrase for --key",
     .manual = R"roff(Passphrase for an encrypted \-\-key.
)roff"},
    {.flag = "cert",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::getcert),
     .help = "Signer certificate for --key (PEM or DER), used when it holds --key's public key",
     .manual = R"roff(Certificate that signs the request with \-\-key (default: a self\-signed one).
)roff"},
    {.flag = "cert",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::getcrl),
     .required = true,
     .help = "The certificate whose CRL is wanted (PEM or DER); it also signs the request when --key is its key",
     .manual = R"roff(The certificate whose CRL is wanted (PEM or DER); it also signs the request
when \-\-key is its key. Required.
)roff"},
    {.flag = "subject",
     .kind = Kind::text,
     .value_name = "DN",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "subject",
     .default_value = "CN=${fqdn}",
     .validate = subject_template,
     .help = "Subject DN (RFC 4514), with ${var} templates; default CN=${fqdn}",
     .manual = R"roff(Subject in RFC 4514 form, most specific first:
.BR "CN=host.example.com,O=Example\e, Inc.,C=DE" .
Multi\-valued RDNs with
.BR + .
Template variables
.BI ${ name }
are filled from
.BR \-\-var ,
then the environment, then the built\-ins
.BR hostname ,
.B fqdn
and
.BR user ;
an unknown variable is an error, never an empty field.
.B $$
is a literal dollar sign. Default:
.BR CN=${fqdn} .
)roff"},
    {.flag = "var",
     .kind = Kind::list,
     .value_name = "NAME=VALUE",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .validate = variable,
     .help = "Template variable NAME=VALUE for --subject, --san and the output paths (repeatable)",
     .manual = R"roff(A template variable (repeatable), e.g.
.B \-\-var userEmailAddress=a@example.com
for
.BR CN=${userEmailAddress} .
)roff"},
    {.flag = "san",
     .kind = Kind::list,
     .value_name = "SPEC",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "san",
     .validate = san_template,
     .help =
         "subjectAltName: dns:NAME, ip:ADDR, email:ADDR, uri:URI, upn:USER@DOMAIN, with ${var} templates (repeatable)",
     .manual = R"roff(subjectAltName (repeatable):
.BR dns: NAME,
.BR ip: ADDRESS,
.BR email: ADDRESS,
.BR uri: URI,
.BR upn: USER@DOMAIN
(Microsoft UPN otherName). The same
.BI ${ name }
templates as in \-\-subject work here, e.g.
.BR dns:${fqdn} .
)roff"},
    {.flag = "cert",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::renew),
     .table = Table::profile,
     .key = "cert_out",
     .help = "The certificate to renew, PEM; replaced (default: OUT-DIR/cert.pem)",
     .manual = R"roff(The certificate to renew (PEM; the first certificate in the file is used).
Default:
.IR OUT\-DIR /cert.pem.
)roff"},
    {.flag = "key",
     .kind = Kind::path,
     .value_name = "KEY",
     .commands = bit(Command::renew),
     .table = Table::profile,
     .key = "key_out",
     .validate = key_reference,
     .help = "Its private key: a PEM key file or TPM key blob (replaced by the new key), handle:0x81..., or a "
             "pkcs11: URI (default: OUT-DIR/key.pem)",
     .manual = R"roff(Its private key (RSA). Default:
.IR OUT\-DIR /key.pem.
The new key is made where the old one lives: a PEM key file is replaced by a
new key file; a TPM key blob by the blob of a new key made in the same TPM; for
a PKCS#11 URI a new key pair is made on the same token and, once the new
certificate is in place, takes the old key's label: the same URI names the new
key from then on, and the old pair stays on the token as LABEL.bak (see KEYS ON
A TOKEN). A key at a persistent TPM
handle is renewed only with \-\-reuse\-key (scepctl makes no persistent
objects). Forms as in
.BR scepctl\-enroll (1).
)roff"},
    {.flag = "subject",
     .kind = Kind::text,
     .value_name = "DN",
     .commands = bit(Command::renew),
     .validate = subject_template,
     .help = "Subject DN (RFC 4514), with ${var} templates; default: the existing certificate's subject",
     .manual = R"roff(As in
.BR scepctl\-enroll (1),
but each defaults to what the existing certificate has (a profile's subject,
san, key_usage and eku are not used by renew). A certificate's
subjectAltNames that a request cannot carry (directoryName, registeredID,
otherNames other than the UPN) are reported with a warning and left out.
)roff"},
    {.flag = "var",
     .kind = Kind::list,
     .value_name = "NAME=VALUE",
     .commands = bit(Command::renew),
     .validate = variable,
     .help = "Template variable NAME=VALUE for --subject, --san and the output paths (repeatable)",
     .manual_with = "subject"},
    {.flag = "san",
     .kind = Kind::list,
     .value_name = "SPEC",
     .commands = bit(Command::renew),
     .validate = san_template,
     .help = "subjectAltName like enroll's (repeatable); default: the existing certificate's",
     .manual_with = "subject"},
    {.flag = "key-usage",
     .kind = Kind::text,
     .value_name = "USAGE",
     .commands = bit(Command::renew),
     .choices = k_key_usages,
     .help = "signature, encryption or both; NDES picks its template from it (default: as the existing certificate)",
     .manual_with = "subject"},
    {.flag = "eku",
     .kind = Kind::list,
     .value_name = "NAME",
     .commands = bit(Command::renew),
     .validate = eku,
     .help = "Extended key usage to request (repeatable); default: those of the existing certificate",
     .manual_with = "subject"},
    {.flag = "challenge-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .help = "Read the challenge password from FILE",
     .manual = R"roff(Read the challenge password from FILE (a trailing newline is ignored).
)roff"},
    {.flag = "challenge",
     .kind = Kind::text,
     .value_name = "VALUE",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .env = "SCEPCTL_CHALLENGE",
     .help = "Challenge password; '-' reads it from stdin (a literal value is visible in ps)",
     .manual = R"roff(The challenge password;
.B \-
reads it from standard input. A literal value is visible to other users in the
process list, so scepctl warns. Without any of these, the environment variable
.B SCEPCTL_CHALLENGE
is used. The challenge is never printed: JSON shows
.BR "<redacted>" .
)roff"},
    {.flag = "key",
     .kind = Kind::path,
     .value_name = "KEY",
     .commands = bit(Command::enroll),
     .validate = key_reference,
     .help = "Use this existing RSA key instead of generating one: a key file, a TPM key blob, handle:0x81..., "
             "or a pkcs11: URI",
     .manual = R"roff(Use an existing RSA key instead of generating one. No key file is written.
KEY is one of:
.RS
.IP \(bu 2
a key file (PEM or DER; PKCS#8, encrypted PKCS#8 or traditional RSA);
.IP \(bu 2
a TPM key blob, a
.B TSS2 PRIVATE KEY
PEM file (told apart from a key file by its content): only the TPM that made
it can load it;
.IP \(bu 2
.BI handle: 0x81000001\fR,\fP
a persistent key in the TPM (0x81000000 to 0x81FFFFFF);
.IP \(bu 2
a PKCS#11 URI (RFC 7512), e.g.
.BR "pkcs11:token=device;object=scep\-key;type=private" ,
a key on a token or HSM, with the PIN from \-\-key\-pass\-file,
.B SCEPCTL_KEY_PASS
or
.B ?pin\-source=file:PATH
in the URI.
.RE
.IP
EC keys are refused: the server encrypts its reply to this key. A TPM or token
key signs and decrypts where it lives; it is never written anywhere.
)roff"},
    {.flag = "key-store",
     .kind = Kind::text,
     .value_name = "STORE",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "key_store",
     .choices = k_key_stores,
     .default_value = "file",
     .help = "Where a generated key lives: file (default), tpm2 (made in the TPM; its key blob is the key file)",
     .manual = R"roff(Where a generated key is made. file (default): in memory, written as the key
file. tpm2: inside the TPM (Debian package tpm2\-openssl), which never gives
it out; the key file
.RB ( \-\-key\-out ,
mode 0600, PEM only, no passphrase) holds its
.B TSS2 PRIVATE KEY
blob, which only this TPM can load. pkcs11 is for keys given with \-\-key
(made with pkcs11\-tool): scepctl does not generate keys on a token at enroll.
With check\-ndes \-\-enroll\-test the test key is made in this store.
)roff"},
    {.flag = "tpm2-tcti",
     .kind = Kind::text,
     .value_name = "CONF",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "tpm2_tcti",
     .help = "The TPM to use, as tpm2-tools name it (default: $TPM2OPENSSL_TCTI, else device:/dev/tpmrm0)",
     .manual = R"roff(The TPM, as a TCTI configuration: device:/dev/tpmrm0 (the kernel's resource
manager, the default), tabrmd:, swtpm:host=127.0.0.1,port=2321. Default:
.B TPM2OPENSSL_TCTI
from the environment, else device:/dev/tpmrm0. Without a resource manager a
TPM has only three object slots.
)roff"},
    {.flag = "pkcs11-module",
     .kind = Kind::path,
     .value_name = "PATH",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "pkcs11_module",
     .help = "PKCS#11 module for pkcs11: keys (default: the p11-kit proxy, every module p11-kit knows)",
     .manual = R"roff(The PKCS#11 module a pkcs11: key is used through, e.g.
.IR /usr/lib/softhsm/libsofthsm2.so .
Default: the p11\-kit proxy module, which offers every module p11\-kit(8) is
configured with. The key is used through OpenSSL's pkcs11 engine (Debian
package libengine\-pkcs11\-openssl).
)roff"},
    {.flag = "resume",
     .kind = Kind::flag,
     .commands = bit(Command::enroll),
     .help = "Poll (CertPoll) for the request an earlier run left PENDING instead of sending a new one; needs --key",
     .manual = R"roff(Continue a request an earlier run left PENDING (exit 3): send CertPoll (RFC
8894 \(sc3.3.3) right away instead of a new PKCSReq, in the same transaction,
then poll as usual. Needs
.B \-\-key
with the key that run kept (the transaction ID is derived from it) and the same
.BR \-\-subject ;
no challenge password is sent. A CA that knows no such pending request answers
FAILURE badCertId (exit 74). Without
.BR \-\-resume ,
a run with the same key sends a new PKCSReq in the same transaction, which RFC
8894 \(sc5.2 recommends after an interruption; NDES treats it like a poll.
)roff"},
    {.flag = "key-pass-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll),
     .help = "Passphrase for --key and a generated key file, the token PIN of a pkcs11: key ('-': stdin)",
     .manual = R"roff(Passphrase for
.BR \-\-key ,
and to encrypt a generated key file (AES\-256). For a pkcs11: key, the token's
user PIN (tried once: a wrong PIN is never retried, tokens lock); for a TPM key,
its authorization value (keys scepctl makes in the TPM have none). FILE
.B \-
reads it from standard input; without the option the environment variable
.B SCEPCTL_KEY_PASS
is used. It is never printed.
)roff"},
    {.flag = "key-pass-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::renew),
     .help = "Passphrase of the existing --key (the new key is encrypted with it too), or its token's PIN",
     .manual = R"roff(Passphrase of an encrypted
.BR \-\-key ;
the new key is encrypted with it too (AES\-256). For a pkcs11: key, the token's
user PIN (tried once: a wrong PIN is never retried, tokens lock); for a TPM key,
its authorization value. FILE
.B \-
reads it from standard input; without the option the environment variable
.B SCEPCTL_KEY_PASS
is used.
)roff"},
    {.flag = "key-size",
     .kind = Kind::integer,
     .value_name = "BITS",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "key_size",
     .default_value = "2048",
     .validate = key_size,
     .help = "RSA key size for a generated key: 2048 (default), 3072 or 4096",
     .manual = R"roff(2048 (default), 3072 or 4096.
)roff"},
    {.flag = "key-size",
     .kind = Kind::integer,
     .value_name = "BITS",
     .commands = bit(Command::renew),
     .table = Table::profile,
     .key = "key_size",
     .validate = key_size,
     .help = "RSA key size of the new key: 2048, 3072 or 4096 (default: that of the existing key)",
     .manual = R"roff(Size of the new RSA key: 2048, 3072 or 4096. Default: the old key's size (2048
for other sizes), or the profile's
.BR key_size .
Refused with \-\-reuse\-key.
)roff"},
    {.flag = "out-dir",
     .kind = Kind::path,
     .value_name = "DIR",
     .commands = bit(Command::enroll),
     .table = Table::profile,
     .key = "out_dir",
     .default_value = ".",
     .help = "Directory for the output files with their default names (default: .)",
     .manual = R"roff(Where the files with default names go (default: the current directory):
.BR key.pem ,
.B cert.pem
and
.BR chain.pem ;
with
.B \-\-format der
.BR key.der ,
.B cert.der
and
.BR chain.p7b ;
with
.B \-\-format p12
.BR bundle.p12 .
A missing directory is made, mode 0700 (it holds the key), when its parent
exists: only the last component of a path is ever made, never through a link.
The directories of \-\-cert\-out and \-\-chain\-out are made the same way
with mode 0755, that of \-\-key\-out and \-\-p12\-out with 0700.
)roff"},
    {.flag = "out-dir",
     .kind = Kind::path,
     .value_name = "DIR",
     .commands = bit(Command::renew),
     .table = Table::profile,
     .key = "out_dir",
     .default_value = ".",
     .help = "Directory of key.pem, cert.pem and chain.pem where --key, --cert, --chain-out are not given (default: .)",
     .manual = R"roff(Where key.pem, cert.pem and chain.pem are when \-\-key, \-\-cert and
\-\-chain\-out do not name them (default: the current directory).
)roff"},
    {.flag = "format",
     .kind = Kind::text,
     .value_name = "FORMAT",
     .commands = bit(Command::enroll),
     .choices = k_formats,
     .default_value = "pem",
     .help = "pem (default); der: cert.der, chain.p7b (PKCS#7), key.der (PKCS#8); p12: bundle.p12 (PKCS#12)",
     .manual = R"roff(.B pem
(default): key as PKCS#8 PEM, certificate as PEM, chain as concatenated PEM.
.B der:
certificate as DER; the chain as a DER PKCS#7 certs\-only bundle
.RB ( .p7b ,
as
.B openssl crl2pkcs7 \-nocrl
writes it and Windows and Java import it), because a DER certificate file holds
exactly one certificate; key as PKCS#8 DER.
.B p12:
one PKCS#12 bundle with key, certificate and chain, the certificate's CN as
friendly name, encrypted with AES\-256\-CBC (PBES2, PBKDF2 with HMAC\-SHA\-256)
and protected by a SHA\-256 MAC (OpenSSL 3's defaults; readers that know only
the legacy 3DES/RC2 bundles, such as Windows older than 10 1709 or Server 2019,
need a copy converted with
.BR "openssl pkcs12 \-export \-legacy" ).
The key goes only into the
bundle unless
.B \-\-key\-out
is given; while the CA answers PENDING a generated key is kept in
.B \-\-key\-out
or
.IR OUT\-DIR /key.pem,
so that path must not exist either.
)roff"},
    {.flag = "key-out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll),
     .table = Table::profile,
     .key = "key_out",
     .help = "Path of the generated key (default: OUT-DIR/key.pem or key.der; p12: only if given, or while PENDING)",
     .manual = R"roff(Explicit paths instead of the defaults in \-\-out\-dir. The encoding follows
.BR \-\-format ,
not the file name.
.B \-\-cert\-out
and
.B \-\-chain\-out
are refused with
.BR "\-\-format p12" ,
.B \-\-p12\-out
without it.
)roff"},
    {.flag = "cert-out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll),
     .table = Table::profile,
     .key = "cert_out",
     .help = "Path of the certificate (default: OUT-DIR/cert.pem or cert.der)",
     .manual_with = "key-out"},
    {.flag = "chain-out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll),
     .table = Table::profile,
     .key = "chain_out",
     .help = "Path of the CA chain (default: OUT-DIR/chain.pem or chain.p7b)",
     .manual_with = "key-out"},
    {.flag = "p12-out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll),
     .help = "Path of the PKCS#12 bundle (default: OUT-DIR/bundle.p12)",
     .manual_with = "key-out"},
    {.flag = "chain-out",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::renew),
     .table = Table::profile,
     .key = "chain_out",
     .help = "Path of the CA chain (default: chain.pem next to the certificate)",
     .manual = R"roff(Where the CA chain goes (PEM). Default: chain.pem in the certificate's
directory.
)roff"},
    {.flag = "p12-pass-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll),
     .help = "Read the PKCS#12 passphrase from FILE (required with --format p12; not empty)",
     .manual = R"roff(Read the PKCS#12 passphrase from FILE (a trailing newline is ignored, as
.B openssl \-passin file:
does). Required with
.BR "\-\-format p12" ;
an empty passphrase is refused. It is never printed.
)roff"},
    {.flag = "key-usage",
     .kind = Kind::text,
     .value_name = "USAGE",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "key_usage",
     .choices = k_key_usages,
     .default_value = "both",
     .help = "signature, encryption or both; NDES picks its template from it (default: both)",
     .manual = R"roff(Key usage to request (default both). NDES picks its certificate template from
it: signature \(-> SignatureTemplate, encryption \(-> EncryptionTemplate, both
\(-> GeneralPurposeTemplate.
)roff"},
    {.flag = "eku",
     .kind = Kind::list,
     .value_name = "NAME",
     .commands = bit(Command::enroll) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "eku",
     .validate = eku,
     .help = "Extended key usage to request: clientAuth, serverAuth, ... or an OID (repeatable)",
     .manual = R"roff(Extended key usage to request (repeatable): clientAuth, serverAuth,
codeSigning, emailProtection, ... or a dotted OID.
)roff"},
    {.flag = "validity",
     .kind = Kind::text,
     .value_name = "DURATION",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "validity",
     .validate = validity,
     .help =
         "Ask the CA for this validity: 12h, 90d, 2w, 6mo, 1y (Microsoft CAs: honoured with EDITF_ATTRIBUTEENDDATE)",
     .manual = R"roff(Ask the CA for a certificate valid this long: a number and a unit,
.BR 12h ,
.BR 90d ,
.BR 2w ,
.B 6mo
or
.B 1y
(1 hour to 100 years). SCEP has no field for it; scepctl sends it the way
Microsoft CAs read it, as the PKCS#10 attribute szOID_ENROLLMENT_NAME_VALUE_PAIR
(1.3.6.1.4.1.311.13.2.1) with the pairs
.B ValidityPeriod
(Hours, Days, Weeks, Months, Years) and
.B ValidityPeriodUnits
([MS\-WCCE] 2.2.2.7.10). AD CS honours it only when its policy module has
EDITF_ATTRIBUTEENDDATE set, and never beyond the template's validity period;
other CAs ignore it. When the issued certificate's validity differs (by more than
an hour and 1%), scepctl says so in one note with the fix:
.BR "certutil \-setreg policy\eEditFlags +EDITF_ATTRIBUTEENDDATE" .
Default: the profile's
.BR validity ;
without one nothing is asked and the CA decides.
With
.BR \-\-json ,
enroll and renew add the object
.BR validity :
.B requested
(the DURATION asked for, or null),
.B issued_days
(whole days from notBefore to notAfter) and
.B as_requested
(false when the note above was given; null when nothing was asked).
.B check\-ndes \-\-enroll\-test
sends it too.
)roff"},
    {.flag = "cipher",
     .kind = Kind::text,
     .value_name = "CIPHER",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "cipher",
     .choices = k_ciphers,
     .validate = cipher,
     .help = "aes128, aes256 or des3 (default: from the server's capabilities)",
     .manual = R"roff(Content encryption. Default: AES\-128\-CBC when the server offers AES (or
SCEPStandard), else DES3. Single DES is never used.
)roff"},
    {.flag = "digest",
     .kind = Kind::text,
     .value_name = "DIGEST",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "digest",
     .choices = k_digests,
     .help = "sha256, sha512 or sha1 (default: from the server's capabilities)",
     .manual = R"roff(Signature digest. Default: SHA\-256 when offered, else SHA\-512, else SHA\-1
(with a warning). MD5 is never used.
)roff"},
    {.flag = "",
     .kind = Kind::list,
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "allowed_digests",
     .choices = k_digests,
     .setting = "allowed-digests"},
    {.flag = "force-alg",
     .kind = Kind::flag,
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .help = "Use --cipher/--digest even when the server does not advertise them",
     .manual = R"roff(Use \-\-cipher/\-\-digest even when the server's GetCACaps does not list them
(otherwise that is a usage error).
)roff"},
    {.flag = "method",
     .kind = Kind::text,
     .value_name = "METHOD",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::check_ndes),
     .table = Table::profile,
     .key = "method",
     .choices = k_methods,
     .default_value = "auto",
     .help = "auto (default: POST when the server offers it), get or post",
     .manual = R"roff(How to send PKIOperation (default auto: POST when offered). An HTTP 414 or IIS
404.14/404.15 on GET is reported with the fix: raise the IIS URL limits to
65534 or enable POST.
)roff"},
    {.flag = "poll-interval",
     .kind = Kind::integer,
     .value_name = "SECONDS",
     .commands = bit(Command::enroll) | bit(Command::renew),
     .table = Table::profile,
     .key = "poll_interval",
     .default_value = "10",
     .validate = positive_count,
     .help = "Seconds between polls while PENDING (default 10)",
     .manual = R"roff(Polling budget while PENDING (defaults 10, 30 and 3600). When it runs out,
scepctl exits 3. enroll keeps a generated key in the key path (0600) and says
how to poll again: run the same command with
.BI \-\-key " PATH"
.B \-\-resume
(the transaction ID is derived from the key). renew keeps the new key next to
the old one and polls when it is run again; see FILES AND THE SWAP in
.BR scepctl\-renew (1).
)roff"},
    {.flag = "max-polls",
     .kind = Kind::integer,
     .value_name = "N",
     .commands = bit(Command::enroll) | bit(Command::renew),
     .table = Table::profile,
     .key = "max_polls",
     .default_value = "30",
     .validate = count,
     .help = "Polls before giving up with exit 3 (default 30)",
     .manual_with = "poll-interval"},
    {.flag = "poll-timeout",
     .kind = Kind::integer,
     .value_name = "SECONDS",
     .commands = bit(Command::enroll) | bit(Command::renew),
     .table = Table::profile,
     .key = "poll_timeout",
     .default_value = "3600",
     .validate = positive_count,
     .help = "Seconds of polling before giving up with exit 3 (default 3600)",
     .manual_with = "poll-interval"},
    {.flag = "force",
     .kind = Kind::flag,
     .commands = bit(Command::enroll),
     .help = "Replace existing output files",
     .manual = R"roff(Replace existing output files.
)roff"},
    {.flag = "mode",
     .kind = Kind::text,
     .value_name = "MODE",
     .commands = bit(Command::renew),
     .choices = k_renew_modes,
     .default_value = "auto",
     .help = "auto (default: RenewalReq when the server lists Renewal, else PKCSReq, and PKCSReq once more if "
             "RenewalReq is refused), renewalreq or pkcsreq",
     .manual = R"roff(The message type, see DESCRIPTION (default auto).
)roff"},
    {.flag = "reuse-key",
     .kind = Kind::flag,
     .commands = bit(Command::renew),
     .help = "Keep the existing key pair instead of making a new one (RFC 8894 §2.5)",
     .manual = R"roff(Keep the existing key pair. RFC 8894 \(sc2.5 recommends a new one.
)roff"},
    {.flag = "days-before",
     .kind = Kind::integer,
     .value_name = "N",
     .commands = bit(Command::renew),
     .table = Table::profile,
     .key = "days_before",
     .validate = count,
     .help = R"roff(Renew only when the certificate expires within N days; otherwise print "not due" and exit 0)roff",
     .manual = R"roff(Renew only when the certificate expires within N days (N = 0: only once it has
expired, which renew then refuses). Otherwise print one line
.B not due: CERT is valid until TIME (D days left; ...)
on standard output (with
.BR \-\-json ,
\(dqstatus\(dq: \(dqnot_due\(dq) and exit 0 without contacting the server.
Meant for cron jobs and systemd timers that run daily. Default: the profile's
.BR days_before ;
without either, renew always renews.
)roff"},
    {.flag = "force",
     .kind = Kind::flag,
     .commands = bit(Command::renew),
     .help = "Renew even when --days-before says it is not due",
     .manual = R"roff(Renew even when \-\-days\-before says it is not due.
)roff"},
    {.flag = "deploy-hook",
     .kind = Kind::text,
     .value_name = "CMD",
     .commands = bit(Command::renew),
     .help = "Run CMD with /bin/sh -c after a successful renewal, the new paths in SCEPCTL_KEY, SCEPCTL_CERT, "
             "SCEPCTL_CHAIN (exit 83 if it fails)",
     .manual = R"roff(After a successful renewal, run
.B /bin/sh \-c
.I CMD
(e.g.
.BR "systemctl reload nginx" )
and wait for it. Its standard output goes to scepctl's standard error, so
that standard output stays the result (and valid JSON). Its environment is
scepctl's without any
.B SCEPCTL_*
variable (so never SCEPCTL_CHALLENGE), plus:
.RS
.TP
.B SCEPCTL_KEY
the key file (absolute path);
.TP
.B SCEPCTL_CERT
the certificate file;
.TP
.B SCEPCTL_CHAIN
the chain file;
.TP
.BR SCEPCTL_OLD_SERIAL ", " SCEPCTL_NEW_SERIAL
the serial numbers of the replaced and the new certificate, upper\-case hex as
.B openssl x509 \-serial
prints them;
.TP
.B SCEPCTL_SUBJECT
the new certificate's subject (RFC 2253);
.TP
.B SCEPCTL_NOT_AFTER
its expiry, ISO 8601 UTC.
.RE
.IP
The hook inherits standard input, standard output (its standard error) and
standard error, and no other descriptor: not the connection to the SCEP server,
not the directory lock, not a Kerberos or resolver socket (scepctl's sockets
are close\-on\-exec, and the hook is started with every descriptor above 2
closed).
No challenge, passphrase or key material is passed. A hook that exits with a
status other than 0 (or is killed by a signal) makes scepctl exit 83; the
renewal is not undone: the new files are in place, the old ones in .bak. Fix
the hook and run it by hand.
)roff"},
    {.flag = "challenge-url",
     .kind = Kind::text,
     .value_name = "URL",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "challenge_url",
     .validate = http_url,
     .help = "Fetch a one-time challenge from this NDES admin page (.../certsrv/mscep_admin/)",
     .manual = R"roff(The admin page, ending in
.BR /certsrv/mscep_admin/ .
Default: the CA's
.BR challenge_url .
A command that sends a request fetches the challenge just before it, after
every other check, so that a refused fingerprint does not use up a one\-time
password.
)roff"},
    {.flag = "kerberos",
     .kind = Kind::flag,
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "prefer_kerberos",
     .excludes = "no-kerberos",
     .help = "Authenticate to the admin page with Kerberos (Negotiate) as the service user",
     .manual = R"roff(Authenticate with Kerberos (HTTP Negotiate) as the service user.
)roff"},
    {.flag = "no-kerberos",
     .kind = Kind::flag,
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .setting = "kerberos",
     .flag_value = "false",
     .excludes = "kerberos",
     .help = "Do not use Kerberos, whatever the CA's prefer_kerberos says",
     .manual = R"roff(Do not use Kerberos even if the CA's table says
.BR "prefer_kerberos = true" .
)roff"},
    {.flag = "realm",
     .kind = Kind::text,
     .value_name = "REALM",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::kerberos,
     .key = "realm",
     .validate = realm,
     .help = "Kerberos realm, upper case (e.g. CORP.EXAMPLE.COM)",
     .manual = R"roff(Kerberos realm, the AD DNS domain in upper case. Default: the
.B [kerberos]
table, else the realm of \-\-service\-user.
)roff"},
    {.flag = "kdc",
     .kind = Kind::list,
     .value_name = "HOST[:PORT]",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::kerberos,
     .key = "kdc",
     .validate = kdc_address,
     .help = "KDC host[:port] (repeatable; default: krb5.conf or DNS)",
     .manual = R"roff(A KDC of the realm (repeatable). Default: the
.B [kerberos]
table, else krb5.conf or DNS.
)roff"},
    {.flag = "service-user",
     .kind = Kind::text,
     .value_name = "USER@REALM",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::kerberos,
     .key = "service_user",
     .validate = principal,
     .help = "Kerberos service user, user@REALM",
     .manual = R"roff(The service account NDES hands challenges to.
)roff"},
    {.flag = "keytab",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::kerberos,
     .key = "keytab",
     .help = "Keytab of the service user",
     .manual = R"roff(The service user's keytab.
)roff"},
    {.flag = "password-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::kerberos,
     .key = "password_file",
     .help = "File holding the service user's Kerberos password",
     .manual = R"roff(A file holding the service user's password (first line). Either this or
\-\-keytab; given on the command line, either replaces both of the file's.
)roff"},
    {.flag = "allowed-domain",
     .kind = Kind::list,
     .value_name = "DOMAIN",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::kerberos,
     .key = "allowed_domains",
     .validate = allowed_domain,
     .help = "DNS domain Kerberos tokens may be sent to (repeatable; the admin page's host must be inside)",
     .manual = R"roff(A DNS domain Kerberos tokens may be sent to (repeatable). A host matches when
it equals the domain or ends with
.BI . DOMAIN
(so
.B ndes.example.com
is inside
.BR example.com ,
.B badexample.com
is not). Default: the
.B [kerberos]
table's
.BR allowed_domains ;
with none, no token is sent anywhere.
)roff"},
    {.flag = "use-ccache",
     .kind = Kind::flag,
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .help = "Use the tickets in your default credential cache (kinit) instead of the service user's",
     .manual = R"roff(Use the tickets in your default credential cache (after
.BR kinit )
instead of acquiring the service user's.
)roff"},
    {.flag = "username",
     .kind = Kind::text,
     .value_name = "USER",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "username",
     .help = "User for NTLM or Basic authentication to the admin page",
     .manual = R"roff(User for NTLM or Basic authentication (DOMAIN\e\euser or user@domain for NTLM).
)roff"},
    {.flag = "user-password-file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "password_file",
     .help = "File holding the --username password",
     .manual = R"roff(A file holding that user's password.
)roff"},
    {.flag = "allow-insecure-auth",
     .kind = Kind::flag,
     .commands = bit(Command::enroll) | bit(Command::renew) | bit(Command::getchallenge) |
                 bit(Command::check_kerberos) | bit(Command::check_ndes),
     .help = "Allow NTLM or Basic authentication over plain http (the password can be read, cracked or relayed) and "
             "silence the warning for Negotiate over it",
     .manual = R"roff(Allow NTLM and Basic authentication over plain http (the password is sent
readable, or as an NTLMv2 response that can be cracked offline or relayed), and
use Negotiate over plain http without the warning.
)roff"},
    {.flag = "ca-bundle",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::decode),
     .help = "The server's CA/RA certificates (a saved GetCACert reply or PEM), to name recipients and signers",
     .manual = R"roff(The server's CA and RA certificates: a saved GetCACert reply (DER, PEM or
base64, as
.B scepctl getcacert \-\-out
or a proxy saved it) or PEM certificates. With it, decode names the
certificate a request is encrypted to (RA encryption, RA signing, CA), says
whether it is the one the server decrypts with, and checks a reply's
signature. Without it, and with \-\-url (or a profile's CA), the bundle is
fetched with GetCACert, together with GetCACaps.
)roff"},
    {.flag = "key",
     .kind = Kind::path,
     .value_name = "KEY",
     .commands = bit(Command::decode),
     .help = "Key (PEM or DER) that opens the envelope: the requester's for a CertRep, the RA encryption key for a "
             "request",
     .manual = R"roff(RSA key (PEM or DER) to decrypt the envelope with: the requester's key for a
CertRep, or the RA encryption key when decoding a request on the server side.
The inner PKCS#10 or the issued certificates are then shown.
)roff"},
    {.flag = "request",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::decode),
     .help = "The request a CertRep answers (any form decode reads), to compare transactionID, nonces and recipient",
     .manual = R"roff(The pkiMessage a CertRep answers, in any form decode reads. Its
transactionID and senderNonce are compared with the reply's transactionID and
recipientNonce, and its signer certificate with the reply's recipient.
)roff"},
    {.flag = "all",
     .kind = Kind::flag,
     .commands = bit(Command::check_kerberos),
     .help = "Run every check that can run, not only up to the first failure",
     .manual = R"roff(Run every check that can run, not only up to the first failure that ends the walk.
)roff"},
    {.flag = "delegate-to",
     .kind = Kind::text,
     .value_name = "SPN",
     .commands = bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "delegate_to",
     .validate = service_principal,
     .help = "The service the service user must be allowed to delegate to (default: HTTP/ the page's host)",
     .manual = R"roff(The service the delegation check asks the KDC for on the service user's
behalf (S4U2Proxy), as
.BI HTTP/ HOST
or
.BI HTTP/ HOST @ REALM\fR.
Default: the admin page's own SPN, which is what the NDES setup delegates to. Its
host must be inside the allowed domains.
)roff"},
    {.flag = "s4u-user",
     .kind = Kind::text,
     .value_name = "PRINCIPAL",
     .commands = bit(Command::check_kerberos) | bit(Command::check_ndes),
     .validate = principal,
     .help = "The user the protocol-transition probe impersonates (S4U2Self; default: the service user)",
     .manual = R"roff(The user the delegation check impersonates with S4U2Self to tell whether
protocol transition ("Use any authentication protocol") is enabled on the service
account; this is reported as information, never as a failure. Default: the service
user itself, which Active Directory answers (MIT's KDC does not: the line then says
"unknown").
)roff"},
    {.flag = "skip-check",
     .kind = Kind::list,
     .value_name = "ID",
     .commands = bit(Command::check_kerberos) | bit(Command::check_ndes),
     .table = Table::ca,
     .key = "skip_checks",
     .validate = check_id,
     .help = "Do not judge check ID (repeatable): it still runs and shows its outcome, as SKIP",
     .manual = R"roff(Do not judge the check ID (repeatable; in the [ca] table:
.BR skip_checks ).
The check still runs and its outcome is shown, but as SKIP, and it cannot fail
the run: for a known, accepted deviation, e.g.
.B delegation
where the NDES setup does not use constrained delegation. Inside check\-ndes the
Kerberos checks may be named with or without their
.B kerberos\-
prefix. An ID that matches no check is warned about.
)roff"},
    {.flag = "junit",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::check_kerberos),
     .help = "Also write the checks as JUnit XML to FILE (one testcase per check)",
     .manual = R"roff(Also write the checks as JUnit XML to FILE, one testcase per check, written
atomically (an earlier report is replaced); the format is described in
.BR scepctl\-check\-ndes (1).
)roff"},
    {.flag = "type",
     .kind = Kind::text,
     .value_name = "TYPE",
     .commands = bit(Command::check_ndes),
     .table = Table::ca,
     .key = "type",
     .choices = k_ca_types,
     .help = "microsoft (NDES: two RA certificates required) or generic; default: the CA's type, else microsoft when "
             "the server says Microsoft-IIS",
     .manual = R"roff(Which RA certificates to expect (see ra\-certs). Default: the CA's type (which
is generic unless the configuration says microsoft); without a configured CA,
microsoft when the server's Server header says Microsoft\-IIS.
)roff"},
    {.flag = "enroll-test",
     .kind = Kind::flag,
     .commands = bit(Command::check_ndes),
     .help = "Also enroll a throw-away key with the fetched challenge and the profile's subject, key size, key usage, "
             "EKU and SANs, and verify the certificate",
     .manual = R"roff(Also enroll a throw\-away key and verify the certificate. The request is built
as
.BR scepctl\-enroll (1)
builds it, from the same options and the same profile: \-\-subject, \-\-san,
\-\-key\-size, \-\-key\-usage, \-\-eku, \-\-cipher, \-\-digest and \-\-method (so
that on NDES the template the profile's key usage picks is tested), with the
challenge from \-\-challenge\-file, \-\-challenge, SCEPCTL_CHALLENGE or the admin
page.
)roff"},
    {.flag = "strict",
     .kind = Kind::flag,
     .commands = bit(Command::check_ndes),
     .help = "With --enroll-test: a certificate that differs from the request (subject, SAN, key usage, EKU, key "
             "size) fails the check instead of warning",
     .manual = R"roff(With \-\-enroll\-test: a certificate that differs from the request (subject,
a SAN, key usage, EKU, key size) makes the enroll\-test check FAIL instead of WARN.
NDES templates override requests silently; in a pipeline that must get exactly
what the profile asks for, use \-\-strict.
)roff"},
    {.flag = "keep",
     .kind = Kind::path,
     .value_name = "DIR",
     .commands = bit(Command::check_ndes),
     .help = "With --enroll-test: write key.pem, cert.pem and chain.pem to DIR",
     .manual = R"roff(With \-\-enroll\-test: write the test's key.pem (mode 0600), cert.pem and
chain.pem atomically to DIR. Existing files are not replaced unless \-\-force is
given; that is checked before any request. A missing DIR is made (mode 0700)
when its parent exists.
)roff"},
    {.flag = "force",
     .kind = Kind::flag,
     .commands = bit(Command::check_ndes),
     .help = "Replace existing files in the --keep directory",
     .manual = R"roff(Replace existing files in the \-\-keep directory.
)roff"},
    {.flag = "junit",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::check_ndes),
     .help = "Also write the checks as JUnit XML to FILE (one testcase per check)",
     .manual = R"roff(Also write the checks as JUnit XML (see OUTPUT). An earlier report at FILE is
replaced. A missing directory is made (0755) when its parent exists; checked
before any request.
)roff"},
    {.flag = "file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::fingerprint),
     .required = true,
     .positional = true,
     .help = "The certificate: PEM (every certificate in it) or DER",
     .manual = R"roff(The certificate file: DER, or PEM with one or more certificates (each is
shown). Read as it is; nothing is sent anywhere.
)roff"},
    {.flag = "file",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::decode),
     .positional = true,
     .help = "The message: DER, PEM or base64 (URL-encoded, a message= query or IIS log line); - or none for stdin",
     .manual = R"roff(The captured message: DER, PEM or base64 (URL\-encoded or not, line\-wrapped
or not, a whole
.B message=
query or IIS log line); which one is detected.
.B \-
or no FILE reads standard input.
)roff"},
    {.flag = "cert",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::status),
     .repeatable = bit(Command::status),
     .help = "A certificate to report on, PEM or DER (repeatable); instead of the profiles' certificates",
     .manual = R"roff(A certificate to report on, PEM (the first certificate) or DER; repeatable.
Without \-\-cert, status reports the certificate of each profile given with
\-\-profile, or of every profile of the configuration file. Its key is not
checked (there is none to compare with); the last renew run is read from
.IR FILE .scepctl\-state
when there is one.
)roff"},
    {.flag = "days-before",
     .kind = Kind::integer,
     .value_name = "N",
     .commands = bit(Command::status),
     .table = Table::profile,
     .key = "days_before",
     .default_value = "30",
     .validate = count,
     .help = "Report a certificate as due when it expires within N days (default: the profile's days_before, else 30)",
     .manual = R"roff(A certificate that expires within N days is due for renewal (exit 85).
Default: the profile's
.B days_before
(the same key renew \-\-days\-before reads), else 30.
)roff"},
    {.flag = "prometheus",
     .kind = Kind::path,
     .value_name = "FILE",
     .commands = bit(Command::status),
     .help = "Also write the state as Prometheus metrics to FILE (node_exporter textfile collector), atomically",
     .manual = R"roff(Also write the state to FILE in the Prometheus text exposition format, for
node_exporter's textfile collector (a name ending in
.BR .prom ,
in its \-\-collector.textfile.directory). The file is replaced atomically
(mode 0644), never through a link; see METRICS.
)roff"},
    {.flag = "",
     .kind = Kind::path,
     .commands = bit(Command::status),
     .table = Table::profile,
     .key = "out_dir",
     .default_value = ".",
     .setting = "profile-out-dir"},
    {.flag = "",
     .kind = Kind::path,
     .commands = bit(Command::status),
     .table = Table::profile,
     .key = "key_out",
     .validate = key_reference,
     .setting = "profile-key"},
    {.flag = "",
     .kind = Kind::path,
     .commands = bit(Command::status),
     .table = Table::profile,
     .key = "cert_out",
     .setting = "profile-cert"},
};

} // namespace

std::span<const Command> all_commands() {
    return k_commands;
}

std::string_view name_of(Command command) {
    switch (command) {
    case Command::getcacaps: return "getcacaps";
    case Command::getcacert: return "getcacert";
    case Command::enroll: return "enroll";
    case Command::renew: return "renew";
    case Command::getchallenge: return "getchallenge";
    case Command::check_kerberos: return "check-kerberos";
    case Command::check_ndes: return "check-ndes";
    case Command::getnextcacert: return "getnextcacert";
    case Command::getcert: return "getcert";
    case Command::getcrl: return "getcrl";
    case Command::decode: return "decode";
    case Command::fingerprint: return "fingerprint";
    case Command::status: return "status";
    }
    return "?";
}

std::optional<Command> command_named(std::string_view name) {
    for (const Command command : k_commands) {
        if (name_of(command) == name) return command;
    }
    return std::nullopt;
}

std::string_view name_of(Table table) {
    switch (table) {
    case Table::none: return "";
    case Table::kerberos: return "kerberos";
    case Table::ca: return "ca";
    case Table::profile: return "profile";
    }
    return "";
}

std::span<const OptionSpec> option_table() {
    return k_options;
}

const OptionSpec* find_option(std::string_view flag, Command command) {
    for (const auto& spec : k_options) {
        if (!spec.flag.empty() && spec.flag == flag && spec.takes(command)) return &spec;
    }
    return nullptr;
}

std::vector<const OptionSpec*> keys_of(Table table) {
    std::vector<const OptionSpec*> keys;
    for (const auto& spec : k_options) {
        if (spec.table != table || spec.key.empty()) continue;
        const bool seen =
            std::any_of(keys.begin(), keys.end(), [&](const OptionSpec* known) { return known->key == spec.key; });
        if (!seen) keys.push_back(&spec);
    }
    return keys;
}

const OptionSpec* file_key_of(std::string_view setting, Command command) {
    for (const auto& spec : k_options) {
        if (spec.table != Table::none && !spec.key.empty() && spec.setting_name() == setting && spec.takes(command)) {
            return &spec;
        }
    }
    return nullptr;
}

std::string display_name(const OptionSpec& spec) {
    if (spec.positional) return std::string(spec.value_name);
    if (!spec.flag.empty()) return "--" + std::string(spec.flag);
    return std::string(spec.key);
}

} // namespace config
