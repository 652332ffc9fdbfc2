#include "executor/data_plane.h"

#include "executor/data_plane_actions.h"

namespace kvr::executor {

namespace {

bool isKeyVaultObject(const PlanNode& node) {
  for (const char* type : {"Microsoft.KeyVault/vaults/secrets", "Microsoft.KeyVault/vaults/keys",
                           "Microsoft.KeyVault/vaults/certificates"}) {
    if (iequals(node.type, type)) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Action> makeDataPlaneAction(const PlanNode& node, const DataPlaneOptions& options) {
  if (!isKeyVaultObject(node)) return nullptr;
  switch (node.strategy) {
    case Strategy::CopySecret: return makeCopySecretAction();
    case Strategy::BackupRestore: return makeBackupRestoreAction(options);
    case Strategy::ExportImportPfx: return makeExportImportPfxAction();
    case Strategy::ReissueCertificate: return makeReissueCertificateAction(options);
    case Strategy::RegenerateKey: return makeRegenerateKeyAction();
    case Strategy::Reconfigure:
      // A key whose only change is its rotation policy.
      return iequals(node.type, "Microsoft.KeyVault/vaults/keys") ? makeRotationPolicyAction() : nullptr;
    default: return nullptr;
  }
}

}  // namespace kvr::executor
