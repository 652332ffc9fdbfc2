#!/usr/bin/env bash
# Kills `kvrelocate apply` with SIGKILL at random moments while it relocates the example estate
# on kvsim over HTTPS with injected 429 and 500 faults, resumes it until it finishes, and checks
# that verify passes, that the target contains no duplicate secret versions, and that no file and no
# command line of the run contains a secret value, the client secret or a token.
# Usage: tests/e2e/kill_resume.sh PATH/TO/kvrelocate PATH/TO/kvsim
# KILL_RESUME_SEED sets the seed of the kill delays; the seed of each run is printed.
set -euo pipefail

tool=${1:?usage: kill_resume.sh PATH/TO/kvrelocate PATH/TO/kvsim}
kvsim=${2:?usage: kill_resume.sh PATH/TO/kvrelocate PATH/TO/kvsim}
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
estate="$source_dir/examples/contoso-payments/inventory.json"

kill_rounds=${KILL_RESUME_ROUNDS:-8}
max_resumes=30
seed=${KILL_RESUME_SEED:-$RANDOM}
RANDOM=$seed
echo "kill-resume: seed $seed (set KILL_RESUME_SEED to repeat the kill delays)"

work=$(mktemp -d "${TMPDIR:-/tmp}/kvr-kill-resume.XXXXXX")
state="$work/kvsim-state"
kvsim_pid=
apply_pid=
cleanup() {
  if [ -n "$apply_pid" ]; then kill -9 "$apply_pid" 2>/dev/null || true; fi
  if [ -n "$kvsim_pid" ]; then
    kill "$kvsim_pid" 2>/dev/null || true
    wait "$kvsim_pid" 2>/dev/null || true
  fi
  if [ -n "${KILL_RESUME_KEEP:-}" ]; then echo "kill-resume: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
  echo "kill-resume: FAILED: $*" >&2
  exit 1
}

# 1. kvsim with faults: about one Key Vault and Resource Manager request in ten fails with
#    429 (Retry-After 0 for Key Vault, 1 for Resource Manager) or 500. The seed fixes which requests fail, for the same order.
cat >"$work/kvsim-config.json" <<'EOF'
{
  "timeScale": 0.01,
  "faults": {
    "seed": 11,
    "rules": [
      {"name": "kv429", "host": "\\.vault\\.localhost", "rate": 0.05, "status": 429, "retryAfterSeconds": 0},
      {"name": "kv500", "host": "\\.vault\\.localhost", "rate": 0.05, "status": 500},
      {"name": "arm429", "path": "^/subscriptions/", "rate": 0.05, "status": 429, "retryAfterSeconds": 1},
      {"name": "arm500", "path": "^/subscriptions/", "rate": 0.05, "status": 500}
    ]
  }
}
EOF
"$kvsim" --estate "$estate" --state-dir "$state" --config "$work/kvsim-config.json" \
  >"$work/kvsim.out" 2>"$work/kvsim.log" &
kvsim_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/kvsim.out" 2>/dev/null && break
  kill -0 "$kvsim_pid" 2>/dev/null || { cat "$work/kvsim.log" >&2; fail "kvsim exited before listening"; }
  sleep 0.1
done
grep -q "listening on" "$work/kvsim.out" || fail "kvsim did not print its address"
address=$(sed -n 's/.*listening on \(https:[^ ]*\).*/\1/p' "$work/kvsim.out")

# kvsim issues tokens for any client id and secret; these are placeholders, not credentials.
export AZURE_TENANT_ID=0b9f5c2e-7d41-4a83-9e6b-3c8d1f4a2e70
export AZURE_CLIENT_ID=kvrelocate-kill-resume
export AZURE_CLIENT_SECRET=kill-resume-placeholder-client-secret
connection=(--cloud-file "$state/cloud.json" --ca-file "$state/ca.pem" --auth client-secret)

# 2. Discover and plan, as scripts/run-example.sh does.
subscription=6f1c2a4e-3b7d-4c8e-9a1f-2d5e8b0c7a93
vault_id="/subscriptions/$subscription/resourceGroups/rg-payments-weu/providers/Microsoft.KeyVault/vaults/kv-payments-weu"
compute="/subscriptions/$subscription/resourceGroups"
"$tool" discover --vault "$vault_id" "${connection[@]}" -o "$work/inventory.json" \
  >"$work/discover.out" 2>"$work/discover.err" || { cat "$work/discover.err" >&2; fail "discover"; }
"$tool" plan "$work/inventory.json" --target-region northeurope --format json -o "$work/plan.json" \
  >"$work/plan.out" 2>"$work/plan.err" || { cat "$work/plan.err" >&2; fail "plan"; }

# The values to look for: every secret value of the estate, and the client secret.
python3 - "$estate" >"$work/.needles" <<'EOF'
import json, sys
estate = json.load(open(sys.argv[1]))
for vault in estate.get("dataPlane", {}).values():
    for secret in vault.get("secrets", []):
        for version in secret.get("versions", []):
            if version.get("value"):
                print(version["value"])
EOF
echo "$AZURE_CLIENT_SECRET" >>"$work/.needles"
[ "$(wc -l <"$work/.needles")" -gt 5 ] || fail "found too few secret values in $estate"

# Fails when the command line of process $1 contains a secret value.
check_cmdline() {
  local cmdline
  cmdline=$( { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 0
  while IFS= read -r needle; do
    case "$cmdline" in *"$needle"*) fail "the command line of process $1 contains a secret value" ;; esac
  done <"$work/.needles"
}

journal="$work/journal.sqlite"
maps=()
operator_stops=0
record_status() {  # $1: exit status of an apply that ended by itself
  case "$1" in
    0) return 0 ;;
    5)
      operator_stops=$((operator_stops + 1))
      maps=(--map "$compute/rg-payments-weu/providers/Microsoft.Compute/disks/vm-payments-batch01_OsDisk_1_3f9c2a7e5b1d4e08a6c4f2b9d7e1a053=$compute/rg-payments-neu/providers/Microsoft.Compute/disks/vm-payments-batch01-neu_OsDisk_1"
            --map "$compute/rg-payments-weu/providers/Microsoft.Compute/virtualMachines/vm-payments-batch01=$compute/rg-payments-neu/providers/Microsoft.Compute/virtualMachines/vm-payments-batch01-neu")
      ;;
    *) return 1 ;;
  esac
}

# 3. Kill apply with SIGKILL after 0.05 to 1.5 seconds, kill_rounds times. Each round after the
#    first resumes the run. A round that ends by itself before its kill is recorded.
kills=0
resumes=0
round=0
for round in $(seq 1 "$kill_rounds"); do
  resume=()
  [ "$round" -gt 1 ] && resume=(--resume) && resumes=$((resumes + 1))
  "$tool" apply "$work/plan.json" --journal "$journal" "${resume[@]}" "${connection[@]}" "${maps[@]}" \
    >"$work/apply-$round.out" 2>"$work/apply-$round.err" &
  apply_pid=$!
  ticks=$((1 + RANDOM % 30))
  for _ in $(seq 1 "$ticks"); do
    check_cmdline "$apply_pid"
    sleep 0.05
  done
  if kill -9 "$apply_pid" 2>/dev/null; then
    wait "$apply_pid" 2>/dev/null || true
    kills=$((kills + 1))
    echo "kill-resume: round $round: killed apply after $((ticks * 50)) ms"
  else
    status=0
    wait "$apply_pid" || status=$?
    echo "kill-resume: round $round: apply exited $status before its kill"
    record_status "$status" || { cat "$work/apply-$round.err" >&2; fail "apply exited $status in round $round"; }
  fi
  apply_pid=
done

# Resume without kills until a run finishes.
finished=false
for attempt in $(seq 1 "$max_resumes"); do
  round=$((kill_rounds + attempt))
  resumes=$((resumes + 1))
  status=0
  "$tool" apply "$work/plan.json" --journal "$journal" --resume "${connection[@]}" "${maps[@]}" \
    >"$work/apply-$round.out" 2>"$work/apply-$round.err" &
  apply_pid=$!
  while kill -0 "$apply_pid" 2>/dev/null; do
    check_cmdline "$apply_pid"
    sleep 0.05
  done
  wait "$apply_pid" || status=$?
  apply_pid=
  echo "kill-resume: round $round: resumed apply exited $status"
  if [ "$status" -eq 0 ]; then finished=true; break; fi
  record_status "$status" || { cat "$work/apply-$round.err" >&2; fail "resumed apply exited $status in round $round"; }
done
$finished || fail "apply did not finish after $max_resumes resumes"
[ "$operator_stops" -gt 0 ] || fail "apply never stopped for the external compute steps"

# 4. Verify, then compare the target's secret versions with the plan's copies.
"$tool" verify "$work/plan.json" --journal "$journal" "${connection[@]}" -o "$work/verify.txt" \
  >"$work/verify.out" 2>"$work/verify.err" || { cat "$work/verify.txt" "$work/verify.err" >&2; fail "verify"; }
curl -sS --fail --cacert "$state/ca.pem" "$address/_admin/snapshot" -o "$work/snapshot.json" \
  || fail "could not read kvsim's snapshot"
curl -sS --fail --cacert "$state/ca.pem" "$address/_admin/counters" -o "$work/counters.json" \
  || fail "could not read kvsim's counters"
faults=$(python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print(sum(v for k, v in c.items() if k.startswith("faults.") and k.endswith(".hits")))' "$work/counters.json")
[ "$faults" -gt 0 ] || fail "kvsim injected no faults"
# The plan's versionsToCopy counts the versions apply writes: with the policy "all", every
# version enabled in the source (a disabled one cannot be read). The script counts them in the
# estate as well; more versions than that in the target would be duplicates.
python3 - "$work/plan.json" "$work/snapshot.json" "$estate" <<'EOF' || fail "the target vault does not hold the planned secret versions"
import json, sys
plan = json.load(open(sys.argv[1]))
snapshot = json.load(open(sys.argv[2]))
estate = json.load(open(sys.argv[3]))
enabled = {}
for secret in estate["dataPlane"]["kv-payments-weu"]["secrets"]:
    enabled[secret["name"]] = sum(1 for v in secret["versions"] if v.get("attributes", {}).get("enabled", True))
expected = {}
problems = []
for node in plan["nodes"]:
    copies = node.get("parameters", {}).get("versionsToCopy")
    if copies is not None:
        name = node["name"].split("/")[-1]
        expected[name] = int(copies)
        if int(copies) != enabled.get(name):
            problems.append(f"plan: {name}: versionsToCopy is {copies}, but the source has {enabled.get(name)} enabled versions")
target = {s["name"]: len(s["versions"]) for s in snapshot["dataPlane"]["kv-payments-neu"]["secrets"]}
for name, copies in sorted(expected.items()):
    stored = target.get(name, 0)
    if stored != copies:
        problems.append(f"kv-payments-neu/{name}: {stored} versions, expected {copies}")
for line in problems:
    print("kill-resume: " + line, file=sys.stderr)
if not expected:
    print("kill-resume: the plan copies no secret versions", file=sys.stderr)
sys.exit(1 if problems or not expected else 0)
EOF

# 5. No file of the run, outside kvsim's state directory, contains a secret value, the client
#    secret or a token.
python3 - "$work" "$state" "$work/.needles" <<'EOF' || fail "a file of the run contains a secret value or a token"
import os, sys
work, state, needles_file = sys.argv[1:4]
needles = [line.rstrip("\n").encode() for line in open(needles_file) if line.strip()]
needles += [b"Bearer ", b"access_token"]
found = False
for root, dirs, files in os.walk(work):
    dirs[:] = [d for d in dirs if os.path.join(root, d) != state]
    for name in files:
        path = os.path.join(root, name)
        if path == needles_file:
            continue
        data = open(path, "rb").read()
        for needle in needles:
            if needle in data:
                kind = "a token" if needle in (b"Bearer ", b"access_token") else "a secret value"
                print(f"kill-resume: {path} contains {kind}", file=sys.stderr)
                found = True
sys.exit(1 if found else 0)
EOF

echo "kill-resume: $kills kills, $resumes resumes, $operator_stops operator stops, $faults injected faults, verify passed"
