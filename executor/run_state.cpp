#include "executor/step.h"

namespace kvr::executor {

namespace {

template <typename Map>
std::optional<std::string> lookUp(std::mutex& mutex, const Map& map, const std::string& key) {
  std::lock_guard lock(mutex);
  auto found = map.find(toLower(key));
  if (found == map.end()) return std::nullopt;
  return found->second;
}

}  // namespace

const char* entryStateName(EntryState state) {
  switch (state) {
    case EntryState::Intended: return "intended";
    case EntryState::Completed: return "completed";
    case EntryState::Failed: return "failed";
  }
  return "unknown";
}

void RunState::mapResource(const std::string& sourceId, const std::string& targetId) {
  std::lock_guard lock(mutex_);
  resources_[toLower(sourceId)] = targetId;
}

std::optional<std::string> RunState::targetResource(const std::string& sourceId) const {
  return lookUp(mutex_, resources_, sourceId);
}

void RunState::mapVersion(const std::string& sourceVersionId, const std::string& targetVersionId) {
  std::lock_guard lock(mutex_);
  versions_[toLower(sourceVersionId)] = targetVersionId;
}

std::optional<std::string> RunState::targetVersion(const std::string& sourceVersionId) const {
  return lookUp(mutex_, versions_, sourceVersionId);
}

std::map<std::string, std::string> RunState::versionMap() const {
  std::lock_guard lock(mutex_);
  return versions_;
}

void RunState::mapPrincipal(const std::string& sourcePrincipalId, const std::string& targetPrincipalId) {
  std::lock_guard lock(mutex_);
  principals_[toLower(sourcePrincipalId)] = targetPrincipalId;
}

std::optional<std::string> RunState::targetPrincipal(const std::string& sourcePrincipalId) const {
  return lookUp(mutex_, principals_, sourcePrincipalId);
}

void RunState::setVaultUri(const std::string& vaultId, const std::string& uri) {
  std::string withSlash = uri;
  if (withSlash.empty() || withSlash.back() != '/') withSlash += '/';
  std::lock_guard lock(mutex_);
  vaultUris_[toLower(vaultId)] = withSlash;
}

std::optional<std::string> RunState::vaultUri(const std::string& vaultId) const {
  return lookUp(mutex_, vaultUris_, vaultId);
}

}  // namespace kvr::executor
