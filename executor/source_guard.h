#pragma once

// The one place that decides which requests of `apply` may change something. The source is
// only read: a write to a source resource, to anything under it, or to the source vault's
// data plane is refused. Writes go only to targets of the plan (resources it creates, their
// resource groups and children, the target vault's data plane) and to the consumers it
// re-points, which stay where they are and are the one kind of non-target resource `apply`
// changes. Every request of a run passes through GuardedTransport, so no action can bypass
// the check.

#include "azure/http.h"
#include "strategies/plan.h"

#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace kvr::executor {

// A write `apply` must not make; a bug in an action, never an Azure failure.
class SourceWriteRefused : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

struct GuardOptions {
  // Allows PATCH of a secret, key or certificate in a source vault, which copying a
  // disabled version needs (ApplyOptions::allowTemporaryEnableInSource).
  bool allowSourceObjectUpdate = false;
};

class SourceWriteGuard {
 public:
  SourceWriteGuard(const Plan& plan, GuardOptions options = {});

  // Throws SourceWriteRefused when the request would change a source resource or a
  // resource the plan does not name as a target or a consumer to re-point.
  void check(const std::string& method, const std::string& url) const;

  // Vault data-plane hosts, learnt as the run reads each vault's URI.
  void addSourceVaultUri(const std::string& uri);
  void addTargetVaultUri(const std::string& uri);
  // A resource group the run creates for its targets.
  void addTargetResourceGroup(const std::string& groupId);

 private:
  bool isWrite(const std::string& method, const std::string& path) const;
  void checkResourceManager(const std::string& method, const std::string& path) const;
  void checkKeyVault(const std::string& method, const std::string& host, const std::string& path) const;

  GuardOptions options_;
  std::vector<std::string> sourceIds_;     // lower case
  std::vector<std::string> targetIds_;     // lower case
  std::vector<std::string> consumerIds_;   // lower case: repoint nodes
  mutable std::mutex mutex_;               // guards the sets below
  std::set<std::string> targetGroups_;     // lower case
  std::set<std::string> sourceVaultHosts_; // lower case host[:port]
  std::set<std::string> targetVaultHosts_;
};

// Checks every request against a SourceWriteGuard before passing it on.
class GuardedTransport : public azure::HttpTransport {
 public:
  GuardedTransport(azure::HttpTransport& inner, const SourceWriteGuard& guard) : inner_(inner), guard_(guard) {}
  azure::HttpResponse send(const azure::HttpRequest& request) override {
    guard_.check(request.method, request.url);
    return inner_.send(request);
  }

 private:
  azure::HttpTransport& inner_;
  const SourceWriteGuard& guard_;
};

}  // namespace kvr::executor
