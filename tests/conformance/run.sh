#!/usr/bin/env bash
# Runs the client-library conformance suite against a built kvsim.
# Usage: tests/conformance/run.sh PATH/TO/kvsim
#
# Node.js reads NODE_EXTRA_CA_CERTS only when a process starts, so this script first starts
# kvsim once in a temporary directory to create its CA, then points every test process at
# that CA. Each test's kvsim copies the CA into its own state directory and issues its server
# certificate from it.
set -euo pipefail

kvsim=${1:?usage: run.sh PATH/TO/kvsim}
kvsim=$(cd "$(dirname "$kvsim")" && pwd)/$(basename "$kvsim")
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -d "$here/node_modules/@azure/identity" ]; then
  echo "conformance: SKIPPED: $here/node_modules is missing; run scripts/install-deps.sh (npm ci) to install the client libraries"
  exit 77
fi

ca_dir=$(mktemp -d "${TMPDIR:-/tmp}/kvsim-conformance-ca.XXXXXX")
kvsim_pid=
cleanup() {
  if [ -n "$kvsim_pid" ]; then kill "$kvsim_pid" 2>/dev/null || true; fi
  rm -rf "$ca_dir"
}
trap cleanup EXIT

# Start kvsim until it prints its address, which it does after writing ca.pem.
"$kvsim" --state-dir "$ca_dir" --port 0 >"$ca_dir/stdout" 2>"$ca_dir/stderr" &
kvsim_pid=$!
for _ in $(seq 1 200); do
  if grep -q "kvsim listening on" "$ca_dir/stdout"; then break; fi
  if ! kill -0 "$kvsim_pid" 2>/dev/null; then
    echo "conformance: kvsim exited before listening:" >&2
    cat "$ca_dir/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
kill "$kvsim_pid"
wait "$kvsim_pid" || true
kvsim_pid=
if [ ! -f "$ca_dir/ca.pem" ]; then
  echo "conformance: kvsim wrote no $ca_dir/ca.pem" >&2
  exit 1
fi

export KVSIM_PATH=$kvsim
export KVSIM_CA_DIR=$ca_dir
export NODE_EXTRA_CA_CERTS=$ca_dir/ca.pem
export KVR_SOURCE_DIR=${KVR_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
cd "$here"
node --import ./support/resolve-vault-hosts.mjs --test --test-timeout=120000 ./*.test.mjs
