// Keys through @azure/keyvault-keys: create, back up and restore into a second vault of the
// same subscription and geography, and the rotation policy.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dataPlaneClients } from "./support/clients.mjs";
import { startKvsimWithVaults } from "./support/vault-fixture.mjs";

const sourceVault = "kv-conformance-keys";
const targetVault = "kv-conformance-keys2";

describe("keys", () => {
  let fixture;
  let source;
  let target;
  before(async () => {
    fixture = await startKvsimWithVaults("rg-conformance-keys", [sourceVault, targetVault]);
    source = dataPlaneClients(fixture.kvsim.vaultUrl(sourceVault), fixture.credential).keys;
    target = dataPlaneClients(fixture.kvsim.vaultUrl(targetVault), fixture.credential).keys;
  });
  after(async () => fixture?.kvsim.stop());

  test("creates RSA and EC keys with public members only", async () => {
    const rsa = await source.createRsaKey("signing-key", { keySize: 2048, keyOps: ["sign", "verify"], tags: { owner: "conformance" } });
    assert.equal(rsa.keyType, "RSA");
    assert.equal(rsa.key?.n?.length, 256);
    assert.ok(rsa.key?.e?.length > 0);
    assert.equal(rsa.key?.d, undefined);
    assert.deepEqual(rsa.keyOperations, ["sign", "verify"]);
    assert.equal(rsa.properties.tags?.owner, "conformance");
    assert.equal(rsa.id, `${fixture.kvsim.vaultUrl(sourceVault)}/keys/signing-key/${rsa.properties.version}`);

    const ec = await source.createEcKey("ec-key", { curve: "P-256" });
    assert.equal(ec.keyType, "EC");
    assert.equal(ec.key?.crv, "P-256");
    assert.equal(ec.key?.x?.length, 32);

    const read = await source.getKey("signing-key");
    assert.equal(read.properties.version, rsa.properties.version);
    assert.deepEqual(Buffer.from(read.key.n), Buffer.from(rsa.key.n));
  });

  test("backs up a key and restores it into another vault", async () => {
    const original = await source.getKey("signing-key");
    const backup = await source.backupKey("signing-key");
    assert.ok(backup instanceof Uint8Array);
    assert.ok(backup.length > 0);

    const restored = await target.restoreKeyBackup(backup);
    assert.equal(restored.name, "signing-key");
    assert.equal(restored.properties.version, original.properties.version);
    assert.equal(restored.properties.vaultUrl, fixture.kvsim.vaultUrl(targetVault));
    assert.deepEqual(Buffer.from(restored.key.n), Buffer.from(original.key.n));

    // The source still holds the key, so restoring there again is a conflict.
    await assert.rejects(source.restoreKeyBackup(backup), (error) => error.statusCode === 409);
  });

  test("sets and reads a rotation policy", async () => {
    const policy = await source.updateKeyRotationPolicy("signing-key", {
      expiresIn: "P90D",
      lifetimeActions: [
        { action: "Rotate", timeBeforeExpiry: "P30D" },
        { action: "Notify", timeBeforeExpiry: "P7D" },
      ],
    });
    assert.equal(policy.expiresIn, "P90D");
    assert.equal(policy.lifetimeActions?.length, 2);

    const read = await source.getKeyRotationPolicy("signing-key");
    assert.equal(read.expiresIn, "P90D");
    const rotate = read.lifetimeActions?.find((action) => action.action === "Rotate");
    assert.equal(rotate?.timeBeforeExpiry, "P30D");
    const notify = read.lifetimeActions?.find((action) => action.action === "Notify");
    assert.equal(notify?.timeBeforeExpiry, "P7D");
  });

  test("rotates a key to a new version", async () => {
    const before = await source.getKey("signing-key");
    const rotated = await source.rotateKey("signing-key");
    assert.notEqual(rotated.properties.version, before.properties.version);
    const versions = [];
    for await (const properties of source.listPropertiesOfKeyVersions("signing-key")) versions.push(properties.version);
    assert.equal(versions.length, 2);
  });
});
