#!/usr/bin/env python3
"""Writes a generated estate in the inventory format for the relocation benchmark.

The estate has one vault behind a private endpoint (VNet, subnets, NSG, private DNS zone and
its link), and for each app a user-assigned identity with an access policy on the vault and an
App Service app that reads one secret through a Key Vault reference. Apps share App Service
plans, 20 to a plan. The vault holds SECRETS secrets of VERSIONS versions each. Every value is
an obviously fake test value, and the same seed writes the same file.

Usage: generate_estate.py OUTPUT [--apps N] [--secrets N] [--versions N] [--seed N]
"""

import argparse
import json
import random
import sys

SUBSCRIPTION = "3a7e0c51-8d2b-4f96-a1c4-6e9b2d5f0a18"
TENANT = "7c1d4e92-5a3b-4f08-9e6c-2b8d1a4f7e35"
ADMIN_OBJECT_ID = "9e4b2a71-6c3d-4e85-b0f9-3d7a1c5e8b26"
VAULT = "kv-bench-weu"
SOURCE_RG = "rg-bench-weu"
NET_RG = "rg-bench-net-weu"
LOCATION = "westeurope"
APPS_PER_PLAN = 20


def rg_id(group):
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}"


def res_id(group, provider_type, name):
    return f"{rg_id(group)}/providers/{provider_type}/{name}"


class Ids:
    """Deterministic GUIDs and 32-hex version ids from one seeded generator."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def hex32(self):
        return "%032x" % self.rng.getrandbits(128)

    def guid(self):
        h = self.hex32()
        return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def network(vault_id):
    vnet_id = res_id(NET_RG, "Microsoft.Network/virtualNetworks", "vnet-bench-weu")
    nsg_id = res_id(NET_RG, "Microsoft.Network/networkSecurityGroups", "nsg-snet-app-weu")
    zone_id = res_id(NET_RG, "Microsoft.Network/privateDnsZones", "privatelink.vaultcore.azure.net")
    pe_id = res_id(SOURCE_RG, "Microsoft.Network/privateEndpoints", "pe-kv-bench-weu")
    subnet_app = f"{vnet_id}/subnets/snet-app"
    subnet_pe = f"{vnet_id}/subnets/snet-pe"
    resources = [
        {
            "id": nsg_id, "type": "Microsoft.Network/networkSecurityGroups", "name": "nsg-snet-app-weu",
            "location": LOCATION, "properties": {"securityRules": []},
        },
        {
            "id": vnet_id, "type": "Microsoft.Network/virtualNetworks", "name": "vnet-bench-weu",
            "location": LOCATION,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.60.0.0/16"]},
                "subnets": [
                    {
                        "name": "snet-app", "id": subnet_app, "type": "Microsoft.Network/virtualNetworks/subnets",
                        "properties": {
                            "addressPrefix": "10.60.1.0/24",
                            "networkSecurityGroup": {"id": nsg_id},
                            "serviceEndpoints": [{"service": "Microsoft.KeyVault", "locations": ["*"]}],
                            "delegations": [{
                                "name": "delegation",
                                "properties": {"serviceName": "Microsoft.Web/serverFarms"},
                            }],
                        },
                    },
                    {
                        "name": "snet-pe", "id": subnet_pe, "type": "Microsoft.Network/virtualNetworks/subnets",
                        "properties": {"addressPrefix": "10.60.2.0/24", "privateEndpointNetworkPolicies": "Disabled"},
                    },
                ],
            },
        },
        {
            "id": zone_id, "type": "Microsoft.Network/privateDnsZones", "name": "privatelink.vaultcore.azure.net",
            "location": "global", "properties": {},
        },
        {
            "id": f"{zone_id}/virtualNetworkLinks/link-vnet-bench-weu",
            "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "name": "link-vnet-bench-weu",
            "location": "global",
            "properties": {"registrationEnabled": False, "virtualNetwork": {"id": vnet_id}},
        },
        {
            "id": pe_id, "type": "Microsoft.Network/privateEndpoints", "name": "pe-kv-bench-weu",
            "location": LOCATION,
            "properties": {
                "privateLinkServiceConnections": [{
                    "name": "pe-kv-bench-weu",
                    "properties": {"privateLinkServiceId": vault_id, "groupIds": ["vault"]},
                }],
                "subnet": {"id": subnet_pe},
            },
        },
        {
            "id": f"{pe_id}/privateDnsZoneGroups/default",
            "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", "name": "default",
            "properties": {"privateDnsZoneConfigs": [{
                "name": "privatelink-vaultcore-azure-net",
                "properties": {"privateDnsZoneId": zone_id},
            }]},
        },
    ]
    return resources, subnet_app


def secret_name(index):
    return f"app-secret-{index:04d}"


def generate(apps, secrets, versions, seed):
    ids = Ids(seed)
    vault_id = res_id(SOURCE_RG, "Microsoft.KeyVault/vaults", VAULT)
    vault_uri = f"https://{VAULT}.vault.azure.net/"
    net, subnet_app = network(vault_id)

    identities, sites, plans, policies = [], [], [], []
    policies.append({
        "tenantId": TENANT, "objectId": ADMIN_OBJECT_ID,
        "permissions": {"keys": [], "secrets": ["get", "list", "set", "delete", "backup", "restore"],
                        "certificates": []},
    })
    for p in range((apps + APPS_PER_PLAN - 1) // APPS_PER_PLAN):
        name = f"plan-bench-{p:03d}"
        plans.append({
            "id": res_id(SOURCE_RG, "Microsoft.Web/serverfarms", name), "type": "Microsoft.Web/serverfarms",
            "name": name, "location": LOCATION, "kind": "linux",
            "sku": {"name": "P1v3", "tier": "PremiumV3", "capacity": 1}, "properties": {"reserved": True},
        })
    for a in range(apps):
        identity_name = f"id-app-{a:04d}"
        identity_id = res_id(SOURCE_RG, "Microsoft.ManagedIdentity/userAssignedIdentities", identity_name)
        principal, client = ids.guid(), ids.guid()
        identities.append({
            "id": identity_id, "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": identity_name,
            "location": LOCATION,
            "properties": {"tenantId": TENANT, "principalId": principal, "clientId": client},
        })
        policies.append({
            "tenantId": TENANT, "objectId": principal,
            "permissions": {"keys": [], "secrets": ["get"], "certificates": []},
        })
        site_name = f"app-bench-{a:04d}"
        reference = f"@Microsoft.KeyVault(SecretUri={vault_uri}secrets/{secret_name(a % secrets)}/)"
        sites.append({
            "id": res_id(SOURCE_RG, "Microsoft.Web/sites", site_name), "type": "Microsoft.Web/sites",
            "name": site_name, "location": LOCATION, "kind": "app,linux",
            "identity": {"type": "UserAssigned",
                         "userAssignedIdentities": {identity_id: {"principalId": principal, "clientId": client}}},
            "properties": {
                "serverFarmId": plans[a // APPS_PER_PLAN]["id"],
                "keyVaultReferenceIdentity": identity_id,
                "virtualNetworkSubnetId": subnet_app,
                "httpsOnly": True,
            },
            "config": {"appSettings": {"APP_ENVIRONMENT": "bench", "App__Secret": reference}},
        })

    vault = {
        "id": vault_id, "type": "Microsoft.KeyVault/vaults", "name": VAULT, "location": LOCATION,
        "properties": {
            "sku": {"family": "A", "name": "standard"}, "tenantId": TENANT,
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [],
                            "virtualNetworkRules": [{"id": subnet_app}]},
            "accessPolicies": policies,
            "enableSoftDelete": True, "softDeleteRetentionInDays": 90, "enablePurgeProtection": True,
            "enableRbacAuthorization": False, "vaultUri": vault_uri, "publicNetworkAccess": "Enabled",
        },
    }

    secret_items = []
    created0 = 1704067200  # 2024-01-01T00:00:00Z
    for s in range(secrets):
        name = secret_name(s)
        items = []
        for v in range(versions):
            created = created0 + s * 60 + v * 86400
            items.append({
                "version": ids.hex32(), "value": f"test-only-bench-{name}-v{v + 1}", "contentType": "text/plain",
                "tags": {}, "attributes": {"enabled": True, "created": created, "updated": created,
                                           "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
            })
        secret_items.append({"name": name, "managed": False, "contentType": "text/plain", "tags": {},
                             "versions": items})

    return {
        "kind": "kvrelocate.inventory",
        "version": "1.0",
        "note": f"Generated by bench/generate_estate.py (apps {apps}, secrets {secrets}, versions {versions}, "
                f"seed {seed}). Every secret value is a fake test value.",
        "relocation": {
            "sourceLocation": LOCATION, "targetLocation": "northeurope",
            "targetSubscriptionId": SUBSCRIPTION, "targetResourceGroup": "rg-bench-neu",
            "vaultNameMap": {VAULT: "kv-bench-neu"}, "options": {"secretVersions": "all"},
        },
        "resources": net + [vault] + identities + plans + sites,
        "dataPlane": {VAULT: {"secrets": secret_items, "keys": [], "certificates": []}},
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--apps", type=int, default=245)
    parser.add_argument("--secrets", type=int, default=500)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.apps < 1 or args.secrets < 1 or args.versions < 1:
        parser.error("--apps, --secrets and --versions must be at least 1")
    estate = generate(args.apps, args.secrets, args.versions, args.seed)
    with open(args.output, "w", encoding="utf-8") as out:
        json.dump(estate, out, indent=1, sort_keys=True)
        out.write("\n")
    versions = sum(len(s["versions"]) for s in estate["dataPlane"][VAULT]["secrets"])
    print(f"generate_estate: {len(estate['resources'])} resources, {versions} secret versions -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
