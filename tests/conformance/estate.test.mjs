// The bundled example estate served with `kvsim --estate`: its vault through
// @azure/arm-keyvault and its secrets through @azure/keyvault-secrets.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { startKvsim } from "./support/kvsim.mjs";
import { clientSecretCredential, dataPlaneClients } from "./support/clients.mjs";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";

const sourceDir = process.env.KVR_SOURCE_DIR ?? path.resolve(import.meta.dirname, "../..");
const estateFile = path.join(sourceDir, "examples/contoso-payments/inventory.json");
const vaultType = "microsoft.keyvault/vaults";

describe("example estate", () => {
  let kvsim;
  let inventory;
  let vaultResource;
  let credential;
  before(async () => {
    inventory = JSON.parse(await readFile(estateFile, "utf8"));
    vaultResource = inventory.resources.find((resource) => resource.type.toLowerCase() === vaultType);
    kvsim = await startKvsim({ args: ["--estate", estateFile] });
    credential = clientSecretCredential(kvsim);
  });
  after(async () => kvsim?.stop());

  test("lists the estate's vault in its subscription", async () => {
    const subscriptionId = vaultResource.id.split("/")[2];
    const scope = "https://management.azure.com/.default";
    const client = new KeyVaultManagementClient(credential, subscriptionId, { endpoint: kvsim.baseUrl, credentials: { scopes: [scope] } });
    const vaults = [];
    for await (const vault of client.vaults.listBySubscription()) vaults.push(vault);
    assert.deepEqual(vaults.map((vault) => vault.id), [vaultResource.id]);
    assert.equal(vaults[0].location, vaultResource.location);
    assert.equal(vaults[0].properties.vaultUri, `${kvsim.vaultUrl(vaultResource.name)}/`);
  });

  test("lists the estate's secrets and reads a value", async () => {
    // As in Azure, the list includes the secrets that back certificates, marked managed.
    const expected = inventory.dataPlane[vaultResource.name].secrets;
    const secrets = dataPlaneClients(kvsim.vaultUrl(vaultResource.name), credential).secrets;
    const listed = [];
    for await (const properties of secrets.listPropertiesOfSecrets()) listed.push(properties);
    const label = (name, managed) => `${name}${managed ? " (managed)" : ""}`;
    assert.deepEqual(
      listed.map((properties) => label(properties.name, properties.managed)).sort(),
      expected.map((secret) => label(secret.name, secret.managed)).sort(),
    );

    const apiKey = expected.find((secret) => secret.name === "payments-api-key");
    const latest = apiKey.versions.at(-1);
    const read = await secrets.getSecret("payments-api-key");
    assert.equal(read.value, latest.value);
    assert.equal(read.properties.version, latest.version);
    assert.equal(read.properties.expiresOn?.getTime(), latest.attributes.exp * 1000);
  });
});
