//! Runs one operation many times, with om or with hand-written sqlx, so that
//! `valgrind --tool=callgrind` can count the instructions each spends (see
//! BENCHMARKS.md): `op_loop <om|sqlx> <get|all100|insert> <iterations>`.

use om::prelude::*;
use sqlx::Row as _;

/// The benchmark's row (as in benches/sqlite.rs).
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

fn map_row(row: &sqlx::sqlite::SqliteRow) -> BenchRow {
    BenchRow {
        id: row.get(0),
        name: row.get(1),
        value: row.get(2),
        score: row.get(3),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> om::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (lib, op) = (
        args.get(1).map_or("om", String::as_str),
        args.get(2).map_or("get", String::as_str),
    );
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);

    let db = Database::connect("sqlite::memory:").await?;
    db.create_all(&[BenchRow::table()]).await?;
    let mut rows: Vec<BenchRow> = (0..1000)
        .map(|i| BenchRow {
            id: None,
            name: format!("name {i}"),
            value: (i % 3 != 0).then(|| format!("value {i}")),
            score: i * 7,
        })
        .collect();
    db.add_all(&mut rows).await?;
    let pool = db
        .raw_pool::<om::sqlite::RawPool>()
        .ok_or(om::Error::Closed)?
        .clone();
    let sqlx_err = |e: sqlx::Error| om::Error::Driver(Box::new(e));

    let mut seen = 0usize;
    for i in 0..n {
        let id = (i % 1000) as i64 + 1;
        match (lib, op) {
            ("om", "get") => {
                seen += db.query::<BenchRow>().get(id).await?.is_some() as usize;
            }
            ("sqlx", "get") => {
                let row = sqlx::query(
                    "SELECT id, name, value, score FROM bench_rows WHERE id = ? LIMIT 1",
                )
                .bind(id)
                .fetch_optional(&pool)
                .await
                .map_err(sqlx_err)?;
                seen += row.map(|r| map_row(&r)).is_some() as usize;
            }
            ("om", "all100") => {
                let rows = db
                    .query::<BenchRow>()
                    .filter(|c| c.score.ge(0))
                    .order_by(|c| c.id.asc())
                    .limit(100)
                    .all()
                    .await?;
                seen += rows.len();
            }
            ("sqlx", "all100") => {
                let rows = sqlx::query(
                    "SELECT id, name, value, score FROM bench_rows WHERE score >= ? ORDER BY id LIMIT 100",
                )
                .bind(0_i64)
                .fetch_all(&pool)
                .await
                .map_err(sqlx_err)?;
                seen += rows.iter().map(map_row).count();
            }
            ("om", "insert") => {
                let mut row = BenchRow {
                    id: None,
                    name: "inserted".into(),
                    value: Some("v".into()),
                    score: 1,
                };
                db.add(&mut row).await?;
                seen += row.id.is_some() as usize;
            }
            ("sqlx", "insert") => {
                let id: i64 = sqlx::query(
                    "INSERT INTO bench_rows (name, value, score) VALUES (?, ?, ?) RETURNING id",
                )
                .bind("inserted")
                .bind(Some("v"))
                .bind(1_i64)
                .fetch_one(&pool)
                .await
                .map_err(sqlx_err)?
                .get(0);
                seen += (id > 0) as usize;
            }
            _ => {
                eprintln!("usage: op_loop <om|sqlx> <get|all100|insert> <iterations>");
                std::process::exit(2);
            }
        }
    }
    println!("{lib} {op} x{n}: {seen}");
    Ok(())
}
