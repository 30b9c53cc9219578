#!/usr/bin/env bash
# A loopback testnet of the built-in `local` chain, all in one folder:
#   Alice, Bob, Charlie and Dave validate (the LBFT committee of the local_testnet preset),
#   Eve and Ferdie are proposer candidates (they propose when elected), and `full` follows.
#
#   scripts/testnet.sh start [DIR]    start the seven nodes (DIR defaults to ./testnet)
#   scripts/testnet.sh status [DIR]   which nodes run, and each one's last status line
#   scripts/testnet.sh stop [DIR]     stop them all cleanly (SIGTERM, then wait)
#
# Environment: CPCHAIN (the binary, default target/debug/cpchain, built if missing),
# PORT_BASE (default 30333: p2p PORT_BASE+i, RPC 9944+i+PORT_BASE-30333, Prometheus likewise
# from 9615). Nodes listen on 127.0.0.1 only.
set -euo pipefail

command=${1:-}
dir=${2:-testnet}
bin=${CPCHAIN:-target/debug/cpchain}
port_base=${PORT_BASE:-30333}
shift_by=$((port_base - 30333))
names=(alice bob charlie dave eve ferdie full)
suris=(//Alice //Bob //Charlie //Dave //Eve //Ferdie "")

start() {
    if [ ! -x "$bin" ]; then
        cargo build -p cpchain
    fi
    mkdir -p "$dir"
    local boot=""
    for i in "${!names[@]}"; do
        local name=${names[$i]}
        local base="$dir/$name"
        if [ -f "$base.pid" ] && kill -0 "$(cat "$base.pid")" 2>/dev/null; then
            echo "$name is already running (pid $(cat "$base.pid"))" >&2
            exit 1
        fi
        mkdir -p "$base"
        # A fixed network key per node, so the others know its address in advance.
        if [ ! -f "$base/node-key" ]; then
            "$bin" key generate-node-key --file "$base/node-key" >"$base/peer-id" 2>/dev/null
        fi
        local role=()
        if [ -n "${suris[$i]}" ]; then
            "$bin" key insert --suri "${suris[$i]}" --base-path "$base" >/dev/null
            role=(--validator)
        fi
        local port=$((port_base + i))
        local args=(--chain local --base-path "$base" "${role[@]}" --no-mdns
            --listen-addr "/ip4/127.0.0.1/tcp/$port" --node-key-file "$base/node-key"
            --rpc-port $((9944 + shift_by + i)) --prometheus-port $((9615 + shift_by + i))
            --name "$name")
        if [ -n "$boot" ]; then
            args+=(--bootnodes "$boot")
        fi
        nohup "$bin" "${args[@]}" >"$dir/$name.log" 2>&1 &
        echo $! >"$base.pid"
        if [ -z "$boot" ]; then
            boot="/ip4/127.0.0.1/tcp/$port/p2p/$(cat "$base/peer-id")"
        fi
        echo "started $name (pid $(cat "$base.pid"), p2p $port, rpc $((9944 + shift_by + i)))"
    done
    echo "logs and data in $dir; stop with: $0 stop $dir"
}

stop() {
    local pids=()
    for name in "${names[@]}"; do
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
    # Nodes flush their databases on SIGTERM: give them time, then insist.
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
    echo "stopped ${#pids[@]} nodes"
}

status() {
    for name in "${names[@]}"; do
        local file="$dir/$name.pid"
        if [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null; then
            echo "$name: running; $(grep -h 'informant' "$dir/$name.log" | tail -1 | sed 's/.*informant: //')"
        else
            echo "$name: stopped"
        fi
    done
}

case "$command" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
