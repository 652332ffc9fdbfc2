#!/usr/bin/env bash
# Runs the whole job on the bundled example estate against kvsim, the local Azure
# stand-in: start kvsim seeded with the estate, discover the vault, plan, draw the map,
# apply (resuming once the external steps are done), verify, and stop kvsim. Every output
# lands in out/example/.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${KVR_BUILD_DIR:-build}
KVR_BUILD_TARGET="kvrelocate kvsim" scripts/build.sh
tool="$build_dir/cli/kvrelocate"
kvsim="$build_dir/simulator/kvsim"
example=examples/contoso-payments
out=out/example
state="$out/kvsim-state"
rm -rf "$out"
mkdir -p "$out"

subscription=6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93
vault_id="/subscriptions/$subscription/resourceGroups/rg-payments-weu/providers/Microsoft.KeyVault/vaults/kv-payments-weu"
compute="/subscriptions/$subscription/resourceGroups"

# 1. kvsim on a free loopback port, seeded with the estate and its test-only values.
"$kvsim" --estate "$example/inventory.json" --state-dir "$state" >"$out/kvsim.out" 2>"$out/kvsim.log" &
kvsim_pid=$!
trap 'kill "$kvsim_pid" 2>/dev/null || true; wait "$kvsim_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$out/kvsim.out" 2>/dev/null && break
  sleep 0.1
done
grep "listening on" "$out/kvsim.out" || { echo "run-example: kvsim did not start; see $out/kvsim.log" >&2; exit 1; }

# kvsim issues tokens for any client id and secret; these are placeholders, not credentials.
export AZURE_TENANT_ID=0b9f5c2e-7d41-4a83-9e6b-3c8d1f4a2e70
export AZURE_CLIENT_ID=kvrelocate-example
export AZURE_CLIENT_SECRET=kvsim-accepts-any-secret
connection=(--cloud-file "$state/cloud.json" --ca-file "$state/ca.pem" --auth client-secret)

# 2. Discover the live estate from the vault.
"$tool" discover --vault "$vault_id" "${connection[@]}" -o "$out/inventory.json"

# 3. Plan and map from what discover found.
# The plan's warnings are printed once, by the first command; the others repeat them.
"$tool" plan "$out/inventory.json" --target-region northeurope --format json -o "$out/plan.json"
"$tool" plan "$out/inventory.json" --target-region northeurope --format markdown -o "$out/plan.md" 2>/dev/null
"$tool" plan "$out/inventory.json" --target-region northeurope -o "$out/plan.txt" 2>/dev/null
"$tool" map "$out/inventory.json" --target-region northeurope --format svg -o "$out/map.svg" 2>/dev/null

# 4. Apply. The VM and its disk are relocated by their own procedure, so apply stops and
#    asks for their new ids; in this example they already exist in the target.
journal="$out/journal.sqlite"
status=0
"$tool" apply "$out/plan.json" --journal "$journal" "${connection[@]}" || status=$?
if [ "$status" -eq 5 ]; then
  echo "run-example: the compute team's relocated disk and VM are given to apply; resuming"
  "$tool" apply "$out/plan.json" --journal "$journal" --resume "${connection[@]}" \
    --map "$compute/rg-payments-weu/providers/Microsoft.Compute/disks/vm-payments-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053=$compute/rg-payments-neu/providers/Microsoft.Compute/disks/vm-payments-batch01-neu_OsDisk_1" \
    --map "$compute/rg-payments-weu/providers/Microsoft.Compute/virtualMachines/vm-payments-batch01=$compute/rg-payments-neu/providers/Microsoft.Compute/virtualMachines/vm-payments-batch01-neu"
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

# 5. Verify the target against the source.
"$tool" verify "$out/plan.json" --journal "$journal" "${connection[@]}" -o "$out/verify.txt"
cat "$out/verify.txt"
echo
echo "Wrote $out/: inventory.json, plan.txt, plan.md, plan.json, map.svg, journal.sqlite, verify.txt"
