#!/usr/bin/env bash
# Installs every build, test and tooling dependency of kvrelocate from Debian 12's
# packages. Safe to run again: apt-get skips what is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-graph-dev libcpprest-dev nlohmann-json3-dev libgraphviz-dev graphviz
  libgtest-dev libgmock-dev libcli11-dev libspdlog-dev libsqlite3-dev libssl-dev
  clang libclang-rt-14-dev openssl
)

if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
else
  sudo_cmd=(sudo)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# Node.js and npm run the client-library conformance suite. The machine image may ship
# them outside Debian's packages, so Debian's are installed only where none is found.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are already installed"
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Azure's JavaScript client libraries for the conformance suite, at the exact versions in
# tests/conformance/package-lock.json. npm ci reaches only the npm registry.
conformance_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/conformance"
echo "install-deps: installing the conformance suite's npm packages"
(cd "$conformance_dir" && npm ci --no-audit --no-fund)
