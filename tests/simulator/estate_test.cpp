#include "simulator_fixture.h"

#include "simulator/random_text.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>

namespace kvr::sim::testing {
namespace {

using nlohmann::json;

constexpr const char* kExampleSubscription = "6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93";

json readExample() {
  std::ifstream stream(std::string(KVR_SOURCE_DIR) + "/examples/contoso-payments/inventory.json");
  return json::parse(stream);
}

class EstateTest : public SimulatorTest {
 protected:
  void SetUp() override { simulator_.loadEstate(readExample()); }
};

TEST_F(EstateTest, ExampleVaultIsServedWithLocalUri) {
  json vaults = bodyOf(arm("GET", std::string("/subscriptions/") + kExampleSubscription + "/providers/Microsoft.KeyVault/vaults" + kArmVersion));
  ASSERT_GE(vaults["value"].size(), 1u);
  json vault = vaults["value"][0];
  EXPECT_EQ(vault["properties"]["vaultUri"], "https://" + vault["name"].get<std::string>() + ".vault.localhost:8443/");
}

TEST_F(EstateTest, ExampleSecretValuesAreServed) {
  Response response = vault("kv-payments-weu", "GET", "/secrets/db-connection?api-version=7.6");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(bodyOf(response)["value"], "test-only-db-connection-v3");
}

TEST_F(EstateTest, SnapshotHidesValuesUnlessAsked) {
  Response snapshot = simulator_.handle(Request::fromTarget("GET", "/_admin/snapshot"));
  ASSERT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.body.find("test-only-db-connection"), std::string::npos);
  EXPECT_EQ(bodyOf(snapshot)["kind"], "kvrelocate.inventory");
  Response withValues = simulator_.handle(Request::fromTarget("GET", "/_admin/snapshot?includeValues=true"));
  EXPECT_NE(withValues.body.find("test-only-db-connection-v3"), std::string::npos);
}

TEST_F(EstateTest, ExampleCertificateIsGeneratedFromPolicy) {
  Response certificate = vault("kv-payments-weu", "GET", "/certificates/payments-tls?api-version=7.6");
  ASSERT_EQ(certificate.status, 200) << certificate.body;
  json bundle = bodyOf(certificate);
  EXPECT_EQ(bundle["id"], "https://kv-payments-weu.vault.localhost:8443/certificates/payments-tls/f2b5e8a1d4c74f60b3e6a9d2c5f8b174");
  EXPECT_EQ(bundle["attributes"]["exp"], 1787392800);
  EXPECT_EQ(bundle["policy"]["issuer"]["name"], "Self");

  std::string der;
  ASSERT_TRUE(base64UrlDecode(bundle["cer"].get<std::string>(), der));
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> parsed(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())), X509_free);
  ASSERT_NE(parsed, nullptr);
  char subject[256] = {};
  X509_NAME_oneline(X509_get_subject_name(parsed.get()), subject, sizeof subject);
  EXPECT_STREQ(subject, "/CN=payments.contoso.example");
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(parsed.get())), 2048);
  std::tm notAfter{};
  ASN1_TIME_to_tm(X509_get0_notAfter(parsed.get()), &notAfter);
  EXPECT_EQ(timegm(&notAfter), 1787392800);

  json versions = bodyOf(vault("kv-payments-weu", "GET", "/certificates/payments-tls/versions?api-version=7.6"));
  EXPECT_EQ(versions["value"].size(), 2u);
  json secret = bodyOf(vault("kv-payments-weu", "GET", "/secrets/payments-tls?api-version=7.6"));
  EXPECT_EQ(secret["kid"], "https://kv-payments-weu.vault.localhost:8443/keys/payments-tls/f2b5e8a1d4c74f60b3e6a9d2c5f8b174");
  EXPECT_EQ(vault("kv-payments-weu", "GET", "/keys/payments-tls?api-version=7.6").status, 200);
  json snapshot = simulator_.snapshot(false);
  EXPECT_EQ(snapshot["dataPlane"]["kv-payments-weu"]["certificates"][0]["versions"][1]["x5t"], bundle["x5t"]);
}

TEST_F(EstateTest, ResetRestoresTheEstate) {
  vault("kv-payments-weu", "DELETE", "/secrets/db-connection?api-version=7.6");
  EXPECT_EQ(vault("kv-payments-weu", "GET", "/secrets/db-connection?api-version=7.6").status, 404);
  EXPECT_EQ(simulator_.handle(Request::fromTarget("POST", "/_admin/reset")).status, 204);
  armToken_ = simulator_.issueToken("https://management.azure.com/.default");
  vaultToken_ = simulator_.issueToken("https://vault.azure.net/.default");
  EXPECT_EQ(vault("kv-payments-weu", "GET", "/secrets/db-connection?api-version=7.6").status, 200);
}

TEST_F(EstateTest, CountersTrackRequestsByAreaAndStatus) {
  vault("kv-payments-weu", "GET", "/secrets?api-version=7.6");
  json counters = bodyOf(simulator_.handle(Request::fromTarget("GET", "/_admin/counters")));
  EXPECT_EQ(counters["keyVault.GET"], 1);
  EXPECT_EQ(counters["status.200"], 1);
}

TEST_F(EstateTest, SnapshotSeedsAnEqualState) {
  json snapshot = simulator_.snapshot(true);
  Simulator copy(makeConfig(), clock_);
  copy.setBaseUrl(kBaseUrl);
  copy.loadEstate(snapshot);
  EXPECT_EQ(copy.snapshot(true), snapshot);
}

TEST(EstateShapeTest, NonInventoryIsRejected) {
  Simulator simulator(SimulatorConfig{});
  EXPECT_THROW(simulator.loadEstate(json{{"kind", "other"}}), std::runtime_error);
  EXPECT_THROW(simulator.loadEstate(json{{"kind", "kvrelocate.inventory"}}), std::runtime_error);
}

}  // namespace
}  // namespace kvr::sim::testing
