// Key Vault throttling: with a budget of one secret write per second, the second write gets
// 429 with Retry-After, and @azure/keyvault-secrets waits and retries it successfully.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dataPlaneClients } from "./support/clients.mjs";
import { readCounters } from "./support/kvsim.mjs";
import { startKvsimWithVaults } from "./support/vault-fixture.mjs";

const vaultName = "kv-conformance-429";


describe("throttling", () => {
  let fixture;
  before(async () => {
    fixture = await startKvsimWithVaults("rg-conformance-429", [vaultName], {
      settings: { keyVaultThrottle: { windowSeconds: 1, secretCreateAndImport: 1 } },
    });
  });
  after(async () => fixture?.kvsim.stop());

  test("retries a throttled request after Retry-After", async () => {
    const secrets = dataPlaneClients(fixture.kvsim.vaultUrl(vaultName), fixture.credential).secrets;
    await secrets.setSecret("first", "test-only-first");
    const started = Date.now();
    const second = await secrets.setSecret("second", "test-only-second");
    const waitedMs = Date.now() - started;

    assert.equal(second.name, "second");
    assert.equal((await secrets.getSecret("second")).value, "test-only-second");
    const budget = `throttle.${vaultName}.secretCreateAndImport`;
    const counted = await readCounters(fixture.kvsim);
    assert.equal(counted[`${budget}.rejected`], 1);
    assert.equal(counted[`${budget}.accepted`], 2);
    assert.equal(counted["status.429"], 1);
    // Retry-After is whole seconds, so the retry waited at least most of one second.
    assert.ok(waitedMs >= 900, `the retry came after ${waitedMs} ms`);
  });
});
