#include "workflow/request.hpp"

#include "store/atomic_file.hpp"

namespace workflow {

scep::CsrParams csr_params(const config::RequestSettings& request, scep::DistinguishedName subject,
                           std::vector<scep::SubjectAltName> sans, config::KeyUsage usage,
                           const std::optional<util::Secret>& challenge) {
    scep::CsrParams params;
    params.subject = std::move(subject);
    params.alt_names = std::move(sans);
    params.challenge_password = challenge;
    // NDES picks its certificate template from these (signature, encryption or both).
    params.digital_signature = usage != config::KeyUsage::encryption;
    params.key_encipherment = usage != config::KeyUsage::signature;
    params.extended_key_usages = request.ekus.value_or(std::vector<std::string>{});
    params.validity = request.validity;
    return params;
}

void note_validity(const std::optional<scep::RequestedValidity>& asked, const scep::Certificate& issued,
                   util::EventSink& events) {
    if (!asked) return;
    if (auto difference = scep::validity_difference(*asked, issued)) events.note(*difference);
}

scep::EnrollmentHooks enrollment_hooks(Collaborators& with) {
    scep::EnrollmentHooks hooks;
    hooks.progress = [&with](const std::string& line) { with.events.note(line); };
    hooks.sleep = [&with](std::chrono::seconds wait) { return with.clock.sleep(wait); };
    hooks.now = [&with] { return with.clock.now(); };
    hooks.unix_now = [&with] { return with.clock.now_unix(); };
    return hooks;
}

// Temp files a killed run left for the files this run writes (held under the directory lock).
util::Result<void> remove_stale_temp_files(const std::vector<std::filesystem::path>& paths, util::EventSink& events) {
    SCEP_TRY(const store::StaleTempFiles stale, store::remove_stale_temp_files(paths));
    for (const auto& path : stale.removed)
        events.note("removed '" + path.string() + "', a temp file an interrupted scepctl left");
    for (const auto& line : stale.kept)
        events.warning(line);
    return {};
}

} // namespace workflow
