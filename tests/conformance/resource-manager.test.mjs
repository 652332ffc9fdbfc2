// Resource Manager through @azure/arm-resources, @azure/arm-keyvault and @azure/arm-network:
// a resource group, a vault created through the SDK's long-running poller, a VNet whose
// subnet has the Microsoft.KeyVault service endpoint, and a private endpoint to the vault.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startKvsim } from "./support/kvsim.mjs";
import { createResourceGroup, createVault, location, managementClients, subscriptionId } from "./support/clients.mjs";

const resourceGroup = "rg-conformance-arm";
const vaultName = "kv-conformance-arm";
const vnetName = "vnet-conformance";
const subnetName = "snet-endpoints";
const endpointName = "pe-kv-conformance-arm";
const groupId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
const vaultId = `${groupId}/providers/Microsoft.KeyVault/vaults/${vaultName}`;
const subnetId = `${groupId}/providers/Microsoft.Network/virtualNetworks/${vnetName}/subnets/${subnetName}`;
const endpointId = `${groupId}/providers/Microsoft.Network/privateEndpoints/${endpointName}`;

describe("resource manager", () => {
  let kvsim;
  let clients;
  before(async () => {
    kvsim = await startKvsim();
    clients = managementClients(kvsim);
  });
  after(async () => kvsim?.stop());

  test("creates and reads a resource group", async () => {
    const created = await createResourceGroup(clients, resourceGroup);
    assert.equal(created.id, groupId);
    assert.equal(created.location, location);
    assert.equal(created.properties?.provisioningState, "Succeeded");

    const read = await clients.resources.resourceGroups.get(resourceGroup);
    assert.equal(read.tags?.purpose, "kvsim-conformance");
    const exists = await clients.resources.resourceGroups.checkExistence(resourceGroup);
    assert.equal(exists.body, true);
  });

  test("creates a vault through the long-running poller", async () => {
    const vault = await createVault(clients, resourceGroup, vaultName);
    assert.equal(vault.id, vaultId);
    assert.equal(vault.name, vaultName);
    assert.equal(vault.type, "Microsoft.KeyVault/vaults");
    assert.equal(vault.properties.provisioningState, "Succeeded");
    assert.equal(vault.properties.vaultUri, `${kvsim.vaultUrl(vaultName)}/`);
    assert.equal(vault.properties.sku.name, "standard");

    const names = [];
    for await (const listed of clients.keyVault.vaults.listByResourceGroup(resourceGroup)) names.push(listed.name);
    assert.deepEqual(names, [vaultName]);
  });

  test("rejects a vault name that is already taken", async () => {
    const result = await clients.keyVault.vaults.checkNameAvailability({ name: vaultName, type: "Microsoft.KeyVault/vaults" });
    assert.equal(result.nameAvailable, false);
    assert.equal(result.reason, "AlreadyExists");
    const free = await clients.keyVault.vaults.checkNameAvailability({ name: "kv-conformance-free", type: "Microsoft.KeyVault/vaults" });
    assert.equal(free.nameAvailable, true);
  });

  test("creates a VNet and subnet with the Key Vault service endpoint", async () => {
    const vnet = await clients.network.virtualNetworks.beginCreateOrUpdateAndWait(
      resourceGroup,
      vnetName,
      {
        location,
        addressSpace: { addressPrefixes: ["10.20.0.0/16"] },
        subnets: [{ name: subnetName, addressPrefix: "10.20.1.0/24", serviceEndpoints: [{ service: "Microsoft.KeyVault" }] }],
      },
      { updateIntervalInMs: 20 },
    );
    assert.equal(vnet.provisioningState, "Succeeded");
    assert.deepEqual(vnet.addressSpace?.addressPrefixes, ["10.20.0.0/16"]);
    assert.equal(vnet.subnets?.length, 1);

    const subnet = await clients.network.subnets.get(resourceGroup, vnetName, subnetName);
    assert.equal(subnet.id, subnetId);
    assert.equal(subnet.addressPrefix, "10.20.1.0/24");
    assert.deepEqual(subnet.serviceEndpoints?.map((endpoint) => endpoint.service), ["Microsoft.KeyVault"]);

    // The vault accepts a network rule on that subnet only because of the service endpoint.
    const updated = await clients.keyVault.vaults.update(resourceGroup, vaultName, {
      properties: { networkAcls: { defaultAction: "Deny", bypass: "AzureServices", virtualNetworkRules: [{ id: subnetId }] } },
    });
    assert.equal(updated.properties.networkAcls?.virtualNetworkRules?.[0]?.id.toLowerCase(), subnetId.toLowerCase());
  });

  test("creates a private endpoint that the vault lists", async () => {
    const endpoint = await clients.network.privateEndpoints.beginCreateOrUpdateAndWait(
      resourceGroup,
      endpointName,
      {
        location,
        subnet: { id: subnetId },
        privateLinkServiceConnections: [{ name: `${endpointName}-connection`, privateLinkServiceId: vaultId, groupIds: ["vault"] }],
      },
      { updateIntervalInMs: 20 },
    );
    assert.equal(endpoint.id, endpointId);
    assert.equal(endpoint.provisioningState, "Succeeded");
    assert.equal(endpoint.privateLinkServiceConnections?.[0]?.privateLinkServiceConnectionState?.status, "Approved");

    const vault = await clients.keyVault.vaults.get(resourceGroup, vaultName);
    const connections = vault.properties.privateEndpointConnections ?? [];
    assert.equal(connections.length, 1);
    assert.equal(connections[0].privateEndpoint?.id, endpointId);
    assert.equal(connections[0].privateLinkServiceConnectionState?.status, "Approved");
    assert.equal(connections[0].provisioningState, "Succeeded");
  });
});
