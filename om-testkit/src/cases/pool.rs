//! The sqlx pool under a database.

use om::{Database, Model, Result};

use crate::models::OrmTest;

/// The driver's own sqlx pool is reachable, typed, for the database's backend only, and
/// is the pool om itself uses.
pub async fn raw_pool_is_reachable_and_typed(db: &Database) -> Result<()> {
    use om::mysql::DatabaseExt as _;
    use om::postgres::DatabaseExt as _;
    use om::sqlite::DatabaseExt as _;
    db.create_all(&[OrmTest::table()]).await?;
    let (sqlite, postgres, mysql) = (db.sqlite_pool(), db.postgres_pool(), db.mysql_pool());
    let size = match db.backend() {
        "sqlite" => {
            assert!(postgres.is_none() && mysql.is_none());
            sqlite.expect("a SQLite pool").size()
        }
        "postgres" => {
            assert!(sqlite.is_none() && mysql.is_none());
            postgres.expect("a PostgreSQL pool").size()
        }
        "mysql" => {
            assert!(sqlite.is_none() && postgres.is_none());
            mysql.expect("a MySQL pool").size()
        }
        other => panic!("unknown backend {other}"),
    };
    assert_eq!(size, db.pool_status().size, "the very pool om uses");
    assert!(db.raw_pool::<om::sqlite::RawPool>().is_some() == (db.backend() == "sqlite"));
    assert!(db.raw_pool::<String>().is_none());
    Ok(())
}
