//! create_all and drop_all from model metadata.

use om::{Database, ErrorKind, Model, Result};

use crate::models::{Account, OrmTest};

/// Creating tables twice is harmless (IF NOT EXISTS), indexes included; a table is
/// named after its struct in snake_case unless `table = ".."` says otherwise.
pub async fn create_all_is_idempotent(db: &Database) -> Result<()> {
    assert_eq!(crate::models::AllTypes::table().name, "all_types");
    assert_eq!(OrmTest::table().name, "orm_test");
    db.create_all(&[OrmTest::table(), Account::table()]).await?;
    db.add(&mut OrmTest::new("kept", None)).await?;
    db.create_all(&[OrmTest::table(), Account::table()]).await?;
    assert_eq!(
        db.query::<OrmTest>().count().await?,
        1,
        "the second create_all kept the row"
    );
    Ok(())
}

/// drop_all removes the tables; dropping again is harmless (IF EXISTS).
pub async fn drop_all_removes_tables(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.drop_all(&[OrmTest::table()]).await?;
    let err = db.query::<OrmTest>().count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err}");
    db.drop_all(&[OrmTest::table()]).await?;
    Ok(())
}

/// A `unique` column gets a unique index: a duplicate is a typed constraint error.
pub async fn unique_index_is_enforced(db: &Database) -> Result<()> {
    db.create_all(&[Account::table()]).await?;
    let mut a = Account {
        code: "a".into(),
        email: "x@example.com".into(),
        name: "A".into(),
        active: true,
        balance: 0,
    };
    db.add(&mut a).await?;
    let mut b = Account {
        code: "b".into(),
        ..a.clone()
    };
    let err = db.add(&mut b).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err}");
    assert_eq!(db.query::<Account>().count().await?, 1);
    Ok(())
}

/// A text longer than its column's `size` is refused with `ValueTooLong` and nothing is
/// written, where the backend enforces sizes; elsewhere it is stored whole (declared by
/// `Capabilities::enforces_text_size`).
pub async fn text_size_is_enforced_or_declared(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let long = "x".repeat(101);
    let outcome = db.add(&mut OrmTest::new(&long, None)).await;
    if db.capabilities().enforces_text_size {
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ValueTooLong, "{err:?}");
        assert_eq!(db.query::<OrmTest>().count().await?, 0);
    } else {
        outcome?;
        assert_eq!(db.query::<OrmTest>().one().await?.name, long);
    }
    db.add(&mut OrmTest::new(&"y".repeat(100), None)).await?;
    Ok(())
}

/// Indexes of long table and column names get distinct names that fit every backend,
/// so each is created and enforced.
pub async fn long_names_keep_their_indexes(db: &Database) -> Result<()> {
    use crate::models::LongNames;
    db.create_all(&[LongNames::table()]).await?;
    db.create_all(&[LongNames::table()]).await?;
    let row = |a: &str, b: &str| LongNames {
        id: None,
        secondary_email_address_primary: a.into(),
        secondary_email_address_fallback: b.into(),
    };
    db.add(&mut row("a", "b")).await?;
    let err = db.add(&mut row("c", "b")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err:?}");
    let err = db.add(&mut row("a", "d")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err:?}");
    assert_eq!(db.query::<LongNames>().count().await?, 1);

    // `t` + `a_b` and `t_a` + `b` read alike as `ux_t_a_b`: both indexes must exist.
    use crate::models::{AmbiguousT, AmbiguousTA};
    db.create_all(&[AmbiguousT::table(), AmbiguousTA::table()])
        .await?;
    let mut first = AmbiguousTA {
        id: None,
        b: "x".into(),
    };
    db.add(&mut first).await?;
    let err = db
        .add(&mut AmbiguousTA {
            id: None,
            b: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err:?}");
    db.add(&mut AmbiguousT {
        id: None,
        a_b: "x".into(),
    })
    .await?;
    let err = db
        .add(&mut AmbiguousT {
            id: None,
            a_b: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err:?}");
    Ok(())
}
