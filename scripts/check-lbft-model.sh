#!/usr/bin/env bash
# Model-checks LBFT with spin (node/consensus/model/lbft.pml): agreement exhaustively for
# n = 4 with one byzantine validator and a bound on rounds, liveness after GST, and mutants
# of the protocol that the checker must refute. Each refuted mutant's counterexample is
# written to node/consensus/model/counterexamples/.
#
#   scripts/check-lbft-model.sh            every check (about 20 minutes, up to 12.5 GiB)
#   scripts/check-lbft-model.sh --quick    agreement with 2 rounds instead of 3 (6 minutes)
#
# Needs spin (Debian package `spin`, installed if missing) and a C compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
case "${1:-}" in
    --quick) quick=1 ;;
    "") ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

if ! command -v spin >/dev/null; then
    echo "installing spin" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq spin >/dev/null; else sudo apt-get install -y -qq spin >/dev/null; fi
fi

model="$PWD/node/consensus/model/lbft.pml"
counterexamples="$PWD/node/consensus/model/counterexamples"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/lbft.pml"
mkdir -p "$counterexamples"
# pan stops at this many MiB instead of taking the machine.
memlim="${CPC_MODEL_MEMLIM_MB:-16000}"
failed=0

printf '%-28s %-46s %-26s %14s %14s %9s\n' check defines result states transitions seconds

# check NAME EXPECT [--bitstate] DEFINES...: EXPECT is "holds" (no error may be found) or
# "refuted" (an assertion must fail; the trail is replayed into counterexamples/NAME.txt).
# Searches are exhaustive (COLLAPSE compresses state vectors losslessly: no state is ever
# skipped) unless --bitstate asks for spin's supertrace, for a state space larger than the
# machine's memory: each state is one bit, a collision may hide a state, and the table reports
# the hash factor (above 100, few states are missed).
check() {
    local name="$1" expect="$2" mode=exhaustive
    shift 2
    if [ "${1:-}" = --bitstate ]; then
        mode=bitstate
        shift
    fi
    local dir="$work/$name"
    mkdir -p "$dir"
    cp "$work/lbft.pml" "$dir/"
    (
        cd "$dir"
        spin "$@" -a lbft.pml >/dev/null
        if [ "$mode" = bitstate ]; then
            gcc -O2 -DSAFETY -DBITSTATE -o pan pan.c
            flags=(-w34)
        else
            gcc -O2 -DSAFETY -DCOLLAPSE -DMEMLIM="$memlim" -o pan pan.c
            flags=()
        fi
        start=$(date +%s.%N)
        ./pan -m200000 "${flags[@]}" >out.txt 2>&1 || true
        end=$(date +%s.%N)
        echo "$start $end" >time.txt
    )
    local out="$dir/out.txt"
    local states transitions errors seconds result
    states=$(awk '/states, stored/ { print $1; exit }' "$out")
    transitions=$(awk '/transitions \(= stored\+matched\)/ { print $1; exit }' "$out")
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
    seconds=$(awk '{ printf "%.1f", $2 - $1 }' "$dir/time.txt")
    if [ "$mode" = bitstate ]; then
        result="$(awk '/hash factor/ { printf "hash factor %d", $3 }' "$out")"
    fi
    if grep -q "out of memory\|MEMLIM bound" "$out"; then
        result="NO-MEMORY"
        failed=1
    elif [ "$expect" = holds ] && [ "${errors:-1}" = 0 ]; then
        result="holds${result:+ ($result)}"
    elif [ "$expect" = refuted ] && [ "${errors:-0}" != 0 ]; then
        result="refuted"
        (cd "$dir" && {
            echo "# spin counterexample for the mutant '$name' ($*): scripts/check-lbft-model.sh"
            echo "# V3 is byzantine: its prepares and commits count for every block and are not printed."
            spin "$@" -t lbft.pml | sed -n '/^ *[A-Za-z]/p' | sed 's/^ *//' | grep -v "^spin: trail ends\|^#processes"
        }) >"$counterexamples/$name.txt"
    else
        result="FAILED"
        failed=1
        sed -n '1,20p' "$out" >&2
    fi
    printf '%-28s %-46s %-26s %14s %14s %9s\n' "$name" "$*" "$result" "$states" "$transitions" "$seconds"
}

if [ "$quick" = 1 ]; then
    check agreement holds -DR=2
else
    check agreement holds -DR=3
fi
check liveness-byzantine-silent holds -DLIVENESS -DBYZ_SILENT -DR=5 -DGST_MAX_ROUND=1
# With the byzantine validator voting, the space outgrows 12 GiB of exact search at 3 rounds.
check liveness-byzantine-active holds --bitstate -DLIVENESS -DR=3 -DGST_MAX_ROUND=0
check mutant-no-lock refuted -DR=2 -DNO_LOCK
check mutant-lock-any-round refuted -DR=3 -DLOCK_ANY_ROUND
check mutant-weak-quorum refuted -DR=2 -DWEAK_QUORUM

if [ "$failed" != 0 ]; then
    echo "a check did not give the expected result" >&2
    exit 1
fi
echo "all checks gave the expected result; counterexamples in ${counterexamples#"$PWD"/}/"
