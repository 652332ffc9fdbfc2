#include "executor/source_guard.h"

namespace kvr::executor {

namespace {

bool isUnder(const std::string& path, const std::string& id) {
  return path.size() >= id.size() && path.compare(0, id.size(), id) == 0 && (path.size() == id.size() || path[id.size()] == '/');
}

bool isUnderAny(const std::string& path, const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (isUnder(path, id)) return true;
  }
  return false;
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lowerPath(const std::string& pathAndQuery) {
  std::string path = pathAndQuery.substr(0, pathAndQuery.find('?'));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return toLower(path);
}

std::string hostOf(const std::string& uri) {
  azure::UrlParts parts = azure::splitUrl(uri);
  return toLower(parts.port.empty() ? parts.host : parts.host + ":" + parts.port);
}

bool createsNewResource(const PlanNode& node) {
  switch (node.strategy) {
    case Strategy::Reuse:
    case Strategy::External:
    case Strategy::Repoint:
    case Strategy::Drop:
    case Strategy::OutOfScope: return false;
    default: return !node.targetId.empty() && !iequals(node.targetId, node.id);
  }
}

}  // namespace

SourceWriteGuard::SourceWriteGuard(const Plan& plan, GuardOptions options) : options_(options) {
  for (const auto& node : plan.nodes) {
    if (node.strategy == Strategy::Repoint && !node.id.empty()) {
      consumerIds_.push_back(toLower(node.id));
      continue;
    }
    if (!node.id.empty()) sourceIds_.push_back(toLower(node.id));
    if (createsNewResource(node)) targetIds_.push_back(toLower(node.targetId));
  }
  for (const auto& vault : plan.vaults) {
    sourceIds_.push_back(toLower(vault.sourceId));
    if (!vault.targetId.empty() && !iequals(vault.targetId, vault.sourceId)) targetIds_.push_back(toLower(vault.targetId));
  }
}

void SourceWriteGuard::addSourceVaultUri(const std::string& uri) {
  std::lock_guard lock(mutex_);
  sourceVaultHosts_.insert(hostOf(uri));
}

void SourceWriteGuard::addTargetVaultUri(const std::string& uri) {
  std::lock_guard lock(mutex_);
  targetVaultHosts_.insert(hostOf(uri));
}

void SourceWriteGuard::addTargetResourceGroup(const std::string& groupId) {
  std::lock_guard lock(mutex_);
  targetGroups_.insert(toLower(groupId));
}

bool SourceWriteGuard::isWrite(const std::string& method, const std::string& path) const {
  if (method == "GET" || method == "HEAD") return false;
  if (method != "POST") return true;
  // POST actions that only read.
  return !(endsWith(path, "/checknameavailability") || endsWith(path, "/providers/microsoft.resourcegraph/resources") ||
           endsWith(path, "/config/appsettings/list") || endsWith(path, "/config/connectionstrings/list") ||
           path.find("/oauth2/") != std::string::npos);
}

void SourceWriteGuard::check(const std::string& method, const std::string& url) const {
  azure::UrlParts parts = azure::splitUrl(url);
  std::string path = lowerPath(parts.pathAndQuery);
  if (!isWrite(method, path)) return;
  std::string host = toLower(parts.port.empty() ? parts.host : parts.host + ":" + parts.port);
  if (path.rfind("/subscriptions/", 0) == 0 || path.rfind("/providers/", 0) == 0) {
    checkResourceManager(method, path);
  } else {
    checkKeyVault(method, host, path);
  }
}

void SourceWriteGuard::checkResourceManager(const std::string& method, const std::string& path) const {
  if (isUnderAny(path, consumerIds_)) return;  // re-pointing a consumer that stays where it is
  if (isUnderAny(path, sourceIds_) && !isUnderAny(path, targetIds_)) {
    throw SourceWriteRefused("rejected " + method + " " + path + ": it would change a source resource, which apply only reads");
  }
  if (isUnderAny(path, targetIds_)) return;
  {
    std::lock_guard lock(mutex_);
    if (targetGroups_.count(path)) return;
  }
  throw SourceWriteRefused("rejected " + method + " " + path +
                           ": it is neither a target of the plan nor a consumer the plan re-points");
}

void SourceWriteGuard::checkKeyVault(const std::string& method, const std::string& host, const std::string& path) const {
  std::lock_guard lock(mutex_);
  if (targetVaultHosts_.count(host)) return;
  if (!sourceVaultHosts_.count(host)) {
    throw SourceWriteRefused("rejected " + method + " https://" + host + path + ": the host is not the target vault");
  }
  if (method == "POST" && endsWith(path, "/backup")) return;  // a backup reads the object
  bool objectUpdate = method == "PATCH" && (path.rfind("/secrets/", 0) == 0 || path.rfind("/keys/", 0) == 0 ||
                                            path.rfind("/certificates/", 0) == 0);
  if (objectUpdate && options_.allowSourceObjectUpdate) return;
  throw SourceWriteRefused("rejected " + method + " https://" + host + path +
                           ": it would change the source vault, which apply only reads");
}

}  // namespace kvr::executor
