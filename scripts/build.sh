#!/usr/bin/env bash
# Configures and builds kvrelocate, kvsim and the tests in build/ (or $KVR_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${KVR_BUILD_DIR:-build}
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
# KVR_BUILD_TARGET builds the targets it lists (space-separated) instead of everything.
# shellcheck disable=SC2086
cmake --build "$build_dir" -j "$(nproc)" ${KVR_BUILD_TARGET:+--target $KVR_BUILD_TARGET}
