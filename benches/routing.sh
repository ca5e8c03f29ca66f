#!/usr/bin/env bash
# Client instructions per `get` with one replica configured against a plain Database
# (a SQLite file and a second, read-only URL to it), counted by callgrind:
# (instructions of N gets - instructions of 0 gets) / N, the median of REPS (3) runs.
#   benches/routing.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
bin=$(cargo bench -p om-benches --bench routing --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*routing-[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build benches/routing.rs" >&2; exit 1; }
count() {
    valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file=/dev/null "$bin" get "$@" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_get() {
    local runs=()
    for _ in $(seq "${REPS:-3}"); do
        local zero full
        zero=$(count "$1" 0); full=$(count "$1" "$n")
        runs+=($(( (full - zero) / n )))
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(( (${#runs[@]} + 1) / 2 ))p"
}
plain=$(per_get plain)
replica=$(per_get replica)
echo "| get, SQLite file | plain instr/op | one replica instr/op | ratio |"
echo "| --- | ---: | ---: | ---: |"
echo "| $n gets | $plain | $replica | $(awk -v a="$replica" -v b="$plain" 'BEGIN { printf "%.3f", a / b }') |"
