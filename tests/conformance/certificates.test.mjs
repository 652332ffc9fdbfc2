// Certificates through @azure/keyvault-certificates: import a PFX made for this test, read
// it back, and download it again as the managed secret of the same name.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { dataPlaneClients } from "./support/clients.mjs";
import { startKvsimWithVaults } from "./support/vault-fixture.mjs";

const vaultName = "kv-conformance-certs";
// An obviously fake password; it reaches openssl through the environment, never argv.
const fakePfxPassword = "test-only-pfx-password";

// Makes a self-signed certificate and its PFX in a temporary directory with the openssl
// command line. Returns the PFX bytes and the certificate in PEM.
async function makePfx(commonName) {
  const dir = await mkdtemp(path.join(tmpdir(), "kvsim-conformance-pfx-"));
  try {
    const env = { ...process.env, KVSIM_TEST_PFX_PASSWORD: fakePfxPassword };
    const keyFile = path.join(dir, "key.pem");
    const certFile = path.join(dir, "cert.pem");
    const pfxFile = path.join(dir, "cert.pfx");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile,
      "-subj", `/CN=${commonName}`, "-days", "30"], { stdio: "ignore" });
    execFileSync("openssl", ["pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-out", pfxFile,
      "-passout", "env:KVSIM_TEST_PFX_PASSWORD"], { stdio: "ignore", env });
    return { pfx: await readFile(pfxFile), certificatePem: await readFile(certFile, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Opens a PFX that has no password and returns its certificate and whether it contains a private key.
async function openPasswordlessPfx(pfx) {
  const dir = await mkdtemp(path.join(tmpdir(), "kvsim-conformance-pfx-"));
  try {
    const pfxFile = path.join(dir, "download.pfx");
    await writeFile(pfxFile, pfx, { mode: 0o600 });
    const certificatePem = execFileSync("openssl", ["pkcs12", "-in", pfxFile, "-passin", "pass:", "-nokeys", "-clcerts"], { encoding: "utf8" });
    const keyPem = execFileSync("openssl", ["pkcs12", "-in", pfxFile, "-passin", "pass:", "-nocerts", "-nodes"], { encoding: "utf8" });
    return { certificate: new X509Certificate(certificatePem), hasPrivateKey: keyPem.includes("PRIVATE KEY") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("certificates", () => {
  let fixture;
  let clients;
  let generated;
  before(async () => {
    fixture = await startKvsimWithVaults("rg-conformance-certs", [vaultName]);
    clients = dataPlaneClients(fixture.kvsim.vaultUrl(vaultName), fixture.credential);
    generated = await makePfx("conformance.example.test");
  });
  after(async () => fixture?.kvsim.stop());

  test("imports a PFX and reads the certificate back", async () => {
    const imported = await clients.certificates.importCertificate("tls-cert", generated.pfx, {
      password: fakePfxPassword,
      policy: { contentType: "application/x-pkcs12", exportable: true },
    });
    const expected = new X509Certificate(generated.certificatePem);
    assert.equal(imported.name, "tls-cert");
    assert.deepEqual(Buffer.from(imported.cer), expected.raw);
    assert.equal(imported.properties.x509Thumbprint && Buffer.from(imported.properties.x509Thumbprint).toString("hex").toUpperCase(),
      expected.fingerprint.replaceAll(":", ""));

    const read = await clients.certificates.getCertificate("tls-cert");
    assert.equal(read.properties.version, imported.properties.version);
    assert.equal(read.policy?.subject, "CN=conformance.example.test");
    assert.equal(read.policy?.contentType, "application/x-pkcs12");
  });

  test("downloads the PFX again through the managed secret", async () => {
    const certificate = await clients.certificates.getCertificate("tls-cert");
    const secret = await clients.secrets.getSecret("tls-cert");
    assert.equal(secret.properties.contentType, "application/x-pkcs12");
    assert.equal(secret.properties.managed, true);
    assert.equal(secret.properties.version, certificate.properties.version);
    assert.equal(secret.properties.certificateKeyId, certificate.keyId);

    const downloaded = await openPasswordlessPfx(Buffer.from(secret.value, "base64"));
    assert.deepEqual(downloaded.certificate.raw, Buffer.from(certificate.cer));
    assert.equal(downloaded.hasPrivateKey, true);
  });

  test("lists certificate versions", async () => {
    const versions = [];
    for await (const properties of clients.certificates.listPropertiesOfCertificateVersions("tls-cert")) versions.push(properties.version);
    assert.equal(versions.length, 1);
  });
});
