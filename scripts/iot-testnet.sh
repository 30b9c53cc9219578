#!/usr/bin/env bash
# An IoT testnet on loopback, all in one folder: the main chain (the `local` chain's four
# validators: main-alice .. main-dave), one IoT sidechain following it (four validators:
# side-alice .. side-dave, the sidechain_local preset with the main chain's checkpoint),
# registered on main, its cross-chain channel opened on both chains, a relayer carrying headers
# and cross-chain messages both ways, and a device simulator.
#
#   scripts/iot-testnet.sh start [DIR]    start everything (DIR defaults to ./iot-testnet)
#   scripts/iot-testnet.sh status [DIR]   which processes run; both chains' finalized heights,
#                                         the sidechain height anchored on main, the relay lag
#   scripts/iot-testnet.sh stop [DIR]     stop everything (SIGTERM, then wait)
#
# Environment: CPCHAIN (the binary, default target/debug/cpchain, built if missing),
# PORT_BASE (default 30333: main p2p PORT_BASE+i, sidechain p2p PORT_BASE+10+i; RPC and
# Prometheus likewise from 9944 and 9615; the relayer's metrics on 9615+20), READINGS_PER_S
# (the simulator's rate, default 20). Everything listens on 127.0.0.1 only.
set -euo pipefail

command=${1:-}
dir=${2:-iot-testnet}
bin=${CPCHAIN:-target/debug/cpchain}
port_base=${PORT_BASE:-30333}
shift_by=$((port_base - 30333))
rate=${READINGS_PER_S:-20}
validators=(alice bob charlie dave)
main_rpc="ws://127.0.0.1:$((9944 + shift_by))"
side_rpc="ws://127.0.0.1:$((9944 + shift_by + 10))"
processes=(main-alice main-bob main-charlie main-dave side-alice side-bob side-charlie side-dave relay simulator)

running() {
    [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null
}

# Starts the four validators of one chain: $1 = main|side, $2 = chain spec, $3 = port offset.
start_chain() {
    local chain=$1 spec=$2 offset=$3 boot=""
    for i in "${!validators[@]}"; do
        local name="$chain-${validators[$i]}"
        local base="$dir/$name"
        if running "$name"; then
            echo "$name is already running (pid $(cat "$dir/$name.pid"))" >&2
            exit 1
        fi
        mkdir -p "$base"
        if [ ! -f "$base/node-key" ]; then
            "$bin" key generate-node-key --file "$base/node-key" >"$base/peer-id" 2>/dev/null
        fi
        local who=${validators[$i]}
        "$bin" key insert --suri "//${who^}" --base-path "$base" >/dev/null
        local port=$((port_base + offset + i))
        local args=(--chain "$spec" --base-path "$base" --validator --no-mdns
            --listen-addr "/ip4/127.0.0.1/tcp/$port" --node-key-file "$base/node-key"
            --rpc-port $((9944 + shift_by + offset + i))
            --prometheus-port $((9615 + shift_by + offset + i)) --name "$name")
        if [ -n "$boot" ]; then
            args+=(--bootnodes "$boot")
        fi
        nohup "$bin" "${args[@]}" >"$dir/$name.log" 2>&1 &
        echo $! >"$dir/$name.pid"
        if [ -z "$boot" ]; then
            boot="/ip4/127.0.0.1/tcp/$port/p2p/$(cat "$base/peer-id")"
        fi
        echo "started $name (pid $(cat "$dir/$name.pid"), p2p $port, rpc $((9944 + shift_by + offset + i)))"
    done
}

# Runs "$@" until it succeeds, for at most $1 seconds.
retry() {
    local limit=$1
    shift
    for _ in $(seq 1 $((limit * 2))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    "$@"
}

start() {
    if [ ! -x "$bin" ]; then
        cargo build -p cpchain
    fi
    mkdir -p "$dir"
    start_chain main local 0
    # The sidechain follows main from main's finalized head at its start.
    retry 60 "$bin" sidechain checkpoint --rpc-url "$main_rpc"
    "$bin" sidechain checkpoint --rpc-url "$main_rpc" >"$dir/parent-checkpoint.json"
    "$bin" build-spec --chain sidechain-local --chain-id iot_sidechain \
        --chain-name "IoT sidechain" --genesis-patch "$dir/parent-checkpoint.json" \
        >"$dir/sidechain.json"
    start_chain side "$dir/sidechain.json" 10
    retry 60 "$bin" sidechain register --rpc-url "$main_rpc" --sidechain-rpc "$side_rpc" \
        --bond 1000000000000000 --metadata "iot-testnet" --from //Bob
    echo "registered the sidechain on main as sidechain 0"
    # Its cross-chain channel, opened through each chain's sudo key (Alice on both presets):
    # at most 1,000,000 CPC credited per window (600 main blocks, 1,200 sidechain blocks).
    "$bin" xchain open-channel --rpc-url "$main_rpc" --channel 0 \
        --mint-cap 1000000000000000000 --mint-window 600 --from //Alice >/dev/null
    "$bin" xchain open-channel --rpc-url "$side_rpc" --channel 0 \
        --mint-cap 1000000000000000000 --mint-window 1200 --from //Alice >/dev/null
    echo "opened cross-chain channel 0 on both chains"
    nohup "$bin" relay --main-rpc "$main_rpc" --side-rpc "$side_rpc" --sidechain-id 0 \
        --from //Ferdie --prometheus-port $((9615 + shift_by + 20)) >"$dir/relay.log" 2>&1 &
    echo $! >"$dir/relay.pid"
    echo "started relay (pid $(cat "$dir/relay.pid"), metrics http://127.0.0.1:$((9615 + shift_by + 20))/metrics)"
    nohup "$bin" iot simulate --rpc-url "$side_rpc" --devices 10 --batch 10 --rate "$rate" \
        --duration 86400 >"$dir/simulator.log" 2>&1 &
    echo $! >"$dir/simulator.pid"
    echo "started simulator (pid $(cat "$dir/simulator.pid"), $rate readings/s from 10 devices)"
    echo "logs and data in $dir; stop with: $0 stop $dir"
}

stop() {
    local pids=()
    for name in "${processes[@]}"; do
        local file="$dir/$name.pid"
        if [ -f "$file" ]; then
            local pid
            pid=$(cat "$file")
            if kill -TERM "$pid" 2>/dev/null; then
                pids+=("$pid")
            fi
            rm -f "$file"
        fi
    done
    for _ in $(seq 1 200); do
        local alive=0
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null; then alive=1; fi
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    echo "stopped ${#pids[@]} processes"
}

# The finalized height a node's Prometheus endpoint on port $1 reports ("?" if it does not
# answer).
finalized() {
    local reply height
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null || true)
    height=$(printf '%s\n' "$reply" | grep '^cpc_block_height{status="finalized"}' | awk '{print $2}' || true)
    echo "${height:-?}"
}

status() {
    for name in "${processes[@]}"; do
        if running "$name"; then
            echo "$name: running"
        else
            echo "$name: stopped"
        fi
    done
    echo "main finalized: #$(finalized $((9615 + shift_by)))"
    echo "side finalized: #$(finalized $((9615 + shift_by + 10)))"
    "$bin" sidechain status --rpc-url "$main_rpc" --sidechain-rpc "$side_rpc" || true
    for direction in "side → main" "main → side"; do
        local last
        last=$(grep -h "$direction" "$dir/relay.log" 2>/dev/null | tail -1 | sed 's/.*relay: //' || true)
        echo "relay: ${last:-$direction: no run yet}"
    done
}

case "$command" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
