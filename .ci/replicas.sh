#!/usr/bin/env bash
# Starts the replicas the CI tests against (the shared scripts: a PostgreSQL streaming
# replica on 5433, a MariaDB primary on 3307 with its replica on 3308) and makes sure
# each one is replaying its primary before any test runs.
#
# The PostgreSQL replica keeps its data directory between runs and has no replication
# slot: once it has been stopped while the primary wrote more than its WAL keeps, it
# starts but can never catch up ("requested WAL segment ... has already been removed").
# Such a replica, which this CI made, is made again from a fresh base backup.
#   usage: .ci/replicas.sh <scripts dir>
set -euo pipefail
scripts=$1
pg() { psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -tAc "$2"; }

# Whether the replica on 5433 has replayed everything the primary had flushed when asked
# (within 20 s).
pg_replaying() {
    local lsn
    lsn=$(pg 5432 "select pg_current_wal_flush_lsn()")
    for _ in $(seq 1 40); do
        [ "$(pg 5433 "select coalesce(pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn, false)" 2>/dev/null)" = t ] && return 0
        sleep 0.5
    done
    return 1
}

# A server killed with the machine leaves its pid file behind. PostgreSQL removes its own
# stale lock file unless another live process now has that pid; the pair's MariaDB
# servers are refused by start-stop-daemon ("matching only on non-root pidfile ... is
# insecure", exit 2). Only the pid file of a server of these replicas that does not
# answer, and whose pid is not a running server of that kind, is removed.
remove_stale_pidfile() { # $1 pid file, $2 process name, $3 port
    [ -f "$1" ] || return 0
    local pid
    pid=$(head -n 1 "$1" 2>/dev/null || true)
    if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != "$2" ]; then
        echo "removing the stale pid file $1 (no server answers on $3)" >&2
        rm -f "$1"
    fi
}
pg_dir=/var/lib/postgresql/om-replica-5433
pg_isready -q -h 127.0.0.1 -p 5433 || remove_stale_pidfile "$pg_dir/postmaster.pid" postgres 5433
pair=${MARIADB_PAIR_DIR:-/var/lib/om-mariadb-pair}
for port in 3307 3308; do
    mariadb-admin -h 127.0.0.1 -P "$port" -u root ping >/dev/null 2>&1 \
        || remove_stale_pidfile "$pair/$port/mysqld.pid" mariadbd "$port"
done

bash "$scripts/pg-replica.sh" start
if ! pg_replaying; then
    dir=$(pg 5433 "show data_directory")
    echo "the PostgreSQL replica in $dir is not replaying the primary; making it again" >&2
    tail -n 3 "$dir/replica.log" >&2 || true
    bash "$scripts/pg-replica.sh" stop
    # only a replica's directory (it has standby.signal) is removed
    [ -f "$dir/standby.signal" ] && rm -rf "$dir"
    bash "$scripts/pg-replica.sh" start
    pg_replaying || { echo "the PostgreSQL replica still does not replay the primary" >&2; exit 1; }
fi
# the MariaDB script itself waits until its replica has caught up, and fails otherwise
bash "$scripts/mariadb-replica.sh" start
