#!/usr/bin/env bash
# Renews .ci/advisory-db.tar.gz (and its date) from a fetched advisory database, on a
# machine whose network reaches it: `cargo deny fetch db`, then pack what cargo-deny reads.
set -euo pipefail
cd "$(dirname "$0")/.."
db=target/advisory-dbs/advisory-db-3157b0e258782691
rm -rf "$db"
cargo deny fetch db
git -C "$db" show -s --format=%cI HEAD > .ci/advisory-db.date
tar --sort=name --mtime="$(cat .ci/advisory-db.date)" --owner=0 --group=0 -czf .ci/advisory-db.tar.gz \
    -C "$db" LICENSE.txt README.md crates rust
