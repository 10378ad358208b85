#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the quickstart demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
./build/examples/quickstart
