#!/usr/bin/env bash
# Crash loop: a node bringing in a chain is SIGKILLed at random moments, again and again. After
# every kill its database must open, hold exactly a prefix of the original chain (every block
# byte for byte, justifications included), re-execute its best block to the root in its
# header, and carry on from there. Half the kills hit `import-blocks` of an exported chain, half
# a node syncing the chain live from a peer.
#
#   scripts/crash-loop.sh [--kills N] [--seed S] [--produce SECONDS]
#
# Defaults: 1000 kills, seed 1, a chain produced for 60 s (100 ms blocks, transfers from four
# senders). The seed fixes every random delay, so a run is reproduced by its seed (the chain
# produced differs: its transfers race the block timer). Needs a `cpchain` binary: $CPCHAIN,
# or target/release/cpchain under $CARGO_TARGET_DIR (built if missing). Not part of the test
# suite (about 40 minutes); docs/reliability.md has the figures of the last runs. Stops at the
# first violation, keeping its directory; exits 0 only if every kill left a good database.
set -euo pipefail
cd "$(dirname "$0")/.."

kills=1000
seed=1
produce=60
while [ $# -gt 0 ]; do
    case "$1" in
        --kills) kills="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --produce) produce="$2"; shift 2 ;;
        *) echo "usage: $0 [--kills N] [--seed S] [--produce SECONDS]" >&2; exit 2 ;;
    esac
done

target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/cpchain-target}"
bin="${CPCHAIN:-$target_dir/release/cpchain}"
if [ ! -x "$bin" ]; then
    CARGO_TARGET_DIR="$target_dir" cargo build --release -p cpchain
fi
work="$(mktemp -d /tmp/cpchain-crash-loop.XXXXXX)"
log="$work/report.txt"
RANDOM="$seed"
say() { echo "$*" | tee -a "$log"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

spec="$work/spec.json"
cat >"$spec" <<'EOF'
{"name": "Crash loop", "id": "crashloop", "chainType": "Development",
 "properties": {"tokenSymbol": "CPC", "tokenDecimals": 12, "ss58Format": 42},
 "consensus": {"engine": "dev", "blockPeriodMs": 100},
 "genesis": {"runtimeGenesis": {"preset": "development"}}}
EOF
say "crash loop: seed $seed, $kills kills, binary $bin, in $work"

# 1. The chain: one authoring node, transfers from four senders while it runs.
p2p=$(free_port)
rpc=$(free_port)
"$bin" --chain "$spec" --validator --base-path "$work/producer" --no-mdns --no-prometheus \
    --port "$p2p" --listen-addr "/ip4/127.0.0.1/tcp/$p2p" --rpc-port "$rpc" \
    --pool-limit 20000 >"$work/producer.log" 2>&1 &
producer=$!
pids+=("$producer")
for _ in $(seq 600); do
    curl -sf -H 'Content-Type: application/json' \
        -d '{"jsonrpc":"2.0","id":1,"method":"system_health"}' "http://127.0.0.1:$rpc" >/dev/null && break
    sleep 0.1
done
ferdie=5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL
end=$((SECONDS + produce))
for sender in Bob Charlie Dave Eve; do
    (while [ $SECONDS -lt $end ]; do
        "$bin" tx transfer --from "//$sender" --to "$ferdie" --amount 1000000000 \
            --rpc-url "ws://127.0.0.1:$rpc" --no-wait >/dev/null 2>&1 || sleep 0.2
    done) &
done
wait_for_senders() { while [ $SECONDS -lt $end ]; do sleep 1; done; sleep 2; }
wait_for_senders
kill -INT "$producer"
wait "$producer" || true
"$bin" export-blocks --chain "$spec" --base-path "$work/producer" --json "$work/chain.jsonl" 2>/dev/null
"$bin" export-blocks --chain "$spec" --base-path "$work/producer" "$work/chain.blocks" 2>/dev/null
blocks=$(wc -l <"$work/chain.jsonl")
transfers=$(jq -s "map(.block.extrinsics | length) | add - $blocks" "$work/chain.jsonl")
say "chain: $blocks blocks produced in ${produce}s, $transfers transfers in them"

# The producer serves the chain to the syncing node.
"$bin" --chain "$spec" --base-path "$work/producer" --no-mdns --no-prometheus \
    --port "$p2p" --listen-addr "/ip4/127.0.0.1/tcp/$p2p" --rpc-port "$rpc" >"$work/server.log" 2>&1 &
pids+=("$!")
peer=""
for _ in $(seq 300); do
    peer=$(grep -o 'Peer id: [A-Za-z0-9]*' "$work/server.log" | head -1 | cut -d' ' -f3 || true)
    [ -n "$peer" ] && break
    sleep 0.1
done
[ -n "$peer" ] || { say "the serving node did not start"; exit 1; }
bootnode="/ip4/127.0.0.1/tcp/$p2p/p2p/$peer"

# check DIR LABEL: the database in DIR must open and hold a prefix of the chain whose best
# block re-executes to its header's state root. Echoes the best block number.
check() {
    local dir="$1" label="$2" exported="$work/exported.jsonl" best
    if ! "$bin" export-blocks --chain "$spec" --base-path "$dir" --json "$exported" 2>"$work/export.err"; then
        say "VIOLATION ($label): the database does not open or cannot be read:"
        tee -a "$log" <"$work/export.err"
        return 1
    fi
    best=$(wc -l <"$exported")
    if ! cmp -s "$exported" <(head -n "$best" "$work/chain.jsonl"); then
        say "VIOLATION ($label): the $best blocks held are not a prefix of the chain"
        return 1
    fi
    if [ "$best" -gt 0 ] && ! "$bin" check-block --chain "$spec" --base-path "$dir" "$best" >/dev/null 2>"$work/check.err"; then
        say "VIOLATION ($label): best block #$best does not re-execute to its state root:"
        tee -a "$log" <"$work/check.err"
        return 1
    fi
    echo "$best"
}

importer="$work/importer"
syncer="$work/syncer"

# Kills land anywhere from the start of the process to a little past the time it takes to
# bring the whole chain in, measured once for each way.
ms() { date +%s%3N; }
t0=$(ms)
"$bin" import-blocks --chain "$spec" --base-path "$work/calibrate-import" "$work/chain.blocks" >/dev/null 2>&1
import_ms=$(($(ms) - t0))
t0=$(ms)
"$bin" --chain "$spec" --base-path "$work/calibrate-sync" --no-mdns --no-prometheus --bootnodes "$bootnode" \
    --port 0 --listen-addr /ip4/127.0.0.1/tcp/0 --rpc-port 0 >"$work/calibrate-sync.log" 2>&1 &
calibrating=$!
pids+=("$calibrating")
until grep -q "#$blocks " "$work/calibrate-sync.log" 2>/dev/null || [ $(($(ms) - t0)) -gt 300000 ]; do sleep 0.05; done
sync_ms=$(($(ms) - t0))
kill -9 "$calibrating" 2>/dev/null || true; wait "$calibrating" 2>/dev/null || true
rm -rf "$work/calibrate-import" "$work/calibrate-sync"
say "a whole import takes ${import_ms} ms, a whole sync ${sync_ms} ms: kills land within 120% of that"
import_kills=0 sync_kills=0 imports_done=0 syncs_done=0 zero=0
started=$SECONDS
for k in $(seq "$kills"); do
    if [ $((k % 2)) = 1 ]; then
        kind=import dir="$importer" delay=$(((RANDOM * 32768 + RANDOM) % (import_ms * 6 / 5 + 1)))
        "$bin" import-blocks --chain "$spec" --base-path "$dir" "$work/chain.blocks" \
            >/dev/null 2>&1 &
    else
        kind=sync dir="$syncer" delay=$(((RANDOM * 32768 + RANDOM) % (sync_ms * 6 / 5 + 1)))
        "$bin" --chain "$spec" --base-path "$dir" --no-mdns --no-prometheus --bootnodes "$bootnode" \
            --port 0 --listen-addr /ip4/127.0.0.1/tcp/0 --rpc-port 0 >/dev/null 2>&1 &
    fi
    victim=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$victim" 2>/dev/null || true
    wait "$victim" 2>/dev/null || true
    best=$(check "$dir" "kill $k, $kind after ${delay} ms") || exit 1
    [ "$best" = 0 ] && zero=$((zero + 1))
    if [ "$kind" = import ]; then
        import_kills=$((import_kills + 1))
    else
        sync_kills=$((sync_kills + 1))
    fi
    # A chain brought in whole starts over, so kills keep landing mid-way.
    if [ "$best" = "$blocks" ]; then
        rm -rf "$dir"
        if [ "$kind" = import ]; then imports_done=$((imports_done + 1)); else syncs_done=$((syncs_done + 1)); fi
    fi
    if [ $((k % 50)) = 0 ]; then
        say "$k kills ($import_kills import, $sync_kills sync) in $((SECONDS - started)) s; last: $kind at #$best of $blocks"
    fi
done
# Disk full: import into a tmpfs with room for the genesis state and less than the chain
# needs (root only; skipped otherwise). The import must fail with an error that says so, and
# the database, moved to a disk with room, must pass the same checks and complete the import.
full="$work/full"
mkdir -p "$full"
room=$((2560 + $(stat -c %s "$work/chain.blocks") / 1024))
if mount -t tmpfs -o "size=${room}k" tmpfs "$full" 2>/dev/null; then
    status=0
    "$bin" import-blocks --chain "$spec" --base-path "$full/db" "$work/chain.blocks" \
        >/dev/null 2>"$work/full.err" || status=$?
    if [ "$status" = 0 ]; then
        say "disk full: the chain fit in $room KiB; nothing checked"
    elif [ "$status" != 1 ]; then
        say "VIOLATION (disk full): import-blocks died with status $status instead of an error:"
        tail -5 "$work/full.err" | tee -a "$log"
        umount "$full"
        exit 1
    elif ! grep -qi "no space\|space left\|ENOSPC\|disk" "$work/full.err"; then
        say "VIOLATION (disk full): the import failed without saying why:"
        tee -a "$log" <"$work/full.err"
        umount "$full"
        exit 1
    else
        say "disk full: import-blocks stopped with: $(grep -i -m1 'space\|disk' "$work/full.err")"
        cp -a "$full/db" "$work/after-full"
        umount "$full"
        best=$(check "$work/after-full" "after disk full") || exit 1
        "$bin" import-blocks --chain "$spec" --base-path "$work/after-full" "$work/chain.blocks" >/dev/null 2>&1
        best_after=$(check "$work/after-full" "import after disk full") || exit 1
        say "disk full: the database held #$best, a prefix; with room the import completed to #$best_after of $blocks"
        [ "$best_after" = "$blocks" ] || { say "VIOLATION: the import did not complete after the disk full"; exit 1; }
    fi
    mountpoint -q "$full" && umount "$full"
else
    say "disk full: skipped (mounting a tmpfs needs root)"
fi

# A damaged table file: bytes flipped in the middle of the largest table of a whole import
# (finished cleanly, so all in table files). Opening it must fail with an error naming
# the file; restored, it opens and passes the checks.
damaged="$work/damaged"
rm -rf "$damaged"
"$bin" import-blocks --chain "$spec" --base-path "$damaged" "$work/chain.blocks" >/dev/null 2>&1
table=$(find "$damaged" -name '*.sst' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
if [ -n "$table" ]; then
    cp "$table" "$work/table.orig"
    size=$(stat -c %s "$table")
    printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$table" bs=1 seek=$((size / 2)) conv=notrunc status=none
    status=0
    "$bin" export-blocks --chain "$spec" --base-path "$damaged" "$work/damaged.blocks" \
        >/dev/null 2>"$work/damaged.err" || status=$?
    if [ "$status" = 0 ] || ! grep -q "$(basename "$table")" "$work/damaged.err"; then
        say "VIOLATION (damaged table): the database opened, or the error does not name $(basename "$table"):"
        tail -3 "$work/damaged.err" | tee -a "$log"
        exit 1
    fi
    say "damaged table: refused with: $(grep -m1 -o 'Corruption.*sst' "$work/damaged.err")"
    cp "$work/table.orig" "$table"
    check "$damaged" "damaged table restored" >/dev/null || exit 1
else
    say "damaged table: no table file to damage (the import left everything in the log)"
fi

say "done: $kills kills ($import_kills during import-blocks, $sync_kills during sync), 0 violations;" \
    "chains brought in whole $imports_done times by import and $syncs_done by sync; $zero kills before the first block;" \
    "$((SECONDS - started)) s; seed $seed"
rm -rf "$work/importer" "$work/syncer" "$work/producer"
