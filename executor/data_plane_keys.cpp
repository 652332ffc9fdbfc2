// regenerate-key: a new key of the same type, size or curve and operations in the
// target; and the copy of a key's rotation policy, which neither a backup nor a new key
// carries.

#include "executor/data_plane_actions.h"

namespace kvr::executor {

namespace {

constexpr int kCreateAttempts = 5;

// The bit length of an RSA modulus given as base64url without padding (RFC 7518 leaves
// no leading zero bytes).
int modulusBits(const std::string& modulus) {
  std::size_t length = modulus.size();
  while (length > 0 && modulus[length - 1] == '=') --length;
  return static_cast<int>(length * 6 / 8) * 8;
}

// The create request for a key like `source` (a key bundle).
Json createBody(const Json& source) {
  const Json key = source.value("key", Json::object());
  std::string kty = key.value("kty", "");
  Json body = {{"kty", kty}, {"key_ops", key.value("key_ops", Json::array())}};
  if (kty.rfind("RSA", 0) == 0) body["key_size"] = modulusBits(key.value("n", ""));
  if (kty.rfind("EC", 0) == 0) body["crv"] = key.value("crv", "");
  Json attributes = settableAttributes(source.value("attributes", Json::object()));
  const Json sourceAttributes = source.value("attributes", Json::object());
  if (sourceAttributes.contains("exportable")) attributes["exportable"] = sourceAttributes["exportable"];
  body["attributes"] = attributes;
  if (source.contains("tags")) body["tags"] = source["tags"];
  return body;
}

class RegenerateKeyAction : public Action {
 public:
  void run(StepContext& context) override {
    ObjectAddress address = addressOf(context.plan, context.node, context.state);
    const std::string& step = context.node.key;
    auto entry = context.journal.entry(step, "create");
    if (entry && entry->state == EntryState::Completed) {
      context.state.mapVersion(entry->detail.value("source", ""), entry->detail.value("target", ""));
    } else {
      create(context, address, entry.has_value());
    }
    copyRotationPolicy(context, address);
  }

 private:
  static void create(StepContext& context, const ObjectAddress& address, bool intended) {
    auto& client = context.client;
    const std::string& step = context.node.key;
    Json source = client.get(azure::Service::KeyVault, address.sourceUrl());
    std::string sourceId = source.value("key", Json::object()).value("kid", "");
    auto existing = client.getIfExists(azure::Service::KeyVault, address.targetUrl());
    if (existing && !intended) {
      throw std::runtime_error(context.node.id + ": target vault already holds " + address.describe() +
                               ", which this run did not create; remove it from the target vault or resume with the journal that created it");
    }
    Json created;
    if (existing) {
      created = *existing;  // created by the run that stopped before recording it
    } else {
      context.journal.intend(step, "create", {{"source", sourceId}});
      Json body = createBody(source);
      created = createOnce(
          context, address.describe(),
          [&] { return client.post(azure::Service::KeyVault, address.targetUrl("create"), body, azure::RequestOptions{.idempotent = false}); },
          [&] { return client.getIfExists(azure::Service::KeyVault, address.targetUrl()); });
    }
    std::string targetId = created.value("key", Json::object()).value("kid", "");
    context.journal.complete(step, "create", {{"source", sourceId}, {"target", targetId}});
    context.state.mapVersion(sourceId, targetId);
    context.progress(address.describe() + ": new key " + lastSegment(targetId) + " created in the target");
  }
};

class RotationPolicyAction : public Action {
 public:
  void run(StepContext& context) override { copyRotationPolicy(context, addressOf(context.plan, context.node, context.state)); }
};

}  // namespace

Json createOnce(StepContext& context, const std::string& what, const std::function<Json()>& write,
                const std::function<std::optional<Json>()>& lookUp) {
  for (int attempt = 1;; ++attempt) {
    try {
      return write();
    } catch (const std::exception& error) {
      const auto* api = dynamic_cast<const azure::ApiError*>(&error);
      bool throttled = api != nullptr && api->status() == 429;
      if ((!throttled && !outcomeUnknown(error)) || attempt >= kCreateAttempts) throw;
      context.progress(what + ": write failed (" + std::string(error.what()) + "); checking the target before retry " +
                       std::to_string(attempt));
      if (throttled) continue;
      if (auto found = lookUp()) return *found;
    }
  }
}

void copyRotationPolicy(StepContext& context, const ObjectAddress& address) {
  if (address.collection != "keys") return;
  auto policy = context.client.getIfExists(azure::Service::KeyVault, address.sourceUrl("rotationpolicy"));
  if (!policy) return;
  Json body = {{"lifetimeActions", policy->value("lifetimeActions", Json::array())}};
  Json attributes = policy->value("attributes", Json::object());
  if (attributes.contains("expiryTime")) body["attributes"] = {{"expiryTime", attributes["expiryTime"]}};
  context.client.put(azure::Service::KeyVault, address.targetUrl("rotationpolicy"), body);
  context.journal.complete(context.node.key, "rotation-policy", {{"actions", body["lifetimeActions"].size()}});
  context.progress(address.describe() + ": rotation policy copied");
}

std::unique_ptr<Action> makeRegenerateKeyAction() { return std::make_unique<RegenerateKeyAction>(); }
std::unique_ptr<Action> makeRotationPolicyAction() { return std::make_unique<RotationPolicyAction>(); }

}  // namespace kvr::executor
