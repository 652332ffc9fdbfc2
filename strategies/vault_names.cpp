#include "strategies/vault_names.h"

#include <algorithm>
#include <map>

#include "discovery/json.h"

namespace kvr {

namespace {

bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Region codes as the Cloud Adoption Framework's naming examples and common practice
// use them. A region missing here is named in full.
const std::map<std::string, std::vector<std::string>>& regionCodes() {
  static const std::map<std::string, std::vector<std::string>> codes = {
      {"eastus", {"eus", "use"}},         {"eastus2", {"eus2", "use2", "e2"}}, {"centralus", {"cus", "usc"}},
      {"northcentralus", {"ncus"}},       {"southcentralus", {"scus"}},        {"westcentralus", {"wcus"}},
      {"westus", {"wus", "usw"}},         {"westus2", {"wus2"}},               {"westus3", {"wus3"}},
      {"canadacentral", {"cac", "cc"}},   {"canadaeast", {"cae", "ce"}},       {"brazilsouth", {"brs"}},
      {"northeurope", {"neu", "ne"}},     {"westeurope", {"weu", "we"}},       {"uksouth", {"uks"}},
      {"ukwest", {"ukw"}},                {"francecentral", {"frc"}},          {"germanywestcentral", {"gwc"}},
      {"switzerlandnorth", {"szn"}},      {"norwayeast", {"nwe"}},             {"swedencentral", {"sdc", "swc"}},
      {"polandcentral", {"plc"}},         {"italynorth", {"itn"}},             {"spaincentral", {"spc"}},
      {"eastasia", {"eas", "ea"}},        {"southeastasia", {"sea"}},          {"australiaeast", {"aue", "ae"}},
      {"australiasoutheast", {"ase"}},    {"japaneast", {"jpe"}},              {"japanwest", {"jpw"}},
      {"koreacentral", {"krc"}},          {"koreasouth", {"krs"}},             {"centralindia", {"inc", "cin"}},
      {"southindia", {"ins", "sin"}},     {"westindia", {"inw"}},              {"uaenorth", {"uan"}},
      {"southafricanorth", {"san"}},      {"qatarcentral", {"qac"}},           {"israelcentral", {"ilc"}},
  };
  return codes;
}

std::string trimHyphens(std::string text) {
  while (!text.empty() && text.back() == '-') text.pop_back();
  while (!text.empty() && text.front() == '-') text.erase(text.begin());
  return text;
}

// Removes a trailing "-<source region code>" or "-<source region>" from a name.
std::string withoutRegionPart(const std::string& name, const std::string& sourceRegion) {
  std::vector<std::string> tokens = {toLower(sourceRegion)};
  auto it = regionCodes().find(toLower(sourceRegion));
  if (it != regionCodes().end()) tokens.insert(tokens.end(), it->second.begin(), it->second.end());
  std::string lowered = toLower(name);
  for (const auto& token : tokens) {
    std::string tail = "-" + token;
    if (lowered.size() > tail.size() && lowered.compare(lowered.size() - tail.size(), tail.size(), tail) == 0) {
      return name.substr(0, name.size() - tail.size());
    }
  }
  return name;
}

}  // namespace

std::vector<std::string> vaultNameViolations(const std::string& name) {
  std::vector<std::string> out;
  if (name.size() < kVaultNameMinLength) out.push_back("shorter than 3 characters (" + std::to_string(name.size()) + ")");
  if (name.size() > kVaultNameMaxLength) out.push_back("longer than 24 characters (" + std::to_string(name.size()) + ")");
  for (char c : name) {
    if (!isLetter(c) && !isDigit(c) && c != '-') {
      out.push_back(std::string("contains '") + c + "'; only letters, digits and hyphens are allowed");
      break;
    }
  }
  if (!name.empty() && !isLetter(name.front())) out.push_back("does not start with a letter");
  if (!name.empty() && !isLetter(name.back()) && !isDigit(name.back())) out.push_back("does not end with a letter or digit");
  if (name.find("--") != std::string::npos) out.push_back("contains two hyphens in a row");
  return out;
}

std::string regionAbbreviation(const std::string& region) {
  auto it = regionCodes().find(toLower(region));
  return it == regionCodes().end() ? toLower(region) : it->second.front();
}

std::string repairVaultName(const std::string& text) {
  std::string out;
  for (char c : toLower(text)) {
    if (isLetter(c) || isDigit(c)) {
      out += c;
    } else if ((c == '-' || c == '_' || c == '.' || c == ' ') && !out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && !isLetter(out.front())) out.erase(out.begin());
  if (out.size() > kVaultNameMaxLength) out.resize(kVaultNameMaxLength);
  out = trimHyphens(out);
  if (out.size() < kVaultNameMinLength) out = "kv-" + out + std::string(kVaultNameMinLength, 'x');
  if (out.size() > kVaultNameMaxLength) out.resize(kVaultNameMaxLength);
  return trimHyphens(out);
}

std::string proposeResourceName(const std::string& sourceName, const std::string& sourceRegion,
                                const std::string& targetRegion) {
  std::vector<std::string> tokens = {toLower(sourceRegion)};
  auto it = regionCodes().find(toLower(sourceRegion));
  if (it != regionCodes().end()) tokens.insert(tokens.end(), it->second.begin(), it->second.end());
  std::string replacement = regionAbbreviation(targetRegion);
  std::string out;
  std::size_t start = 0;
  bool replaced = false;
  while (start <= sourceName.size()) {
    std::size_t end = sourceName.find_first_of("-_./", start);
    if (end == std::string::npos) end = sourceName.size();
    std::string segment = sourceName.substr(start, end - start);
    bool isRegion = !replaced && std::find(tokens.begin(), tokens.end(), toLower(segment)) != tokens.end();
    if (isRegion) {
      // Keep the region token's case style: "WEU" becomes "NEU".
      bool upper = !segment.empty() && segment.front() >= 'A' && segment.front() <= 'Z';
      std::string target = replacement;
      if (upper) {
        for (char& c : target) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      }
      out += target;
      replaced = true;
    } else {
      out += segment;
    }
    if (end < sourceName.size()) out += sourceName[end];
    start = end + 1;
  }
  return out;
}

std::string proposeResourceGroupName(const std::string& sourceName, const std::string& sourceRegion,
                                     const std::string& targetRegion) {
  std::string name = proposeResourceName(sourceName, sourceRegion, targetRegion);
  if (name == sourceName && !targetRegion.empty()) name += "-" + regionAbbreviation(targetRegion);
  return name;
}

std::string proposeVaultName(const std::string& sourceName, const std::string& sourceRegion,
                             const std::string& targetRegion, const std::string& suffix) {
  std::string tail = suffix.empty() ? "-" + regionAbbreviation(targetRegion) : toLower(suffix);
  if (!tail.empty() && tail.front() != '-') tail = "-" + tail;
  std::string base = repairVaultName(withoutRegionPart(toLower(sourceName), sourceRegion));
  if (tail.size() + kVaultNameMinLength > kVaultNameMaxLength) tail = "-" + regionAbbreviation(targetRegion);
  std::size_t room = kVaultNameMaxLength - tail.size();
  if (base.size() > room) base = trimHyphens(base.substr(0, room));
  std::string name = base + tail;
  if (!vaultNameViolations(name).empty()) name = repairVaultName(name);
  return name;
}

}  // namespace kvr
