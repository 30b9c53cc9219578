#!/usr/bin/env bash
# Starts a CPChain dev chain: installs what is missing, builds the release node, runs it with
# `--dev`. One node (Alice) authors a block a second, each final at once (LBFT); its data is in
# a temporary directory (embedded RocksDB) removed at exit. Extra arguments go to the node,
# e.g. `scripts/dev.sh --rpc-port 9946`. The node serves the web app (explorer, wallet) on
# http://127.0.0.1:9955/ (`--ui-port`, `--no-ui`) and the data market's storage gateway on
# http://127.0.0.1:8090 (`--gateway-port`, `--no-gateway`).
#
# CPCHAIN_BIN=path runs that binary instead of building one (the process test does this).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

cpc_setup_build
if [ -z "${CPCHAIN_BIN:-}" ]; then
    cargo build --release --locked -p cpchain
    CPCHAIN_BIN="${CARGO_TARGET_DIR:-target}/release/cpchain"
fi

echo "Starting a CPChain dev chain: the node prints where JSON-RPC, metrics and the web app answer." >&2
exec "$CPCHAIN_BIN" --dev "$@"
