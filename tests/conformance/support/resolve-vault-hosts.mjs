// Preloaded with `node --import`: resolves every host under kvsim's vault suffix to
// 127.0.0.1 inside this process, so the Key Vault clients can use their usual vault URLs
// (https://<vault>.vault.localhost:<port>/) without an /etc/hosts entry. Every other name
// goes to the system resolver unchanged.
import dns from "node:dns";

const vaultSuffix = "." + (process.env.KVSIM_VAULT_DNS_SUFFIX ?? "vault.localhost");
const systemLookup = dns.lookup;

function isVaultHost(hostname) {
  return typeof hostname === "string" && hostname.toLowerCase().endsWith(vaultSuffix);
}

dns.lookup = function lookupWithVaultHosts(hostname, options, callback) {
  if (!isVaultHost(hostname)) return systemLookup.call(dns, hostname, options, callback);
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const loopback = { address: "127.0.0.1", family: 4 };
  const wantsAll = typeof options === "object" && options !== null && options.all === true;
  process.nextTick(() => (wantsAll ? callback(null, [loopback]) : callback(null, loopback.address, loopback.family)));
  return {};
};
