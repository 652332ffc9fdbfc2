#include "simulator_fixture.h"

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

class ResourceManagerTest : public SimulatorTest {};

const std::string kSecretsUserDefinition =
    "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/"
    "4633458b-17de-408a-b874-0445c86b69e6";

TEST_F(ResourceManagerTest, MissingApiVersionIsRejected) {
  Response response = arm("GET", groupId("rg1"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "MissingApiVersionParameter");
}

TEST_F(ResourceManagerTest, MalformedApiVersionIsRejected) {
  Response response = arm("GET", groupId("rg1") + "?api-version=latest");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "InvalidApiVersionParameter");
}

TEST_F(ResourceManagerTest, ResourceGroupLifecycle) {
  EXPECT_EQ(errorCode(arm("GET", groupId("rg1") + "?api-version=2021-04-01")), "ResourceGroupNotFound");
  Response created = arm("PUT", groupId("rg1") + "?api-version=2021-04-01", {{"location", "West Europe"}});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(bodyOf(created)["location"], "westeurope");
  EXPECT_EQ(arm("PUT", groupId("rg1") + "?api-version=2021-04-01", {{"location", "westeurope"}}).status, 200);
  EXPECT_EQ(arm("DELETE", groupId("rg1") + "?api-version=2021-04-01").status, 202);
  EXPECT_EQ(arm("GET", groupId("rg1") + "?api-version=2021-04-01").status, 404);
}

TEST_F(ResourceManagerTest, ResourceInMissingGroupIsRejected) {
  Response response = createVault("kv-one");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(errorCode(response), "ResourceGroupNotFound");
}

TEST_F(ResourceManagerTest, UnknownResourceIsNotFound) {
  createGroup("rg1");
  Response response = arm("GET", vaultId("kv-none") + kArmVersion);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(errorCode(response), "ResourceNotFound");
}

TEST_F(ResourceManagerTest, UnservedTypeIsInvalidResourceType) {
  createGroup("rg1");
  Response response = arm("GET", groupId("rg1") + "/providers/Microsoft.Sql/servers/s1" + kArmVersion);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(errorCode(response), "InvalidResourceType");
}

TEST_F(ResourceManagerTest, VaultCreationIsLongRunning) {
  createGroup("rg1");
  Response created = createVault("kv-one");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.header("Azure-AsyncOperation").find("/providers/Microsoft.KeyVault/locations/westeurope/operationStatuses/"),
            std::string::npos);
  EXPECT_NE(created.header("Location").find("/operationResults/"), std::string::npos);
  EXPECT_EQ(created.header("Retry-After"), "180");
  json vault = bodyOf(created);
  EXPECT_EQ(vault["properties"]["provisioningState"], "RegisteringDns");
  EXPECT_EQ(vault["properties"]["vaultUri"], "https://kv-one.vault.localhost:8443/");
  EXPECT_EQ(vault["type"], "Microsoft.KeyVault/vaults");

  std::string statusUrl = created.header("Azure-AsyncOperation").substr(std::string(kBaseUrl).size());
  EXPECT_EQ(bodyOf(arm("GET", statusUrl))["status"], "InProgress");
  std::string resultUrl = created.header("Location").substr(std::string(kBaseUrl).size());
  EXPECT_EQ(arm("GET", resultUrl).status, 202);

  clock_->advance(std::chrono::seconds(181));
  EXPECT_EQ(bodyOf(arm("GET", statusUrl))["status"], "Succeeded");
  EXPECT_EQ(arm("GET", resultUrl).status, 200);
  EXPECT_EQ(bodyOf(arm("GET", vaultId("kv-one") + kArmVersion))["properties"]["provisioningState"], "Succeeded");
}

TEST_F(ResourceManagerTest, ServerSetsReadOnlyVaultProperties) {
  createGroup("rg1");
  json body = vaultBody();
  body["properties"]["vaultUri"] = "https://elsewhere.vault.azure.net/";
  body["properties"]["provisioningState"] = "Failed";
  body["properties"]["privateEndpointConnections"] = json::array({{{"id", "x"}}});
  json vault = bodyOf(createVault("kv-one", "rg1", kSubscription, body));
  EXPECT_EQ(vault["properties"]["vaultUri"], "https://kv-one.vault.localhost:8443/");
  EXPECT_EQ(vault["properties"]["privateEndpointConnections"], json::array());
  EXPECT_EQ(vault["id"], vaultId("kv-one"));
  EXPECT_EQ(vault["properties"]["enableSoftDelete"], true);
}

TEST_F(ResourceManagerTest, InvalidVaultNameIsRejected) {
  createGroup("rg1");
  for (const char* name : {"1kv", "kv", "kv--one", "kv-one-", "kv-name-that-is-far-too-long"}) {
    Response response = createVault(name);
    EXPECT_EQ(response.status, 400) << name;
    EXPECT_EQ(errorCode(response), "VaultNameNotValid") << name;
  }
}

TEST_F(ResourceManagerTest, VaultNamesAreGlobalAcrossSubscriptions) {
  createGroup("rg1");
  createGroup("rg1", kOtherSubscription);
  ASSERT_EQ(createVault("kv-shared").status, 201);
  Response response = createVault("KV-Shared", "rg1", kOtherSubscription);
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(errorCode(response), "VaultAlreadyExists");
}

TEST_F(ResourceManagerTest, SoftDeletedNameConflictsInSameSubscription) {
  createGroup("rg1");
  ASSERT_EQ(createVault("kv-gone").status, 201);
  EXPECT_EQ(arm("DELETE", vaultId("kv-gone") + kArmVersion).status, 202);
  Response response = createVault("kv-gone");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(errorCode(response), "ConflictError");
}

TEST_F(ResourceManagerTest, SoftDeletedNameIsTakenInOtherSubscription) {
  createGroup("rg1");
  createGroup("rg1", kOtherSubscription);
  ASSERT_EQ(createVault("kv-gone").status, 201);
  arm("DELETE", vaultId("kv-gone") + kArmVersion);
  Response response = createVault("kv-gone", "rg1", kOtherSubscription);
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(errorCode(response), "VaultAlreadyExists");
}

TEST_F(ResourceManagerTest, CheckNameAvailabilityReportsReasons) {
  createGroup("rg1");
  createVault("kv-taken");
  std::string url = std::string("/subscriptions/") + kSubscription + "/providers/Microsoft.KeyVault/checkNameAvailability" + kArmVersion;
  json taken = bodyOf(arm("POST", url, {{"name", "kv-taken"}, {"type", "Microsoft.KeyVault/vaults"}}));
  EXPECT_EQ(taken["nameAvailable"], false);
  EXPECT_EQ(taken["reason"], "AlreadyExists");
  json invalid = bodyOf(arm("POST", url, {{"name", "9x"}, {"type", "Microsoft.KeyVault/vaults"}}));
  EXPECT_EQ(invalid["reason"], "AccountNameInvalid");
  json free = bodyOf(arm("POST", url, {{"name", "kv-free"}, {"type", "Microsoft.KeyVault/vaults"}}));
  EXPECT_EQ(free, json({{"nameAvailable", true}}));
}

TEST_F(ResourceManagerTest, DeletedVaultsListGetAndPurge) {
  createGroup("rg1");
  createVault("kv-gone");
  arm("DELETE", vaultId("kv-gone") + kArmVersion);
  std::string subscriptionUrl = std::string("/subscriptions/") + kSubscription + "/providers/Microsoft.KeyVault";
  json list = bodyOf(arm("GET", subscriptionUrl + "/deletedVaults" + kArmVersion));
  ASSERT_EQ(list["value"].size(), 1u);
  EXPECT_EQ(list["value"][0]["properties"]["vaultId"], vaultId("kv-gone"));
  EXPECT_EQ(list["value"][0]["type"], "Microsoft.KeyVault/deletedVaults");

  Response got = arm("GET", subscriptionUrl + "/locations/westeurope/deletedVaults/kv-gone" + kArmVersion);
  EXPECT_EQ(got.status, 200);
  Response purged = arm("POST", subscriptionUrl + "/locations/westeurope/deletedVaults/kv-gone/purge" + kArmVersion);
  EXPECT_EQ(purged.status, 202);
  EXPECT_FALSE(purged.header("Location").empty());
  EXPECT_EQ(createVault("kv-gone").status, 201);
}

TEST_F(ResourceManagerTest, PurgeProtectedVaultCannotBePurged) {
  createGroup("rg1");
  json body = vaultBody();
  body["properties"]["enablePurgeProtection"] = true;
  createVault("kv-kept", "rg1", kSubscription, body);
  arm("DELETE", vaultId("kv-kept") + kArmVersion);
  Response response = arm("POST", std::string("/subscriptions/") + kSubscription +
                                      "/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-kept/purge" + kArmVersion);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(errorCode(response), "MethodNotAllowed");
}

TEST_F(ResourceManagerTest, RecoverRestoresSoftDeletedVault) {
  createGroup("rg1");
  createVault("kv-back");
  arm("DELETE", vaultId("kv-back") + kArmVersion);
  json body = vaultBody();
  body["properties"]["createMode"] = "recover";
  Response response = createVault("kv-back", "rg1", kSubscription, body);
  EXPECT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(bodyOf(arm("GET", std::string("/subscriptions/") + kSubscription + "/providers/Microsoft.KeyVault/deletedVaults" + kArmVersion))["value"].size(), 0u);
}

json vaultWithRule(const std::string& subnet, bool ignoreMissing) {
  json body = {{"location", "westeurope"},
               {"properties",
                {{"tenantId", "11111111-1111-1111-1111-111111111111"},
                 {"sku", {{"family", "A"}, {"name", "standard"}}},
                 {"networkAcls",
                  {{"defaultAction", "Deny"},
                   {"virtualNetworkRules", json::array({{{"id", subnet}, {"ignoreMissingVnetServiceEndpoint", ignoreMissing}}})}}}}}};
  return body;
}

TEST_F(ResourceManagerTest, NetworkRuleNeedsKeyVaultServiceEndpoint) {
  createNetwork(true);
  Response response = createVault("kv-net", "rg1", kSubscription, vaultWithRule(subnetId("snet-pe"), false));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "SubnetsHaveNoServiceEndpointsConfigured");
  EXPECT_EQ(createVault("kv-net", "rg1", kSubscription, vaultWithRule(subnetId("snet-app"), false)).status, 201);
}

TEST_F(ResourceManagerTest, IgnoreMissingServiceEndpointAllowsRule) {
  createNetwork(false);
  EXPECT_EQ(createVault("kv-net", "rg1", kSubscription, vaultWithRule(subnetId("snet-app"), true)).status, 201);
}

TEST_F(ResourceManagerTest, NetworkRulesAreStoredAsAzureReturnsThem) {
  createNetwork(true);
  json body = vaultWithRule(subnetId("snet-app"), false);
  body["properties"]["networkAcls"]["ipRules"] = json::array({{{"value", "203.0.113.7"}}, {{"value", "198.51.100.0/24"}}});
  ASSERT_EQ(createVault("kv-net", "rg1", kSubscription, body).status, 201);

  json acls = bodyOf(arm("GET", vaultId("kv-net") + kArmVersion))["properties"]["networkAcls"];
  EXPECT_EQ(acls["ipRules"][0]["value"], "203.0.113.7/32");
  EXPECT_EQ(acls["ipRules"][1]["value"], "198.51.100.0/24");
  EXPECT_EQ(acls["virtualNetworkRules"][0]["id"], toLower(subnetId("snet-app")));
}

TEST_F(ResourceManagerTest, NetworkRuleToMissingSubnetIsRejected) {
  createNetwork(true);
  Response response = createVault("kv-net", "rg1", kSubscription, vaultWithRule(subnetId("snet-none"), false));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "InvalidResourceReference");
}

json privateEndpointBody(const std::string& subnet, const std::string& target) {
  return {{"location", "westeurope"},
          {"properties",
           {{"subnet", {{"id", subnet}}},
            {"privateLinkServiceConnections",
             json::array({{{"name", "kv-connection"}, {"properties", {{"privateLinkServiceId", target}, {"groupIds", {"vault"}}}}}})}}}};
}

std::string privateEndpointId(const std::string& name = "pe-kv") {
  return "/subscriptions/" + std::string(kSubscription) + "/resourceGroups/rg1/providers/Microsoft.Network/privateEndpoints/" + name;
}

TEST_F(ResourceManagerTest, PrivateEndpointToMissingSubnetIsRejected) {
  createNetwork(true);
  createVault("kv-pe");
  Response response = arm("PUT", privateEndpointId() + "?api-version=2025-07-01", privateEndpointBody(subnetId("nope"), vaultId("kv-pe")));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "InvalidResourceReference");
}

TEST_F(ResourceManagerTest, PrivateEndpointToMissingVaultIsRejected) {
  createNetwork(true);
  Response response = arm("PUT", privateEndpointId() + "?api-version=2025-07-01", privateEndpointBody(subnetId("snet-pe"), vaultId("kv-none")));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "InvalidResourceReference");
}

TEST_F(ResourceManagerTest, PrivateEndpointAppearsOnVaultAndSubnet) {
  createNetwork(true);
  createVault("kv-pe");
  Response created = arm("PUT", privateEndpointId() + "?api-version=2025-07-01", privateEndpointBody(subnetId("snet-pe"), vaultId("kv-pe")));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_FALSE(created.header("Azure-AsyncOperation").empty());
  json endpoint = bodyOf(created);
  EXPECT_EQ(endpoint["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceConnectionState"]["status"], "Approved");
  EXPECT_EQ(endpoint["properties"]["networkInterfaces"].size(), 1u);

  json vault = bodyOf(arm("GET", vaultId("kv-pe") + kArmVersion));
  ASSERT_EQ(vault["properties"]["privateEndpointConnections"].size(), 1u);
  EXPECT_EQ(vault["properties"]["privateEndpointConnections"][0]["properties"]["privateEndpoint"]["id"], privateEndpointId());
  json connections = bodyOf(arm("GET", vaultId("kv-pe") + "/privateEndpointConnections" + kArmVersion));
  EXPECT_EQ(connections["value"].size(), 1u);

  json subnet = bodyOf(arm("GET", subnetId("snet-pe") + "?api-version=2025-03-01"));
  EXPECT_EQ(subnet["properties"]["privateEndpoints"][0]["id"], privateEndpointId());
}

TEST_F(ResourceManagerTest, SubnetInUseCannotBeDeleted) {
  createNetwork(true);
  createVault("kv-pe");
  arm("PUT", privateEndpointId() + "?api-version=2025-07-01", privateEndpointBody(subnetId("snet-pe"), vaultId("kv-pe")));
  Response response = arm("DELETE", subnetId("snet-pe") + "?api-version=2025-03-01");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "InUseSubnetCannotBeDeleted");

  Response vnetWithoutSubnets = arm("PUT", vnetId() + "?api-version=2025-03-01",
                                    {{"location", "westeurope"}, {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}}}});
  EXPECT_EQ(vnetWithoutSubnets.status, 400);
  EXPECT_EQ(errorCode(vnetWithoutSubnets), "InUseSubnetCannotBeDeleted");

  EXPECT_EQ(arm("DELETE", privateEndpointId() + "?api-version=2025-07-01").status, 202);
  EXPECT_EQ(arm("DELETE", subnetId("snet-pe") + "?api-version=2025-03-01").status, 200);
}

TEST_F(ResourceManagerTest, VirtualNetworkServesInlineSubnetsAsChildren) {
  createNetwork(true);
  json vnet = bodyOf(arm("GET", vnetId() + "?api-version=2025-03-01"));
  ASSERT_EQ(vnet["properties"]["subnets"].size(), 2u);
  json subnets = bodyOf(arm("GET", vnetId() + "/subnets?api-version=2025-03-01"));
  EXPECT_EQ(subnets["value"].size(), 2u);
  json subnet = bodyOf(arm("GET", subnetId("snet-app") + "?api-version=2025-03-01"));
  EXPECT_EQ(subnet["properties"]["serviceEndpoints"][0]["locations"], json::array({"*"}));
  EXPECT_EQ(subnet["properties"]["serviceEndpoints"][0]["provisioningState"], "Succeeded");
}

TEST_F(ResourceManagerTest, VirtualNetworkWithoutPeeringsListsNone) {
  createNetwork(true);
  json vnet = bodyOf(arm("GET", vnetId() + "?api-version=2025-03-01"));
  EXPECT_EQ(vnet["properties"]["virtualNetworkPeerings"], json::array());
}

TEST_F(ResourceManagerTest, PrivateEndpointWithoutSecurityGroupsListsNone) {
  createNetwork(true);
  createVault("kv-pe");
  Response created = arm("PUT", privateEndpointId() + "?api-version=2025-07-01", privateEndpointBody(subnetId("snet-pe"), vaultId("kv-pe")));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(bodyOf(created)["properties"]["applicationSecurityGroups"], json::array());
  EXPECT_EQ(bodyOf(created)["properties"]["manualPrivateLinkServiceConnections"], json::array());
}

TEST_F(ResourceManagerTest, ChildWithoutParentIsRejected) {
  createGroup("rg1");
  Response response = arm("PUT", subnetId("snet", "vnet-none") + "?api-version=2025-03-01", {{"properties", {{"addressPrefix", "10.0.0.0/24"}}}});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(errorCode(response), "ParentResourceNotFound");
}

TEST_F(ResourceManagerTest, TrackedResourceNeedsLocation) {
  createGroup("rg1");
  Response response = arm("PUT", groupId("rg1") + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1?api-version=2023-01-31", json::object());
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "LocationRequired");
}

TEST_F(ResourceManagerTest, ListsPageWithNextLink) {
  createGroup("rg1");
  for (const char* name : {"kv-a1", "kv-a2", "kv-a3"}) ASSERT_EQ(createVault(name).status, 201);
  json first = bodyOf(arm("GET", groupId("rg1") + "/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01&%24top=2"));
  ASSERT_EQ(first["value"].size(), 2u);
  std::string next = first["nextLink"].get<std::string>();
  ASSERT_EQ(next.rfind(kBaseUrl, 0), 0u);
  json second = bodyOf(arm("GET", next.substr(std::string(kBaseUrl).size())));
  EXPECT_EQ(second["value"].size(), 1u);
  EXPECT_FALSE(second.contains("nextLink"));

  json generic = bodyOf(arm("GET", groupId("rg1") + "/resources?api-version=2021-04-01"));
  EXPECT_EQ(generic["value"].size(), 3u);
  EXPECT_FALSE(generic["value"][0].contains("properties"));
}

TEST_F(ResourceManagerTest, DeleteLockBlocksDeletion) {
  createGroup("rg1");
  createVault("kv-locked");
  std::string lockId = vaultId("kv-locked") + "/providers/Microsoft.Authorization/locks/no-delete";
  ASSERT_EQ(arm("PUT", lockId + "?api-version=2020-05-01", {{"properties", {{"level", "CanNotDelete"}}}}).status, 201);
  Response response = arm("DELETE", vaultId("kv-locked") + kArmVersion);
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(errorCode(response), "ScopeLocked");
  EXPECT_EQ(arm("PUT", vaultId("kv-locked") + kArmVersion, vaultBody()).status, 200);
}

TEST_F(ResourceManagerTest, PatchMergesIntoExistingResource) {
  createGroup("rg1");
  createVault("kv-patch");
  Response response = arm("PATCH", vaultId("kv-patch") + kArmVersion, {{"tags", {{"env", "test"}}}});
  ASSERT_EQ(response.status, 200) << response.body;
  json vault = bodyOf(response);
  EXPECT_EQ(vault["tags"]["env"], "test");
  EXPECT_EQ(vault["properties"]["sku"]["name"], "standard");
  EXPECT_EQ(arm("PATCH", vaultId("kv-none") + kArmVersion, json::object()).status, 404);
}

TEST_F(ResourceManagerTest, AccessPolicyAddAndRemove) {
  createGroup("rg1");
  createVault("kv-ap");
  json change = {{"properties", {{"accessPolicies", json::array({{{"tenantId", "t"}, {"objectId", "o1"}, {"permissions", {{"secrets", {"get"}}}}}})}}}};
  Response added = arm("PUT", vaultId("kv-ap") + "/accessPolicies/add" + kArmVersion, change);
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(bodyOf(added)["id"], vaultId("kv-ap") + "/accessPolicies/");
  EXPECT_EQ(bodyOf(arm("GET", vaultId("kv-ap") + kArmVersion))["properties"]["accessPolicies"].size(), 1u);
  arm("PUT", vaultId("kv-ap") + "/accessPolicies/remove" + kArmVersion, change);
  EXPECT_EQ(bodyOf(arm("GET", vaultId("kv-ap") + kArmVersion))["properties"]["accessPolicies"].size(), 0u);
}

TEST_F(ResourceManagerTest, PrivateDnsLinkReportsStateAndEtag) {
  createNetwork(true);
  std::string zone = groupId("rg1") + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
  Response zoneCreated = arm("PUT", zone + "?api-version=2024-06-01", {{"location", "global"}});
  ASSERT_LT(zoneCreated.status, 300) << zoneCreated.body;
  Response linkCreated = arm("PUT", zone + "/virtualNetworkLinks/link1?api-version=2024-06-01",
                            {{"location", "global"}, {"properties", {{"virtualNetwork", {{"id", vnetId()}}}, {"registrationEnabled", false}}}});
  ASSERT_LT(linkCreated.status, 300) << linkCreated.body;

  json link = bodyOf(arm("GET", zone + "/virtualNetworkLinks/link1?api-version=2024-06-01"));
  EXPECT_EQ(link["properties"]["virtualNetworkLinkState"], "Completed");
  EXPECT_EQ(link["etag"].get<std::string>().size(), 36u);
  std::string firstEtag = bodyOf(arm("GET", zone + "?api-version=2024-06-01"))["etag"];
  arm("PUT", zone + "?api-version=2024-06-01", {{"location", "global"}, {"tags", {{"owner", "network"}}}});
  EXPECT_NE(bodyOf(arm("GET", zone + "?api-version=2024-06-01"))["etag"], firstEtag);
}

TEST_F(ResourceManagerTest, SiteAppSettingsRoundTrip) {
  createGroup("rg1");
  std::string site = groupId("rg1") + "/providers/Microsoft.Web/sites/app1";
  ASSERT_EQ(arm("PUT", site + "?api-version=2023-12-01", {{"location", "westeurope"}, {"properties", json::object()}}).status, 201);
  json settings = {{"properties", {{"DB", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/db/)"}}}};
  EXPECT_EQ(arm("PUT", site + "/config/appsettings?api-version=2023-12-01", settings).status, 200);
  json listed = bodyOf(arm("POST", site + "/config/appsettings/list?api-version=2023-12-01"));
  EXPECT_EQ(listed["properties"]["DB"], settings["properties"]["DB"]);
}

TEST_F(ResourceManagerTest, SystemAssignedIdentityKeepsItsPrincipal) {
  createGroup("rg1");
  std::string set = groupId("rg1") + "/providers/Microsoft.Compute/diskEncryptionSets/des1?api-version=2024-03-02";
  json body = {{"location", "westeurope"}, {"identity", {{"type", "SystemAssigned"}}}, {"properties", json::object()}};
  json created = bodyOf(arm("PUT", set, body));
  std::string principal = created["identity"].value("principalId", "");
  EXPECT_EQ(principal.size(), 36u) << created.dump();
  json rewritten = bodyOf(arm("PUT", set, body));
  EXPECT_EQ(rewritten["identity"]["principalId"], principal);
}

TEST_F(ResourceManagerTest, NetworkInterfaceNeedsItsSubnet) {
  createGroup("rg1");
  std::string nic = groupId("rg1") + "/providers/Microsoft.Network/networkInterfaces/nic1?api-version=2024-05-01";
  std::string subnet = groupId("rg1") + "/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/snet1";
  json body = {{"location", "westeurope"},
               {"properties", {{"ipConfigurations", json::array({{{"name", "ip1"}, {"properties", {{"subnet", {{"id", subnet}}}}}}})}}}};
  Response response = arm("PUT", nic, body);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(errorCode(response), "InvalidResourceReference");
}

TEST_F(ResourceManagerTest, RoleAssignmentOnVaultGetsScope) {
  createGroup("rg1");
  createVault("kv-rbac");
  std::string id = vaultId("kv-rbac") + "/providers/Microsoft.Authorization/roleAssignments/3f2a1b4c-0000-0000-0000-000000000001";
  Response response = arm("PUT", id + "?api-version=2022-04-01",
                          {{"properties", {{"roleDefinitionId", kSecretsUserDefinition},
                                           {"principalId", "p1"}}}});
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(bodyOf(response)["properties"]["scope"], vaultId("kv-rbac"));
  json list = bodyOf(arm("GET", vaultId("kv-rbac") + "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01"));
  EXPECT_EQ(list["value"].size(), 1u);
}

TEST_F(ResourceManagerTest, InvalidRoleDefinitionIdIsRejected) {
  createGroup("rg1");
  createVault("kv-rbac");
  std::string id = vaultId("kv-rbac") + "/providers/Microsoft.Authorization/roleAssignments/3f2a1b4c-0000-0000-0000-000000000002";
  const std::vector<json> invalid = {
      json(""),
      json("Key Vault Secrets User"),
      json("/providers/Microsoft.Authorization/roleDefinitions/4633458b"),
      json("/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleAssignments/"
           "4633458b-17de-408a-b874-0445c86b69e6"),
      json(42),
  };
  for (const json& definition : invalid) {
    Response response = arm("PUT", id + "?api-version=2022-04-01",
                            {{"properties", {{"roleDefinitionId", definition}, {"principalId", "p1"}}}});
    EXPECT_EQ(response.status, 400) << definition.dump();
    EXPECT_EQ(errorCode(response), "InvalidRoleDefinitionId") << definition.dump();
  }
  Response missing = arm("PUT", id + "?api-version=2022-04-01",
                         {{"properties", {{"roleDefinitionName", "Key Vault Secrets User"}, {"principalId", "p1"}}}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(errorCode(missing), "InvalidRoleDefinitionId");
  EXPECT_EQ(arm("GET", id + "?api-version=2022-04-01").status, 404);
}

TEST_F(ResourceManagerTest, SeededRoleNameGetsDefinitionId) {
  std::string vault = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/kv-seeded";
  std::string named = vault + "/providers/Microsoft.Authorization/roleAssignments/3f2a1b4c-0000-0000-0000-000000000003";
  std::string custom = vault + "/providers/Microsoft.Authorization/roleAssignments/3f2a1b4c-0000-0000-0000-000000000004";
  json estate = {{"kind", "kvrelocate.inventory"},
                 {"resources",
                  json::array({{{"id", vault}, {"type", "Microsoft.KeyVault/vaults"}, {"location", "westeurope"},
                                {"properties", {{"tenantId", "11111111-1111-1111-1111-111111111111"}}}},
                               {{"id", named},
                                {"type", "Microsoft.Authorization/roleAssignments"},
                                {"properties", {{"roleDefinitionName", "key vault secrets user"}, {"principalId", "p1"}}}},
                               {{"id", custom},
                                {"type", "Microsoft.Authorization/roleAssignments"},
                                {"properties", {{"roleDefinitionName", "Shop Secret Readers"}, {"principalId", "p2"}}}}})}};
  simulator_.loadEstate(estate);

  json seeded = bodyOf(arm("GET", named + "?api-version=2022-04-01"));
  EXPECT_EQ(seeded["properties"]["roleDefinitionId"],
            "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/"
            "4633458b-17de-408a-b874-0445c86b69e6");
  EXPECT_EQ(seeded["properties"]["roleDefinitionName"], "key vault secrets user");
  json unknown = bodyOf(arm("GET", custom + "?api-version=2022-04-01"));
  EXPECT_FALSE(unknown["properties"].contains("roleDefinitionId")) << unknown.dump();
}

}  // namespace
}  // namespace kvr::sim::testing
