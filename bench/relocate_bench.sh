#!/usr/bin/env bash
# Relocates a generated estate on kvsim and compares the apply makespan with the plan's lower
# bounds, and the secret copy rate with the target vault's secret create budget.
#
#   bench/relocate_bench.sh [--apps N] [--secrets N] [--versions N] [--seed N]
#                           [--time-scale X] [--secret-budget N] [--keep DIR]
#
# Defaults: 245 apps (510 resources), 500 secrets x 20 versions = 10,000 versions, time
# scale 0.01, and Azure's published budget of 300 secret creates per 10 s per vault. Needs
# build/cli/kvrelocate and build/simulator/kvsim (or $KVR_BUILD_DIR); it does not build them.
set -euo pipefail
cd "$(dirname "$0")/.."

apps=245 secrets=500 versions=20 seed=1 time_scale=0.01 secret_budget=300 keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --apps) apps=$2; shift 2 ;;
    --secrets) secrets=$2; shift 2 ;;
    --versions) versions=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --time-scale) time_scale=$2; shift 2 ;;
    --secret-budget) secret_budget=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "relocate_bench: unknown option $1" >&2; exit 2 ;;
  esac
done

build_dir=${KVR_BUILD_DIR:-build}
tool="$build_dir/cli/kvrelocate"
kvsim="$build_dir/simulator/kvsim"
for binary in "$tool" "$kvsim"; do
  [ -x "$binary" ] || { echo "relocate_bench: $binary is missing; build the kvrelocate and kvsim targets" >&2; exit 2; }
done

if [ -n "$keep" ]; then
  work=$keep
  rm -rf "$work"
  mkdir -p "$work"
else
  work=$(mktemp -d)
fi
state="$work/kvsim-state"
kvsim_pid=""
sampler_pid=""
cleanup() {
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
  if [ -n "$kvsim_pid" ]; then kill "$kvsim_pid" 2>/dev/null || true; wait "$kvsim_pid" 2>/dev/null || true; fi
  if [ -z "$keep" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

# 1. The estate and kvsim's settings. Only the secret create budget may differ from Azure's
#    published per-vault limits; the Resource Manager and Resource Graph limits stay at kvsim's
#    defaults, which are Azure's.
python3 bench/generate_estate.py "$work/estate.json" --apps "$apps" --secrets "$secrets" \
  --versions "$versions" --seed "$seed"
cat >"$work/kvsim.json" <<EOF
{
  "timeScale": $time_scale,
  "keyVaultThrottle": { "windowSeconds": 10, "secretCreateAndImport": $secret_budget, "secretAndVaultOther": 4000,
                        "softwareKeyCreate": 20, "hsmKeyCreate": 10 }
}
EOF

"$kvsim" --config "$work/kvsim.json" --estate "$work/estate.json" --state-dir "$state" \
  >"$work/kvsim.out" 2>"$work/kvsim.log" &
kvsim_pid=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$work/kvsim.out" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on" "$work/kvsim.out" || { echo "relocate_bench: kvsim did not start; see $work/kvsim.log" >&2; exit 1; }
address=$(sed -n 's/.*listening on \(https:[^ ]*\).*/\1/p' "$work/kvsim.out")

# kvsim issues tokens for any client id and secret; these are placeholders, not credentials.
export AZURE_TENANT_ID=7c1d4e92-5a3b-4f08-9e6c-2b8d1a4f7e35
export AZURE_CLIENT_ID=kvrelocate-bench
export AZURE_CLIENT_SECRET=kvsim-accepts-any-secret
connection=(--cloud-file "$state/cloud.json" --ca-file "$state/ca.pem" --auth client-secret)
vault_id="/subscriptions/3a7e0c51-8d2b-4f96-a1c4-6e9b2d5f0a18/resourceGroups/rg-bench-weu/providers/Microsoft.KeyVault/vaults/kv-bench-weu"

# Writes "<unix time> <creates accepted by the target vault>" about once a second to
# $work/creates.log, for at most 7,200 samples, so the table can show the rate over the copy
# phase alone.
sample_creates() {
  for _ in $(seq 1 7200); do
    accepted=$(curl -s --cacert "$state/ca.pem" "$address/_admin/counters" | python3 -c \
      'import json, sys; print(json.load(sys.stdin).get("throttle.kv-bench-neu.secretCreateAndImport.accepted", 0))' \
      2>/dev/null) || accepted=""
    [ -n "$accepted" ] && echo "$(now) $accepted" >>"$work/creates.log"
    sleep 1
  done
}

# 2. Discover, plan, apply, verify. Each step's wall time is measured; apply's is the makespan.
t0=$(now)
"$tool" discover --vault "$vault_id" "${connection[@]}" -o "$work/inventory.json" 2>"$work/discover.err"
t1=$(now)
"$tool" plan "$work/inventory.json" --target-region northeurope --format json -o "$work/plan.json" 2>"$work/plan.err"
t2=$(now)
: >"$work/creates.log"
sample_creates &
sampler_pid=$!
status=0
"$tool" apply "$work/plan.json" --journal "$work/journal.sqlite" "${connection[@]}" \
  >"$work/apply.out" 2>"$work/apply.err" || status=$?
t3=$(now)
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
if [ "$status" -ne 0 ]; then
  echo "relocate_bench: apply exited with $status; see $work/apply.err (kept)" >&2
  keep=$work
  tail -20 "$work/apply.err" >&2
  exit 1
fi
verify_status=0
"$tool" verify "$work/plan.json" --journal "$work/journal.sqlite" "${connection[@]}" \
  -o "$work/verify.txt" 2>"$work/verify.err" || verify_status=$?
t4=$(now)
counters=$(curl -s --cacert "$state/ca.pem" "$address/_admin/counters")
echo "$counters" >"$work/counters.json"

# 3. The table.
python3 - "$work" "$time_scale" "$secret_budget" "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" \
  "$(elapsed "$t2" "$t3")" "$(elapsed "$t3" "$t4")" "$verify_status" "$counters" <<'EOF'
import json, re, sys
work, scale, budget = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
discover_s, plan_s, apply_s, verify_s = (float(x) for x in sys.argv[4:8])
verify_status, counters = int(sys.argv[8]), json.loads(sys.argv[9])
# The client's own counts, from apply's last line: "...; N requests, N retries (N throttled)".
summary = re.search(r"(\d+) requests, (\d+) retries \((\d+) throttled\)", open(f"{work}/apply.out").read())
requests, retries, throttled = (int(x) for x in summary.groups()) if summary else ("n/a",) * 3
inventory = json.load(open(f"{work}/inventory.json"))
plan = json.load(open(f"{work}/plan.json"))
resources = len(inventory["resources"])
discovered_versions = sum(len(s.get("versions", [])) for v in inventory.get("dataPlane", {}).values()
                          for s in v.get("secrets", []))
est = plan["estimate"]
critical, data_plane = est["criticalPathSeconds"], est["dataPlaneSeconds"]
created = counters.get("throttle.kv-bench-neu.secretCreateAndImport.accepted", 0)
rejected = counters.get("throttle.kv-bench-neu.secretCreateAndImport.rejected", 0)
# Every kvsim budget that returned 429, such as "resourceManagerThrottle.<subscription>.writes".
rejected_by = {k[: -len(".rejected")]: v for k, v in sorted(counters.items()) if k.endswith(".rejected") and v}
bound = max(critical * scale, data_plane * 300 / budget)
rate = created / apply_s if apply_s else 0
limit = budget / 10
# The copy phase: from the first sample that counted a create to the first that counted them
# all. The samples are about a second apart, so each end is known to within that.
samples = [tuple(float(x) for x in line.split()) for line in open(f"{work}/creates.log") if line.strip()]
started = next((s for s in samples if s[1] > 0), None)
ended = next((s for s in samples if s[1] >= created), None)
copy_s = ended[0] - started[0] if started and ended else 0
copy_rate = (ended[1] - started[1]) / copy_s if copy_s > 0 else 0
rows = [
    ("resources in the discovered inventory", f"{resources}"),
    ("secret versions discovered", f"{discovered_versions}"),
    ("secret versions created in the target (kvsim counter)", f"{created}"),
    ("429 Throttled answers to secret sets (kvsim counter)", f"{rejected}"),
    ("client requests / retries / 429s seen (apply summary)", f"{requests} / {retries} / {throttled}"),
    ("kvsim budgets that answered 429 (whole run)", ", ".join(f"{k}: {v}" for k, v in rejected_by.items()) or "none"),
    ("plan steps", f"{len(plan['steps'])}"),
    ("discover wall time (s)", f"{discover_s:.1f}"),
    ("plan wall time (s)", f"{plan_s:.1f}"),
    ("apply makespan (s)", f"{apply_s:.1f}"),
    ("verify wall time (s)", f"{verify_s:.1f}" + ("" if verify_status == 0 else f" (exit {verify_status})")),
    ("plan criticalPathSeconds (Azure s)", f"{critical:.1f}"),
    (f"  x timeScale {scale:g}", f"{critical * scale:.1f}"),
    ("plan dataPlaneSeconds (at 30/s)", f"{data_plane:.1f}"),
    (f"  at this run's budget ({budget}/10 s)", f"{data_plane * 300 / budget:.1f}"),
    ("lower bound on kvsim (s)", f"{bound:.1f}"),
    ("makespan / lower bound", f"{apply_s / bound:.2f}" if bound else "n/a"),
    ("copy rate (versions/s)", f"{rate:.1f}"),
    (f"copy rate / budget ({limit:g}/s per vault)", f"{100 * rate / limit:.0f}%"),
    ("copy phase (s, sampled about once a second)", f"{copy_s:.0f}" if copy_s > 0 else "under one sample"),
    ("copy rate over the copy phase (versions/s)", f"{copy_rate:.1f}" if copy_s > 0 else "n/a"),
    ("copy phase rate / budget", f"{100 * copy_rate / limit:.0f}%" if copy_s > 0 else "n/a"),
]
width = max(len(k) for k, _ in rows)
for k, v in rows:
    print(f"{k.ljust(width)}  {v}")
EOF
if [ "$verify_status" -ne 0 ]; then
  echo "relocate_bench: verify exited with $verify_status; see $work/verify.txt and $work/verify.err (kept)" >&2
  keep=$work
  exit 1
fi
