// Failure cases run through the whole of apply on an in-process kvsim, with the case's
// scripted service responses in place, and checked with verify afterwards.

#include "apply_fixture.h"
#include "executor/data_plane_objects.h"
#include "executor/verify.h"
#include "simulator/vault_address.h"
#include "support/case_script.h"
#include "support/cases.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <thread>

namespace kvr::executor::testing {
namespace {

// Returns a case's scripted responses in place of kvsim's, and records how many requests were in
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
  // `edit` may change what kvsim is seeded with; the plan is made from the file as it is.
  PlanDocument seedCase(const std::string& file, const std::function<void(Json&)>& edit = [](Json&) {}) {
    document_ = readJsonFile(kvr::testing::failurePath(file));
    Json seeded = document_;
    edit(seeded);
    simulator_.loadEstate(seeded);
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

  // The app settings or connection strings of an App Service app, as list returns them.
  Json siteConfig(const std::string& siteId, const std::string& section) {
    return client().post(azure::Service::ResourceManager,
                         client().resourceUrl(siteId + "/config/" + section + "/list", "2023-12-01"), Json::object())["properties"];
  }

  // SHA-256 of a secret version's value, read through the data plane.
  std::string valueHash(const std::string& versionId) {
    return sha256(client().get(azure::Service::KeyVault, versionId + "?api-version=7.6").value("value", ""));
  }

  // Where a step finished among all finished steps of the run: the first whose key ends with
  // `keySuffix` and, for a grant, is the grant step of that holder.
  static std::size_t finishedAt(const RecordingEvents& events, const std::string& keySuffix, bool grant = false) {
    for (std::size_t index = 0; index < events.finished.size(); ++index) {
      const std::string& key = events.finished[index].step;
      if (key.ends_with(toLower(keySuffix)) && (key.find("#grant/") != std::string::npos) == grant) return index;
    }
    ADD_FAILURE() << "no finished " << (grant ? "grant " : "") << "step ends with " << keySuffix;
    return events.finished.size();
  }

  static std::string targetHost(const std::string& vault) {
    return sim::vaultUriFor(vault, "https://127.0.0.1:8443", sim::SimulatorConfig{}.vaultDnsSuffix);
  }

  Json document_;
};

const std::string kCaseGroups = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/";
const std::string kTargetVault = kCaseGroups + "rg-shop-sea/providers/Microsoft.KeyVault/vaults/kv-shop-sea";
const std::string kSourceAssignment = kCaseGroups +
                                      "rg-shop-eas/providers/Microsoft.KeyVault/vaults/kv-shop-eas/providers/"
                                      "Microsoft.Authorization/roleAssignments/99999999-9999-9999-9999-999999999913";
const std::string kSecretsUserDefinition =
    "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/"
    "4633458b-17de-408a-b874-0445c86b69e6";

// The plan node of B13's role assignment.
const PlanNode& roleAssignmentNode(const PlanDocument& plan) {
  for (const PlanNode& node : plan.plan.nodes) {
    if (iequals(node.id, kSourceAssignment)) return node;
  }
  throw std::runtime_error("the plan has no node for " + kSourceAssignment);
}

// B13's role assignment in an estate document.
Json& roleAssignmentOf(Json& estate) {
  for (Json& resource : estate["resources"]) {
    if (resource.value("type", "") == "Microsoft.Authorization/roleAssignments") return resource;
  }
  throw std::runtime_error("the estate has no role assignment");
}

TEST_F(FailureCaseApplyTest, B15ThrottledCopyRetriesFourTimes) {
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
  // Retry-After requests 5 s once and 3 s twice. The GET without it backs off on its own.
  EXPECT_GE(timer_.sleptMs() - sleptBefore, 11'000);

  std::string targetUri = targetHost("kv-signing-weu");
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

TEST_F(FailureCaseApplyTest, B13ReferencesFollowPinnedCopy) {
  PlanDocument plan = seedCase("B13-appservice-keyvault-references.json");
  RecordingEvents events;
  ApplySummary summary = apply(plan, options(), events);
  ASSERT_EQ(summary.status, "completed") << (summary.failures.empty() ? "" : summary.failures.front().message);

  const std::string site = kCaseGroups + "rg-shop-eas/providers/Microsoft.Web/sites/app-shop-front";
  const std::string host = targetHost("kv-shop-sea");
  Json settings = siteConfig(site, "appsettings");
  EXPECT_EQ(settings["Mail__Password"], "@Microsoft.KeyVault(VaultName=kv-shop-sea;SecretName=mail-password)");
  EXPECT_EQ(settings["Feature__Banner"], "summer-sale");
  std::string pinned = settings.value("Payments__ApiKey", "");
  const std::string prefix = "@Microsoft.KeyVault(SecretUri=" + host + "secrets/payments-api-key/";
  ASSERT_EQ(pinned.rfind(prefix, 0), 0u) << pinned;
  std::string copy = pinned.substr(prefix.size(), pinned.size() - prefix.size() - 1);
  EXPECT_NE(copy, "4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e");
  EXPECT_EQ(valueHash(host + "secrets/payments-api-key/" + copy),
            valueHash("https://kv-shop-eas." + sim::SimulatorConfig{}.vaultDnsSuffix +
                      ":8443/secrets/payments-api-key/4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e"));
  EXPECT_EQ(siteConfig(site, "connectionstrings")["OrdersDb"]["value"],
            "@Microsoft.KeyVault(SecretUri=" + host + "secrets/orders-db-conn/)");

  // The identity's grant and every copy come before the settings change.
  std::size_t repoint = finishedAt(events, "/sites/app-shop-front");
  EXPECT_LT(finishedAt(events, "/id-shop-front", true), repoint);
  EXPECT_LT(finishedAt(events, "/secrets/payments-api-key"), repoint);
  VerifyReport report = verify(plan);
  EXPECT_TRUE(report.passed());
  auto row = std::find_if(report.checks.begin(), report.checks.end(), [](const VerifyCheck& check) {
    return check.check == "role 'Key Vault Secrets User' on kv-shop-sea";
  });
  ASSERT_NE(row, report.checks.end()) << "the identity's grant is checked";
  EXPECT_TRUE(row->passed) << row->detail;
  EXPECT_NE(row->resource.find("/userAssignedIdentities/id-shop-front"), std::string::npos) << row->resource;
  auto pinnedRow = std::find_if(report.checks.begin(), report.checks.end(), [](const VerifyCheck& check) {
    return check.check == "pinned version in app setting Payments__ApiKey";
  });
  ASSERT_NE(pinnedRow, report.checks.end()) << "the pinned reference is checked against its copy";
  EXPECT_TRUE(pinnedRow->passed) << pinnedRow->detail;
}

// B13's role assignment names its role only by roleDefinitionName. The copy at the new
// vault must carry the Key Vault Secrets User definition, under the id the plan shows.
TEST_F(FailureCaseApplyTest, B13RoleAssignmentKeepsTheSecretsUserRole) {
  PlanDocument plan = seedCase("B13-appservice-keyvault-references.json");
  const PlanNode& node = roleAssignmentNode(plan);
  ASSERT_EQ(node.targetId.rfind(kTargetVault + "/providers/Microsoft.Authorization/roleAssignments/", 0), 0u) << node.targetId;

  RecordingEvents events;
  ApplySummary summary = apply(plan, options(), events);
  ASSERT_EQ(summary.status, "completed") << (summary.failures.empty() ? "" : summary.failures.front().message);

  std::optional<Json> created = client().getIfExists(azure::Service::ResourceManager,
                                                     client().resourceUrl(node.targetId, "2022-04-01"));
  ASSERT_TRUE(created.has_value()) << node.targetId;
  EXPECT_EQ((*created)["properties"]["roleDefinitionId"], kSecretsUserDefinition);
  EXPECT_EQ((*created)["properties"]["principalId"], "aaaaaaaa-0000-0000-0000-000000000001");
  EXPECT_EQ((*created)["properties"]["scope"], kTargetVault);
}

TEST_F(FailureCaseApplyTest, MalformedRoleIdResolvesName) {
  PlanDocument plan = seedCase("B13-appservice-keyvault-references.json", [](Json& estate) {
    roleAssignmentOf(estate)["properties"]["roleDefinitionId"] = "Key Vault Secrets User";
  });
  RecordingEvents events;
  ApplySummary summary = apply(plan, options(), events);
  ASSERT_EQ(summary.status, "completed") << (summary.failures.empty() ? "" : summary.failures.front().message);

  const PlanNode& node = roleAssignmentNode(plan);
  Json created = client().get(azure::Service::ResourceManager, client().resourceUrl(node.targetId, "2022-04-01"));
  EXPECT_EQ(created["properties"]["roleDefinitionId"], kSecretsUserDefinition);
}

TEST_F(FailureCaseApplyTest, UnknownRoleFailsItsStep) {
  PlanDocument plan = seedCase("B13-appservice-keyvault-references.json", [](Json& estate) {
    roleAssignmentOf(estate)["properties"]["roleDefinitionName"] = "Shop Secret Readers";
  });
  RecordingEvents events;
  ApplySummary summary = apply(plan, options(), events);
  EXPECT_EQ(summary.status, "failed");
  ASSERT_EQ(summary.failures.size(), 1u);
  const std::string& message = summary.failures.front().message;
  EXPECT_NE(message.find(kSourceAssignment), std::string::npos) << message;
  EXPECT_NE(message.find("'Shop Secret Readers'"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST_F(FailureCaseApplyTest, B20HistoryAndPinnedReferenceCopied) {
  // The case summarises the long history; kvsim is seeded with every version and a fake
  // value for each, the newest as the summary gives it.
  PlanDocument plan = seedCase("B20-secret-version-history.json", [](Json& estate) {
    for (Json& secret : estate["dataPlane"]["kv-tokens-inc"]["secrets"]) {
      if (!secret.contains("versionsSummary")) continue;
      Json versions = Json::array();
      for (int index = 1; index < 612; ++index) {
        char version[33];
        std::snprintf(version, sizeof version, "%032x", index);
        versions.push_back({{"version", version},
                            {"value", "test-only-refresh-" + std::to_string(index)},
                            {"attributes", {{"enabled", true}, {"created", 1650000000 + index}}}});
      }
      versions.push_back(secret["versionsSummary"]["newest"]);
      secret["versions"] = versions;
      secret.erase("versionsSummary");
      secret.erase("versionCount");
    }
  });
  RecordingEvents events;
  ApplySummary summary = apply(plan, options(), events);
  ASSERT_EQ(summary.status, "completed") << (summary.failures.empty() ? "" : summary.failures.front().message);

  const std::string host = targetHost("kv-tokens-ins");
  const std::string source = targetHost("kv-tokens-inc");
  std::vector<Json> partner = versionsOf(host, "partner-secret");
  ASSERT_EQ(partner.size(), 3u);
  EXPECT_EQ(versionsOf(host, "oauth-refresh-token").size(), 612u);

  Json settings = siteConfig(kCaseGroups + "rg-tokens-inc/providers/Microsoft.Web/sites/func-token-refresh", "appsettings");
  std::string reference = settings.value("Partner__Secret", "");
  const std::string prefix = "@Microsoft.KeyVault(SecretUri=" + host + "secrets/partner-secret/";
  ASSERT_EQ(reference.rfind(prefix, 0), 0u) << reference;
  std::string copy = reference.substr(prefix.size(), reference.size() - prefix.size() - 1);
  EXPECT_EQ(valueHash(host + "secrets/partner-secret/" + copy),
            valueHash(source + "secrets/partner-secret/a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"));
  // a3 is current in the source, so its copy is current in the target.
  EXPECT_EQ(valueHash(host + "secrets/partner-secret"), valueHash(source + "secrets/partner-secret"));
  EXPECT_TRUE(verify(plan).passed());
}

TEST_F(FailureCaseApplyTest, B11EncryptionSetUsesRestoredKey) {
  PlanDocument plan = seedCase("B11-disk-encryption-set-access.json");
  RecordingEvents events;
  ApplySummary summary = apply(plan, options(), events);
  EXPECT_EQ(summary.status, "stopped");
  EXPECT_EQ(summary.failed, 0u);
  ASSERT_EQ(summary.operatorActions.size(), 2u) << "the disk and the VM behind it move by their own procedure";
  std::string actions = summary.operatorActions[0] + "\n" + summary.operatorActions[1];
  EXPECT_NE(actions.find("disk-data01"), std::string::npos) << actions;
  EXPECT_NE(actions.find("vm-app01"), std::string::npos) << actions;

  std::size_t grant = finishedAt(events, "/des-scus", true);
  EXPECT_LT(finishedAt(events, "/kv-disks-scus"), finishedAt(events, "/des-key"));
  EXPECT_LT(finishedAt(events, "/des-key"), finishedAt(events, "/des-scus"));
  EXPECT_LT(finishedAt(events, "/des-scus"), grant);
  EXPECT_LT(grant, finishedAt(events, "/disk-data01"));

  Json encryptionSet = client().get(azure::Service::ResourceManager,
                                    client().resourceUrl(kCaseGroups + "rg-vault-ncus/providers/Microsoft.Compute/diskEncryptionSets/des-ncus",
                                                         "2024-03-02"));
  const Json& activeKey = encryptionSet["properties"]["activeKey"];
  EXPECT_EQ(activeKey["keyUrl"], targetHost("kv-disks-ncus") + "keys/des-key/3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d");
  EXPECT_EQ(toLower(activeKey["sourceVault"]["id"].get<std::string>()),
            toLower(kCaseGroups + "rg-vault-ncus/providers/Microsoft.KeyVault/vaults/kv-disks-ncus"));
}

}  // namespace
}  // namespace kvr::executor::testing
