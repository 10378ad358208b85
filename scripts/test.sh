#!/usr/bin/env bash
# README command 2: install dependencies, build, and run every test suite (ctest over the doctest suites,
# plus installing ember and building an out-of-tree consumer with find_package(ember)).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j "$jobs"
