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

std::string withTrailingSlash(std::string uri) {
  if (uri.empty() || uri.back() != '/') uri += '/';
  return uri;
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

void RunState::store(const std::string& kind, const std::string& key, const std::string& value, bool notify) {
  Listener listener;
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::string>* map = nullptr;
    if (kind == "resource") map = &resources_;
    else if (kind == "version") map = &versions_;
    else if (kind == "principal") map = &principals_;
    else if (kind == "vaultUri") map = &vaultUris_;
    else throw std::invalid_argument("unknown run state kind '" + kind + "'");
    (*map)[toLower(key)] = value;
    if (notify) listener = listener_;
  }
  if (listener) listener(kind, key, value);
}

void RunState::setListener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void RunState::restore(const std::string& kind, const std::string& key, const std::string& value) {
  store(kind, key, value, false);
}

void RunState::mapResource(const std::string& sourceId, const std::string& targetId) {
  store("resource", sourceId, targetId, true);
}

std::optional<std::string> RunState::targetResource(const std::string& sourceId) const {
  return lookUp(mutex_, resources_, sourceId);
}

void RunState::mapVersion(const std::string& sourceVersionId, const std::string& targetVersionId) {
  store("version", sourceVersionId, targetVersionId, true);
}

std::optional<std::string> RunState::targetVersion(const std::string& sourceVersionId) const {
  return lookUp(mutex_, versions_, sourceVersionId);
}

std::map<std::string, std::string> RunState::versionMap() const {
  std::lock_guard lock(mutex_);
  return versions_;
}

void RunState::mapPrincipal(const std::string& sourcePrincipalId, const std::string& targetPrincipalId) {
  store("principal", sourcePrincipalId, targetPrincipalId, true);
}

std::optional<std::string> RunState::targetPrincipal(const std::string& sourcePrincipalId) const {
  return lookUp(mutex_, principals_, sourcePrincipalId);
}

void RunState::setVaultUri(const std::string& vaultId, const std::string& uri) {
  store("vaultUri", vaultId, withTrailingSlash(uri), true);
}

std::optional<std::string> RunState::vaultUri(const std::string& vaultId) const {
  return lookUp(mutex_, vaultUris_, vaultId);
}

}  // namespace kvr::executor
