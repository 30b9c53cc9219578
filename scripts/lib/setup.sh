# Installs what building CPChain needs on a Debian machine, skipping what is already there.
# Sourced by scripts/dev.sh and scripts/test.sh; quick (a few checks) once everything is in.
#
#   clang, libclang-dev   RocksDB's bindings are generated with libclang;
#   librocksdb-dev        RocksDB is linked from the system (.cargo/config.toml) instead of
#                         compiling its C++ for 20 minutes;
#   make                  jemalloc, the node's allocator, is built from C with its own make;
#   the pinned toolchain  rust-toolchain.toml, with its wasm32 target for the runtime blob.
#   chromium              (tests) Debian's browser, for the web app's browser tests.
# shellcheck shell=bash

cpc_apt_install() {
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || {
            echo "error: installing $* needs root (or sudo); install them by hand" >&2
            return 1
        }
        sudo=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    $sudo apt-get install -y -q "$@"
}

cpc_setup_build() {
    local missing=()
    command -v clang >/dev/null 2>&1 || missing+=(clang)
    command -v make >/dev/null 2>&1 || missing+=(make)
    ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || missing+=(libclang-dev)
    [ -e /usr/lib/x86_64-linux-gnu/librocksdb.so ] || [ -n "${ROCKSDB_COMPILE:-}" ] \
        || missing+=(librocksdb-dev)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing ${missing[*]}" >&2
        cpc_apt_install "${missing[@]}"
    fi
    command -v rustup >/dev/null 2>&1 || {
        echo "error: rustup is needed (https://rustup.rs)" >&2
        return 1
    }
    # Reads rust-toolchain.toml; adds the wasm target, which is not installed automatically.
    # `rustup target list` alone would not do it: the target is per toolchain.
    local channel installed
    channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
    installed=$(rustup "+$channel" target list --installed 2>/dev/null || true)
    if ! grep -qx 'wasm32-unknown-unknown' <<<"$installed"; then
        rustup toolchain install "$channel" --profile minimal \
            --target wasm32-unknown-unknown --component rustfmt,clippy
    fi
}

cpc_setup_tests() {
    cpc_setup_build
    command -v cargo-nextest >/dev/null 2>&1 || cargo install cargo-nextest --locked
    # A real S3-compatible server for the storage gateway's S3 backend test. A system Python
    # that refuses pip installs (PEP 668) gets a virtual environment of our own instead.
    if ! command -v moto_server >/dev/null 2>&1; then
        local venv="$HOME/.cache/cpchain-moto"
        if [ -x "$venv/bin/moto_server" ]; then
            :
        elif ! python3 -m pip install --quiet 'moto[server]' 2>/dev/null \
            || ! command -v moto_server >/dev/null 2>&1; then
            python3 -m venv "$venv"
            "$venv/bin/pip" install --quiet 'moto[server]'
        fi
        [ -x "$venv/bin/moto_server" ] && export PATH="$venv/bin:$PATH"
    fi
    # The Substrate clients the process tests run (polkadot.js, polkadot-api), pinned by their
    # lockfiles and reinstalled only when a lockfile changed. No install scripts run: the
    # clients are plain JavaScript and WebAssembly.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "Installing nodejs npm" >&2
        cpc_apt_install nodejs npm
    fi
    # The web app's browser tests drive Debian's Chromium (browser downloads are not used).
    if ! command -v chromium >/dev/null 2>&1; then
        echo "Installing chromium" >&2
        cpc_apt_install chromium
    fi
    local client stamp
    for client in tests/clients/*/; do
        [ -f "$client/package-lock.json" ] || continue
        stamp=$(sha256sum "$client/package-lock.json" | cut -d' ' -f1)
        if [ "$(cat "$client/node_modules/.cpc-lock" 2>/dev/null)" != "$stamp" ]; then
            echo "Installing the $(basename "$client") client (npm ci)" >&2
            (cd "$client" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
            echo "$stamp" >"$client/node_modules/.cpc-lock"
        fi
    done
    return 0
}
