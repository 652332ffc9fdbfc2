#pragma once

// The data-plane actions, one per strategy; makeDataPlaneAction() picks among them.

#include "executor/data_plane.h"
#include "executor/data_plane_objects.h"

namespace kvr::executor {

std::unique_ptr<Action> makeCopySecretAction();
std::unique_ptr<Action> makeBackupRestoreAction(const DataPlaneOptions& options);
std::unique_ptr<Action> makeRegenerateKeyAction();
std::unique_ptr<Action> makeExportImportPfxAction();
std::unique_ptr<Action> makeReissueCertificateAction(const DataPlaneOptions& options);
std::unique_ptr<Action> makeRotationPolicyAction();

// Copies a key's rotation policy from the source to the target; backups and new keys
// carry none. Does nothing when the source key has no policy.
void copyRotationPolicy(StepContext& context, const ObjectAddress& address);

// Writes that create something (a key, a certificate, a restored object) are not
// idempotent. This sends one, retries after a throttling answer, and after a failure that
// leaves the outcome unknown asks `lookUp` whether the object is there before sending
// again. Returns the write's result or what `lookUp` found.
Json createOnce(StepContext& context, const std::string& what, const std::function<Json()>& write,
                const std::function<std::optional<Json>()>& lookUp);

}  // namespace kvr::executor
