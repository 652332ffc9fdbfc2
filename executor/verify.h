#pragma once

// `verify`: compares the target with the source and the plan. Every planned resource must
// exist in the target with the intended settings, every Key Vault object with the
// intended versions, attributes and content, and no consumer may still name the old
// vault. Values are read into memory and compared by hash; nothing is written.

#include "executor/step.h"

#include <ostream>
#include <string>
#include <vector>

namespace kvr::executor {

struct VerifyCheck {
  std::string resource;  // the source resource id the check is about
  std::string check;     // "exists", "location", "version 0a3f...", "no old vault reference"...
  bool passed = false;
  std::string detail;    // what differs; ids and attributes, never a value
};

struct VerifyReport {
  std::vector<VerifyCheck> checks;  // sorted by resource, then check
  bool passed() const;
  std::size_t differences() const;
};

struct VerifyOptions {
  std::string secretVersions = "all";  // used when a node records no versions policy
};

// Runs every check of `plan` against Azure through `client`. `state` gives the vault
// URIs, the version map and the new principals that apply recorded.
VerifyReport verifyRelocation(const Plan& plan, azure::AzureClient& client, const RunState& state, const VerifyOptions& options = {});

// A fixed-width table: RESULT, RESOURCE, CHECK, DETAIL, one line per check, in report
// order, then a summary line.
void printVerifyTable(const VerifyReport& report, std::ostream& out);

}  // namespace kvr::executor
