#!/usr/bin/env bash
# Client instructions per operation, om against hand-written sqlx, counted by callgrind:
# (instructions of N operations - instructions of 0 operations after the same set-up) / N.
# Repeatable, unlike wall time. Needs valgrind.
#
#   benches/instructions.sh [backend...] [-w workload...]     (default: every backend whose
#                                                              URL is set, every workload)
#   OM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
#   OM_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test benches/instructions.sh
#
# Workloads of 100 iterations or more, and eager_3, are counted REPS times (default 3)
# and the median is kept: threads hand rows over (sqlx's SQLite worker, the runtime's
# parking), which moves a single count by a few percent. Prints a Markdown table: one row per backend and workload, with om / sqlx (by index)
# and sqlx query_as (by name) / sqlx; each count is the median, with its spread
# ((largest - smallest) / median) beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/args.sh
[ ${#workloads[@]} -eq 0 ] && workloads=(trivial_1 trivial_100 trivial_10000 medium get \
    insert_1 insert_to_end_1 insert_100 insert_10000 insert_each_100 insert_int_1 insert_int_to_end_1 insert_int_100 insert_plain_100 \
    stream_10000 inherit_1000 eager_3)

iterations() { # backend workload
    # SQLite's `get`: 10,000, so that what the set-up and the pool's own connections
    # cost (which moves by a few hundred thousand instructions from run to run) weighs
    # little per operation.
    [ "$1" = sqlite ] && [ "$2" = get ] && { echo 10000; return; }
    case $2 in
        trivial_1 | get | insert_1 | insert_to_end_1 | insert_int_1 | insert_int_to_end_1) echo 1000 ;;
        trivial_100 | insert_100 | insert_int_100 | insert_plain_100) echo 100 ;;
        medium | inherit_1000) echo 20 ;;
        eager_3) echo 10 ;;
        *) echo 4 ;;
    esac
}
# Pinned to one CPU: valgrind runs one thread at a time anyway, but a thread woken on
# another CPU races for its lock, which decides whether a read finds sqlx's SQLite worker
# done or parks to wait (each park is some 800 instructions): unpinned, a count moves by up
# to 7% from run to run; pinned, by under 1%.
pin=()
# The last CPU this process may use (not `nproc - 1`: under a CPU set the ids need not
# start at 0).
cpu=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status 2>/dev/null | tr ',-' '\n\n' | tail -1)
command -v taskset >/dev/null && [ -n "$cpu" ] && pin=(taskset -c "$cpu")
count() { # backend workload side iterations -> instructions of the whole run
    "${pin[@]}" valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_op() { # backend workload side -> instructions per operation, the median of REPS runs
    local n; n=$(iterations "$1" "$2")
    local reps=${REPS:-3} runs=()
    [ "$n" -lt 100 ] && [ "$2" != eager_3 ] && reps=1
    # SQLite's `get` hands each row over from sqlx's worker thread, and the pool opens
    # connections as it goes, which moves a count by a few percent: counted at least 5
    # times.
    [ "$1" = sqlite ] && [ "$2" = get ] && [ "$reps" -lt 5 ] && reps=5
    for _ in $(seq "$reps"); do
        local zero full
        zero=$(count "$1" "$2" "$3" 0); full=$(count "$1" "$2" "$3" "$n")
        runs+=($(( (full - zero) / n )))
    done
    # The median, then the spread of the counts: (largest - smallest) / median, in %.
    printf '%s\n' "${runs[@]}" | sort -n | awk '{ v[NR] = $1 } END {
        m = v[int((NR + 1) / 2)]; printf "%d %.1f\n", m, (m > 0 ? 100 * (v[NR] - v[1]) / m : 0) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

echo "| backend | workload | sqlx instr/op (spread) | om instr/op (spread) | om / sqlx | query_as / sqlx |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for b in "${backends[@]}"; do
    declare -A om_of=()
    for w in "${workloads[@]}"; do
        read -r o o_spread <<<"$(per_op "$b" "$w" om)"; om_of[$w]=$o
        case $w in
            insert_each_*)
                batch=${om_of[insert_${w#insert_each_}]:-}
                echo "| $b | $w (om add x${w#insert_each_}) | - | $o (±$o_spread%) | - | - |"
                [ -n "$batch" ] && echo "| $b | add_all / add x${w#insert_each_} | | | $(ratio "$batch" "$o") | |"
                continue ;;
        esac
        read -r s s_spread <<<"$(per_op "$b" "$w" sqlx)"
        case $w in
            insert_* | stream_* | eager_*) q="-" ;;
            *) read -r qa _ <<<"$(per_op "$b" "$w" sqlx_query_as)"; q=$(ratio "$qa" "$s") ;;
        esac
        echo "| $b | $w | $s (±$s_spread%) | $o (±$o_spread%) | $(ratio "$o" "$s") | $q |"
    done
    unset om_of
done
