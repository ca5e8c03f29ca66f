//! Bulk loads (`bulk_insert`): every row or none, values of every type as they were
//! given (text with tabs, newlines and backslashes, NULLs), defaults applied and
//! generated keys written back, on every backend's fastest path (declared:
//! `bulk_copy`).

use chrono::{NaiveDate, TimeZone, Utc};
use om::{Database, Error, Model, Result};
use rust_decimal::Decimal;

use crate::models::{AllTypes, Element, NarrowKey, NullableTypes, OrmTest, WideKey};

/// Text that `COPY`'s text format must escape.
const AWKWARD: &str = "tab\there\nnewline\r\nback\\slash \\N \\t end\\";

fn all_types(i: i64) -> AllTypes {
    AllTypes {
        id: None,
        flag: i % 2 == 0,
        small: -12_345,
        int: 2_000_000_000,
        big: -9_000_000_000_000 + i,
        real: 1.5,
        double: -2.25e100,
        short_text: "ünïcödé ✓".into(),
        long_text: format!("{AWKWARD} {i}"),
        bytes: vec![0, 1, 2, b'\\', b'\t', b'\n', 255],
        date: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default(),
        time: chrono::NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).unwrap_or_default(),
        datetime: NaiveDate::from_ymd_opt(1999, 12, 31)
            .and_then(|d| d.and_hms_micro_opt(12, 34, 56, 789_012))
            .unwrap_or_default(),
        timestamp: Utc
            .with_ymd_and_hms(2030, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default(),
        uuid: uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0 + i as u128),
        decimal: Decimal::new(-1_234_567_890_123 + i, 4),
        json: serde_json::json!({"a": [1, 2, {"b": null}], "c": AWKWARD, "i": i}),
    }
}

/// Every column type, NOT NULL and nullable (all NULL, and all set), comes back from a
/// bulk load exactly as given, with its generated key written back.
pub async fn bulk_insert_round_trips_every_type(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table(), NullableTypes::table()])
        .await?;
    let mut rows: Vec<AllTypes> = (0..50).map(all_types).collect();
    assert_eq!(db.bulk_insert(&mut rows).await?, 50);
    assert!(
        rows.iter().all(|r| r.id.is_some()),
        "keys were written back"
    );
    let mut back = db.query::<AllTypes>().all().await?;
    back.sort_by_key(|r| r.id);
    rows.sort_by_key(|r| r.id);
    assert_eq!(back, rows);

    let set = NullableTypes {
        id: None,
        flag: Some(false),
        small: Some(i16::MIN),
        int: Some(i32::MAX),
        big: Some(i64::MIN),
        real: Some(-0.5),
        double: Some(1e-300),
        text: Some(AWKWARD.into()),
        bytes: Some(Vec::new()),
        date: NaiveDate::from_ymd_opt(1, 1, 1),
        time: chrono::NaiveTime::from_hms_opt(0, 0, 0),
        datetime: NaiveDate::from_ymd_opt(2000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)),
        timestamp: Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 1).single(),
        uuid: Some(uuid::Uuid::nil()),
        decimal: Some(Decimal::new(1, 10)),
        json: Some(serde_json::Value::Null),
    };
    let mut nullable = vec![NullableTypes::default(), set, NullableTypes::default()];
    nullable[2].text = Some(String::new());
    assert_eq!(db.bulk_insert(&mut nullable).await?, 3);
    let mut back = db.query::<NullableTypes>().all().await?;
    back.sort_by_key(|r| r.id);
    // A JSON `null` in a nullable JSON column reads back as SQL NULL on some backends:
    // compare it apart.
    for (b, n) in back.iter_mut().zip(&mut nullable) {
        if n.json == Some(serde_json::Value::Null) {
            assert!(matches!(b.json, None | Some(serde_json::Value::Null)));
            b.json = None;
            n.json = None;
        }
    }
    assert_eq!(back, nullable);
    Ok(())
}

/// A bulk load of thousands of rows writes every one, applies defaults (constant and
/// computed), writes back distinct ascending keys in the order of the objects, and
/// returns the count; keys given by the caller are kept, and later inserts draw keys
/// past them.
pub async fn bulk_insert_applies_defaults_and_keys(db: &Database) -> Result<()> {
    db.create_all(&[Element::table(), OrmTest::table()]).await?;
    let mut rows: Vec<Element> = (0..3000).map(|i| Element::new(&format!("k{i}"))).collect();
    rows[10].label = Some("given".into());
    assert_eq!(db.bulk_insert(&mut rows).await?, 3000);
    assert_eq!(db.query::<Element>().count().await?, 3000);
    let keys: Vec<i64> = rows.iter().filter_map(|r| r.id).collect();
    assert_eq!(keys.len(), 3000);
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "ascending, distinct");
    assert!(
        rows.iter()
            .all(|r| r.touched == Some(7) && r.revision.is_some())
    );
    assert_eq!(rows[0].label.as_deref(), Some("asdf"));
    assert_eq!(rows[10].label.as_deref(), Some("given"));
    let stored = db.query::<Element>().get(keys[10]).await?;
    assert_eq!(
        stored.as_ref(),
        Some(&rows[10]),
        "the key names its own row"
    );
    let stored = db.query::<Element>().get(keys[2999]).await?;
    assert_eq!(stored.as_ref(), Some(&rows[2999]));

    // Given keys and generated ones in one load.
    let mut mixed = vec![
        OrmTest {
            id: Some(1_000),
            ..OrmTest::new("given", None)
        },
        OrmTest::new("drawn", Some("x")),
    ];
    assert_eq!(db.bulk_insert(&mut mixed).await?, 2);
    assert_eq!(mixed[0].id, Some(1_000));
    let drawn = mixed[1].id.expect("a key was written back");
    assert_ne!(drawn, 1_000);
    let mut after = OrmTest::new("after", None);
    db.add(&mut after).await?;
    assert!(after.id > Some(1_000), "the next key is past the given one");
    // Nothing to load: nothing run.
    assert_eq!(db.bulk_insert(&mut Vec::<OrmTest>::new()).await?, 0);
    Ok(())
}

/// A failure in the middle of a bulk load (a duplicate key) leaves no row of it
/// behind, and every object as it was given: no key, no default.
pub async fn bulk_insert_failure_leaves_nothing(db: &Database) -> Result<()> {
    db.create_all(&[Element::table()]).await?;
    let mut rows: Vec<Element> = (0..2000)
        .map(|i| Element {
            id: Some(i + 1),
            ..Element::new(&format!("k{i}"))
        })
        .collect();
    rows[1500].id = Some(3);
    let before = rows.clone();
    let err = db.bulk_insert(&mut rows).await.unwrap_err();
    assert!(
        matches!(err, Error::Constraint { .. }),
        "a duplicate key is a constraint error: {err:?}"
    );
    assert_eq!(rows, before, "no default was left behind");
    assert_eq!(
        db.query::<Element>().count().await?,
        0,
        "no row was written"
    );

    let mut generated: Vec<Element> = (0..1500).map(|i| Element::new(&format!("g{i}"))).collect();
    generated.push(Element {
        id: Some(1),
        ..Element::new("clash")
    });
    generated.push(Element {
        id: Some(1),
        ..Element::new("clash again")
    });
    let before = generated.clone();
    assert!(db.bulk_insert(&mut generated).await.is_err());
    assert_eq!(generated, before, "no key was left behind");
    assert_eq!(db.query::<Element>().count().await?, 0);

    // Inside a transaction rolled back, the load is gone with it.
    let tx = db.begin().await?;
    let mut rows: Vec<Element> = (0..10).map(|i| Element::new(&format!("t{i}"))).collect();
    assert_eq!(tx.bulk_insert(&mut rows).await?, 10);
    assert_eq!(tx.query::<Element>().count().await?, 10);
    tx.rollback().await?;
    assert_eq!(db.query::<Element>().count().await?, 0);
    Ok(())
}

/// A generated key too large for the field fails the bulk load with `InvalidValue`
/// and leaves no row behind.
pub async fn bulk_insert_key_too_large_leaves_nothing(db: &Database) -> Result<()> {
    db.create_all(&[WideKey::table()]).await?;
    narrow_load_leaves_nothing(db, 3_000_000_000, 100).await
}

/// Adds a `WideKey` with key `edge` (generated keys go on past it), then bulk-loads
/// `rows` `NarrowKey`s, whose `i32` keys run past the field's limit somewhere: the load
/// fails with `InvalidValue`, writes no key back and leaves no row behind.
async fn narrow_load_leaves_nothing(db: &Database, edge: i64, rows: usize) -> Result<()> {
    db.add(&mut WideKey {
        id: Some(edge),
        name: "edge".into(),
    })
    .await?;
    let mut narrow: Vec<NarrowKey> = (0..rows)
        .map(|i| NarrowKey {
            id: None,
            name: format!("n{i}"),
        })
        .collect();
    let before = narrow.clone();
    let err = db.bulk_insert(&mut narrow).await.unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert_eq!(narrow, before, "no key was written back");
    let left = db.query::<WideKey>().count().await?;
    assert_eq!(left, 1, "no row was left behind");
    Ok(())
}

/// A load large enough that its keys are drawn as its rows go (on PostgreSQL a few
/// first, the rest on a second connection while the `COPY` runs, in growing draws):
/// every object gets the key of its own row, given keys among them are kept, and a
/// key too large for the field in a later draw still leaves no row behind.
pub async fn bulk_insert_draws_keys_as_the_rows_go(db: &Database) -> Result<()> {
    db.create_all(&[Element::table(), WideKey::table()]).await?;
    let mut rows: Vec<Element> = (0..10_000)
        .map(|i| Element::new(&format!("r{i}")))
        .collect();
    // Given keys, negative so that no backend's counter moves past them.
    for (i, row) in rows.iter_mut().enumerate().step_by(997) {
        row.id = Some(-1 - i as i64);
    }
    assert_eq!(db.bulk_insert(&mut rows).await?, 10_000);
    let drawn: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.id)
        .filter(|k| *k > 0)
        .collect();
    assert_eq!(drawn.len(), 10_000 - 11, "every row without a key got one");
    assert!(drawn.windows(2).all(|w| w[0] < w[1]), "ascending, distinct");
    assert_eq!(rows[997].id, Some(-998), "a given key is kept");
    let mut stored = db.query::<Element>().all().await?;
    stored.sort_by_key(|e| e.id);
    let mut given = rows.clone();
    given.sort_by_key(|e| e.id);
    assert!(stored == given, "each object holds the key of its own row");

    // The sequence is near the field's limit: the first keys fit, a later draw's do
    // not, after the COPY has started.
    narrow_load_leaves_nothing(db, i64::from(i32::MAX) - 3000, 10_000).await
}

/// Which path a bulk load takes is declared (`bulk_copy`): PostgreSQL's `COPY`, which
/// draws the keys; elsewhere multi-row inserts in one transaction.
pub async fn bulk_insert_path_is_declared(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let capture = db.capture_statements();
    let mut rows: Vec<OrmTest> = (0..5)
        .map(|i| OrmTest::new(&format!("r{i}"), None))
        .collect();
    db.bulk_insert(&mut rows).await?;
    let statements = capture.statements();
    if db.capabilities().bulk_copy {
        assert_eq!(statements, ["COPY orm_test (5 rows, 5 keys drawn)"]);
    } else {
        assert_eq!(statements.first().map(String::as_str), Some("BEGIN"));
        assert_eq!(statements.last().map(String::as_str), Some("COMMIT"));
        assert!(
            statements
                .iter()
                .any(|s| s.starts_with("INSERT INTO orm_test")),
            "{statements:?}"
        );
    }
    Ok(())
}

/// `bulk_load` writes every row with its defaults but leaves generated keys to the
/// database without reading them back: objects keep `None` (when every one of them
/// leaves its key to the database), and the rows are there with keys of their own.
pub async fn bulk_load_leaves_keys_to_the_database(db: &Database) -> Result<()> {
    db.create_all(&[Element::table()]).await?;
    let mut rows: Vec<Element> = (0..2500).map(|i| Element::new(&format!("k{i}"))).collect();
    rows[3].label = Some(AWKWARD.into());
    assert_eq!(db.bulk_load(&mut rows).await?, 2500);
    assert!(rows.iter().all(|r| r.id.is_none()), "no key was read back");
    assert!(
        rows.iter().all(|r| r.touched == Some(7)),
        "defaults were applied"
    );
    let mut stored = db.query::<Element>().all().await?;
    assert_eq!(stored.len(), 2500);
    assert!(stored.iter().all(|r| r.id.is_some()));
    stored.sort_by_key(|r| r.id);
    let mut keys: Vec<i64> = stored.iter().filter_map(|r| r.id).collect();
    keys.dedup();
    assert_eq!(keys.len(), 2500, "every row has a key of its own");
    let awkward = stored
        .iter()
        .find(|r| r.key == "k3")
        .map(|r| r.label.clone());
    assert_eq!(awkward, Some(Some(AWKWARD.into())));
    assert!(
        stored
            .iter()
            .all(|r| r.touched == Some(7) && r.revision.is_some())
    );

    // A failure leaves nothing, and no default behind.
    let mut clash: Vec<Element> = (0..10).map(|i| Element::new(&format!("c{i}"))).collect();
    clash[9].id = keys.first().copied();
    let before = clash.clone();
    assert!(db.bulk_load(&mut clash).await.is_err());
    assert_eq!(clash, before);
    assert_eq!(db.query::<Element>().count().await?, 2500);
    Ok(())
}
