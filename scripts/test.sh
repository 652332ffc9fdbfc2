#!/usr/bin/env bash
# Builds everything and runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# The conformance suite in CTest needs its npm packages; a fresh checkout gets them here.
if [ ! -d tests/conformance/node_modules ]; then
  (cd tests/conformance && npm ci --no-audit --no-fund)
fi
build_dir=${KVR_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
