#!/usr/bin/env bash
# Builds kvrelocate, then plans and maps the bundled example estate into out/example/:
# plan.txt (for a terminal), plan.md (for a change ticket), plan.json (for apply) and
# map.svg (open it in a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
KVR_BUILD_TARGET=kvrelocate scripts/build.sh
build_dir=${KVR_BUILD_DIR:-build}
tool="$build_dir/cli/kvrelocate"
out=out/example
mkdir -p "$out"
inputs=(examples/contoso-payments/network.json examples/contoso-payments/keyvault.json)

"$tool" plan "${inputs[@]}" --target-region northeurope --format markdown -o "$out/plan.md"
"$tool" plan "${inputs[@]}" --target-region northeurope --format json -o "$out/plan.json"
"$tool" map "${inputs[@]}" --target-region northeurope --format svg -o "$out/map.svg"
"$tool" plan "${inputs[@]}" --target-region northeurope | tee "$out/plan.txt"
echo
echo "Wrote $out/plan.txt, $out/plan.md, $out/plan.json and $out/map.svg"
