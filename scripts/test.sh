#!/usr/bin/env bash
# Runs CPChain's whole test suite (unit, integration, property and process-level tests that
# start the `cpchain` binary): installs what is missing, then `cargo nextest run --workspace`.
# Extra arguments go to nextest, e.g. `scripts/test.sh -E 'test(upgrade)'`.
# docs/testing.md lists the test groups, their times, and how to run one alone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

cpc_setup_tests
cargo nextest run --workspace --locked "$@"
# nextest does not run doctests; these are cpc-api's compile-fail checks (a runtime missing an
# API method, or a method with another signature, or a host call with wrong arguments, does not
# compile).
cargo test --locked --doc -p cpc-api
