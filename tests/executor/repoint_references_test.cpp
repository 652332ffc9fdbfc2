// apply on kvsim re-points the web app's Key Vault references and then reads them back.
// A reference to the new vault that does not resolve fails the repoint step, and a grant
// that arrives late is waited for. verify reports each reference of the app.

#include "apply_fixture.h"

#include "executor/journal.h"
#include "executor/verify.h"

namespace kvr::executor::testing {
namespace {

using nlohmann::json;

const std::string kSite = kSourceGroup + "/providers/Microsoft.Web/sites/app-payments-weu";
const std::string kTargetVault = kTargetGroup + "/providers/Microsoft.KeyVault/vaults/kv-payments-neu";
// The web app's user-assigned identity, its keyVaultReferenceIdentity.
const std::string kAppPrincipal = "8b2e5c71-4f3a-4d9e-a6b0-1c7d2e9f5a34";
const std::string kTenant = "0c3b7e52-9d14-4f6a-8e21-5a7c9b3d1f08";
const std::vector<std::string> kSettings = {"ConnectionStrings__PaymentsDb", "Payments__ApiKey", "Smtp__Password"};

class RepointReferencesTest : public ApplyTest {
 protected:
  RepointReferencesTest() {
    // Counts the writes of the app's settings and runs the test's hook before each reaches kvsim.
    transport_.onSend([this](const azure::HttpRequest& request) {
      if (request.method != "PUT" || request.url.find("/sites/app-payments-weu/config/appsettings?") == std::string::npos) return;
      ++settingsWrites_;
      if (beforeSettingsWrite_) beforeSettingsWrite_(settingsWrites_);
    });
  }

  sim::Response arm(const std::string& method, const std::string& pathAndQuery, const json& body = nullptr) {
    sim::Request request = sim::Request::fromTarget(method, pathAndQuery);
    request.withHeader("Host", "127.0.0.1:8443")
        .withHeader("Authorization", "Bearer " + simulator_.issueToken("https://management.azure.com/.default"));
    if (!body.is_null()) request.withBody(body.dump()).withHeader("Content-Type", "application/json");
    return simulator_.handle(request);
  }

  void changeAppGrant(const std::string& operation) {
    json policy = {{"tenantId", kTenant}, {"objectId", kAppPrincipal}, {"permissions", {{"secrets", {"get", "list"}}}}};
    sim::Response response = arm("PUT", kTargetVault + "/accessPolicies/" + operation + "?api-version=2024-11-01",
                                 {{"properties", {{"accessPolicies", json::array({policy})}}}});
    ASSERT_EQ(response.status, 200) << response.body;
  }

  void deleteTargetSecret(const std::string& name) {
    sim::Request request = sim::Request::fromTarget("DELETE", "/secrets/" + name + "?api-version=7.6");
    request.withHeader("Host", "kv-payments-neu.vault.localhost:8443")
        .withHeader("Authorization", "Bearer " + simulator_.issueToken("https://vault.azure.net/.default"));
    sim::Response response = simulator_.handle(request);
    ASSERT_EQ(response.status, 200) << response.body;
  }

  // The app's references to Key Vault by setting name, as App Service reports them.
  json references() {
    sim::Response response = arm("GET", kSite + "/config/configreferences/appsettings?api-version=2023-12-01");
    EXPECT_EQ(response.status, 200) << response.body;
    json body = json::parse(response.body);
    json byName = json::object();
    for (const json& item : body["value"]) byName[item["name"].get<std::string>()] = item["properties"];
    return byName;
  }

  const FailedStep* failureOfSite(const ApplySummary& summary) {
    for (const auto& failure : summary.failures) {
      if (failure.message.rfind(kSite + ":", 0) == 0) return &failure;
    }
    return nullptr;
  }

  // verify's checks of the app's references, after apply, with the ids the journal holds.
  std::map<std::string, VerifyCheck> referenceChecks() {
    SqliteJournal journal(journalPath_);
    RunState state;
    bindRunState(state, journal);
    azure::ClientOptions client;
    client.cloud.resourceManager = "https://127.0.0.1:8443";
    azure::AzureClient azureClient(transport_, credential_, client, timer_);
    std::map<std::string, VerifyCheck> checks;
    for (const VerifyCheck& check : verifyRelocation(plan().plan, azureClient, state).checks) {
      if (check.resource == kSite && check.check.rfind("reference in ", 0) == 0) checks[check.check] = check;
    }
    return checks;
  }

  int settingsWrites_ = 0;
  std::function<void(int)> beforeSettingsWrite_;
};

TEST_F(RepointReferencesTest, RepointedAppWithGrantResolvesAndVerifies) {
  ApplySummary summary = apply(options());

  EXPECT_EQ(failureOfSite(summary), nullptr) << failureOfSite(summary)->message;
  EXPECT_EQ(settingsWrites_, 1) << "resolved at the first check, so the settings are written once";
  json listed = references();
  ASSERT_EQ(listed.size(), 3u) << listed.dump();
  for (const std::string& setting : kSettings) {
    EXPECT_EQ(listed[setting]["status"], "Resolved") << setting << ": " << listed[setting].dump();
    EXPECT_EQ(listed[setting]["vaultName"], "kv-payments-neu") << setting;
  }
  // The pinned reference follows the copy of its version, and App Service reads that copy.
  ASSERT_TRUE(listed["Payments__ApiKey"].contains("secretVersion"));
  EXPECT_EQ(listed["Payments__ApiKey"]["activeVersion"], listed["Payments__ApiKey"]["secretVersion"]);

  std::map<std::string, VerifyCheck> checks = referenceChecks();
  ASSERT_EQ(checks.size(), 3u);
  for (const std::string& setting : kSettings) {
    const VerifyCheck& check = checks["reference in app setting " + setting];
    EXPECT_TRUE(check.passed) << setting << ": " << check.detail;
  }
}

TEST_F(RepointReferencesTest, AppWithoutGrantFailsRepoint) {
  beforeSettingsWrite_ = [this](int write) {
    if (write == 1) changeAppGrant("remove");
  };

  ApplySummary summary = apply(options());

  const FailedStep* failure = failureOfSite(summary);
  ASSERT_NE(failure, nullptr) << "the repoint step should fail";
  const std::string denied = " is AccessToKeyVaultDenied (Principal " + kAppPrincipal +
                             " may not get secrets from vault kv-payments-neu: it needs an access policy with get permission on secrets.)";
  EXPECT_EQ(failure->message, kSite + ": Key Vault references do not resolve after re-pointing: app setting ConnectionStrings__PaymentsDb" +
                                  denied + "; app setting Payments__ApiKey" + denied + "; app setting Smtp__Password" + denied +
                                  "; still so after waiting 600 s. Fix the grant or the secret in the new vault, then run apply --resume.");
  EXPECT_EQ(failure->message.find('\n'), std::string::npos);
  EXPECT_EQ(settingsWrites_, 11) << "the rewrite, then one refresh per minute for ten minutes";
  EXPECT_GE(timer_.sleptMs(), 600'000);

  std::map<std::string, VerifyCheck> checks = referenceChecks();
  ASSERT_EQ(checks.size(), 3u);
  const VerifyCheck& smtp = checks["reference in app setting Smtp__Password"];
  EXPECT_FALSE(smtp.passed);
  EXPECT_EQ(smtp.detail, "app-payments-weu app setting Smtp__Password is AccessToKeyVaultDenied in kv-payments-neu: Principal " +
                             kAppPrincipal + " may not get secrets from vault kv-payments-neu: it needs an access policy with get permission on secrets.");
}

TEST_F(RepointReferencesTest, GrantThatArrivesLateIsWaitedFor) {
  beforeSettingsWrite_ = [this](int write) {
    if (write == 1) changeAppGrant("remove");
    if (write == 2) changeAppGrant("add");
  };

  ApplySummary summary = apply(options());

  EXPECT_EQ(failureOfSite(summary), nullptr) << failureOfSite(summary)->message;
  EXPECT_EQ(settingsWrites_, 2) << "one refresh after the grant came back";
  for (const std::string& setting : kSettings) EXPECT_EQ(references()[setting]["status"], "Resolved") << setting;
}

TEST_F(RepointReferencesTest, SecretMissingInNewVaultFailsWithoutWaiting) {
  beforeSettingsWrite_ = [this](int write) {
    if (write == 1) deleteTargetSecret("smtp-password");
  };

  ApplySummary summary = apply(options());

  const FailedStep* failure = failureOfSite(summary);
  ASSERT_NE(failure, nullptr) << "the repoint step should fail";
  EXPECT_EQ(failure->message, kSite +
                                  ": Key Vault references do not resolve after re-pointing: app setting Smtp__Password is SecretNotFound "
                                  "(Vault kv-payments-neu has no secret named 'smtp-password'.). Fix the grant or the secret in the new vault, "
                                  "then run apply --resume.");
  EXPECT_EQ(settingsWrites_, 1) << "a missing secret is not waited for";
}

TEST_F(RepointReferencesTest, AppWithoutIdentityIsRepointedAndReported) {
  beforeSettingsWrite_ = [this](int write) {
    if (write != 1) return;
    sim::Response patched = arm("PATCH", kSite + "?api-version=2023-12-01", {{"identity", {{"type", "None"}, {"userAssignedIdentities", nullptr}}}});
    ASSERT_EQ(patched.status, 200) << patched.body;
  };

  ApplySummary summary = apply(options());

  EXPECT_EQ(failureOfSite(summary), nullptr) << failureOfSite(summary)->message;
  EXPECT_EQ(settingsWrites_, 1) << "a missing identity is not waited for";
  EXPECT_EQ(references()["Smtp__Password"]["status"], "MSINotEnabled");
  std::map<std::string, VerifyCheck> checks = referenceChecks();
  const VerifyCheck& smtp = checks["reference in app setting Smtp__Password"];
  EXPECT_TRUE(smtp.passed);
  EXPECT_EQ(smtp.detail, "MSINotEnabled before and after the move: the app has no managed identity that can read kv-payments-neu");
}

}  // namespace
}  // namespace kvr::executor::testing
