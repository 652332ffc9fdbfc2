// Builds Azure's client libraries against a running kvsim: a ClientSecretCredential whose
// authority is kvsim, Resource Manager clients whose endpoint is kvsim, and Key Vault clients
// for vaults created through Resource Manager.
import { ClientSecretCredential } from "@azure/identity";
import { ResourceManagementClient } from "@azure/arm-resources";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { NetworkManagementClient } from "@azure/arm-network";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyClient } from "@azure/keyvault-keys";
import { CertificateClient } from "@azure/keyvault-certificates";
import { tenantId } from "./kvsim.mjs";

export const subscriptionId = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
export const location = "westeurope";
export const clientId = "22222222-2222-2222-2222-222222222222";
// kvsim does not check client secrets; this one is obviously fake.
const fakeClientSecret = "kvsim-conformance-fake-client-secret";

const managementScope = "https://management.azure.com/.default";

export function clientSecretCredential(kvsim) {
  return new ClientSecretCredential(tenantId, clientId, fakeClientSecret, {
    authorityHost: kvsim.baseUrl,
    // Instance discovery asks Microsoft's public cloud whether the authority is known;
    // kvsim is not, and nothing here may leave the machine.
    disableInstanceDiscovery: true,
    // The Key Vault challenge names the vault's own tenant, which differs from this
    // credential's tenant for vaults of the example estate.
    additionallyAllowedTenants: ["*"],
  });
}

// The clients would otherwise ask for a token for "<endpoint>/.default". The older generated
// clients (arm-resources, arm-network) read credentialScopes, the newer one (arm-keyvault)
// reads credentials.scopes.
function managementOptions(kvsim) {
  return {
    endpoint: kvsim.baseUrl,
    credentialScopes: [managementScope],
    credentials: { scopes: [managementScope] },
  };
}

export function managementClients(kvsim, credential = clientSecretCredential(kvsim)) {
  return {
    resources: new ResourceManagementClient(credential, subscriptionId, managementOptions(kvsim)),
    keyVault: new KeyVaultManagementClient(credential, subscriptionId, managementOptions(kvsim)),
    network: new NetworkManagementClient(credential, subscriptionId, managementOptions(kvsim)),
  };
}

// The Key Vault clients check that the resource named in the 401 challenge
// (https://vault.azure.net) belongs to the vault's own domain. A vault under
// vault.localhost fails that check, so it is turned off for kvsim only.
const dataPlaneOptions = { disableChallengeResourceVerification: true };

export function dataPlaneClients(vaultUrl, credential) {
  return {
    secrets: new SecretClient(vaultUrl, credential, dataPlaneOptions),
    keys: new KeyClient(vaultUrl, credential, dataPlaneOptions),
    certificates: new CertificateClient(vaultUrl, credential, dataPlaneOptions),
  };
}

export async function createResourceGroup(clients, name) {
  return clients.resources.resourceGroups.createOrUpdate(name, { location, tags: { purpose: "kvsim-conformance" } });
}

// Creates a vault through the SDK's long-running operation poller and returns the vault.
export async function createVault(clients, resourceGroup, name, properties = {}) {
  const poller = clients.keyVault.vaults.createOrUpdate(resourceGroup, name, {
    location,
    properties: {
      tenantId,
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      ...properties,
    },
  }, { updateIntervalInMs: 20 });
  return poller.pollUntilDone();
}
