//! add, add_all, update and delete.

use om::{Database, Error, Model, Result};

use crate::models::{
    Account, Audit, Document, Element, KeyOnly, Membership, OrmTest, Scalars, Status,
};

/// `add` writes a generated key back into the object.
pub async fn add_writes_back_generated_key(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest::new("xx", Some("yy"));
    let mut b = OrmTest::new("zz", None);
    db.add(&mut a).await?;
    db.add(&mut b).await?;
    let (ka, kb) = (a.id.expect("a key"), b.id.expect("a key"));
    assert_ne!(ka, kb);
    assert_eq!(db.query::<OrmTest>().get(ka).await?, Some(a));
    assert_eq!(db.query::<OrmTest>().get(kb).await?, Some(b));
    Ok(())
}

/// A key the user set is inserted as is (0 included), and later generated keys do not
/// collide with it.
pub async fn add_keeps_user_set_key(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut zero = OrmTest {
        id: Some(0),
        ..OrmTest::new("zero", None)
    };
    db.add(&mut zero).await?;
    assert_eq!(db.query::<OrmTest>().get(0).await?, Some(zero));
    let mut given = OrmTest {
        id: Some(40),
        ..OrmTest::new("given", None)
    };
    db.add(&mut given).await?;
    assert_eq!(given.id, Some(40));
    let mut generated = OrmTest::new("generated", None);
    db.add(&mut generated).await?;
    assert!(generated.id.is_some_and(|k| k > 40), "{generated:?}");
    assert_eq!(db.query::<OrmTest>().count().await?, 3);
    Ok(())
}

/// `0`, `false` and `""` are values, not "missing".
pub async fn add_writes_zero_false_and_empty(db: &Database) -> Result<()> {
    db.create_all(&[Account::table()]).await?;
    let mut a = Account {
        code: "zero".into(),
        email: String::new(),
        name: String::new(),
        active: false,
        balance: 0,
    };
    db.add(&mut a).await?;
    let back = db.query::<Account>().get("zero").await?.expect("the row");
    assert_eq!(back, a);
    Ok(())
}

/// Constant and function defaults fill `None` fields at `add` and are written back.
pub async fn add_fills_defaults(db: &Database) -> Result<()> {
    db.create_all(&[Element::table()]).await?;
    let mut e = Element::new("k");
    db.add(&mut e).await?;
    assert_eq!(e.label.as_deref(), Some("asdf"));
    assert_eq!(e.touched, Some(7));
    assert!(e.revision.is_some());
    let back = db.query::<Element>().get(e.id.expect("key")).await?;
    assert_eq!(back.as_ref(), Some(&e));
    Ok(())
}

/// A value the user gave wins over the default.
pub async fn add_keeps_given_value_over_default(db: &Database) -> Result<()> {
    db.create_all(&[Element::table()]).await?;
    let mut e = Element {
        label: Some(String::new()),
        revision: Some(0),
        touched: Some(0),
        ..Element::new("k")
    };
    db.add(&mut e).await?;
    let back = db.query::<Element>().one().await?;
    assert_eq!(back.label.as_deref(), Some(""));
    assert_eq!(back.revision, Some(0));
    assert_eq!(back.touched, Some(0));
    Ok(())
}

/// `add_all` inserts many objects and writes back every generated key.
pub async fn add_all_writes_every_key(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rows: Vec<OrmTest> = (0..25)
        .map(|i| OrmTest::new(&format!("n{i}"), Some("v")))
        .collect();
    rows[3].id = Some(1000);
    db.add_all(&mut rows).await?;
    let mut keys: Vec<i64> = rows.iter().map(|r| r.id.expect("a key")).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 25);
    for r in &rows {
        assert_eq!(
            db.query::<OrmTest>()
                .get(r.id.expect("key"))
                .await?
                .as_ref(),
            Some(r)
        );
    }
    let mut empty: Vec<OrmTest> = Vec::new();
    db.add_all(&mut empty).await?;
    Ok(())
}

/// `add_all` of thousands of rows writes them in multi-row batches, runs of rows with
/// and without keys of their own in the order given, and hands each object the key of
/// its own row.
pub async fn add_all_batches_generated_keys(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rows: Vec<OrmTest> = (0..2500)
        .map(|i| OrmTest::new(&format!("n{i}"), (i % 2 == 0).then_some("even")))
        .collect();
    rows[1200].id = Some(1_000_000);
    rows[1201].id = Some(1_000_001);
    db.add_all(&mut rows).await?;
    let stored = db.query::<OrmTest>().order_by(|c| c.id.asc()).all().await?;
    assert_eq!(stored.len(), 2500);
    let mut by_key: Vec<OrmTest> = rows.clone();
    by_key.sort_by_key(|r| r.id);
    assert_eq!(stored, by_key);
    // Generated keys follow the order of the objects.
    let generated: Vec<i64> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| !matches!(i, 1200 | 1201))
        .map(|(_, r)| r.id.expect("a key"))
        .collect();
    assert!(
        generated.windows(2).all(|w| w[0] < w[1]),
        "keys out of order"
    );
    Ok(())
}

/// `add_all` binds text, bytes and string enums from the objects as they are once a
/// batch's statement is cached (its second batch of a shape on): every type, NULLs,
/// empty and awkward text and bytes, the extremes of each integer, and column sets read
/// back the same as the first batch, whose values were copied; a float the backend
/// cannot store is refused the same way on either path and leaves nothing written.
pub async fn add_all_binds_values_as_they_are(db: &Database) -> Result<()> {
    db.create_all(&[Scalars::table(), Document::table()])
        .await?;
    let scalars = |i: i64| Scalars {
        id: None,
        flag: i % 2 == 0,
        tiny: if i % 2 == 0 { i8::MIN } else { i8::MAX },
        byte: u8::MAX,
        small: if i % 2 == 0 { i16::MIN } else { i16::MAX },
        int: if i % 2 == 0 { i32::MIN } else { i32::MAX },
        big: if i % 2 == 0 { i64::MIN } else { i64::MAX },
        wide: u32::MAX,
        real: 1.5,
        double: -0.1 - i as f64,
        text: ["", "ñ 🦀 ü", "it's \\ a \"quote\"", "%_ LIKE"][(i % 4) as usize].into(),
        short: (i % 3 != 0).then(|| format!("short {i}")),
        bytes: vec![0, 255, i as u8],
        blob: (i % 2 == 0).then(Vec::new),
        status: [Status::Active, Status::OnHold, Status::Deleted][(i % 3) as usize],
        previous: (i % 2 == 1).then_some(Status::Deleted),
        maybe_int: (i % 2 == 0).then_some(-1),
    };
    // Two batches of each shape: the first renders and caches the statement, the
    // second binds from the objects.
    let mut first: Vec<Scalars> = (0..4).map(scalars).collect();
    let mut second: Vec<Scalars> = (4..8).map(scalars).collect();
    db.add_all(&mut first).await?;
    db.add_all(&mut second).await?;
    let mut written = first.clone();
    written.extend(second.iter().cloned());
    let stored = db.query::<Scalars>().order_by(|c| c.id.asc()).all().await?;
    assert_eq!(stored, written);

    let docs = |names: [&str; 3]| -> Vec<Document> {
        names
            .iter()
            .map(|name| Document {
                id: None,
                title: format!("title of {name}"),
                audit: Audit::by(name),
                body: (name.len() > 3).then(|| name.repeat(2)),
            })
            .collect()
    };
    let mut a = docs(["ann", "bob", "carol"]);
    let mut b = docs(["dave", "eve", "frank"]);
    db.add_all(&mut a).await?;
    db.add_all(&mut b).await?;
    a.extend(b);
    let stored = db
        .query::<Document>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(stored, a);

    // A NaN in a batch whose statement is cached.
    let caps = db.capabilities().clone();
    let mut with_nan: Vec<Scalars> = (8..12).map(scalars).collect();
    with_nan[2].double = f64::NAN;
    let added = db.add_all(&mut with_nan).await;
    let count = db.query::<Scalars>().count().await?;
    if caps.float_nan {
        added?;
        assert_eq!(count, 12);
        let back = db
            .query::<Scalars>()
            .get(with_nan[2].id.expect("a key"))
            .await?
            .expect("the row");
        assert!(back.double.is_nan(), "{back:?}");
    } else {
        let err = added.unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidValue {
                    column: "double",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(count, 8, "nothing of the refused batch is written");
        assert!(with_nan.iter().all(|r| r.id.is_none()), "{with_nan:?}");
    }
    Ok(())
}

/// A model whose only column is its generated key is inserted by `add_all`,
/// `bulk_insert` and `bulk_load` like any other: one row per object, each key written
/// back (but by `bulk_load`), twice over so that the second batch of a shape runs from
/// the statement cache. (`add_all` once wrote no row at all for it and returned `Ok`.)
pub async fn add_all_of_a_key_only_model_writes_every_row(db: &Database) -> Result<()> {
    db.create_all(&[KeyOnly::table()]).await?;
    let batch = || vec![KeyOnly { id: None }; 3];
    let mut written = Vec::new();
    for _ in 0..2 {
        let mut rows = batch();
        db.add_all(&mut rows).await?;
        written.extend(rows.iter().map(|r| r.id.expect("a key written back")));
    }
    for _ in 0..2 {
        let mut rows = batch();
        assert_eq!(db.bulk_insert(&mut rows).await?, 3);
        written.extend(rows.iter().map(|r| r.id.expect("a key written back")));
    }
    let mut sorted = written.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 12, "distinct keys: {written:?}");
    let mut loaded = batch();
    assert_eq!(db.bulk_load(&mut loaded).await?, 3);
    let stored: Vec<i64> = db
        .query::<KeyOnly>()
        .order_by(|c| c.id.asc())
        .all()
        .await?
        .into_iter()
        .filter_map(|r| r.id)
        .collect();
    assert_eq!(stored.len(), 15, "{stored:?}");
    assert!(sorted.iter().all(|k| stored.contains(k)));
    Ok(())
}

/// A failed `add_all` leaves none of its objects written, and clears the keys it
/// handed out.
pub async fn add_all_is_atomic(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table(), Account::table()]).await?;
    let mut rows = vec![
        OrmTest::new("a", None),
        OrmTest::new("b", None),
        OrmTest {
            id: Some(7),
            ..OrmTest::new("c", None)
        },
        OrmTest {
            id: Some(7),
            ..OrmTest::new("duplicate key", None)
        },
    ];
    let err = db.add_all(&mut rows).await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::UniqueViolation, "{err}");
    assert_eq!(
        db.query::<OrmTest>().count().await?,
        0,
        "nothing was written"
    );
    assert_eq!(rows[0].id, None, "generated keys are cleared");
    assert_eq!(rows[1].id, None);
    assert_eq!(rows[2].id, Some(7), "given keys stay");

    // Batched rows (keys given) are atomic too.
    let account = |code: &str, email: &str| Account {
        code: code.into(),
        email: email.into(),
        name: "n".into(),
        active: true,
        balance: 1,
    };
    let mut accounts = vec![
        account("1", "a@x"),
        account("2", "b@x"),
        account("3", "a@x"),
    ];
    let err = db.add_all(&mut accounts).await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::UniqueViolation, "{err}");
    assert_eq!(db.query::<Account>().count().await?, 0);
    Ok(())
}

/// `update` writes every field by the key.
pub async fn update_writes_fields(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest::new("before", Some("v"));
    let mut other = OrmTest::new("other", Some("v"));
    db.add(&mut a).await?;
    db.add(&mut other).await?;
    a.name = "after".into();
    a.value = None;
    db.update(&mut a).await?;
    assert_eq!(
        db.query::<OrmTest>().get(a.id.expect("key")).await?,
        Some(a)
    );
    assert_eq!(
        db.query::<OrmTest>().get(other.id.expect("key")).await?,
        Some(other),
        "only the object's row changed"
    );
    Ok(())
}

/// An update that changes nothing still finds its row.
pub async fn update_without_changes_succeeds(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest::new("same", None);
    db.add(&mut a).await?;
    db.update(&mut a).await?;
    Ok(())
}

/// On-update values are applied at every update and written back.
pub async fn update_applies_on_update(db: &Database) -> Result<()> {
    db.create_all(&[Element::table()]).await?;
    let mut e = Element::new("k");
    db.add(&mut e).await?;
    let first = e.revision;
    assert_eq!(e.touched, Some(7));
    db.update(&mut e).await?;
    assert_ne!(e.revision, first);
    assert_eq!(e.touched, Some(0));
    let back = db.query::<Element>().get(e.id.expect("key")).await?;
    assert_eq!(back.as_ref(), Some(&e));
    Ok(())
}

/// `update` and `delete` of an object whose key is unset fail with `KeyNotSet`.
pub async fn update_and_delete_need_a_key(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest::new("unsaved", None);
    let err = db.update(&mut a).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::KeyNotSet {
                operation: "update",
                table: "orm_test",
                column: "id"
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("orm_test"), "{err}");
    let err = db.delete(&a).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::KeyNotSet {
                operation: "delete",
                ..
            }
        ),
        "{err:?}"
    );
    Ok(())
}

/// `update` of an object whose row is gone fails with `RowNotFound`.
pub async fn update_of_missing_row_fails(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest {
        id: Some(123),
        ..OrmTest::new("ghost", None)
    };
    let err = db.update(&mut a).await.unwrap_err();
    assert!(matches!(err, Error::RowNotFound { .. }), "{err:?}");
    assert_eq!(db.query::<OrmTest>().count().await?, 0);
    Ok(())
}

/// `delete` removes the object's row only, and reports whether it did.
pub async fn delete_removes_the_row(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest::new("a", None);
    let mut b = OrmTest::new("b", None);
    db.add(&mut a).await?;
    db.add(&mut b).await?;
    assert!(db.delete(&a).await?);
    assert!(!db.delete(&a).await?, "already deleted");
    assert_eq!(db.query::<OrmTest>().get(a.id.expect("key")).await?, None);
    assert_eq!(db.query::<OrmTest>().all().await?, vec![b]);
    Ok(())
}

/// Composite keys work for get, update and delete.
pub async fn composite_key_get_update_delete(db: &Database) -> Result<()> {
    db.create_all(&[Membership::table()]).await?;
    let mut rows = vec![
        Membership {
            group_id: 1,
            member: "ann".into(),
            role: Some("admin".into()),
        },
        Membership {
            group_id: 1,
            member: "bob".into(),
            role: None,
        },
        Membership {
            group_id: 2,
            member: "ann".into(),
            role: None,
        },
    ];
    db.add_all(&mut rows).await?;
    assert_eq!(
        db.query::<Membership>().get((1, "bob")).await?.as_ref(),
        Some(&rows[1])
    );
    assert_eq!(db.query::<Membership>().get((2, "bob")).await?, None);
    let mut m = rows[2].clone();
    m.role = Some("owner".into());
    db.update(&mut m).await?;
    assert_eq!(
        db.query::<Membership>().get((2, "ann")).await?,
        Some(m.clone())
    );
    assert_eq!(
        db.query::<Membership>().get((1, "ann")).await?.as_ref(),
        Some(&rows[0])
    );
    assert!(db.delete(&m).await?);
    assert_eq!(db.query::<Membership>().count().await?, 2);
    let err = db.add(&mut rows[0].clone()).await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::UniqueViolation, "{err}");
    Ok(())
}

/// A failed write leaves the object as it was given: no defaults filled in, no
/// on-update values applied, no key.
pub async fn failed_writes_leave_the_object_unchanged(db: &Database) -> Result<()> {
    db.create_all(&[Element::table()]).await?;
    let mut first = Element {
        id: Some(5),
        ..Element::new("first")
    };
    db.add(&mut first).await?;
    let mut clash = Element {
        id: Some(5),
        ..Element::new("clash")
    };
    let before = clash.clone();
    assert!(db.add(&mut clash).await.is_err());
    assert_eq!(clash, before, "defaults were not left behind");

    let mut batch = vec![Element::new("a"), first.clone()];
    let before = batch.clone();
    assert!(db.add_all(&mut batch).await.is_err());
    assert_eq!(batch, before, "no key, no defaults after a failed add_all");

    let mut missing = Element {
        id: Some(999),
        revision: Some(1),
        touched: Some(1),
        ..Element::new("missing")
    };
    let before = missing.clone();
    let err = db.update(&mut missing).await.unwrap_err();
    assert!(matches!(err, Error::RowNotFound { .. }), "{err:?}");
    assert_eq!(missing, before, "on-update values were undone");
    assert_eq!(db.query::<Element>().count().await?, 1);
    Ok(())
}

/// A generated key too large for the field fails with `InvalidValue` and leaves no row
/// behind, so a retry cannot insert a duplicate.
pub async fn generated_key_too_large_for_the_field(db: &Database) -> Result<()> {
    use crate::models::{NarrowKey, WideKey};
    db.create_all(&[WideKey::table()]).await?;
    db.add(&mut WideKey {
        id: Some(3_000_000_000),
        name: "wide".into(),
    })
    .await?;
    let mut narrow = NarrowKey {
        id: None,
        name: "narrow".into(),
    };
    let err = db.add(&mut narrow).await.unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert_eq!(narrow.id, None);
    assert_eq!(
        db.query::<WideKey>().count().await?,
        1,
        "no row was left behind"
    );
    // The same for a batch: every row of it is gone, and no object keeps a key.
    let mut batch: Vec<NarrowKey> = (0..3)
        .map(|i| NarrowKey {
            id: None,
            name: format!("batch {i}"),
        })
        .collect();
    let before = batch.clone();
    let err = db.add_all(&mut batch).await.unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert_eq!(batch, before, "no key was written back");
    assert_eq!(
        db.query::<WideKey>().count().await?,
        1,
        "no row of the batch was left behind"
    );
    // Inside a transaction too, which stays usable and commits what it did before.
    let tx = db.begin().await?;
    tx.add(&mut WideKey {
        id: None,
        name: "in tx".into(),
    })
    .await?;
    let mut narrow = NarrowKey {
        id: None,
        name: "narrow in tx".into(),
    };
    let err = tx.add(&mut narrow).await.unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    tx.commit().await?;
    let names: Vec<String> = db
        .query::<WideKey>()
        .all()
        .await?
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| !n.contains("narrow")), "{names:?}");
    // A key that fits is read back as usual.
    db.query::<WideKey>().delete().await?;
    db.add(&mut WideKey {
        id: Some(7),
        name: "small".into(),
    })
    .await?;
    Ok(())
}

/// Generated keys of every integer width work: `Option<i16>`, `Option<i32>` and
/// `Option<i64>`.
pub async fn generated_keys_of_every_width(db: &Database) -> Result<()> {
    use crate::models::{MediumKey, SmallKey};
    db.create_all(&[SmallKey::table(), MediumKey::table()])
        .await?;
    let mut small = vec![
        SmallKey {
            id: None,
            name: "a".into(),
        },
        SmallKey {
            id: None,
            name: "b".into(),
        },
    ];
    db.add_all(&mut small).await?;
    let mut medium = MediumKey {
        id: None,
        name: "c".into(),
    };
    db.add(&mut medium).await?;
    for s in &small {
        assert_eq!(
            db.query::<SmallKey>()
                .get(s.id.expect("a key"))
                .await?
                .as_ref(),
            Some(s)
        );
    }
    assert_eq!(
        db.query::<MediumKey>()
            .get(medium.id.expect("a key"))
            .await?,
        Some(medium)
    );
    Ok(())
}
