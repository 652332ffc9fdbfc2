// Failure cases run through the whole of apply on an in-process kvsim, with the case's
// scripted service answers in place, and checked with verify afterwards.

#include "apply_fixture.h"
#include "executor/verify.h"
#include "simulator/vault_address.h"
#include "support/case_script.h"
#include "support/cases.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace kvr::executor::testing {
namespace {

// Plays a case's scripted answers before kvsim's, and records how many requests were in
// flight at once. Each request is held for a moment so that concurrent steps overlap.
class CaseTransport : public azure::HttpTransport {
 public:
  CaseTransport(azure::HttpTransport& inner, std::vector<kvr::testing::ScriptedResponse> script)
      : inner_(inner), script_(std::move(script)) {}

  azure::HttpResponse send(const azure::HttpRequest& request) override {
    int now = ++inFlight_;
    int seen = maximum_.load();
    while (now > seen && !maximum_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    std::optional<azure::HttpResponse> scripted;
    {
      std::lock_guard lock(mutex_);
      scripted = kvr::testing::takeScripted(script_, request);
      if (scripted) served_.push_back(request.method + " " + azure::splitUrl(request.url).pathAndQuery);
    }
    azure::HttpResponse response = scripted ? *scripted : inner_.send(request);
    --inFlight_;
    return response;
  }

  int maximumInFlight() const { return maximum_.load(); }
  std::vector<std::string> served() const {
    std::lock_guard lock(mutex_);
    return served_;
  }

 private:
  azure::HttpTransport& inner_;
  mutable std::mutex mutex_;
  std::vector<kvr::testing::ScriptedResponse> script_;
  std::vector<std::string> served_;
  std::atomic<int> inFlight_{0};
  std::atomic<int> maximum_{0};
};

class FailureCaseApplyTest : public ApplyTest {
 protected:
  // Seeds kvsim with the case and returns its plan, as `plan --format json` writes it.
  PlanDocument seedCase(const std::string& file) {
    document_ = readJsonFile(kvr::testing::failurePath(file));
    simulator_.loadEstate(document_);
    Plan plan = kvr::testing::planFiles({kvr::testing::failurePath(file)});
    EXPECT_FALSE(plan.hasBlockers());
    return planFromText(viz::renderPlanJson(plan), "plan.json");
  }

  // verify as the command runs it, from the journal apply wrote.
  VerifyReport verify(const PlanDocument& document) {
    SqliteJournal journal(journalPath_);
    RunState state;
    bindRunState(state, journal);
    state.setListener(nullptr);
    return verifyRelocation(document.plan, client(), state);
  }

  std::vector<Json> versionsOf(const std::string& vaultUri, const std::string& secret) {
    return client().list(azure::Service::KeyVault, vaultUri + "secrets/" + secret + "/versions?api-version=7.6");
  }

  Json document_;
};

TEST_F(FailureCaseApplyTest, B15ThrottledBulkCopyFinishesWithEverySecretOnceAndFourRetries) {
  PlanDocument plan = seedCase("B15-throttled-bulk-copy.json");
  ASSERT_EQ(plan.plan.options.value("maxParallelDataPlaneRequests", 0), 8);
  CaseTransport throttling(transport_, kvr::testing::scriptFromCase(document_));
  ApplyRunOptions runOptions = options();
  runOptions.parallelism = 0;             // chosen by apply, capped by the case's option
  long long sleptBefore = timer_.sleptMs();

  RecordingEvents events;
  ApplySummary summary = apply(plan, runOptions, events, &throttling);

  EXPECT_EQ(summary.status, "completed");
  EXPECT_EQ(summary.failed, 0u);
  EXPECT_EQ(summary.retries, 4) << "one vault PUT, two PUTs of s04 and one GET of s09 were answered 429";
  EXPECT_EQ(summary.throttled, 4);
  EXPECT_EQ(summary.parallelism, 8u);
  EXPECT_LE(throttling.maximumInFlight(), 8);
  EXPECT_GE(throttling.maximumInFlight(), 2) << "the copy steps ran side by side";
  std::vector<std::string> served = throttling.served();
  EXPECT_EQ(std::count_if(served.begin(), served.end(), [](const std::string& r) { return r.rfind("PUT /secrets/s04", 0) == 0; }), 2);
  EXPECT_EQ(std::count_if(served.begin(), served.end(), [](const std::string& r) { return r.rfind("GET /secrets/s09", 0) == 0; }), 1);
  EXPECT_EQ(std::count_if(served.begin(), served.end(), [](const std::string& r) { return r.find("/vaults/kv-signing-weu") != std::string::npos; }), 1);
  // Retry-After asks for 5 s once and 3 s twice; the GET without it backs off on its own.
  EXPECT_GE(timer_.sleptMs() - sleptBefore, 11'000);

  std::string targetUri = sim::vaultUriFor("kv-signing-weu", "https://127.0.0.1:8443", sim::SimulatorConfig{}.vaultDnsSuffix);
  for (int index = 1; index <= 12; ++index) {
    std::string name = (index < 10 ? "s0" : "s") + std::to_string(index);
    EXPECT_EQ(versionsOf(targetUri, name).size(), 1u) << name;
  }
  VerifyReport report = verify(plan);
  EXPECT_TRUE(report.passed());
  std::size_t secretChecks = std::count_if(report.checks.begin(), report.checks.end(), [](const VerifyCheck& check) {
    return check.resource.find("/secrets/") != std::string::npos && check.passed;
  });
  EXPECT_GE(secretChecks, 12u);
}

}  // namespace
}  // namespace kvr::executor::testing
