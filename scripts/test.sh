#!/bin/sh
# README command (2): set up, build, and pass the whole test suite (ctest
# drives the lit suite and the unit tests).
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure
