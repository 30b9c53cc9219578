#!/usr/bin/env bash
# Coverage-guided fuzzing of one target (fuzz/src, listed by --list) with libFuzzer through
# cargo fuzz, on the nightly toolchain.
#
#   scripts/fuzz.sh <target> <seconds>        fuzz from the repository's corpus
#                                             (fuzz/corpus/<target>/: seeds and past crashes)
#                                             and the working corpus of earlier runs
#                                             ($CPC_FUZZ_CORPUS/<target>/), which inputs that
#                                             reach new code join; it is then minimized
#   scripts/fuzz.sh <target> --replay <file>  run one input (a crash) through the target
#   scripts/fuzz.sh --list                    the targets
#
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script; fix the bug, put
# the input in the target's corpus (the smoke test in the README's test command replays the
# corpus) and, where it names a bug, add a regression test beside the code.
#
# The working corpus stays out of the repository (thousands of small files); the repository
# keeps the seeds (`cargo run -p cpc-fuzz --example write-seeds`) and the crashes.
#
# Environment: CPC_FUZZ_CORPUS (default ~/.cache/cpchain-fuzz-corpus), CPC_FUZZ_SANITIZER (none | address; default none: the code is Rust, and
# AddressSanitizer halves the speed), CPC_FUZZ_TOOLCHAIN (default nightly), CARGO_TARGET_DIR
# (default ~/.cache/cpchain-fuzz-target, apart from the tests' build), CPC_FUZZ_RSS_MB (default
# 4096).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^cpc-fuzz$')
if [ "${1:-}" = --list ]; then
    echo "$targets"
    exit 0
fi
if [ $# -lt 2 ]; then
    echo "usage: $0 <target> <seconds> | $0 <target> --replay <file> | $0 --list" >&2
    exit 2
fi
target="$1"
if ! grep -qx "$target" <<<"$targets"; then
    echo "no fuzz target '$target'; the targets are:" >&2
    echo "$targets" >&2
    exit 2
fi

# A fresh machine lacks what the node links with (librocksdb-dev, clang): the targets drive
# the node's own code.
. scripts/lib/setup.sh
cpc_setup_build

toolchain="${CPC_FUZZ_TOOLCHAIN:-nightly}"
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "cargo fuzz needs the $toolchain toolchain (rustup toolchain install $toolchain)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
# The runtime's wasm blob is built with the pinned toolchain: the nightly one may have no wasm
# target (runtime/wasm-builder).
CPC_WASM_TOOLCHAIN="$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)"
export CPC_WASM_TOOLCHAIN
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cpchain-fuzz-target}"
sanitizer="${CPC_FUZZ_SANITIZER:-none}"
fuzz=(cargo "+$toolchain" fuzz)
build_args=(--features libfuzzer --sanitizer "$sanitizer")

if [ "$2" = --replay ]; then
    file="${3:?--replay needs a file}"
    "${fuzz[@]}" run "${build_args[@]}" "$target" "$file" -- -runs=1
    exit
fi

seconds="$2"
corpus="${CPC_FUZZ_CORPUS:-$HOME/.cache/cpchain-fuzz-corpus}/$target"
mkdir -p "$corpus"
before=$(find "$corpus" -type f | wc -l)
start=$(date +%s)
status=0
# -timeout: an input that takes longer is a hang, reported like a crash. The node targets
# answer within a few seconds; the runtime target runs at most 8 blocks.
"${fuzz[@]}" run "${build_args[@]}" "$target" "$corpus" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=60 -rss_limit_mb="${CPC_FUZZ_RSS_MB:-4096}" \
    -print_final_stats=1 || status=$?
elapsed=$(($(date +%s) - start))
# Only inputs that add coverage stay in the working corpus.
"${fuzz[@]}" cmin "${build_args[@]}" "$target" "$corpus" >/dev/null 2>&1 || true
after=$(find "$corpus" -type f | wc -l)
echo "fuzzed $target for ${elapsed}s: corpus $before -> $after inputs, exit status $status"
exit "$status"
