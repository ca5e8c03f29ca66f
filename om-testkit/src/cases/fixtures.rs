//! YAML fixtures.

use chrono::{NaiveDate, TimeZone, Utc};
use om::fixtures::{load_yaml_file, load_yaml_str};
use om::{Database, Error, ErrorKind, Model, Result, TableMeta};
use rust_decimal::Decimal;

use crate::models::{AllTypes, NullableTypes, OrmTest};

fn tables() -> [&'static TableMeta; 3] {
    [OrmTest::table(), AllTypes::table(), NullableTypes::table()]
}

const DOCUMENT: &str = r#"
- model: orm_test
  data:
    - {id: 10, name: first, value: x}
    - name: second
      value: null
- model: all_types
  data:
    - flag: true
      small: -5
      int: 70000
      big: 9000000000
      real: 1.5
      double: 2
      short_text: short
      long_text: "a longer text: with a colon"
      bytes: raw
      date: 2024-01-31
      time: "13:45:10"
      datetime: 2024-01-31T13:45:10
      timestamp: 2024-01-31T13:45:10Z
      uuid: 67e55044-10b1-426f-9247-bb680e5fe0c8
      decimal: "12.50"
      json: {tags: [a, b], n: 1}
- model: nullable_types
  data:
    - {}
    - {text: only text}
"#;

/// A document of several tables is written whole, each value converted to its
/// column's type; a file loads the same way.
pub async fn fixtures_load_rows_of_every_type(db: &Database) -> Result<()> {
    db.create_all(&tables()).await?;
    assert_eq!(load_yaml_str(db, &tables(), DOCUMENT).await?, 5);
    let rows = db.query::<OrmTest>().order_by(|c| c.id.asc()).all().await?;
    assert_eq!(
        rows[0],
        OrmTest {
            id: Some(10),
            ..OrmTest::new("first", Some("x"))
        }
    );
    assert_eq!(
        (rows[1].name.as_str(), rows[1].value.as_deref()),
        ("second", None)
    );
    let all = db.query::<AllTypes>().one().await?;
    assert!(all.flag);
    assert_eq!((all.small, all.int, all.big), (-5, 70_000, 9_000_000_000));
    assert_eq!((all.real, all.double), (1.5, 2.0));
    assert_eq!(all.long_text, "a longer text: with a colon");
    assert_eq!(all.bytes, b"raw");
    assert_eq!(all.date, NaiveDate::from_ymd_opt(2024, 1, 31).unwrap());
    assert_eq!(all.time.to_string(), "13:45:10");
    assert_eq!(all.datetime.to_string(), "2024-01-31 13:45:10");
    assert_eq!(
        all.timestamp,
        Utc.with_ymd_and_hms(2024, 1, 31, 13, 45, 10).unwrap()
    );
    assert_eq!(all.uuid.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(all.decimal, Decimal::new(1250, 2));
    assert_eq!(all.json, serde_json::json!({"tags": ["a", "b"], "n": 1}));
    let nullable = db
        .query::<NullableTypes>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(nullable.len(), 2);
    assert_eq!(nullable[0].text, None);
    assert_eq!(nullable[1].text.as_deref(), Some("only text"));

    // A generated key given in the document does not stop the next generated one.
    db.add(&mut OrmTest::new("after", None)).await?;

    let path = std::env::temp_dir().join(format!(
        "om_fixture_{}_{}.yaml",
        std::process::id(),
        db.backend()
    ));
    std::fs::write(
        &path,
        "- model: orm_test\n  data:\n    - {name: from a file}\n",
    )
    .map_err(|e| Error::Driver(Box::new(e)))?;
    let loaded = load_yaml_file(db, &tables(), &path).await;
    let _ = std::fs::remove_file(&path);
    assert_eq!(loaded?, 1);
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.name.eq("from a file"))
            .count()
            .await?,
        1
    );
    let missing = load_yaml_file(db, &tables(), "/nonexistent/fixture.yaml")
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::Fixture { .. }), "{missing:?}");
    Ok(())
}

/// The entry and row an error names.
fn at(e: &Error) -> (usize, Option<usize>, String) {
    match e {
        Error::Fixture {
            entry, row, reason, ..
        } => (*entry, *row, reason.clone()),
        other => panic!("expected Error::Fixture, got {other:?}"),
    }
}

/// A document with one bad row writes nothing: an unknown table or column, a value of
/// the wrong type, a missing required column, NULL in a NOT NULL column, malformed
/// YAML and a row the database refuses are each `Error::Fixture` naming the entry and
/// the row.
pub async fn fixture_with_a_bad_row_writes_nothing(db: &Database) -> Result<()> {
    db.create_all(&tables()).await?;
    let good = "- model: orm_test\n  data:\n    - {id: 1, name: good}\n";
    let cases: [(&str, usize, Option<usize>, &str); 7] = [
        (
            "- model: nowhere\n  data: []\n",
            1,
            None,
            "unknown table `nowhere`",
        ),
        (
            "- model: orm_test\n  data:\n    - {name: a}\n    - {name: b, colour: red}\n",
            1,
            Some(1),
            "no column `colour`",
        ),
        (
            "- model: orm_test\n  data:\n    - {name: 42}\n",
            1,
            Some(0),
            "expected text, found the integer 42",
        ),
        (
            "- model: all_types\n  data:\n    - {flag: true}\n",
            1,
            Some(0),
            "is required",
        ),
        (
            "- model: orm_test\n  data:\n    - {name: null}\n",
            1,
            Some(0),
            "NULL in a NOT NULL column",
        ),
        (
            "- model: nullable_types\n  data:\n    - {small: 70000}\n",
            1,
            Some(0),
            "16 bits",
        ),
        (
            "- model: nullable_types\n  data:\n    - {date: 31/01/2024}\n",
            1,
            Some(0),
            "a date",
        ),
    ];
    for (bad, entry, row, reason) in cases {
        let err = load_yaml_str(db, &tables(), &format!("{good}{bad}"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err:?}");
        let (e, r, why) = at(&err);
        assert_eq!((e, r), (entry, row), "{why}");
        assert!(why.contains(reason), "{why:?} should say {reason:?}");
        assert_eq!(
            db.query::<OrmTest>().count().await?,
            0,
            "nothing written: {why}"
        );
    }
    let err = load_yaml_str(db, &tables(), "- model: orm_test\n  data: [unclosed\n")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Fixture { .. }), "{err:?}");
    let err = load_yaml_str(db, &tables(), "model: orm_test\n")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Fixture { .. }), "{err:?}");

    // The database refuses the third row (a duplicate key): the first two are undone.
    let duplicate = "- model: orm_test\n  data:\n    - {id: 1, name: a}\n    - {id: 2, name: b}\n    - {id: 1, name: c}\n";
    let err = load_yaml_str(db, &tables(), duplicate).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err:?}");
    assert_eq!(at(&err).0, 0);
    assert_eq!(at(&err).1, Some(2));
    assert_eq!(db.query::<OrmTest>().count().await?, 0, "nothing written");
    assert_eq!(load_yaml_str(db, &tables(), good).await?, 1);
    Ok(())
}
