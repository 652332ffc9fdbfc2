#!/usr/bin/env bash
# Builds everything and runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build_dir=${KVR_BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
