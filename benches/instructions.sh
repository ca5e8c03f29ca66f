#!/usr/bin/env bash
# Instructions per operation, om against hand-written sqlx, counted by callgrind
# (repeatable, unlike wall-clock time). Usage: benches/instructions.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
cargo build --release --example op_loop -q
bin=target/release/examples/op_loop
count() { # lib op iterations -> instructions of the whole run
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1 >/dev/null \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-8s %14s %14s %8s\n' op "sqlx instr/op" "om instr/op" "om/sqlx"
for op in get all100 insert; do
    s0=$(count sqlx "$op" 0); s1=$(count sqlx "$op" "$n")
    o0=$(count om "$op" 0); o1=$(count om "$op" "$n")
    s=$(( (s1 - s0) / n )); o=$(( (o1 - o0) / n ))
    printf '%-8s %14d %14d %8.3f\n' "$op" "$s" "$o" "$(echo "$o / $s" | bc -l)"
done
