// Compares kvsim's responses with the example responses in Azure's REST API specifications.
// Each test seeds what the example refers to and sends the example's request to the
// in-process Simulator. Every field of the example's response must then be in kvsim's
// response with the same JSON type, and with the same value unless it is listed as generated.
// Fields that kvsim leaves out on purpose are listed per example with the reason, and fields
// that kvsim adds beyond the example are allowed. The token endpoints have no examples in the
// specifications, so no test here covers them.

#include "simulator_fixture.h"
#include "test_pfx.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

const std::filesystem::path kSpecsDir = std::filesystem::path(KVR_CASES_DIR) / ".." / "azure-rest-specs";

// How a field of the example is treated. Each entry covers the field and everything below it.
enum class FieldRule {
  Generated,  // present with the same JSON type; the value is an id, a time or made by the service
  Omitted,    // kvsim leaves it out on purpose
};

struct Exemption {
  FieldRule rule;
  std::string reason;
};

using Exemptions = std::map<std::string, Exemption>;

json loadExample(const std::string& relativePath) {
  std::ifstream stream(kSpecsDir / relativePath);
  if (!stream) throw std::runtime_error("cannot read spec example " + (kSpecsDir / relativePath).string());
  return json::parse(stream);
}

const char* typeName(const json& value) {
  if (value.is_number()) return "number";  // Azure's integers and kvsim's may differ in signedness
  return value.type_name();
}

const Exemption* exemptionFor(const Exemptions& exemptions, const std::string& pointer) {
  for (const auto& [prefix, exemption] : exemptions) {
    if (pointer == prefix || pointer.rfind(prefix + "/", 0) == 0) return &exemption;
  }
  return nullptr;
}

// Appends one line per field of `expected` that `actual` lacks, has with another type, or has
// with another value.
void compareFields(const json& expected, const json& actual, const std::string& pointer, const Exemptions& exemptions,
                   std::vector<std::string>& problems) {
  const Exemption* exemption = exemptionFor(exemptions, pointer);
  if (exemption && exemption->rule == FieldRule::Omitted) return;
  std::string where = pointer.empty() ? "/" : pointer;
  if (std::string(typeName(expected)) != typeName(actual)) {
    problems.push_back(where + ": expected " + typeName(expected) + " " + expected.dump() + ", kvsim sent " + actual.dump());
    return;
  }
  if (exemption) return;  // generated: the type is all that can match
  if (expected.is_object()) {
    for (const auto& [name, value] : expected.items()) {
      std::string child = pointer + "/" + name;
      if (actual.contains(name)) {
        compareFields(value, actual.at(name), child, exemptions, problems);
      } else if (const Exemption* childExemption = exemptionFor(exemptions, child); !childExemption || childExemption->rule != FieldRule::Omitted) {
        problems.push_back(child + ": missing in kvsim's response");
      }
    }
    return;
  }
  if (expected.is_array()) {
    if (expected.size() != actual.size()) {
      problems.push_back(where + ": expected " + std::to_string(expected.size()) + " elements, kvsim sent " + actual.dump());
      return;
    }
    for (std::size_t index = 0; index < expected.size(); ++index) {
      compareFields(expected[index], actual[index], pointer + "/" + std::to_string(index), exemptions, problems);
    }
    return;
  }
  if (expected != actual) problems.push_back(where + ": expected " + expected.dump() + ", kvsim sent " + actual.dump());
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += "  " + line + "\n";
  return text;
}

#define EXPECT_MATCHES_EXAMPLE(expected, actual, exemptions)                  \
  do {                                                                        \
    std::vector<std::string> problems;                                        \
    compareFields((expected), (actual), "", (exemptions), problems);          \
    EXPECT_TRUE(problems.empty()) << "differences:\n" << joinLines(problems); \
  } while (false)

// The example body without the members that the service sets, as a PUT body that recreates it.
json writableCopy(json body, const std::vector<std::string>& readOnlyPointers) {
  for (const std::string& pointer : readOnlyPointers) {
    json::json_pointer path(pointer);
    if (!body.contains(path)) continue;
    json& parent = body.at(path.parent_pointer());
    if (parent.is_object()) parent.erase(path.back());
  }
  return body;
}

// Members that kvsim does not return for any Resource Manager resource.
const Exemptions kArmCommon = {
    {"/systemData", {FieldRule::Omitted, "kvsim does not record who created or changed a resource"}},
    {"/etag", {FieldRule::Generated, "a new etag per write"}},
};

Exemptions withCommon(Exemptions exemptions, const Exemptions& common = kArmCommon) {
  exemptions.insert(common.begin(), common.end());
  return exemptions;
}

TEST(SpecFieldComparison, ReportsEachDifferenceByPointer) {
  json expected = {{"name", "kv1"}, {"properties", {{"enabled", true}, {"count", 2}, {"tags", {"a", "b"}}}}, {"created", 5}};
  json actual = {{"name", "kv2"}, {"properties", {{"enabled", "true"}, {"count", 2}, {"tags", {"a"}}}}, {"created", 9}};
  Exemptions exemptions = {{"/created", {FieldRule::Generated, "a time"}}};
  std::vector<std::string> problems;

  compareFields(expected, actual, "", exemptions, problems);

  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "/name: expected \"kv1\", kvsim sent \"kv2\"");
  EXPECT_EQ(problems[1], "/properties/enabled: expected boolean true, kvsim sent \"true\"");
  EXPECT_EQ(problems[2], "/properties/tags: expected 2 elements, kvsim sent [\"a\"]");
}

TEST(SpecFieldComparison, OmittedFieldMayBeMissing) {
  json expected = {{"systemData", {{"createdBy", "user"}}}, {"id", "x"}};
  json actual = {{"id", "x"}};
  std::vector<std::string> problems;

  compareFields(expected, actual, "", {{"/systemData", {FieldRule::Omitted, "not recorded"}}}, problems);
  EXPECT_TRUE(problems.empty());
  compareFields(expected, actual, "", {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "/systemData: missing in kvsim's response");
}

// The exemptions of one item, moved to the first item of a list page, and the page's nextLink,
// which carries kvsim's address and skip token.
Exemptions listPageExemptions(const Exemptions& item) {
  Exemptions exemptions;
  for (const auto& [pointer, exemption] : item) exemptions["/value/0" + pointer] = exemption;
  exemptions["/nextLink"] = {FieldRule::Generated, "kvsim's address and skip token"};
  return exemptions;
}

class SpecExamplesTest : public SimulatorTest {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(kSpecsDir)) GTEST_SKIP() << "no spec examples at " << kSpecsDir;
  }

  // Runs long-running operations (at most a few minutes) to their end, well within the
  // tokens' one-hour lifetime.
  void finishOperations() { clock_->advance(std::chrono::minutes(10)); }

  // `query` adds parameters after the api-version, such as "&$top=1".
  json armGet(const std::string& id, const std::string& apiVersion, const std::string& query = "") {
    Response response = arm("GET", id + "?api-version=" + apiVersion + query);
    EXPECT_EQ(response.status, 200) << id << ": " << response.body;
    return json::parse(response.body, nullptr, false);
  }

  json armPut(const std::string& id, const std::string& apiVersion, const json& body) {
    Response response = arm("PUT", id + "?api-version=" + apiVersion, body);
    EXPECT_LT(response.status, 300) << id << ": " << response.body;
    finishOperations();
    return armGet(id, apiVersion);
  }

  void createGroupIn(const std::string& subscription, const std::string& group, const std::string& location) {
    createGroup(group, subscription, location);
  }

  // Creates the vault that an example's deleted vault describes, with its purge protection,
  // and deletes it.
  void deleteVaultLike(const json& deletedVault) {
    const json& properties = deletedVault["properties"];
    std::string id = properties["vaultId"];
    json body = {{"location", properties["location"]},
                 {"tags", properties["tags"]},
                 {"properties",
                  {{"tenantId", "00000000-0000-0000-0000-000000000000"},
                   {"sku", {{"family", "A"}, {"name", "standard"}}},
                   {"enablePurgeProtection", properties["purgeProtectionEnabled"]}}}};
    Response created = arm("PUT", id + "?api-version=2024-11-01", body);
    ASSERT_LT(created.status, 300) << created.body;
    finishOperations();
    Response deleted = arm("DELETE", id + "?api-version=2024-11-01");
    ASSERT_LT(deleted.status, 300) << deleted.body;
    finishOperations();
  }

  void createVaultFor(const std::string& name, const std::string& location = "westus") {
    createGroup("rg-data", kSubscription, location);
    ASSERT_LT(createVault(name, "rg-data", kSubscription, vaultBody(location)).status, 300);
    finishOperations();
  }
};

// ---- Microsoft.KeyVault (2024-11-01) ----

const Exemptions kVaultExemptions = withCommon({
    {"/properties/vaultUri", {FieldRule::Generated, "kvsim's vault host and port, not vault.azure.net"}},
    {"/properties/hsmPoolResourceId", {FieldRule::Omitted, "managed HSM pools are not simulated"}},
});

json vaultSeed(const json& exampleVault) {
  return writableCopy(exampleVault, {"/id", "/name", "/type", "/systemData", "/properties/vaultUri", "/properties/provisioningState",
                                     "/properties/hsmPoolResourceId"});
}

TEST_F(SpecExamplesTest, VaultCreateMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/createVault.json");
  const json& parameters = example["parameters"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "westus");

  json actual = armPut(vaultId(parameters["vaultName"], group, subscription), "2024-11-01", parameters["parameters"]);

  Exemptions exemptions = kVaultExemptions;
  // The example's response shows members that its request never set, so no service could
  // return them for this request.
  exemptions["/properties/networkAcls"] = {FieldRule::Omitted, "the example's request sets no network rules"};
  exemptions["/properties/privateEndpointConnections"] = {FieldRule::Omitted, "the example's request creates no private endpoint"};
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], actual, exemptions);
}

TEST_F(SpecExamplesTest, VaultGetMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/getVault.json");
  const json& parameters = example["parameters"];
  const json& expected = example["responses"]["200"]["body"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, expected["location"]);
  std::string id = expected["id"];
  armPut(id, "2024-11-01", vaultSeed(expected));

  EXPECT_MATCHES_EXAMPLE(expected, armGet(id, "2024-11-01"), kVaultExemptions);
}

TEST_F(SpecExamplesTest, VaultWithNetworkRulesMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/createVaultWithNetworkAcls.json");
  const json& parameters = example["parameters"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "westus");
  // The rule's subnet, with the Key Vault service endpoint that a network rule needs.
  createGroupIn("subid", "rg1", "westus");
  armPut("/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/test-vnet", "2025-03-01",
         {{"location", "westus"},
          {"properties",
           {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
            {"subnets",
             {{{"name", "subnet1"},
               {"properties", {{"addressPrefix", "10.0.1.0/24"}, {"serviceEndpoints", {{{"service", "Microsoft.KeyVault"}}}}}}}}}}}});

  json actual = armPut(vaultId(parameters["vaultName"], group, subscription), "2024-11-01", parameters["parameters"]);

  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], actual, kVaultExemptions);
}

TEST_F(SpecExamplesTest, VaultListMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/listVaultByResourceGroup.json");
  const json& parameters = example["parameters"];
  const json& expected = example["responses"]["200"]["body"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "westus");
  const json& listed = expected["value"][0];
  armPut(listed["id"], "2024-11-01", vaultSeed(listed));
  armPut(vaultId("sample-vault-2", group, subscription), "2024-11-01", vaultSeed(listed));

  json actual = armGet(groupId(group, subscription) + "/providers/Microsoft.KeyVault/vaults", "2024-11-01", "&$top=1");

  EXPECT_MATCHES_EXAMPLE(expected, actual, listPageExemptions(kVaultExemptions));
}

TEST_F(SpecExamplesTest, AccessPolicyAddMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/updateAccessPoliciesAdd.json");
  const json& parameters = example["parameters"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "westus");
  std::string vault = vaultId(parameters["vaultName"], group, subscription);
  armPut(vault, "2024-11-01", vaultBody("westus"));

  Response response = arm("PUT", vault + "/accessPolicies/add?api-version=2024-11-01", parameters["parameters"]);

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], bodyOf(response), Exemptions{});
}

TEST_F(SpecExamplesTest, CheckNameAvailabilityMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/checkVaultNameAvailability.json");
  const json& parameters = example["parameters"];
  std::string path = "/subscriptions/" + parameters["subscriptionId"].get<std::string>() +
                     "/providers/Microsoft.KeyVault/checkNameAvailability?api-version=2024-11-01";

  Response response = arm("POST", path, parameters["vaultName"]);

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], bodyOf(response), Exemptions{});
}

const Exemptions kDeletedVaultExemptions = {
    {"/properties/deletionDate", {FieldRule::Generated, "the time of the delete"}},
    {"/properties/scheduledPurgeDate", {FieldRule::Generated, "the delete time plus the retention days"}},
};

TEST_F(SpecExamplesTest, DeletedVaultGetMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/getDeletedVault.json");
  const json& expected = example["responses"]["200"]["body"];
  createGroupIn(example["parameters"]["subscriptionId"], "sample-group", "westus");
  deleteVaultLike(expected);

  json actual = armGet(expected["id"], "2024-11-01");

  EXPECT_MATCHES_EXAMPLE(expected, actual, kDeletedVaultExemptions);
}

TEST_F(SpecExamplesTest, DeletedVaultListMatchesExample) {
  json example = loadExample("keyvault-mgmt/2024-11-01/listDeletedVaults.json");
  const json& expected = example["responses"]["200"]["body"];
  std::string subscription = example["parameters"]["subscriptionId"];
  createGroupIn(subscription, "sample-group", "westus");
  json first = expected["value"][0];
  json second = first;
  second["properties"]["vaultId"] = groupId("sample-group", subscription) + "/providers/Microsoft.KeyVault/vaults/sample-vault-2";
  deleteVaultLike(first);
  deleteVaultLike(second);

  json actual = armGet("/subscriptions/" + subscription + "/providers/Microsoft.KeyVault/deletedVaults", "2024-11-01", "&$top=1");

  Exemptions exemptions = listPageExemptions(kDeletedVaultExemptions);
  // The example names the deleted vault "vault-agile-drawer-6404" although its id ends in
  // sample-vault. kvsim's name is the last segment of the id, as in the Get example.
  exemptions["/value/0/name"] = {FieldRule::Generated, "the example's name contradicts its id"};
  EXPECT_MATCHES_EXAMPLE(expected, actual, exemptions);
}

// ---- Microsoft.Network ----

TEST_F(SpecExamplesTest, VirtualNetworkCreateMatchesExample) {
  json example = loadExample("network/2025-03-01/VirtualNetworkCreateSubnet.json");
  const json& parameters = example["parameters"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "eastus");
  std::string id = groupId(group, subscription) + "/providers/Microsoft.Network/virtualNetworks/" + parameters["virtualNetworkName"].get<std::string>();

  json actual = armPut(id, "2025-03-01", parameters["parameters"]);

  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], actual, withCommon({}));
}

TEST_F(SpecExamplesTest, VirtualNetworkGetMatchesExample) {
  json example = loadExample("network/2025-03-01/VirtualNetworkGet.json");
  const json& expected = example["responses"]["200"]["body"];
  createGroupIn(example["parameters"]["subscriptionId"], example["parameters"]["resourceGroupName"], expected["location"]);
  json seed = writableCopy(expected, {"/id", "/name", "/type", "/properties/provisioningState", "/properties/subnets/0/id",
                                      "/properties/subnets/0/properties/provisioningState",
                                      "/properties/subnets/0/properties/ipConfigurations"});
  armPut(expected["id"], "2025-03-01", seed);

  Exemptions exemptions = withCommon({
      {"/properties/subnets/0/properties/ipConfigurations",
       {FieldRule::Omitted, "load balancers and network interfaces that would fill it are not simulated"}},
  });
  EXPECT_MATCHES_EXAMPLE(expected, armGet(expected["id"], "2025-03-01"), exemptions);
}

TEST_F(SpecExamplesTest, SubnetGetMatchesExample) {
  json example = loadExample("network/2025-03-01/SubnetGet.json");
  const json& parameters = example["parameters"];
  const json& expected = example["responses"]["200"]["body"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "westus");
  std::string vnet = groupId(group, subscription) + "/providers/Microsoft.Network/virtualNetworks/" + parameters["virtualNetworkName"].get<std::string>();
  armPut(vnet, "2025-03-01", {{"location", "westus"}, {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}}}});
  armPut(expected["id"], "2025-03-01", writableCopy(expected, {"/id", "/name", "/properties/provisioningState"}));

  EXPECT_MATCHES_EXAMPLE(expected, armGet(expected["id"], "2025-03-01"), withCommon({}));
}

TEST_F(SpecExamplesTest, SubnetWithServiceEndpointMatchesExample) {
  json example = loadExample("network/2025-07-01/SubnetCreateServiceEndpoint.json");
  const json& parameters = example["parameters"];
  const json& expected = example["responses"]["200"]["body"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "eastus2");
  std::string vnet = groupId(group, subscription) + "/providers/Microsoft.Network/virtualNetworks/" + parameters["virtualNetworkName"].get<std::string>();
  armPut(vnet, "2025-07-01", {{"location", "eastus2"}, {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/8"}}}}}}});

  json actual = armPut(expected["id"], "2025-07-01", parameters["subnetParameters"]);

  Exemptions exemptions = withCommon({
      {"/properties/serviceEndpoints/0/locations", {FieldRule::Generated, "the regions that Azure serves the endpoint in"}},
  });
  EXPECT_MATCHES_EXAMPLE(expected, actual, exemptions);
}

const Exemptions kPrivateEndpointExemptions = withCommon({
    {"/properties/networkInterfaces/0/id", {FieldRule::Generated, "a generated network interface name"}},
    {"/properties/privateLinkServiceConnections/0/id",
     {FieldRule::Generated, "the example's connection name \"plsconnection1\" is not in its request"}},
    {"/properties/privateLinkServiceConnections/0/properties/privateLinkServiceConnectionState/description",
     {FieldRule::Generated, "the target service writes it, and Key Vault writes \"Auto-Approved\""}},
    {"/properties/customDnsConfigs",
     {FieldRule::Omitted, "kvsim assigns no private IP addresses, so it has no DNS records to report"}},
});

// ---- Microsoft.Network private DNS (2024-06-01) ----

const Exemptions kPrivateDnsExemptions = withCommon({
    {"/properties/maxNumberOfRecordSets", {FieldRule::Omitted, "kvsim enforces no private DNS service limits"}},
    {"/properties/maxNumberOfVirtualNetworkLinks", {FieldRule::Omitted, "kvsim enforces no private DNS service limits"}},
    {"/properties/maxNumberOfVirtualNetworkLinksWithRegistration", {FieldRule::Omitted, "kvsim enforces no private DNS service limits"}},
    {"/properties/numberOfRecordSets", {FieldRule::Omitted, "kvsim serves no record sets"}},
    {"/properties/numberOfVirtualNetworkLinks", {FieldRule::Omitted, "kvsim does not count a zone's links"}},
    {"/properties/numberOfVirtualNetworkLinksWithRegistration", {FieldRule::Omitted, "kvsim does not count a zone's links"}},
});

TEST_F(SpecExamplesTest, PrivateDnsZoneAndLinkMatchExamples) {
  json zoneExample = loadExample("privatedns/2024-06-01/PrivateZonePut.json");
  json linkExample = loadExample("privatedns/2024-06-01/VirtualNetworkLinkPut.json");
  const json& zoneParameters = zoneExample["parameters"];
  std::string subscription = zoneParameters["subscriptionId"];
  createGroupIn(subscription, zoneParameters["resourceGroupName"], "westus");
  // The link's virtual network, in the subscription and group that the example names.
  createGroupIn("virtualNetworkSubscriptionId", "virtualNetworkResourceGroup", "westus");
  const json& linkParameters = linkExample["parameters"];
  armPut(linkParameters["parameters"]["properties"]["virtualNetwork"]["id"], "2025-03-01",
         {{"location", "westus"}, {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}}}});

  const json& expectedZone = zoneExample["responses"]["201"]["body"];
  json zone = armPut(expectedZone["id"], "2024-06-01", zoneParameters["parameters"]);
  EXPECT_MATCHES_EXAMPLE(expectedZone, zone, kPrivateDnsExemptions);

  const json& expectedLink = linkExample["responses"]["201"]["body"];
  json link = armPut(expectedLink["id"], "2024-06-01", linkParameters["parameters"]);
  EXPECT_MATCHES_EXAMPLE(expectedLink, link, withCommon({}));
}

TEST_F(SpecExamplesTest, PrivateEndpointCreateMatchesExample) {
  json example = loadExample("network/2025-07-01/PrivateEndpointCreate.json");
  const json& parameters = example["parameters"];
  const json& expected = example["responses"]["200"]["body"];
  std::string subscription = parameters["subscriptionId"];
  std::string group = parameters["resourceGroupName"];
  createGroupIn(subscription, group, "eastus2euap");
  std::string vnet = groupId(group, subscription) + "/providers/Microsoft.Network/virtualNetworks/myVnet";
  armPut(vnet, "2025-07-01",
         {{"location", "eastus2euap"},
          {"properties",
           {{"addressSpace", {{"addressPrefixes", {"192.168.0.0/16"}}}},
            {"subnets", {{{"name", "mySubnet"}, {"properties", {{"addressPrefix", "192.168.0.0/24"}}}}}}}}});

  json actual = armPut(expected["id"], "2025-07-01", parameters["parameters"]);

  EXPECT_MATCHES_EXAMPLE(expected, actual, kPrivateEndpointExemptions);
}

// ---- Key Vault data plane ----

// Data-plane ids carry the vault host, which differs from vault.azure.net, and versions that
// the service generates.
const Exemptions kDataPlaneIds = {
    {"/id", {FieldRule::Generated, "kvsim's vault host and a generated version"}},
    {"/attributes/created", {FieldRule::Generated, "the time of the write"}},
    {"/attributes/updated", {FieldRule::Generated, "the time of the write"}},
};

TEST_F(SpecExamplesTest, SecretSetAndGetMatchExamples) {
  json setExample = loadExample("keyvault-secrets/7.6/SetSecret-example.json");
  json getExample = loadExample("keyvault-secrets/7.6/GetSecret-example.json");
  createVaultFor("myvault");
  std::string name = setExample["parameters"]["secret-name"];

  Response set = vault("myvault", "PUT", "/secrets/" + name + "?api-version=7.6", setExample["parameters"]["parameters"]);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_MATCHES_EXAMPLE(setExample["responses"]["200"]["body"], bodyOf(set), kDataPlaneIds);

  std::string version = bodyOf(set)["id"].get<std::string>().substr(bodyOf(set)["id"].get<std::string>().rfind('/') + 1);
  Response get = vault("myvault", "GET", "/secrets/" + name + "/" + version + "?api-version=7.6");
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_MATCHES_EXAMPLE(getExample["responses"]["200"]["body"], bodyOf(get), kDataPlaneIds);
}

TEST_F(SpecExamplesTest, SecretVersionsMatchExample) {
  json example = loadExample("keyvault-secrets/7.5/GetSecretVersions-example.json");
  createVaultFor("myvault");
  std::string name = example["parameters"]["secret-name"];
  for (const char* value : {"test-only-v1", "test-only-v2"}) {
    ASSERT_EQ(vault("myvault", "PUT", "/secrets/" + name + "?api-version=7.5", {{"value", value}}).status, 200);
  }

  Response list = vault("myvault", "GET", "/secrets/" + name + "/versions?api-version=7.5&maxresults=1");

  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], bodyOf(list), listPageExemptions(kDataPlaneIds));
}

TEST_F(SpecExamplesTest, SecretListMatchesExample) {
  json example = loadExample("keyvault-secrets/7.6/GetSecrets-example.json");
  createVaultFor("myvault");
  for (const char* name : {"listsecrettest0", "listsecrettest1"}) {
    json body = {{"value", "test-only-value"}, {"contentType", "plainText"}};
    ASSERT_EQ(vault("myvault", "PUT", std::string("/secrets/") + name + "?api-version=7.6", body).status, 200);
  }

  Response list = vault("myvault", "GET", "/secrets?api-version=7.6&maxresults=1");

  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], bodyOf(list), listPageExemptions(kDataPlaneIds));
}

TEST_F(SpecExamplesTest, DeletedSecretMatchesExample) {
  json example = loadExample("keyvault-secrets/7.6/GetDeletedSecret-example.json");
  createVaultFor("myvault");
  std::string name = example["parameters"]["secret-name"];
  ASSERT_EQ(vault("myvault", "PUT", "/secrets/" + name + "?api-version=7.6", {{"value", "test-only-value"}}).status, 200);
  ASSERT_EQ(vault("myvault", "DELETE", "/secrets/" + name + "?api-version=7.6").status, 200);

  Response deleted = vault("myvault", "GET", "/deletedsecrets/" + name + "?api-version=7.6");

  ASSERT_EQ(deleted.status, 200) << deleted.body;
  Exemptions exemptions = kDataPlaneIds;
  exemptions["/recoveryId"] = {FieldRule::Generated, "kvsim's vault host"};
  exemptions["/deletedDate"] = {FieldRule::Generated, "the time of the delete"};
  exemptions["/scheduledPurgeDate"] = {FieldRule::Generated, "the delete time plus the retention days"};
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], bodyOf(deleted), exemptions);
}

TEST_F(SpecExamplesTest, SecretBackupAndRestoreMatchExamples) {
  json backupExample = loadExample("keyvault-secrets/7.5/BackupSecret-example.json");
  json restoreExample = loadExample("keyvault-secrets/7.6/RestoreSecret-example.json");
  createVaultFor("myvault");
  // The restored secret takes the attributes of the example's response.
  json restoredSecret = {{"value", "test-only-value"},
                         {"contentType", "text"},
                         {"attributes", {{"nbf", 1262332800}, {"exp", 1893484800}}}};
  ASSERT_EQ(vault("myvault", "PUT", "/secrets/SecretBackupRestoreTest?api-version=7.6", restoredSecret).status, 200);

  Response backup = vault("myvault", "POST", "/secrets/SecretBackupRestoreTest/backup?api-version=7.5");
  ASSERT_EQ(backup.status, 200) << backup.body;
  Exemptions backupExemptions = {{"/value", {FieldRule::Generated, "a blob sealed with kvsim's backup key"}}};
  EXPECT_MATCHES_EXAMPLE(backupExample["responses"]["200"]["body"], bodyOf(backup), backupExemptions);

  // Restore into a second vault of the same subscription and geography, whose name is free.
  createGroup("rg-restore", kSubscription, "westus");
  ASSERT_LT(createVault("myvault2", "rg-restore", kSubscription, vaultBody("westus")).status, 300);
  finishOperations();
  Response restored = vault("myvault2", "POST", "/secrets/restore?api-version=7.6", {{"value", bodyOf(backup)["value"]}});
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_MATCHES_EXAMPLE(restoreExample["responses"]["200"]["body"], bodyOf(restored), kDataPlaneIds);
}

Exemptions keyExemptions() {
  Exemptions exemptions = kDataPlaneIds;
  exemptions["/key/kid"] = {FieldRule::Generated, "kvsim's vault host and a generated version"};
  exemptions["/key/n"] = {FieldRule::Generated, "a new RSA modulus"};
  exemptions.erase("/id");
  return exemptions;
}

TEST_F(SpecExamplesTest, KeyCreateAndGetMatchExamples) {
  json createExample = loadExample("keyvault-keys/7.5/CreateKey-example.json");
  json getExample = loadExample("keyvault-keys/7.5/GetKey-example.json");
  createVaultFor("myvault");
  std::string name = createExample["parameters"]["key-name"];

  Response created = vault("myvault", "POST", "/keys/" + name + "/create?api-version=7.5", createExample["parameters"]["parameters"]);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_MATCHES_EXAMPLE(createExample["responses"]["200"]["body"], bodyOf(created), keyExemptions());

  Response read = vault("myvault", "GET", "/keys/" + name + "?api-version=7.5");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_MATCHES_EXAMPLE(getExample["responses"]["200"]["body"], bodyOf(read), keyExemptions());
}

TEST_F(SpecExamplesTest, KeyRotationPolicyMatchesExamples) {
  json updateExample = loadExample("keyvault-keys/7.6/UpdateKeyRotationPolicy-example.json");
  json getExample = loadExample("keyvault-keys/7.6/GetKeyRotationPolicy-example.json");
  createVaultFor("myvault");
  std::string name = updateExample["parameters"]["key-name"];
  ASSERT_EQ(vault("myvault", "POST", "/keys/" + name + "/create?api-version=7.6", {{"kty", "RSA"}}).status, 200);

  Response updated = vault("myvault", "PUT", "/keys/" + name + "/rotationpolicy?api-version=7.6", updateExample["parameters"]["keyRotationPolicy"]);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_MATCHES_EXAMPLE(updateExample["responses"]["200"]["body"], bodyOf(updated), kDataPlaneIds);

  Response read = vault("myvault", "GET", "/keys/" + name + "/rotationpolicy?api-version=7.6");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_MATCHES_EXAMPLE(getExample["responses"]["200"]["body"], bodyOf(read), kDataPlaneIds);
}

std::string makeRsaPfx(const std::string& commonName, const std::string& password) {
  return makeSelfSignedPfx(EVP_RSA_gen(2048), commonName, password, 365L * 24 * 3600);
}

TEST_F(SpecExamplesTest, CertificateImportMatchesExample) {
  json example = loadExample("keyvault-certificates/7.5/ImportCertificate-example.json");
  createVaultFor("myvault");
  json request = example["parameters"]["parameters"];
  const std::string fakePassword = "test-only-password";
  // The example's PFX is cut short, so the test makes one with the example's subject.
  request["value"] = makeRsaPfx("KeyVaultTest", fakePassword);
  request["pwd"] = fakePassword;
  std::string name = example["parameters"]["certificate-name"];

  Response imported = vault("myvault", "POST", "/certificates/" + name + "/import?api-version=7.5", request);

  ASSERT_EQ(imported.status, 200) << imported.body;
  Exemptions exemptions = kDataPlaneIds;
  exemptions["/kid"] = {FieldRule::Generated, "kvsim's vault host and a generated version"};
  exemptions["/sid"] = {FieldRule::Generated, "kvsim's vault host and a generated version"};
  exemptions["/x5t"] = {FieldRule::Generated, "the thumbprint of the test's certificate"};
  exemptions["/cer"] = {FieldRule::Generated, "the test's certificate"};
  exemptions["/attributes/nbf"] = {FieldRule::Generated, "the test's certificate's validity"};
  exemptions["/attributes/exp"] = {FieldRule::Generated, "the test's certificate's validity"};
  exemptions["/policy/id"] = {FieldRule::Generated, "kvsim's vault host"};
  exemptions["/policy/x509_props/validity_months"] = {FieldRule::Generated, "the test's certificate's validity"};
  exemptions["/policy/attributes/created"] = {FieldRule::Generated, "the time of the import"};
  exemptions["/policy/attributes/updated"] = {FieldRule::Generated, "the time of the import"};
  EXPECT_MATCHES_EXAMPLE(example["responses"]["200"]["body"], bodyOf(imported), exemptions);
}

TEST_F(SpecExamplesTest, CertificateListMatchesExample) {
  json example = loadExample("keyvault-certificates/7.5/GetCertificates-example.json");
  const json& expected = example["responses"]["200"]["body"];
  createVaultFor("myvault");
  const std::string fakePassword = "test-only-password";
  for (const char* name : {"listCert01", "listCert02"}) {
    json request = {{"value", makeRsaPfx("KeyVaultTest", fakePassword)}, {"pwd", fakePassword}};
    Response imported = vault("myvault", "POST", std::string("/certificates/") + name + "/import?api-version=7.5", request);
    ASSERT_EQ(imported.status, 200) << imported.body;
  }

  Response list = vault("myvault", "GET", "/certificates?api-version=7.5");

  ASSERT_EQ(list.status, 200) << list.body;
  Exemptions exemptions;
  for (const char* item : {"/value/0", "/value/1"}) {
    for (const char* pointer : {"/id", "/x5t", "/attributes/nbf", "/attributes/exp", "/attributes/created", "/attributes/updated"}) {
      exemptions[std::string(item) + pointer] = {FieldRule::Generated, "kvsim's vault host, the test's certificate and times"};
    }
  }
  EXPECT_MATCHES_EXAMPLE(expected, bodyOf(list), exemptions);
}

}  // namespace
}  // namespace kvr::sim::testing
