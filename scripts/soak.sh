#!/usr/bin/env bash
# The soak run: a 4-validator loopback testnet at half its measured capacity (500 transfers/s
# by default) for an hour; every minute each validator's resident memory, open file
# descriptors and database size, and the network's finality latency, go to DIR/soak.csv, and
# DIR/soak.png charts them. After a 10-minute warm-up, memory must grow less than 1 MB per
# 10 minutes and descriptor counts stay flat (DIR/summary.txt; exit status 0 only then).
#
#   scripts/soak.sh [--minutes M] [--tps R] [--warmup-minutes W] [--sample-secs S] [--dir DIR]
#                   [--node-arg ARG]...   (ARG given to every validator)
#
# Uses release binaries under $CARGO_TARGET_DIR (built if missing; $CPCHAIN overrides the
# node); installs gnuplot if it is missing. Not part of the test suite. DIR defaults to
# /tmp/cpc-soak. docs/reliability.md has the last run's chart and figures.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=/tmp/cpc-soak
args=("$@")
for ((k = 0; k < ${#args[@]}; k++)); do
    if [ "${args[$k]}" = --dir ]; then dir=${args[$((k + 1))]}; fi
done

if ! command -v gnuplot >/dev/null; then
    apt-get install -y gnuplot-nox >/dev/null
fi
target=${CARGO_TARGET_DIR:-target}
if [ -z "${CPCHAIN:-}" ]; then
    cargo build --release -p cpchain
    CPCHAIN="$target/release/cpchain"
fi
cargo build --release -p cpc-benches --bin cpc-soak

status=0
"$target/release/cpc-soak" --cpchain "$(realpath "$CPCHAIN")" --dir "$dir" "$@" || status=$?

# Columns: minute, finalized, tps, p50, p99, refused, then for v0..v3 resident KiB, descriptors,
# database bytes and the database's file descriptors (7 + 4i to 10 + 4i), then for v0..v3 the
# database's memtables and block cache in KiB (23 + 2i, 24 + 2i), then for v0..v3 the trie
# cache in KiB and the thread count (31 + 2i, 32 + 2i), then for v0..v3 the table readers in
# KiB (39 + i), then for v0..v3 the allocator's memory in use and resident but unused, in KiB
# (43 + 2i, 44 + 2i), then for v0..v3 what the runtime's idle instance slots keep resident,
# in KiB (51 + i).
if [ -s "$dir/soak.csv" ]; then
    gnuplot <<GNUPLOT
set datafile separator ","
set terminal pngcairo size 1400,1000 font ",11" noenhanced
set output "$dir/soak.png"
set multiplot layout 2,2 title "$(head -1 "$dir/summary.txt" 2>/dev/null | sed 's/"//g')"
set key top left
set grid
set xlabel "minutes"
set ylabel "MiB"
set title "resident memory; v0's memtables, block cache and what is outside the caches (dashed)"
plot for [i=0:3] "$dir/soak.csv" using 1:(column(7 + 4*i)/1024.0) skip 1 with linespoints title sprintf("v%d", i), \
     "$dir/soak.csv" using 1:(column(23)/1024.0) skip 1 with lines dashtype 2 title "v0 memtables", \
     "$dir/soak.csv" using 1:(column(24)/1024.0) skip 1 with lines dashtype 3 title "v0 block cache", \
     "$dir/soak.csv" using 1:((column(7) - column(23) - column(24) - column(31))/1024.0) skip 1 with lines dashtype 4 title "v0 outside the caches"
set ylabel "descriptors"
set title "open file descriptors: the database's files (dashed) and the others"
plot for [i=0:3] "$dir/soak.csv" using 1:(column(8 + 4*i) - column(10 + 4*i)) skip 1 with linespoints title sprintf("v%d others", i), \
     for [i=0:3] "$dir/soak.csv" using 1:(column(10 + 4*i)) skip 1 with lines dashtype 2 title sprintf("v%d tables", i)
set ylabel "MiB"
set title "database size"
plot for [i=0:3] "$dir/soak.csv" using 1:(column(9 + 4*i)/1048576.0) skip 1 with linespoints title sprintf("v%d", i)
set ylabel "ms"
set y2label "transfers/s"
set y2tics
set title "finality latency and throughput"
plot "$dir/soak.csv" using 1:4 skip 1 with linespoints title "p50 latency", \
     "$dir/soak.csv" using 1:5 skip 1 with linespoints title "p99 latency", \
     "$dir/soak.csv" using 1:3 skip 1 axes x1y2 with lines title "finalized/s"
unset multiplot
GNUPLOT
    echo "chart: $dir/soak.png"
fi
exit "$status"
