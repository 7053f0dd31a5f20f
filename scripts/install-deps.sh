#!/usr/bin/env bash
# Installs the Debian 12 packages babelwatch needs to build, test and run. Idempotent: skips
# what is present, runs apt-get only when something is missing. Needs root (or sudo).
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake pkg-config git
  libboost1.81-dev libboost-system1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsimdjson-dev libcurl4-openssl-dev libssl-dev prometheus-cpp-dev
  libicu-dev libcld2-dev libstemmer-dev libhunspell-dev hunspell-uk hunspell-ru
  libxml2-dev libtomlplusplus-dev libsqlite3-dev libsystemd-dev libxxhash-dev iso-codes
)
TEST_PACKAGES=(
  catch2 libbenchmark-dev python3 clang libclang-rt-14-dev
  prometheus prometheus-alertmanager systemd curl sqlite3 chromium
)

want=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${TEST_PACKAGES[@]}")
else
  want+=(catch2 libbenchmark-dev)  # configured by default; -DBABELWATCH_BUILD_TESTS=OFF skips them
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
