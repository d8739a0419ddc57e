// From the settings to the request: the PKCS#10's parameters and the enrollment's hooks.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "config/settings.hpp"
#include "scep/csr.hpp"
#include "scep/enrollment.hpp"
#include "workflow/context.hpp"

namespace workflow {

// The CSR for a request: subject, SANs, key usage and EKUs from `request` (the subject and SANs
// given separately when they do not come from it, as in a renewal), the challenge if there is one.
scep::CsrParams csr_params(const config::RequestSettings& request, scep::DistinguishedName subject,
                           std::vector<scep::SubjectAltName> sans, config::KeyUsage usage,
                           const std::optional<util::Secret>& challenge);

// After issuance: one note when the CA gave another validity than --validity asked for.
void note_validity(const std::optional<scep::RequestedValidity>& asked, const scep::Certificate& issued,
                   util::EventSink& events);

// Progress, waits and time of an enrollment, from the collaborators.
scep::EnrollmentHooks enrollment_hooks(Collaborators& with);

// Removes the temp files a killed run left for `paths` and says so; call it holding the
// directory lock (store::lock_directories_of), which proves they are stale.
util::Result<void> remove_stale_temp_files(const std::vector<std::filesystem::path>& paths, util::EventSink& events);

} // namespace workflow
