#pragma once

// Key Vault names are global across Azure: 3 to 24 characters, letters, digits and
// hyphens, starting with a letter, ending with a letter or digit, no "--". They compare
// case-insensitively.

#include <string>
#include <vector>

namespace kvr {

inline constexpr std::size_t kVaultNameMinLength = 3;
inline constexpr std::size_t kVaultNameMaxLength = 24;

// Every rule the name breaks, each as a short phrase ("longer than 24 characters (33)");
// empty when the name is valid.
std::vector<std::string> vaultNameViolations(const std::string& name);

// A short code for a region used in resource names ("neu" for northeurope); the region
// name itself when no code is known.
std::string regionAbbreviation(const std::string& region);

// Proposes a target vault name: the source name without its source-region part, plus
// `suffix` (default "-" + the target region's code), shortened to 24 characters without
// leaving a trailing or doubled hyphen. The result always passes vaultNameViolations().
std::string proposeVaultName(const std::string& sourceName, const std::string& sourceRegion,
                             const std::string& targetRegion, const std::string& suffix = "");

// The target name of a resource other than a vault: a name segment that is the source
// region's code or name is replaced by the target's ("vnet-app-weu" -> "vnet-app-neu");
// a name without one is kept, since only vault names are global.
std::string proposeResourceName(const std::string& sourceName, const std::string& sourceRegion,
                                const std::string& targetRegion);

// The target name of a resource group: as proposeResourceName(), and when the source name
// has no region part, the target region's code appended ("rg-app" -> "rg-app-neu"), so the
// relocated resources never land in the source group by default.
std::string proposeResourceGroupName(const std::string& sourceName, const std::string& sourceRegion,
                                     const std::string& targetRegion);

// Turns any text into a valid vault name (lower case, invalid characters dropped,
// hyphens collapsed, a leading letter, at most 24 characters).
std::string repairVaultName(const std::string& text);

}  // namespace kvr
