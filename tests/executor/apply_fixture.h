#pragma once

// apply on an in-process kvsim seeded with the contoso-payments estate, and the plan the
// planner makes for its move to northeurope.

#include "azure/client.h"
#include "discovery/estate.h"
#include "executor/apply.h"
#include "strategies/planner.h"
#include "support/simulator_transport.h"
#include "viz/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace kvr::executor::testing {

inline const std::string kSubscription = "6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";
inline const std::string kSourceGroup = "/subscriptions/" + kSubscription + "/resourceGroups/rg-payments-weu";
inline const std::string kNetworkGroup = "/subscriptions/" + kSubscription + "/resourceGroups/rg-payments-net-weu";
inline const std::string kTargetGroup = "/subscriptions/" + kSubscription + "/resourceGroups/rg-payments-neu";

inline std::string examplePath() { return std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json"; }

inline const std::string& examplePlanText() {
  static const std::string text = [] {
    LoadOptions load;
    load.files = {examplePath()};
    Estate estate = loadEstate(load);
    PlanOptions options;
    options.targetRegion = "northeurope";
    return viz::renderPlanJson(makePlan(estate, options));
  }();
  return text;
}

// Issues kvsim tokens for whatever scope the client asks.
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

// Records what apply reports.
class RecordingEvents : public ApplyEvents {
 public:
  void stepFinished(const std::string& step, StepStatus status, const std::string& message) override {
    std::lock_guard lock(mutex_);
    finished.push_back({step, status, message});
  }
  void waveFinished(const WaveCounts& counts) override {
    std::lock_guard lock(mutex_);
    waves.push_back(counts);
  }
  struct Finished {
    std::string step;
    StepStatus status;
    std::string message;
  };
  std::vector<Finished> finished;
  std::vector<WaveCounts> waves;

 private:
  std::mutex mutex_;
};

class ApplyTest : public ::testing::Test {
 protected:
  ApplyTest()
      : clock_(std::make_shared<sim::ManualClock>()),
        simulator_(config(), clock_),
        transport_(simulator_),
        timer_(clock_.get()),
        credential_(simulator_) {
    simulator_.setBaseUrl("https://127.0.0.1:8443");
    simulator_.loadEstate(readJsonFile(examplePath()));
    // tmpfs when there is one: the journal's fsyncs cost nothing there, and the crash
    // tests open hundreds of journals.
    std::filesystem::path directory = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    journalPath_ = (directory /
                    ("kvr-apply-" + std::to_string(::getpid()) + "-" +
                     ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                       .string();
    removeJournal();
  }
  ~ApplyTest() override { removeJournal(); }

  static sim::SimulatorConfig config() {
    sim::SimulatorConfig result;
    result.timeScale = 1.0;
    return result;
  }

  void removeJournal() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(journalPath_ + suffix);
  }

  PlanDocument plan() { return planFromText(examplePlanText(), "plan.json"); }

  ApplyRunOptions options() {
    ApplyRunOptions result;
    result.journalFile = journalPath_;
    result.parallelism = 1;
    return result;
  }

  ApplySummary apply(const PlanDocument& document, const ApplyRunOptions& runOptions, ApplyEvents& events,
                     azure::HttpTransport* transport = nullptr) {
    azure::ClientOptions client;
    client.cloud.resourceManager = "https://127.0.0.1:8443";
    client.jitterSeed = 7;
    ApplyConnection connection{transport ? *transport : transport_, credential_, timer_, client};
    SqliteJournal journal(journalPath_);
    return runApply(document, connection, journal, runOptions, events);
  }

  ApplySummary apply(const ApplyRunOptions& runOptions) {
    RecordingEvents events;
    return apply(plan(), runOptions, events);
  }

  // A client of kvsim outside apply, for reading what apply left behind.
  azure::AzureClient& client() {
    if (!client_) {
      azure::ClientOptions options;
      options.cloud.resourceManager = "https://127.0.0.1:8443";
      client_ = std::make_unique<azure::AzureClient>(transport_, credential_, options, timer_);
    }
    return *client_;
  }

  nlohmann::json snapshotResource(const std::string& id) {
    nlohmann::json snapshot = simulator_.snapshot(false);
    for (const auto& resource : snapshot["resources"]) {
      if (toLower(resource.value("id", "")) == toLower(id)) return resource;
    }
    return nullptr;
  }

  // Every resource in the source groups, as kvsim stores them.
  nlohmann::json sourceResources() {
    nlohmann::json result = nlohmann::json::array();
    for (const auto& resource : simulator_.snapshot(false)["resources"]) {
      std::string id = toLower(resource.value("id", ""));
      if (id.rfind(toLower(kSourceGroup) + "/", 0) == 0 || id.rfind(toLower(kNetworkGroup) + "/", 0) == 0) {
        result.push_back(resource);
      }
    }
    return result;
  }

  std::shared_ptr<sim::ManualClock> clock_;
  sim::Simulator simulator_;
  kvr::testing::SimulatorTransport transport_;
  kvr::testing::SteppingTimer timer_;
  SimulatorCredential credential_;
  std::string journalPath_;
  std::unique_ptr<azure::AzureClient> client_;
};

}  // namespace kvr::executor::testing
