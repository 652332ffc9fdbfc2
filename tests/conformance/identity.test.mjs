// Credentials from @azure/identity against kvsim's token endpoints: a managed identity
// found through IDENTITY_ENDPOINT and IDENTITY_HEADER, as App Service sets them, pointed at
// kvsim's loopback endpoint (never the instance metadata address).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManagedIdentityCredential } from "@azure/identity";
import { identityHeader, readCounters } from "./support/kvsim.mjs";
import { dataPlaneClients, managementClients } from "./support/clients.mjs";
import { startKvsimWithVaults } from "./support/vault-fixture.mjs";

const resourceGroup = "rg-conformance-identity";

const vaultName = "kv-conformance-msi";

describe("identity", () => {
  let fixture;
  before(async () => {
    fixture = await startKvsimWithVaults(resourceGroup, [vaultName]);
    process.env.IDENTITY_ENDPOINT = `${fixture.kvsim.baseUrl}/msi/token`;
    process.env.IDENTITY_HEADER = identityHeader;
  });
  after(async () => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.IDENTITY_HEADER;
    await fixture?.kvsim.stop();
  });

  test("client secret credential gets a token for each audience", async () => {
    const management = await fixture.credential.getToken("https://management.azure.com/.default");
    const vault = await fixture.credential.getToken("https://vault.azure.net/.default");
    assert.ok(management.token.length > 0);
    assert.notEqual(management.token, vault.token);
    assert.ok(management.expiresOnTimestamp > Date.now());
  });

  test("managed identity reads a vault and a secret", async () => {
    const identityRequestsBefore = (await readCounters(fixture.kvsim))["identity.GET"] ?? 0;
    const credential = new ManagedIdentityCredential();
    const token = await credential.getToken("https://management.azure.com/.default");
    assert.ok(token.expiresOnTimestamp > Date.now());
    // The token came from kvsim's App Service endpoint, in one request.
    assert.equal((await readCounters(fixture.kvsim))["identity.GET"], identityRequestsBefore + 1);

    const vault = await managementClients(fixture.kvsim, credential).keyVault.vaults.get(resourceGroup, vaultName);
    assert.equal(vault.name, vaultName);

    const secrets = dataPlaneClients(fixture.kvsim.vaultUrl(vaultName), credential).secrets;
    await secrets.setSecret("msi-secret", "test-only-msi-value");
    assert.equal((await secrets.getSecret("msi-secret")).value, "test-only-msi-value");
  });
});
