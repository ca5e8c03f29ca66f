# Shared by benches/instructions.sh and benches/wall.sh (sourced, not run): reads
# `[backend...] [-w workload...]` into `backends` and `workloads` (every backend whose
# URL is set when none is named), and builds benches/ops.rs into `bin`.
backends=() workloads=()
while [ $# -gt 0 ]; do
    case $1 in
        -w) workloads+=("$2"); shift 2 ;;
        *) backends+=("$1"); shift ;;
    esac
done
if [ ${#backends[@]} -eq 0 ]; then
    backends=(sqlite)
    [ -n "${OM_BENCH_POSTGRES_URL:-${OM_TEST_POSTGRES_URL:-}}" ] && backends+=(postgres)
    [ -n "${OM_BENCH_MYSQL_URL:-${OM_TEST_MYSQL_URL:-}}" ] && backends+=(mysql)
fi
bin=$(cargo bench -p om-benches --bench ops --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*ops-[^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build benches/ops.rs" >&2; exit 1; }
