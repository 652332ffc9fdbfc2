#pragma once

// An in-process kvsim seeded with an estate, the plan made from the same file, the target
// vaults created through the Azure client, and a journal in memory: what the data-plane
// actions and verify need, without sockets.

#include "azure/client.h"
#include "discovery/resource_id.h"
#include "executor/data_plane.h"
#include "executor/verify.h"
#include "support/cases.h"
#include "support/simulator_transport.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace kvr::executor::testing {

// A journal kept in memory; dump() shows everything it holds, for scans.
class MemoryJournal : public Journal {
 public:
  void intend(const std::string& step, const std::string& item, const Json& detail) override {
    write(step, item, EntryState::Intended, detail);
  }
  void complete(const std::string& step, const std::string& item, const Json& detail) override {
    write(step, item, EntryState::Completed, detail);
  }
  void fail(const std::string& step, const std::string& item, const Json& detail) override {
    write(step, item, EntryState::Failed, detail);
  }
  std::optional<JournalEntry> entry(const std::string& step, const std::string& item) const override {
    for (const JournalEntry& entry : entries_) {
      if (entry.step == step && entry.item == item) return entry;
    }
    return std::nullopt;
  }
  std::vector<JournalEntry> entries(const std::string& step) const override {
    std::vector<JournalEntry> result;
    for (const JournalEntry& entry : entries_) {
      if (entry.step == step) result.push_back(entry);
    }
    return result;
  }
  std::string dump() const {
    Json all = Json::array();
    for (const JournalEntry& entry : entries_) {
      all.push_back({{"step", entry.step}, {"item", entry.item}, {"state", entryStateName(entry.state)}, {"detail", entry.detail}});
    }
    return all.dump();
  }

 private:
  void write(const std::string& step, const std::string& item, EntryState state, const Json& detail) {
    for (JournalEntry& entry : entries_) {
      if (entry.step == step && entry.item == item) {
        entry.state = state;
        entry.detail = detail;
        return;
      }
    }
    entries_.push_back({step, item, state, detail});
  }
  std::vector<JournalEntry> entries_;
};

// Thrown by the fault transport to stop a run as a killed process would.
struct SimulatedCrash : std::runtime_error {
  SimulatedCrash() : std::runtime_error("simulated crash") {}
};

// Forwards to kvsim, and on request can stop the run after N requests (before or after
// the Nth reaches kvsim) or answer a share of requests with 429 or 500 instead, some of
// the 500s after kvsim has done the work.
class FaultTransport : public azure::HttpTransport {
 public:
  explicit FaultTransport(azure::HttpTransport& inner) : inner_(inner) {}

  azure::HttpResponse send(const azure::HttpRequest& request) override {
    ++count_;
    if (crashAt_ > 0 && count_ == crashAt_ && !crashAfterDelivery_) throw SimulatedCrash();
    if (faultRate_ > 0 && std::uniform_real_distribution<double>(0, 1)(random_) < faultRate_) {
      ++faults_;
      int kind = static_cast<int>(faults_ % 3);
      if (kind == 0) return {429, {{"Retry-After", "1"}}, R"({"error":{"code":"Throttled","message":"injected"}})"};
      if (kind == 2) inner_.send(request);  // done, but the answer says otherwise
      return {500, {}, R"({"error":{"code":"InternalError","message":"injected"}})"};
    }
    azure::HttpResponse response = inner_.send(request);
    if (crashAt_ > 0 && count_ == crashAt_) throw SimulatedCrash();
    return response;
  }

  void crashAt(long long request, bool afterDelivery) {
    count_ = 0;
    crashAt_ = request;
    crashAfterDelivery_ = afterDelivery;
  }
  void injectFaults(double rate, unsigned seed) {
    faultRate_ = rate;
    random_.seed(seed);
  }
  void clear() {
    crashAt_ = 0;
    faultRate_ = 0;
  }
  long long faults() const { return faults_; }

 private:
  azure::HttpTransport& inner_;
  long long count_ = 0;
  long long crashAt_ = 0;
  bool crashAfterDelivery_ = false;
  double faultRate_ = 0;
  long long faults_ = 0;
  std::mt19937 random_;
};

class SimulatorCredential : public azure::TokenCredential {
 public:
  explicit SimulatorCredential(sim::Simulator& simulator) : simulator_(simulator) {}
  azure::AccessToken getToken(const std::string& scope) override {
    return {simulator_.issueToken(scope), azure::Clock::now() + std::chrono::hours(1)};
  }
  std::string describe() const override { return "simulator"; }

 private:
  sim::Simulator& simulator_;
};

class DataPlaneFixture : public ::testing::Test {
 protected:
  DataPlaneFixture()
      : clock_(std::make_shared<sim::ManualClock>()),
        simulator_(makeConfig(), clock_),
        transport_(simulator_),
        faults_(transport_),
        timer_(clock_.get()),
        credential_(simulator_) {
    simulator_.setBaseUrl(kBaseUrl);
  }

  static constexpr const char* kBaseUrl = "https://127.0.0.1:8443";

  static sim::SimulatorConfig makeConfig() {
    sim::SimulatorConfig config;
    config.timeScale = 1.0;
    config.tokenLifetimeSeconds = 365LL * 24 * 3600;  // the crash loop moves the clock by hours
    return config;
  }

  // Seeds kvsim with `file`, plans it, creates every target vault and records both
  // vaults' URIs in a fresh run state.
  // `edit` may adjust the estate that seeds kvsim.
  void load(const std::string& file, const std::function<void(Json&)>& edit = [](Json&) {}) {
    estate_ = readJsonFile(file);
    edit(estate_);
    plan_ = ::kvr::testing::planFiles({file});
    client_ = std::make_unique<azure::AzureClient>(faults_, credential_, clientOptions(), timer_);
    reset();
  }

  // Back to the seeded estate with empty target vaults, a new journal and run state.
  void reset() {
    simulator_.loadEstate(estate_);
    sourceUris_.clear();
    targetUris_.clear();
    for (const VaultRelocation& vault : plan_.vaults) createTargetVault(vault);
    state_ = freshState();
    journal_ = MemoryJournal();
    log_.clear();
    operatorRequests_.clear();
  }

  azure::ClientOptions clientOptions() const {
    azure::ClientOptions options;
    options.cloud.resourceManager = kBaseUrl;
    options.jitterSeed = 7;
    return options;
  }

  void createTargetVault(const VaultRelocation& vault) {
    Json source = client_->get(azure::Service::ResourceManager, client_->resourceUrl(vault.sourceId, "2024-11-01"));
    sourceUris_[vault.sourceId] = source["properties"].value("vaultUri", "");
    auto id = parseResourceId(vault.targetId);
    ASSERT_TRUE(id.has_value()) << vault.targetId;
    std::string group = "/subscriptions/" + id->subscription + "/resourceGroups/" + id->resourceGroup;
    client_->putResource(client_->resourceUrl(group, "2021-04-01"), {{"location", plan_.target.location}});
    Json properties = {{"tenantId", source["properties"].value("tenantId", "11111111-1111-1111-1111-111111111111")},
                       {"sku", {{"family", "A"}, {"name", "standard"}}}};
    for (const char* setting : {"enableSoftDelete", "enablePurgeProtection", "enableRbacAuthorization", "softDeleteRetentionInDays"}) {
      if (source["properties"].contains(setting)) properties[setting] = source["properties"][setting];
    }
    Json created = client_->putResource(client_->resourceUrl(vault.targetId, "2024-11-01"),
                                        {{"location", plan_.target.location}, {"properties", properties}});
    targetUris_[vault.targetId] = created["properties"].value("vaultUri", "");
  }

  // The run state after a restart: only what is known before any step ran.
  std::unique_ptr<RunState> freshState() const {
    auto state = std::make_unique<RunState>();
    for (const auto& [id, uri] : sourceUris_) state->setVaultUri(id, uri);
    for (const auto& [id, uri] : targetUris_) state->setVaultUri(id, uri);
    return state;
  }

  // Runs the data-plane action of every step in plan order; collects operator requests.
  void runDataPlane(const std::function<bool(const PlanNode&)>& include = [](const PlanNode&) { return true; }) {
    for (const PlanStep& step : plan_.steps) {
      const PlanNode* node = plan_.node(step.node);
      if (node == nullptr || !include(*node)) continue;
      auto action = makeDataPlaneAction(*node, DataPlaneOptions{.timer = &timer_});
      if (!action) continue;
      StepContext context{plan_, *node, *client_, journal_, *state_, options_, [this](const std::string& line) { log_.push_back(line); }};
      try {
        action->run(context);
      } catch (const OperatorActionRequired& request) {
        operatorRequests_.push_back(request.what());
      }
    }
  }

  // The plan with only its Key Vault object nodes, for checks of the data plane alone.
  Plan dataPlaneOnly() const {
    Plan result = plan_;
    std::erase_if(result.nodes, [](const PlanNode& node) { return toLower(node.type).find("microsoft.keyvault/vaults/") == std::string::npos ||
                                                                  toLower(node.type).find("accesspolicies") != std::string::npos; });
    return result;
  }

  std::vector<Json> targetVersions(const std::string& vaultUri, const std::string& secret) {
    return client_->list(azure::Service::KeyVault, vaultUri + "secrets/" + secret + "/versions?api-version=7.6");
  }

  std::string sourceUri() const { return sourceUris_.begin()->second; }
  std::string targetUri() const { return targetUris_.begin()->second; }

  std::shared_ptr<sim::ManualClock> clock_;
  sim::Simulator simulator_;
  ::kvr::testing::SimulatorTransport transport_;
  FaultTransport faults_;
  ::kvr::testing::SteppingTimer timer_;
  SimulatorCredential credential_;
  std::unique_ptr<azure::AzureClient> client_;
  Json estate_;
  Plan plan_;
  std::map<std::string, std::string> sourceUris_;
  std::map<std::string, std::string> targetUris_;
  std::unique_ptr<RunState> state_;
  MemoryJournal journal_;
  ApplyOptions options_;
  std::vector<std::string> log_;
  std::vector<std::string> operatorRequests_;
};

}  // namespace kvr::executor::testing
