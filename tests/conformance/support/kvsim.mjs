// Starts a kvsim process for one test file and stops it afterwards. The binary comes from
// KVSIM_PATH. Each instance gets its own temporary state directory holding a copy of the CA
// in KVSIM_CA_DIR, which run.sh created and NODE_EXTRA_CA_CERTS trusts, listens on a free
// port of 127.0.0.1 and is stopped with SIGTERM.
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";

const startTimeoutMs = 20000;

export const tenantId = "11111111-1111-1111-1111-111111111111";
export const identityHeader = "kvsim-conformance-identity-header";

export function kvsimPath() {
  const binary = process.env.KVSIM_PATH;
  if (!binary) throw new Error("KVSIM_PATH is not set: pass the path of the built kvsim binary");
  return binary;
}

// Starts kvsim with `settings` (merged into its JSON config file) and `args`. Returns
// { baseUrl, port, stateDir, caFile, stop }.
export async function startKvsim({ settings = {}, args = [] } = {}) {
  const stateDir = await mkdtemp(path.join(tmpdir(), "kvsim-conformance-"));
  await copyTrustedCa(stateDir);
  const configFile = path.join(stateDir, "kvsim.json");
  const config = { timeScale: 0.002, identityHeader, defaultTenantId: tenantId, ...settings };
  await writeFile(configFile, JSON.stringify(config));

  const child = spawn(kvsimPath(), ["--config", configFile, "--state-dir", stateDir, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const baseUrl = await readListeningAddress(child, () => stderr);
  const port = Number(new URL(baseUrl).port);

  async function stop() {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
    await rm(stateDir, { recursive: true, force: true });
  }
  return { baseUrl, port, stateDir, caFile: path.join(stateDir, "ca.pem"), stop, vaultUrl: (name) => `https://${name}.vault.localhost:${port}` };
}

// Returns kvsim's request counters from its admin API.
export async function readCounters(kvsim) {
  const response = await fetch(`${kvsim.baseUrl}/_admin/counters`);
  if (response.status !== 200) throw new Error(`GET /_admin/counters returned ${response.status}`);
  return response.json();
}

async function copyTrustedCa(stateDir) {
  const caDir = process.env.KVSIM_CA_DIR;
  if (!caDir) throw new Error("KVSIM_CA_DIR is not set: run the suite through tests/conformance/run.sh");
  await copyFile(path.join(caDir, "ca.pem"), path.join(stateDir, "ca.pem"));
  await copyFile(path.join(caDir, "ca-key.pem"), path.join(stateDir, "ca-key.pem"));
}

function readListeningAddress(child, stderr) {
  return new Promise((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`kvsim printed no address within ${startTimeoutMs} ms; stderr: ${stderr()}`));
    }, startTimeoutMs);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const match = /kvsim listening on (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kvsim exited with code ${code} before listening; stderr: ${stderr()}`));
    });
  });
}
