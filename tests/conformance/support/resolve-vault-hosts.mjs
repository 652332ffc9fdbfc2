// Preloaded with `node --import`. Resolves every host under kvsim's vault suffix to
// 127.0.0.1 inside this process, so the Key Vault clients can use their usual vault URLs
// (https://<vault>.vault.localhost:<port>/) without an /etc/hosts entry. Every other name
// goes to the system resolver unchanged.
import dns from "node:dns";
import net from "node:net";

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

// The suite must never reach the instance metadata address, which a managed-identity
// credential would try without IDENTITY_ENDPOINT. Connections to it fail at once instead.
const metadataAddress = "169.254.169.254";
const socketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectExceptMetadata(...args) {
  const target = args[0];
  const host = typeof target === "object" && target !== null ? target.host : args[1];
  if (host === metadataAddress) throw new Error(`conformance suite: connection to ${metadataAddress} blocked`);
  return socketConnect.apply(this, args);
};
