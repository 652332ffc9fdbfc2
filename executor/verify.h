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

// A plan warning about a consumer that apply re-points, such as
// W-CONSUMER-LOSES-NETWORK-ACCESS. verify does not check what it warns of (reachability,
// for one), so it only repeats it for the operator. It does not count as a difference.
struct VerifyAttention {
  std::string resource;  // the consumer's resource id
  std::string code;      // the plan warning's code
  std::string message;
};

struct VerifyReport {
  std::vector<VerifyCheck> checks;  // sorted by resource, then check
  std::vector<VerifyAttention> attention;  // in the plan's warning order
  bool passed() const;
  std::size_t differences() const;
};

struct VerifyOptions {
  std::string secretVersions = "all";  // used when a node records no versions policy
};

// Runs every check of `plan` against Azure through `client`. `state` gives the vault
// URIs, the version map and the new principals that apply recorded.
VerifyReport verifyRelocation(const Plan& plan, azure::AzureClient& client, const RunState& state, const VerifyOptions& options = {});

// Returns the plan's warnings about consumers that apply re-points (strategy repoint).
std::vector<VerifyAttention> consumerWarnings(const Plan& plan);

// Prints a table for a terminal. The checks are grouped by resource group and then by
// resource, which is named by its path below the group. Each check is one line with RESULT,
// CHECK and a wrapped DETAIL. The attention lines and a summary line follow.
void printVerifyTable(const VerifyReport& report, std::ostream& out);

}  // namespace kvr::executor
