// Secrets through @azure/keyvault-secrets: versions, listing versions and reading one.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dataPlaneClients } from "./support/clients.mjs";
import { startKvsimWithVaults } from "./support/vault-fixture.mjs";

const vaultName = "kv-conformance-secrets";

describe("secrets", () => {
  let fixture;
  let secrets;
  before(async () => {
    fixture = await startKvsimWithVaults("rg-conformance-secrets", [vaultName]);
    secrets = dataPlaneClients(fixture.kvsim.vaultUrl(vaultName), fixture.credential).secrets;
  });
  after(async () => fixture?.kvsim.stop());

  test("sets versions and reads each of them", async () => {
    const first = await secrets.setSecret("db-password", "test-only-value-1", { contentType: "text/plain", tags: { owner: "conformance" } });
    const second = await secrets.setSecret("db-password", "test-only-value-2");
    assert.notEqual(first.properties.version, second.properties.version);
    assert.equal(first.properties.contentType, "text/plain");
    assert.equal(first.properties.tags?.owner, "conformance");
    assert.equal(first.properties.vaultUrl, fixture.kvsim.vaultUrl(vaultName));
    assert.equal(first.properties.enabled, true);
    assert.ok(first.properties.createdOn instanceof Date);

    const latest = await secrets.getSecret("db-password");
    assert.equal(latest.value, "test-only-value-2");
    assert.equal(latest.properties.version, second.properties.version);

    const older = await secrets.getSecret("db-password", { version: first.properties.version });
    assert.equal(older.value, "test-only-value-1");
    assert.equal(older.properties.contentType, "text/plain");
  });

  test("lists the versions of a secret", async () => {
    const versions = [];
    for await (const properties of secrets.listPropertiesOfSecretVersions("db-password")) versions.push(properties.version);
    assert.equal(versions.length, 2);

    const names = [];
    for await (const properties of secrets.listPropertiesOfSecrets()) names.push(properties.name);
    assert.deepEqual(names, ["db-password"]);
  });

  test("disables a version and keeps the others readable", async () => {
    const versions = [];
    for await (const properties of secrets.listPropertiesOfSecretVersions("db-password")) versions.push(properties.version);
    const latest = await secrets.getSecret("db-password");
    const older = versions.find((version) => version !== latest.properties.version);

    const updated = await secrets.updateSecretProperties("db-password", older, { enabled: false });
    assert.equal(updated.enabled, false);
    await assert.rejects(secrets.getSecret("db-password", { version: older }), (error) => error.statusCode === 403);
    assert.equal((await secrets.getSecret("db-password")).value, "test-only-value-2");
  });

  test("reports a missing secret as 404 SecretNotFound", async () => {
    await assert.rejects(secrets.getSecret("no-such-secret"), (error) => error.statusCode === 404 && error.code === "SecretNotFound");
  });
});
