//! Reading: get, filter, order, paging, one/first/count/exists, bulk delete, streams.

use futures::TryStreamExt;
use om::{Database, Error, Expr, Model, Result, Session};

use crate::models::{Account, MediumKey, OrmTest, SmallKey};

async fn seed(db: &Database) -> Result<Vec<OrmTest>> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rows = vec![
        OrmTest::new("alpha", Some("1")),
        OrmTest::new("beta", Some("2")),
        OrmTest::new("gamma", None),
        OrmTest::new("delta", Some("2")),
        OrmTest::new("Alpha", Some("3")),
    ];
    db.add_all(&mut rows).await?;
    Ok(rows)
}

fn names(rows: &[OrmTest]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

/// `get` returns the row with the key, and `None` when there is none.
pub async fn get_by_key(db: &Database) -> Result<()> {
    let rows = seed(db).await?;
    let id = rows[1].id.expect("key");
    assert_eq!(
        db.query::<OrmTest>().get(id).await?.as_ref(),
        Some(&rows[1])
    );
    assert_eq!(db.query::<OrmTest>().get(id + 1000).await?, None);
    assert_eq!(db.query::<OrmTest>().get(-1).await?, None);
    Ok(())
}

/// `get` reads a row by a key of each kind (64-, 32- and 16-bit integers, text), each
/// twice: the second time its text comes from the statement cache and the key is bound
/// as it is. A query narrowed by a filter keeps its filter; inside a transaction `get`
/// sees the transaction's own rows; a captured `get` is the select it is.
pub async fn get_by_key_of_each_kind(db: &Database) -> Result<()> {
    let rows = seed(db).await?;
    db.create_all(&[Account::table(), SmallKey::table(), MediumKey::table()])
        .await?;
    let mut accounts = vec![
        account("a'1", "quote@example.com"),
        account("ü-2", "unicode@example.com"),
        account("%_\\", "pattern@example.com"),
    ];
    db.add_all(&mut accounts).await?;
    let mut small = vec![SmallKey {
        id: None,
        name: "s".into(),
    }];
    db.add_all(&mut small).await?;
    let mut medium = vec![MediumKey {
        id: None,
        name: "m".into(),
    }];
    db.add_all(&mut medium).await?;
    for round in 0..2 {
        for row in &rows {
            let id = row.id.expect("key");
            assert_eq!(
                db.query::<OrmTest>().get(id).await?.as_ref(),
                Some(row),
                "round {round}"
            );
        }
        assert_eq!(db.query::<OrmTest>().get(i64::MAX).await?, None);
        for account in &accounts {
            let found = db.query::<Account>().get(account.code.as_str()).await?;
            assert_eq!(found.as_ref(), Some(account), "round {round}");
        }
        assert_eq!(db.query::<Account>().get("a'").await?, None);
        assert_eq!(db.query::<Account>().get("").await?, None);
        let small_id = small[0].id.expect("key");
        assert_eq!(
            db.query::<SmallKey>().get(small_id).await?.as_ref(),
            Some(&small[0])
        );
        assert_eq!(db.query::<SmallKey>().get(i16::MAX).await?, None);
        let medium_id = medium[0].id.expect("key");
        assert_eq!(
            db.query::<MediumKey>().get(medium_id).await?.as_ref(),
            Some(&medium[0])
        );
        assert_eq!(db.query::<MediumKey>().get(i32::MIN).await?, None);
    }

    // A filter narrows `get`: the row must also match it.
    let alpha = rows[0].id.expect("key");
    let narrowed = |name: &'static str| {
        db.query::<OrmTest>()
            .filter(move |c| c.name.eq(name))
            .get(alpha)
    };
    assert_eq!(narrowed("alpha").await?.as_ref(), Some(&rows[0]));
    assert_eq!(narrowed("beta").await?, None);

    // Inside a transaction, its own rows; after a rollback, none.
    let tx = db.begin().await?;
    assert_eq!(
        tx.query::<OrmTest>().get(alpha).await?.as_ref(),
        Some(&rows[0])
    );
    let mut fresh = OrmTest::new("in-tx", None);
    tx.add(&mut fresh).await?;
    let fresh_id = fresh.id.expect("key");
    assert_eq!(tx.query::<OrmTest>().get(fresh_id).await?, Some(fresh));
    tx.rollback().await?;
    assert_eq!(db.query::<OrmTest>().get(fresh_id).await?, None);

    // Captured (and logged) as the select it is.
    let capture = db.capture_statements();
    assert_eq!(
        db.query::<OrmTest>().get(alpha).await?.as_ref(),
        Some(&rows[0])
    );
    assert_eq!(capture.statements(), ["SELECT FROM orm_test"]);
    Ok(())
}

fn account(code: &str, email: &str) -> Account {
    Account {
        code: code.into(),
        email: email.into(),
        name: code.to_uppercase(),
        active: true,
        balance: -7,
    }
}

/// Several filters AND together.
pub async fn filters_and_together(db: &Database) -> Result<()> {
    seed(db).await?;
    let rows = db
        .query::<OrmTest>()
        .filter(|c| c.value.eq("2"))
        .filter(|c| c.name.ne("beta"))
        .all()
        .await?;
    assert_eq!(names(&rows), ["delta"]);
    Ok(())
}

/// eq, ne, lt, le, gt, ge.
pub async fn comparison_operators(db: &Database) -> Result<()> {
    let rows = seed(db).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id.expect("key")).collect();
    let q = || db.query::<OrmTest>().order_by(|c| c.id.asc());
    let count = |rows: Vec<OrmTest>| rows.len();
    assert_eq!(count(q().filter(|c| c.id.eq(ids[2])).all().await?), 1);
    assert_eq!(count(q().filter(|c| c.id.ne(ids[2])).all().await?), 4);
    assert_eq!(count(q().filter(|c| c.id.lt(ids[2])).all().await?), 2);
    assert_eq!(count(q().filter(|c| c.id.le(ids[2])).all().await?), 3);
    assert_eq!(count(q().filter(|c| c.id.gt(ids[2])).all().await?), 2);
    assert_eq!(count(q().filter(|c| c.id.ge(ids[2])).all().await?), 3);
    assert_eq!(
        names(
            &q().filter(|c| c.name.gt("beta"))
                .filter(|c| c.name.lt("zeta"))
                .all()
                .await?
        ),
        ["gamma", "delta"]
    );
    Ok(())
}

/// `like` and `not_like` with `%` and `_`; case follows the backend's declared capability.
pub async fn like_patterns(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<OrmTest>().order_by(|c| c.id.asc());
    assert_eq!(
        names(&q().filter(|c| c.name.like("%ta")).all().await?),
        ["beta", "delta"]
    );
    assert_eq!(
        names(&q().filter(|c| c.name.like("_amma")).all().await?),
        ["gamma"]
    );
    assert_eq!(q().filter(|c| c.name.not_like("%a")).count().await?, 0);
    let alpha = names(&q().filter(|c| c.name.like("alpha")).all().await?).len();
    if db.capabilities().case_sensitive_like {
        assert_eq!(alpha, 1, "a case-sensitive LIKE matches `alpha` only");
    } else {
        assert_eq!(
            alpha, 2,
            "a case-insensitive LIKE matches `alpha` and `Alpha`"
        );
    }
    Ok(())
}

/// `is_in` / `is_not_in`, including empty lists.
pub async fn in_and_not_in(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<OrmTest>().order_by(|c| c.id.asc());
    assert_eq!(
        names(
            &q().filter(|c| c.name.is_in(["beta", "gamma", "nope"]))
                .all()
                .await?
        ),
        ["beta", "gamma"]
    );
    assert_eq!(
        q().filter(|c| c.name.is_not_in(["beta", "gamma"]))
            .count()
            .await?,
        3
    );
    let none: [&str; 0] = [];
    assert_eq!(q().filter(|c| c.name.is_in(none)).count().await?, 0);
    assert_eq!(q().filter(|c| c.name.is_not_in(none)).count().await?, 5);
    Ok(())
}

/// `is_null` / `is_not_null`.
pub async fn null_checks(db: &Database) -> Result<()> {
    seed(db).await?;
    assert_eq!(
        names(
            &db.query::<OrmTest>()
                .filter(|c| c.value.is_null())
                .all()
                .await?
        ),
        ["gamma"]
    );
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.value.is_not_null())
            .count()
            .await?,
        4
    );
    Ok(())
}

/// `and`, `or`, `not` and their operators.
pub async fn boolean_combinators(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<OrmTest>().order_by(|c| c.id.asc());
    let rows = q()
        .filter(|c| c.name.eq("alpha").or(c.name.eq("gamma")))
        .all()
        .await?;
    assert_eq!(names(&rows), ["alpha", "gamma"]);
    let rows = q()
        .filter(|c| (c.value.eq("2") & c.name.eq("beta")) | c.value.is_null())
        .all()
        .await?;
    assert_eq!(names(&rows), ["beta", "gamma"]);
    let rows = q().filter(|c| !c.value.eq("2")).all().await?;
    assert_eq!(names(&rows), ["alpha", "Alpha"], "NOT of NULL is not true");
    let rows = q()
        .filter(|c| c.value.eq("2").not().and(c.value.is_not_null()))
        .all()
        .await?;
    assert_eq!(names(&rows), ["alpha", "Alpha"]);
    assert_eq!(
        q().filter(|_| Expr::any([])).count().await?,
        0,
        "an empty OR is false"
    );
    assert_eq!(
        q().filter(|_| Expr::all([])).count().await?,
        5,
        "an empty AND is true"
    );
    Ok(())
}

/// `order_by` ascending and descending, with ties ordered by a second key.
pub async fn order_by_columns(db: &Database) -> Result<()> {
    seed(db).await?;
    let rows = db
        .query::<OrmTest>()
        .filter(|c| c.value.is_not_null())
        .order_by(|c| c.value.desc())
        .order_by(|c| c.name.asc())
        .all()
        .await?;
    assert_eq!(names(&rows), ["Alpha", "beta", "delta", "alpha"]);
    let rows = db
        .query::<OrmTest>()
        .order_by(|c| c.id.desc())
        .limit(2)
        .all()
        .await?;
    assert_eq!(names(&rows), ["Alpha", "delta"]);
    Ok(())
}

/// `limit` and `offset`, alone and together.
pub async fn limit_and_offset(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<OrmTest>().order_by(|c| c.id.asc());
    assert_eq!(names(&q().limit(2).all().await?), ["alpha", "beta"]);
    assert_eq!(
        names(&q().limit(2).offset(2).all().await?),
        ["gamma", "delta"]
    );
    assert_eq!(names(&q().offset(3).all().await?), ["delta", "Alpha"]);
    assert_eq!(q().offset(10).all().await?.len(), 0);
    assert_eq!(q().limit(0).all().await?.len(), 0);
    assert_eq!(q().limit(u64::MAX).all().await?.len(), 5);
    // `first`, `one_or_none` and `exists` read within the page: an empty page has no row.
    assert_eq!(q().limit(0).first().await?, None);
    assert_eq!(q().limit(0).one_or_none().await?, None);
    assert!(!q().limit(0).exists().await?);
    assert!(!q().offset(5).exists().await?);
    assert!(q().offset(4).exists().await?);
    assert_eq!(
        q().offset(4).first().await?.map(|r| r.name),
        Some("Alpha".into())
    );
    Ok(())
}

/// `first` gives the first row or `None`.
pub async fn first_row(db: &Database) -> Result<()> {
    seed(db).await?;
    let first = db
        .query::<OrmTest>()
        .order_by(|c| c.name.desc())
        .first()
        .await?;
    assert_eq!(first.map(|r| r.name), Some("gamma".to_string()));
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.name.eq("none"))
            .first()
            .await?,
        None
    );
    Ok(())
}

/// `one` fails on zero and on several rows; `one_or_none` on several only.
pub async fn one_and_one_or_none(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<OrmTest>();
    assert_eq!(q().filter(|c| c.name.eq("beta")).one().await?.name, "beta");
    let err = q().filter(|c| c.name.eq("none")).one().await.unwrap_err();
    assert!(
        matches!(err, Error::NotFound { table: "orm_test" }),
        "{err:?}"
    );
    let err = q().filter(|c| c.value.eq("2")).one().await.unwrap_err();
    assert!(
        matches!(err, Error::MultipleRows { table: "orm_test" }),
        "{err:?}"
    );
    assert_eq!(q().filter(|c| c.name.eq("none")).one_or_none().await?, None);
    assert!(
        q().filter(|c| c.name.eq("beta"))
            .one_or_none()
            .await?
            .is_some()
    );
    let err = q().one_or_none().await.unwrap_err();
    assert!(matches!(err, Error::MultipleRows { .. }), "{err:?}");
    Ok(())
}

/// `count` with filters, limits and offsets; `exists`.
pub async fn count_and_exists(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    assert_eq!(db.query::<OrmTest>().count().await?, 0);
    assert!(!db.query::<OrmTest>().exists().await?);
    seed(db).await?;
    assert_eq!(db.query::<OrmTest>().count().await?, 5);
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.value.eq("2"))
            .count()
            .await?,
        2
    );
    assert_eq!(db.query::<OrmTest>().limit(3).count().await?, 3);
    assert_eq!(db.query::<OrmTest>().offset(4).count().await?, 1);
    assert!(
        db.query::<OrmTest>()
            .filter(|c| c.name.eq("beta"))
            .exists()
            .await?
    );
    assert!(
        !db.query::<OrmTest>()
            .filter(|c| c.name.eq("zeta"))
            .exists()
            .await?
    );
    Ok(())
}

/// A bulk delete removes what the filter matches and says how many.
pub async fn bulk_delete(db: &Database) -> Result<()> {
    seed(db).await?;
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.value.eq("2"))
            .delete()
            .await?,
        2
    );
    assert_eq!(db.query::<OrmTest>().count().await?, 3);
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.value.eq("2"))
            .delete()
            .await?,
        0
    );
    assert_eq!(db.query::<OrmTest>().delete().await?, 3);
    assert_eq!(db.query::<OrmTest>().count().await?, 0);
    Ok(())
}

/// A bulk delete with a limit, an offset or an order is refused, and deletes nothing.
pub async fn bulk_delete_refuses_paging(db: &Database) -> Result<()> {
    seed(db).await?;
    for err in [
        db.query::<OrmTest>().limit(1).delete().await.unwrap_err(),
        db.query::<OrmTest>().offset(1).delete().await.unwrap_err(),
        db.query::<OrmTest>()
            .order_by(|c| c.id.asc())
            .delete()
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    }
    assert_eq!(db.query::<OrmTest>().count().await?, 5);
    Ok(())
}

/// `stream()` yields every matching row, in order, one at a time.
pub async fn stream_rows(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rows: Vec<OrmTest> = (0..300)
        .map(|i| OrmTest::new(&format!("r{i:03}"), None))
        .collect();
    db.add_all(&mut rows).await?;
    let mut stream = db.query::<OrmTest>().order_by(|c| c.name.asc()).stream();
    let mut seen = 0;
    while let Some(row) = stream.try_next().await? {
        assert_eq!(row, rows[seen]);
        seen += 1;
    }
    assert_eq!(seen, 300);
    let filtered: Vec<OrmTest> = db
        .query::<OrmTest>()
        .filter(|c| c.name.like("r00%"))
        .stream()
        .try_collect()
        .await?;
    assert_eq!(filtered.len(), 10);
    Ok(())
}

/// A stream read row by row into models or columns (each row lent to its decoder) and
/// one read as raw rows (each row handed over) see the same rows, on the pool and in a
/// transaction; a transaction's stream read to its end gives the connection back
/// without being dropped.
pub async fn streams_lend_and_hand_over_the_same_rows(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rows: Vec<OrmTest> = (0..120)
        .map(|i| {
            let value = format!("v{i}");
            OrmTest::new(&format!("s{i:03}"), (i % 3 == 0).then_some(value.as_str()))
        })
        .collect();
    db.add_all(&mut rows).await?;
    // The same rows three ways: models and one column (lent), raw rows (handed over).
    async fn three_ways(on: &impl Session, rows: &[OrmTest]) -> Result<()> {
        let models: Vec<OrmTest> = on
            .query::<OrmTest>()
            .order_by(|c| c.name.asc())
            .stream()
            .try_collect()
            .await?;
        assert_eq!(models, rows);
        let names: Vec<String> = on
            .query::<OrmTest>()
            .order_by(|c| c.name.asc())
            .select(|c| c.name)
            .stream()
            .try_collect()
            .await?;
        assert!(names.iter().eq(rows.iter().map(|r| &r.name)));
        let raw: Vec<(i64, String, Option<String>)> = on
            .iterate("SELECT id, name, value FROM orm_test ORDER BY name", ())
            .and_then(|row| async move { Ok((row.get(0)?, row.get(1)?, row.get(2)?)) })
            .try_collect()
            .await?;
        let expected: Vec<(i64, String, Option<String>)> = rows
            .iter()
            .map(|r| (r.id.expect("a key"), r.name.clone(), r.value.clone()))
            .collect();
        assert_eq!(raw, expected);
        Ok(())
    }
    three_ways(db, &rows).await?;

    let tx = db.begin().await?;
    let mut stream = tx.query::<OrmTest>().order_by(|c| c.name.asc()).stream();
    let mut seen = Vec::new();
    while let Some(row) = stream.try_next().await? {
        seen.push(row);
    }
    assert_eq!(seen, rows);
    // Read to its end, the stream holds the connection no more.
    assert_eq!(tx.query::<OrmTest>().count().await?, 120);
    drop(stream);
    three_ways(&tx, &rows).await?;
    tx.rollback().await?;
    Ok(())
}

/// A stream dropped early releases its connection; other queries run while it is open,
/// and (on SQLite in memory) every pooled connection sees the same tables.
pub async fn stream_alongside_other_queries(db: &Database) -> Result<()> {
    seed(db).await?;
    for _ in 0..3 {
        let mut stream = db.query::<OrmTest>().order_by(|c| c.id.asc()).stream();
        let first = stream.try_next().await?.expect("a row");
        assert_eq!(first.name, "alpha");
        assert_eq!(db.query::<OrmTest>().count().await?, 5);
        drop(stream);
    }
    let mut a = Account {
        code: "c".into(),
        email: "e".into(),
        name: "n".into(),
        active: true,
        balance: 3,
    };
    db.create_all(&[Account::table()]).await?;
    db.add(&mut a).await?;
    let (x, y) =
        futures::future::try_join(db.query::<OrmTest>().count(), db.query::<Account>().all())
            .await?;
    assert_eq!((x, y), (5, vec![a]));
    Ok(())
}

/// A renamed column is read and written under its column name.
pub async fn renamed_column(db: &Database) -> Result<()> {
    db.create_all(&[Account::table()]).await?;
    assert_eq!(Account::table().columns[2].name, "display_name");
    let mut a = Account {
        code: "r".into(),
        email: "r@x".into(),
        name: "Rita".into(),
        active: true,
        balance: -5,
    };
    db.add(&mut a).await?;
    let back = db
        .query::<Account>()
        .filter(|c| c.name.eq("Rita"))
        .one()
        .await?;
    assert_eq!(back, a);
    assert_eq!(
        db.query::<Account>()
            .filter(|c| c.balance.lt(0))
            .count()
            .await?,
        1
    );
    assert_eq!(
        db.query::<Account>()
            .filter(|c| c.active.eq(true))
            .count()
            .await?,
        1
    );
    Ok(())
}

/// `\\` escapes `%` and `_` in a LIKE pattern, the same way on every backend.
pub async fn like_escapes_wildcards(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rows = vec![
        OrmTest::new("100%", None),
        OrmTest::new("1000", None),
        OrmTest::new("a_b", None),
        OrmTest::new("axb", None),
        OrmTest::new("back\\slash", None),
    ];
    db.add_all(&mut rows).await?;
    let q = || db.query::<OrmTest>().order_by(|c| c.id.asc());
    assert_eq!(
        names(&q().filter(|c| c.name.like("100%")).all().await?),
        ["100%", "1000"]
    );
    assert_eq!(
        names(&q().filter(|c| c.name.like("100\\%")).all().await?),
        ["100%"]
    );
    assert_eq!(
        names(&q().filter(|c| c.name.like("a\\_b")).all().await?),
        ["a_b"]
    );
    let literal = format!("{}%", om::escape_like("back\\"));
    assert_eq!(
        names(&q().filter(|c| c.name.like(literal)).all().await?),
        ["back\\slash"]
    );
    assert_eq!(q().filter(|c| c.name.not_like("%\\%%")).count().await?, 4);
    // A pattern ending in a lone backslash means different things per backend: refused.
    let err = q()
        .filter(|c| c.name.like("back\\"))
        .all()
        .await
        .unwrap_err();
    assert!(matches!(err, om::Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}

/// Where the backend declares `write_during_stream`, rows can be updated while a stream
/// from the pool reads them. Elsewhere (in-memory SQLite) such a write waits for the
/// lock the stream holds and fails with `Busy` after the busy timeout, never hangs; and
/// collecting the rows first works.
pub async fn write_during_pool_stream(db: &Database) -> Result<()> {
    if db.capabilities().write_during_stream {
        seed(db).await?;
        let mut stream = db.query::<OrmTest>().order_by(|c| c.id.asc()).stream();
        while let Some(mut row) = stream.try_next().await? {
            row.value = Some("seen".into());
            db.update(&mut row).await?;
        }
        drop(stream);
        let seen = db
            .query::<OrmTest>()
            .filter(|c| c.value.eq("seen"))
            .count()
            .await?;
        assert_eq!(seen, 5);
        return Ok(());
    }
    // The only backend declaring it is SQLite in memory, whose busy timeout is an option.
    let base = db.url().expose_str().to_string();
    let sep = if base.contains('?') { '&' } else { '?' };
    let quick = Database::connect(&format!("{base}{sep}busy_timeout=0.2")).await?;
    quick.create_all(&[OrmTest::table()]).await?;
    let mut rows: Vec<OrmTest> = (0..3000)
        .map(|i| OrmTest::new(&format!("r{i}"), None))
        .collect();
    quick.add_all(&mut rows).await?;
    let mut stream = quick.query::<OrmTest>().order_by(|c| c.id.asc()).stream();
    let mut first = stream.try_next().await?.expect("a row");
    first.value = Some("seen".into());
    let started = std::time::Instant::now();
    let err = quick.update(&mut first).await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "bounded wait"
    );
    assert_eq!(
        first.value.as_deref(),
        Some("seen"),
        "the object is as given"
    );
    // Inserts meet the same lock: an error, never a key for a row that was not stored.
    let mut one = OrmTest::new("added during the stream", None);
    let err = quick.add(&mut one).await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert_eq!(one.id, None);
    let mut many = vec![OrmTest::new("m1", None), OrmTest::new("m2", None)];
    let err = quick.add_all(&mut many).await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(many.iter().all(|m| m.id.is_none()));
    drop(stream);
    let stored = quick
        .query::<OrmTest>()
        .filter(|c| c.name.is_in(["added during the stream", "m1", "m2"]))
        .count()
        .await?;
    assert_eq!(stored, 0, "nothing was stored");
    for mut row in quick.query::<OrmTest>().limit(5).all().await? {
        row.value = Some("seen".into());
        quick.update(&mut row).await?;
    }
    let seen = quick
        .query::<OrmTest>()
        .filter(|c| c.value.eq("seen"))
        .count()
        .await?;
    assert_eq!(seen, 5);
    quick.close().await;
    Ok(())
}
