//! om against hand-written sqlx in wall time, with criterion: every workload of
//! `common`, on in-memory SQLite and, when their URLs are set
//! (`OM_BENCH_POSTGRES_URL`, `OM_BENCH_MYSQL_URL`, or the `OM_TEST_*` ones), on
//! PostgreSQL and MySQL. om and sqlx run back to back in each group, on the same
//! pool. `benches/wall.sh` turns the results into ratios; BENCHMARKS.md has them.
//!
//!     cargo bench --bench compare [-- <filter>]

mod common;

use std::time::Duration;

use common::{Backend, Side, Workload};
use criterion::{Criterion, criterion_group, criterion_main};

fn compare(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // Criterion filters the benchmarks it runs; this skips the set-up of the others.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    for backend in Backend::ALL {
        if backend.url().is_none() {
            eprintln!("{}: no URL set, skipped", backend.name());
            continue;
        }
        for workload in Workload::ALL {
            let name = format!("{}/{}", backend.name(), workload.name());
            if filter
                .as_deref()
                .is_some_and(|f| !name.contains(f) && !f.starts_with(&name))
            {
                continue;
            }
            let db = rt
                .block_on(common::setup(backend, workload))
                .expect("setup");
            let mut group = c.benchmark_group(&name);
            let heavy = matches!(
                workload,
                Workload::Trivial(10_000)
                    | Workload::Insert(10_000)
                    | Workload::Stream(_)
                    | Workload::Eager3
            );
            group
                .sample_size(if heavy { 10 } else { 30 })
                .warm_up_time(Duration::from_millis(300))
                .measurement_time(Duration::from_secs(if heavy { 4 } else { 2 }));
            let sides: &[Side] = if workload.has_sqlx() {
                &[Side::Om, Side::Sqlx, Side::SqlxAs]
            } else {
                &[Side::Om]
            };
            for &side in sides {
                if side == Side::SqlxAs
                    && matches!(
                        workload,
                        Workload::Insert(_)
                            | Workload::InsertInt(_)
                            | Workload::InsertPlain(_)
                            | Workload::Stream(_)
                            | Workload::Eager3
                    )
                {
                    continue;
                }
                let mut i = 0usize;
                group.bench_function(side.name(), |b| {
                    b.to_async(&rt).iter(|| {
                        i += 1;
                        let db = &db;
                        async move {
                            common::run(backend, db, workload, side, i)
                                .await
                                .expect("the operation")
                        }
                    })
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, compare);
criterion_main!(benches);
