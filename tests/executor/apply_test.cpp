// apply on kvsim seeded with the contoso-payments estate: what it creates in the target,
// what it leaves alone in the source, how it stops for an operator, how a failed step's
// dependents are skipped, and what it refuses before writing anything.

#include "apply_fixture.h"
#include "executor/data_plane_objects.h"
#include "executor/verify.h"

namespace kvr::executor::testing {
namespace {

using nlohmann::json;

const std::string kTargetVault = kTargetGroup + "/providers/Microsoft.KeyVault/vaults/kv-payments-neu";
const std::string kTargetVnet = kTargetGroup + "/providers/Microsoft.Network/virtualNetworks/vnet-payments-neu";
const std::string kSourceVault = kSourceGroup + "/providers/Microsoft.KeyVault/vaults/kv-payments-weu";
const std::string kDisk = kSourceGroup + "/providers/Microsoft.Compute/disks/vm-payments-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053";
const std::string kMachine = kSourceGroup + "/providers/Microsoft.Compute/virtualMachines/vm-payments-batch01";
const std::string kVaultHost = "https://kv-payments-neu.vault.localhost:8443/";

class ApplyOnSimulatorTest : public ApplyTest {
 protected:
  // A client straight on kvsim, past apply's guard, for the test's own changes.
  azure::AzureClient directClient() {
    azure::ClientOptions client;
    client.cloud.resourceManager = "https://127.0.0.1:8443";
    return azure::AzureClient(transport_, credential_, client, timer_);
  }

  void createElsewhere(const std::string& id, const json& body) {
    azure::AzureClient client = directClient();
    std::string group = id.substr(0, id.find("/providers/"));
    client.putResource(client.resourceUrl(group, "2021-04-01"), {{"location", "northeurope"}});
    client.putResource(client.resourceUrl(id, id.find("Microsoft.KeyVault") != std::string::npos ? "2024-11-01" : "2024-07-01"), body);
  }
};

TEST_F(ApplyOnSimulatorTest, CreatesTargetNetworkWithAllSubnetsAndServiceEndpoint) {
  ApplySummary summary = apply(options());
  ASSERT_TRUE(summary.failures.empty()) << summary.failures.front().step << ": " << summary.failures.front().message;

  json subnets = snapshotResource(kTargetVnet)["properties"]["subnets"];
  ASSERT_EQ(subnets.size(), 3u);
  EXPECT_EQ(subnets[0]["name"], "snet-app");
  EXPECT_EQ(subnets[0]["properties"]["serviceEndpoints"][0]["service"], "Microsoft.KeyVault");
  EXPECT_EQ(subnets[2]["properties"]["networkSecurityGroup"]["id"],
            kTargetGroup + "/providers/Microsoft.Network/networkSecurityGroups/nsg-snet-vm-neu");
  EXPECT_EQ(snapshotResource(kTargetVnet)["location"], "northeurope");
}

TEST_F(ApplyOnSimulatorTest, CreatesVaultWithRulesOnTargetSubnet) {
  apply(options());
  json vault = snapshotResource(kTargetVault);
  ASSERT_FALSE(vault.is_null());
  const json& properties = vault["properties"];
  EXPECT_EQ(vault["location"], "northeurope");
  ASSERT_EQ(properties["networkAcls"]["virtualNetworkRules"].size(), 1u);
  // Azure answers with the rule's subnet id in lower case.
  EXPECT_EQ(properties["networkAcls"]["virtualNetworkRules"][0]["id"], toLower(kTargetVnet + "/subnets/snet-app"));
  EXPECT_EQ(properties["networkAcls"]["virtualNetworkRules"][0]["ignoreMissingVnetServiceEndpoint"], false);
  EXPECT_EQ(properties["networkAcls"]["ipRules"][0]["value"], "203.0.113.24/32");
  EXPECT_EQ(properties["enableSoftDelete"], true);
  EXPECT_EQ(properties["vaultUri"], kVaultHost);
  ASSERT_EQ(properties["privateEndpointConnections"].size(), 1u) << "only the new private endpoint's connection";
  EXPECT_EQ(properties["privateEndpointConnections"][0]["name"], "pe-kv-payments-neu");

  std::vector<std::string> principals;
  for (const json& policy : properties["accessPolicies"]) principals.push_back(policy["objectId"]);
  // The disk encryption set's old principal is left out; its grant step adds the new one.
  EXPECT_EQ(std::count(principals.begin(), principals.end(), "5f0d3b86-9a2c-4e71-b4d8-6c2a9e1f7b53"), 0);
  EXPECT_EQ(std::count(principals.begin(), principals.end(), "8b2e5c71-4f3a-4d9e-a6b0-1c7d2e9f5a34"), 1);
  EXPECT_EQ(principals.size(), 3u);
}

TEST_F(ApplyOnSimulatorTest, CreatesPrivateEndpointAndDnsToTheNewVault) {
  apply(options());
  json endpoint = snapshotResource(kTargetGroup + "/providers/Microsoft.Network/privateEndpoints/pe-kv-payments-neu");
  ASSERT_FALSE(endpoint.is_null());
  EXPECT_EQ(endpoint["properties"]["subnet"]["id"], kTargetVnet + "/subnets/snet-pe");
  EXPECT_EQ(endpoint["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"], kTargetVault);
  EXPECT_EQ(endpoint["properties"]["customNetworkInterfaceName"], "pe-kv-payments-neu-nic");

  json group = snapshotResource(kTargetGroup + "/providers/Microsoft.Network/privateEndpoints/pe-kv-payments-neu/privateDnsZoneGroups/default");
  ASSERT_FALSE(group.is_null());
  EXPECT_EQ(group["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"],
            kNetworkGroup + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net");

  json link = snapshotResource(kNetworkGroup +
                               "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/virtualNetworkLinks/link-vnet-payments-neu");
  ASSERT_FALSE(link.is_null());
  EXPECT_EQ(link["properties"]["virtualNetwork"]["id"], kTargetVnet);
  EXPECT_EQ(link["location"], "global");
}

TEST_F(ApplyOnSimulatorTest, RepointsConsumersToTheNewVault) {
  apply(options());
  json site = snapshotResource(kSourceGroup + "/providers/Microsoft.Web/sites/app-payments-weu");
  const json& settings = site["config"]["appSettings"];
  EXPECT_EQ(settings["ConnectionStrings__PaymentsDb"], "@Microsoft.KeyVault(SecretUri=" + kVaultHost + "secrets/db-connection/)");
  // The pinned version points at its copy: a new version id with the same value.
  const std::string pinnedPrefix = "@Microsoft.KeyVault(SecretUri=" + kVaultHost + "secrets/payments-api-key/";
  std::string pinned = settings["Payments__ApiKey"];
  ASSERT_EQ(pinned.rfind(pinnedPrefix, 0), 0u) << pinned;
  std::string copiedVersion = pinned.substr(pinnedPrefix.size(), pinned.size() - pinnedPrefix.size() - 1);
  EXPECT_EQ(copiedVersion.size(), 32u);
  EXPECT_NE(copiedVersion, "b3d6f9a2c5e84b17a0d3f6c9e2b5a818");
  std::string sourceHost = "https://kv-payments-weu.vault.localhost:8443/";
  json original = client().get(azure::Service::KeyVault,
                               sourceHost + "secrets/payments-api-key/b3d6f9a2c5e84b17a0d3f6c9e2b5a818?api-version=7.6");
  json copy = client().get(azure::Service::KeyVault, kVaultHost + "secrets/payments-api-key/" + copiedVersion + "?api-version=7.6");
  EXPECT_EQ(sha256(copy.value("value", "")), sha256(original.value("value", "")));
  EXPECT_EQ(settings["Smtp__Password"], "@Microsoft.KeyVault(VaultName=kv-payments-neu;SecretName=smtp-password)");
  EXPECT_EQ(settings["ASPNETCORE_ENVIRONMENT"], "Production");

  json storage = snapshotResource(kSourceGroup + "/providers/Microsoft.Storage/storageAccounts/stpaymentsweu01");
  EXPECT_EQ(storage["properties"]["encryption"]["keyvaultproperties"]["keyvaulturi"], "https://kv-payments-neu.vault.localhost:8443");
  EXPECT_EQ(storage["properties"]["encryption"]["keyvaultproperties"]["keyname"], "storage-cmk");

  json encryptionSet = snapshotResource(kTargetGroup + "/providers/Microsoft.Compute/diskEncryptionSets/des-payments-neu");
  ASSERT_FALSE(encryptionSet.is_null());
  EXPECT_EQ(encryptionSet["properties"]["activeKey"]["sourceVault"]["id"], kTargetVault);
  EXPECT_EQ(encryptionSet["properties"]["activeKey"]["keyUrl"], kVaultHost + "keys/disk-cmk/9c4e1a7b3f2d4c8e9a0b6d5f1e2c3a47");
}

TEST_F(ApplyOnSimulatorTest, GrantsTheRecreatedIdentityOnTheNewVault) {
  apply(options());
  json encryptionSet = snapshotResource(kTargetGroup + "/providers/Microsoft.Compute/diskEncryptionSets/des-payments-neu");
  std::string principal = encryptionSet["identity"]["principalId"];
  json granted;
  json vault = snapshotResource(kTargetVault);
  for (const json& policy : vault["properties"]["accessPolicies"]) {
    if (policy["objectId"] == principal) granted = policy;
  }
  ASSERT_FALSE(granted.is_null()) << "no access policy for " << principal << " in "
                                  << snapshotResource(kTargetVault)["properties"]["accessPolicies"].dump();
  EXPECT_EQ(granted["permissions"]["keys"], json::array({"get", "wrapkey", "unwrapkey"}));
}

// Hides the access policies of the target vault from the first `hiddenReads` reads after
// apply added one, as Resource Manager may do for a moment after a write.
class LateListingTransport : public azure::HttpTransport {
 public:
  LateListingTransport(azure::HttpTransport& inner, int hiddenReads) : inner_(inner), hiddenReads_(hiddenReads) {}

  azure::HttpResponse send(const azure::HttpRequest& request) override {
    azure::HttpResponse response = inner_.send(request);
    std::string path = toLower(azure::splitUrl(request.url).pathAndQuery);
    if (request.method == "PUT" && path.find("/vaults/kv-payments-neu/accesspolicies/add") != std::string::npos) added_ = true;
    bool vaultRead = request.method == "GET" && path.rfind(toLower(kTargetVault) + "?", 0) == 0;
    if (added_ && vaultRead && hiddenReads_ != 0 && response.ok()) {
      if (hiddenReads_ > 0) --hiddenReads_;
      json body = json::parse(response.body);
      body["properties"]["accessPolicies"] = json::array();
      response.body = body.dump();
      ++hidden_;
    }
    return response;
  }
  int hidden() const { return hidden_; }

 private:
  azure::HttpTransport& inner_;
  int hiddenReads_;  // -1: always
  bool added_ = false;
  int hidden_ = 0;
};

TEST_F(ApplyOnSimulatorTest, GrantWaitsUntilResourceManagerListsIt) {
  LateListingTransport late(transport_, 2);
  RecordingEvents events;
  long long sleptBefore = timer_.sleptMs();
  ApplySummary summary = apply(plan(), options(), events, &late);
  EXPECT_EQ(summary.failed, 0u);
  EXPECT_EQ(late.hidden(), 2);
  EXPECT_GE(timer_.sleptMs() - sleptBefore, 10'000) << "two polls of 5 s";
}

TEST_F(ApplyOnSimulatorTest, GrantNeverListedFailsStep) {
  LateListingTransport never(transport_, -1);
  RecordingEvents events;
  ApplySummary summary = apply(plan(), options(), events, &never);
  ASSERT_EQ(summary.failures.size(), 1u);
  EXPECT_NE(summary.failures[0].step.find("#grant/"), std::string::npos) << summary.failures[0].step;
  EXPECT_NE(summary.failures[0].message.find("is not listed 120 s after it was written"), std::string::npos)
      << summary.failures[0].message;
  EXPECT_NE(summary.failures[0].message.find("access policy of "), std::string::npos) << summary.failures[0].message;
}

TEST_F(ApplyOnSimulatorTest, VerifyReportsMissingAccess) {
  apply(options());
  auto verifyNow = [&] {
    SqliteJournal journal(journalPath_);
    RunState state;
    bindRunState(state, journal);
    state.setListener(nullptr);
    return verifyRelocation(plan().plan, client(), state);
  };
  auto rowsFor = [](const VerifyReport& report, const std::string& check) {
    std::vector<VerifyCheck> rows;
    for (const VerifyCheck& row : report.checks) {
      if (row.check == check) rows.push_back(row);
    }
    return rows;
  };
  VerifyReport before = verifyNow();
  std::vector<VerifyCheck> roles = rowsFor(before, "role assignment on kv-payments-neu");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_TRUE(roles[0].passed) << roles[0].detail;
  ASSERT_EQ(rowsFor(before, "workspaceId").size(), 1u);
  EXPECT_TRUE(rowsFor(before, "workspaceId")[0].passed) << rowsFor(before, "workspaceId")[0].detail;

  azure::AzureClient direct = directClient();
  std::string assignments = kTargetVault + "/providers/Microsoft.Authorization/roleAssignments";
  for (const Json& assignment : direct.list(azure::Service::ResourceManager, direct.resourceUrl(assignments, "2022-04-01"))) {
    direct.deleteResource(direct.resourceUrl(assignment.value("id", ""), "2022-04-01"));
  }
  direct.deleteResource(
      direct.resourceUrl(kTargetVault + "/providers/Microsoft.Insights/diagnosticSettings/diag-kv-payments-neu", "2021-05-01-preview"));

  VerifyReport after = verifyNow();
  EXPECT_FALSE(after.passed());
  roles = rowsFor(after, "role assignment on kv-payments-neu");
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_FALSE(roles[0].passed);
  EXPECT_NE(roles[0].detail.find("has no role assignment for principal"), std::string::npos) << roles[0].detail;
  bool diagnosticsMissing = false;
  for (const VerifyCheck& row : after.checks) {
    if (row.check == "exists" && !row.passed && row.detail.find("diag-kv-payments-neu") != std::string::npos) diagnosticsMissing = true;
  }
  EXPECT_TRUE(diagnosticsMissing);
}

TEST_F(ApplyOnSimulatorTest, RecreatesRoleAssignmentAndDiagnosticsOnTheNewVault) {
  apply(options());
  azure::AzureClient client = directClient();
  std::vector<Json> assignments =
      client.list(azure::Service::ResourceManager,
                  client.resourceUrl(kTargetVault + "/providers/Microsoft.Authorization/roleAssignments", "2022-04-01"));
  ASSERT_EQ(assignments.size(), 1u);
  std::optional<Json> diagnostics = client.getIfExists(
      azure::Service::ResourceManager,
      client.resourceUrl(kTargetVault + "/providers/Microsoft.Insights/diagnosticSettings/diag-kv-payments-neu", "2021-05-01-preview"));
  ASSERT_TRUE(diagnostics.has_value());
}

TEST_F(ApplyOnSimulatorTest, LeavesTheSourceUnchanged) {
  json before = sourceResources();
  json dataBefore = simulator_.snapshot(true)["dataPlane"]["kv-payments-weu"];
  apply(options());
  json after = sourceResources();

  std::map<std::string, json> afterById;
  for (const json& resource : after) afterById[resource["id"]] = resource;
  for (const json& resource : before) {
    std::string id = resource["id"];
    // The consumers are re-pointed in place: the one allowed change outside the target.
    if (id.find("/sites/app-payments-weu") != std::string::npos || id.find("/storageAccounts/stpaymentsweu01") != std::string::npos) continue;
    ASSERT_TRUE(afterById.count(id)) << id << " is gone";
    EXPECT_EQ(afterById[id], resource) << id << " changed";
  }
  EXPECT_EQ(simulator_.snapshot(true)["dataPlane"]["kv-payments-weu"], dataBefore);
}

TEST_F(ApplyOnSimulatorTest, ExternalStopNamesEveryWaitingExternalStep) {
  ApplySummary summary = apply(options());
  EXPECT_EQ(summary.status, "stopped");
  EXPECT_EQ(summary.waiting, 2u) << "the disk, and the machine that waits for it";
  ASSERT_EQ(summary.operatorActions.size(), 2u);
  EXPECT_EQ(summary.operatorActions[0], kDisk + " is relocated by its own procedure, not by kvrelocate: move it to "
                                                "northeurope, then pass its new id with --map");
  EXPECT_EQ(summary.operatorActions[1], kMachine + " is relocated by its own procedure, not by kvrelocate: move it to "
                                                   "northeurope, then pass its new id with --map");
}

TEST_F(ApplyOnSimulatorTest, ExternalStopResumeCommandMapsEach) {
  ApplySummary summary = apply(options());
  EXPECT_EQ(summary.resumeCommand, "kvrelocate apply plan.json --journal " + journalPath_ + " --resume --map " + kDisk +
                                       "=NEW_ID --map " + kMachine + "=NEW_ID");
}

TEST_F(ApplyOnSimulatorTest, MappedIdThatDoesNotExistIsNamed) {
  apply(options());
  ApplyRunOptions resumed = options();
  resumed.resume = true;
  resumed.mappings = {{kDisk, kTargetGroup + "/providers/Microsoft.Compute/disks/disk-not-created"}};
  ApplySummary second = apply(resumed);
  ASSERT_EQ(second.operatorActions.size(), 2u);
  EXPECT_NE(second.operatorActions[0].find("the new id given for " + kDisk + " does not exist"), std::string::npos)
      << second.operatorActions[0];
  EXPECT_NE(second.resumeCommand.find("--map " + kDisk + "=NEW_ID --map " + kMachine + "=NEW_ID"), std::string::npos)
      << second.resumeCommand;
}

TEST_F(ApplyOnSimulatorTest, ResumeWithMappedIdsFinishes) {
  apply(options());
  std::string newDisk = kTargetGroup + "/providers/Microsoft.Compute/disks/disk-batch01-neu";
  std::string newMachine = kTargetGroup + "/providers/Microsoft.Compute/virtualMachines/vm-batch01-neu";
  createElsewhere(newDisk, {{"location", "northeurope"}, {"properties", json::object()}});
  createElsewhere(newMachine, {{"location", "northeurope"}, {"properties", json::object()}});

  ApplyRunOptions resumed = options();
  resumed.resume = true;
  resumed.mappings = {{kDisk, newDisk}};
  ApplySummary second = apply(resumed);
  EXPECT_EQ(second.status, "stopped");
  ASSERT_EQ(second.operatorActions.size(), 1u);
  EXPECT_NE(second.operatorActions[0].find(kMachine), std::string::npos);

  resumed.mappings = {{kMachine, newMachine}};  // the disk's mapping is kept in the journal
  ApplySummary third = apply(resumed);
  EXPECT_EQ(third.status, "completed");
  EXPECT_EQ(third.done, 1u);
  EXPECT_EQ(third.already, 20u);
  EXPECT_TRUE(third.resumeCommand.empty());
}

TEST_F(ApplyOnSimulatorTest, FailedVaultSkipsDependentsWithOneRootCause) {
  // The target vault's name is held by a soft-deleted vault, so the vault step fails.
  class RejectVault : public azure::HttpTransport {
   public:
    explicit RejectVault(azure::HttpTransport& inner) : inner_(inner) {}
    azure::HttpResponse send(const azure::HttpRequest& request) override {
      if (request.method == "PUT" && request.url.find("/vaults/kv-payments-neu?") != std::string::npos) {
        return {409, {{"Content-Type", "application/json"}},
                R"({"error":{"code":"ConflictError","message":"A vault with the same name already exists in deleted state."}})"};
      }
      return inner_.send(request);
    }

   private:
    azure::HttpTransport& inner_;
  } rejecting(transport_);

  RecordingEvents events;
  ApplySummary summary = apply(plan(), options(), events, &rejecting);
  EXPECT_EQ(summary.status, "failed");
  ASSERT_EQ(summary.failures.size(), 1u);
  std::string vaultKey = toLower(kSourceVault);
  EXPECT_EQ(summary.failures[0].step, vaultKey);
  EXPECT_NE(summary.failures[0].message.find("ConflictError"), std::string::npos) << summary.failures[0].message;
  EXPECT_GE(summary.failures[0].skippedDependents, 10u);
  EXPECT_EQ(summary.failed, 1u);
  for (const auto& finished : events.finished) {
    if (finished.status == StepStatus::Skipped) {
      EXPECT_EQ(finished.message, "skipped because " + vaultKey + " failed");
    }
  }
  EXPECT_TRUE(snapshotResource(kTargetVnet).is_object()) << "steps that do not need the vault still ran";
}

TEST_F(ApplyOnSimulatorTest, RefusesWhenSourceVaultIsGone) {
  azure::AzureClient client = directClient();
  client.deleteResource(client.resourceUrl(kSourceVault, "2024-11-01"));
  try {
    apply(options());
    FAIL() << "expected ApplyRefused";
  } catch (const ApplyRefused& refused) {
    ASSERT_EQ(refused.problems().size(), 1u);
    EXPECT_EQ(refused.problems()[0], kSourceVault + ": the source vault no longer exists; write the plan again");
  }
  EXPECT_TRUE(snapshotResource(kTargetVnet).is_null()) << "nothing was written";
}

TEST_F(ApplyOnSimulatorTest, RefusesTargetNamesTakenBySomeoneElse) {
  std::string otherVault = "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg-other/providers/Microsoft.KeyVault/vaults/kv-payments-neu";
  createElsewhere(otherVault, {{"location", "northeurope"}, {"properties", {{"tenantId", "0c3b7e52-9d14-4f6a-8e21-5a7c9b3d1f08"}, {"sku", {{"family", "A"}, {"name", "standard"}}}}}});
  createElsewhere(kTargetVnet, {{"location", "northeurope"}, {"properties", {{"addressSpace", {{"addressPrefixes", {"10.9.0.0/16"}}}}}}});
  try {
    apply(options());
    FAIL() << "expected ApplyRefused";
  } catch (const ApplyRefused& refused) {
    ASSERT_EQ(refused.problems().size(), 2u) << refused.what();
    EXPECT_EQ(refused.problems()[0], kTargetVnet + ": the target already exists and this run did not create it; delete it or plan another name");
    EXPECT_NE(refused.problems()[1].find(kTargetVault + ": the vault name kv-payments-neu is taken"), std::string::npos) << refused.problems()[1];
  }
}

TEST_F(ApplyOnSimulatorTest, RefusesJournalOfAnotherPlanAndRunWithoutResume) {
  apply(options());
  try {
    apply(options());
    FAIL() << "expected ApplyRefused";
  } catch (const ApplyRefused& refused) {
    EXPECT_EQ(refused.problems().at(0), journalPath_ + ": the journal already records a run of this plan; pass --resume to continue it");
  }
  ApplyRunOptions resumed = options();
  resumed.resume = true;
  RecordingEvents events;
  PlanDocument other = planFromText(examplePlanText() + "\n", "other.json");
  try {
    apply(other, resumed, events);
    FAIL() << "expected ApplyRefused";
  } catch (const ApplyRefused& refused) {
    EXPECT_NE(refused.problems().at(0).find("the journal records a run of another plan"), std::string::npos);
  }
}

TEST_F(ApplyOnSimulatorTest, PlanOfAnotherKindIsRejected) {
  std::string text = examplePlanText();
  text.replace(text.find("\"kvrelocate.plan\""), 17, "\"kvrelocate.map\"");
  EXPECT_THROW(planFromText(text, "plan.json"), InputError);
}

TEST_F(ApplyOnSimulatorTest, WaveEventsCountEveryStep) {
  RecordingEvents events;
  ApplyRunOptions parallel = options();
  parallel.parallelism = 4;
  ApplySummary summary = apply(plan(), parallel, events);
  std::size_t steps = 0;
  for (const auto& wave : events.waves) steps += wave.steps;
  EXPECT_EQ(steps, 21u);
  EXPECT_EQ(summary.done, 19u);
  EXPECT_GT(summary.requests, 0);
}

}  // namespace
}  // namespace kvr::executor::testing
