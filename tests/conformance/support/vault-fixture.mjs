// A kvsim with one resource group and the named vaults, created through Resource Manager,
// for the data-plane test files.
import { startKvsim } from "./kvsim.mjs";
import { clientSecretCredential, createResourceGroup, createVault, managementClients } from "./clients.mjs";

export async function startKvsimWithVaults(resourceGroup, vaultNames, kvsimOptions = {}) {
  const kvsim = await startKvsim(kvsimOptions);
  try {
    const credential = clientSecretCredential(kvsim);
    const management = managementClients(kvsim, credential);
    await createResourceGroup(management, resourceGroup);
    for (const name of vaultNames) await createVault(management, resourceGroup, name);
    return { kvsim, credential, management };
  } catch (error) {
    await kvsim.stop();
    throw error;
  }
}
