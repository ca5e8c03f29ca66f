#!/usr/bin/env bash
# Wall time, om against hand-written sqlx, interleaved: for each backend and workload,
# `ops wall` times om and sqlx in alternating rounds of about 20 ms each (om first in
# one round, sqlx first in the next), so that the machine's drift (+-20% between runs
# on a shared 2-core machine) affects both alike, and prints the median over rounds of
# om's time / sqlx's time. `cargo bench` runs the same workloads under criterion for
# absolute times.
#
#   OM_BENCH_POSTGRES_URL=... OM_BENCH_MYSQL_URL=... benches/wall.sh [backend...] [-w workload...]
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/args.sh
[ ${#workloads[@]} -eq 0 ] && workloads=(trivial_1 trivial_100 trivial_10000 medium get \
    insert_1 insert_100 insert_10000 stream_10000 inherit_1000 eager_3)
echo "| backend | workload | om / sqlx (median of rounds) | om per op | sqlx per op | rounds x ops |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for b in "${backends[@]}"; do
    for w in "${workloads[@]}"; do
        "$bin" wall "$b" "$w" "${ROUNDS:-21}"
    done
    # add_all of 100 rows against 100 calls of add, in wall time
    each=$("$bin" wall "$b" insert_each_100 5 2>/dev/null | awk -F'|' '{print $5}' || true)
    batch=$("$bin" wall "$b" insert_100 5 2>/dev/null | awk -F'|' '{print $5}' || true)
    echo "| $b | add x100 (om) vs add_all of 100 (om) | | $each | $batch | |"
done
