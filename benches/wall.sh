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
backends=() workloads=()
while [ $# -gt 0 ]; do
    case $1 in
        -w) workloads+=("$2"); shift 2 ;;
        *) backends+=("$1"); shift ;;
    esac
done
pg=${OM_BENCH_POSTGRES_URL:-${OM_TEST_POSTGRES_URL:-}}
my=${OM_BENCH_MYSQL_URL:-${OM_TEST_MYSQL_URL:-}}
if [ ${#backends[@]} -eq 0 ]; then
    backends=(sqlite)
    [ -n "$pg" ] && backends+=(postgres)
    [ -n "$my" ] && backends+=(mysql)
fi
[ ${#workloads[@]} -eq 0 ] && workloads=(trivial_1 trivial_100 trivial_10000 medium get \
    insert_1 insert_100 insert_10000 stream_10000 inherit_1000)
bin=$(cargo bench --bench ops --features all-backends --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*ops-[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build benches/ops.rs" >&2; exit 1; }
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
