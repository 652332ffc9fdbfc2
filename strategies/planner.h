#pragma once

// Turns a linked estate into a plan: scope, strategies, feasibility checks, order,
// waves and an estimate.

#include <map>
#include <string>
#include <vector>

#include "discovery/model.h"
#include "strategies/plan.h"

namespace kvr {

struct PlanOptions {
  std::string targetRegion;          // required
  std::string targetVaultName;       // for a single vault; else vaultNameMap or generated
  std::string targetSubscriptionId;  // default: the source subscription
  std::string targetResourceGroup;   // default: the source group with its region part replaced
  std::string geographyFile;         // overrides the built-in region-to-geography table
  std::string nameMapFile;           // JSON {"<source name or id>": "<target name>"}
  std::string subnetMapFile;         // JSON {"<source subnet id>": "<existing target subnet id>"}
  std::vector<std::string> vaults;   // names of the vaults to relocate; default: every defined vault
  // Secret versions to copy: "all" (oldest first), "latest", or "last:N". Empty: the
  // inventory's relocation.options.secretVersions, else "all".
  std::string secretVersions;
  // Use backup/restore for secrets too where Azure allows it (same subscription and
  // geography); by default secrets are copied value by value, which works everywhere.
  bool secretsByBackup = false;
  // The tool may add the Microsoft.KeyVault service endpoint to target subnets.
  bool allowSubnetModification = true;
  // The source vault's data plane cannot be read during apply (plan from templates only).
  bool noSourceAccess = false;
};

// Builds the plan. Problems in the estate become blockers or warnings in
// plan.diagnostics. Throws InputError for an unreadable or invalid option file and for an
// invalid secret versions policy.
Plan makePlan(const Estate& estate, const PlanOptions& options);

}  // namespace kvr
