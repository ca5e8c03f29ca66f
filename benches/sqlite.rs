//! om against hand-written sqlx, in the same run, on in-memory SQLite.
//!
//! The hand-written queries are what a user would write by hand (literal LIMITs, as om
//! renders them on SQLite); the difference is om's own work: building and rendering the
//! statement, and decoding rows into the model.
//!
//! `cargo bench --bench sqlite`; the ratios go in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use om::prelude::*;
use sqlx::Row as _;

/// The benchmark's row.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_rows")]
pub struct BenchRow {
    /// Generated key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// Indexed text.
    #[om(size = 100, index)]
    pub name: String,
    /// Nullable text.
    pub value: Option<String>,
    /// An integer.
    pub score: i64,
}

const ROWS: i64 = 1_000;

fn setup(rt: &tokio::runtime::Runtime) -> (Database, sqlx::SqlitePool) {
    rt.block_on(async {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        db.create_all(&[BenchRow::table()]).await.expect("create");
        let mut rows: Vec<BenchRow> = (0..ROWS)
            .map(|i| BenchRow {
                id: None,
                name: format!("name {i}"),
                value: (i % 3 != 0).then(|| format!("value {i}")),
                score: i * 7,
            })
            .collect();
        db.add_all(&mut rows).await.expect("seed");
        let pool = db
            .raw_pool::<om::sqlite::RawPool>()
            .expect("a sqlite pool")
            .clone();
        (db, pool)
    })
}

fn map_row(row: &sqlx::sqlite::SqliteRow) -> BenchRow {
    BenchRow {
        id: row.get(0),
        name: row.get(1),
        value: row.get(2),
        score: row.get(3),
    }
}

fn reads(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (db, pool) = setup(&rt);

    let mut group = c.benchmark_group("get_by_key");
    group.bench_function("sqlx", |b| {
        b.to_async(&rt).iter(|| async {
            let row =
                sqlx::query("SELECT id, name, value, score FROM bench_rows WHERE id = ? LIMIT 1")
                    .bind(500_i64)
                    .fetch_optional(&pool)
                    .await
                    .expect("query");
            row.map(|r| map_row(&r))
        })
    });
    group.bench_function("om", |b| {
        b.to_async(&rt)
            .iter(|| async { db.query::<BenchRow>().get(500).await.expect("query") })
    });
    group.finish();

    let mut group = c.benchmark_group("all_100_rows");
    group.bench_function("sqlx", |b| {
        b.to_async(&rt).iter(|| async {
            let rows = sqlx::query(
                "SELECT id, name, value, score FROM bench_rows WHERE score >= ? ORDER BY id LIMIT 100",
            )
            .bind(0_i64)
            .fetch_all(&pool)
            .await
            .expect("query");
            rows.iter().map(map_row).collect::<Vec<_>>()
        })
    });
    group.bench_function("om", |b| {
        b.to_async(&rt).iter(|| async {
            db.query::<BenchRow>()
                .filter(|c| c.score.ge(0))
                .order_by(|c| c.id.asc())
                .limit(100)
                .all()
                .await
                .expect("query")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("insert_one");
    group.bench_function("sqlx", |b| {
        b.to_async(&rt).iter(|| async {
            let id: i64 = sqlx::query(
                "INSERT INTO bench_rows (name, value, score) VALUES (?, ?, ?) RETURNING id",
            )
            .bind("inserted")
            .bind(Some("v"))
            .bind(1_i64)
            .fetch_one(&pool)
            .await
            .expect("insert")
            .get(0);
            id
        })
    });
    group.bench_function("om", |b| {
        b.to_async(&rt).iter(|| async {
            let mut row = BenchRow {
                id: None,
                name: "inserted".into(),
                value: Some("v".into()),
                score: 1,
            };
            db.add(&mut row).await.expect("insert");
            row.id
        })
    });
    group.finish();
}

criterion_group!(benches, reads);
criterion_main!(benches);
