#!/usr/bin/env bash
# Wall time, om against hand-written sqlx: runs the criterion suite RUNS times (default
# 3) and prints, per backend and workload, the median over the runs of
# (om's median time / sqlx's median time). Timings on a shared 2-core machine move by
# +-20% from run to run; the ratio of two neighbours in one run moves much less.
#
#   OM_BENCH_POSTGRES_URL=... OM_BENCH_MYSQL_URL=... benches/wall.sh [criterion filter]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
out=target/criterion
ratios=$(mktemp)
for run in $(seq "$runs"); do
    cargo bench --bench compare --features all-backends -- --noplot "$@" >&2
    for group in "$out"/*_*; do
        [ -f "$group/om/new/estimates.json" ] || continue
        median() { sed -n 's/.*"median":{[^}]*"point_estimate":\([0-9.e+-]*\).*/\1/p' "$1"; }
        om=$(median "$group/om/new/estimates.json")
        for side in sqlx sqlx_query_as; do
            [ -f "$group/$side/new/estimates.json" ] || continue
            s=$(median "$group/$side/new/estimates.json")
            echo "$(basename "$group") $side $run $(awk -v a="$om" -v b="$s" 'BEGIN { printf "%.3f", a / b }') $om $s"
        done
    done >> "$ratios"
done
echo "| group | om / sqlx (median of $runs runs) | sqlx query_as / sqlx | om median time |"
echo "| --- | ---: | ---: | ---: |"
for group in $(cut -d' ' -f1 "$ratios" | sort -u); do
    med() { grep "^$group $1 " "$ratios" | cut -d' ' -f"$2" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
    om_sqlx=$(med sqlx 4)
    om_t=$(med sqlx 5)
    qa=$(grep "^$group sqlx_query_as " "$ratios" | while read -r _ _ r _ o s; do
        grep "^$group sqlx $r " "$ratios" | awk -v q="$s" '{ printf "%.3f\n", q / $6 }'; done \
        | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }')
    echo "| $group | $om_sqlx | $qa | $(awk -v t="$om_t" 'BEGIN { printf "%.1f us", t / 1000 }') |"
done
rm -f "$ratios"
