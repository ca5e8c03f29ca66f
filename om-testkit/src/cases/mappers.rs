//! Custom row mappers: `query.map(..)` and `query.select(..)`.

use futures::TryStreamExt;
use om::{Database, DecodeError, Error, Model, Result};

use crate::models::OrmTest;

async fn seed(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add_all(&mut [
        OrmTest::new("a", Some("x")),
        OrmTest::new("b", None),
        OrmTest::new("c", Some("z")),
    ])
    .await
}

/// A label built from a row: what a mapper closure returns.
#[derive(Debug, PartialEq)]
struct Label(String);

/// `map` turns each row of a model query into another type, reading columns by name or
/// position; filters, order and limits still apply; `all`, `first` and `stream` run it.
pub async fn map_rows_into_another_type(db: &Database) -> Result<()> {
    seed(db).await?;
    let query = db
        .query::<OrmTest>()
        .filter(|c| c.name.ne("c"))
        .order_by(|c| c.id.asc());
    let labels = query
        .clone()
        .map(|row| {
            Ok(Label(format!(
                "{}={}",
                row.get::<String>("name")?,
                row.get::<Option<String>>(2)?.unwrap_or_default()
            )))
        })
        .all()
        .await?;
    assert_eq!(labels, [Label("a=x".into()), Label("b=".into())]);
    let first = query
        .clone()
        .map(|row| row.get::<String>("name"))
        .first()
        .await?;
    assert_eq!(first.as_deref(), Some("a"));
    let streamed: Vec<usize> = query
        .clone()
        .map(|row| Ok(row.len()))
        .stream()
        .try_collect()
        .await?;
    assert_eq!(streamed, [3, 3], "every column of the model");
    // A mapper's error stops the query and comes back as it was.
    let err = query
        .map(|row| row.get::<i64>("name"))
        .all()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Column { column, reason: DecodeError::Mismatch { .. } } if column == "name"),
        "{err:?}"
    );
    Ok(())
}

/// `select` reads a subset of columns into a tuple (or one value) typed by the columns;
/// NULL needs an `Option`.
pub async fn select_columns_into_tuples(db: &Database) -> Result<()> {
    seed(db).await?;
    let pairs: Vec<(Option<i64>, String)> = db
        .query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .select(|c| (c.id, c.name))
        .all()
        .await?;
    let names: Vec<&str> = pairs.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert!(pairs.iter().all(|(id, _)| id.is_some()));
    let values: Vec<Option<String>> = db
        .query::<OrmTest>()
        .order_by(|c| c.name.desc())
        .select(|c| c.value)
        .all()
        .await?;
    assert_eq!(values, [Some("z".into()), None, Some("x".into())]);
    let one: Option<(String, Option<String>, Option<i64>)> = db
        .query::<OrmTest>()
        .filter(|c| c.name.eq("b"))
        .select(|c| (c.name, c.value, c.id))
        .first()
        .await?;
    assert_eq!(
        one.as_ref().map(|t| (t.0.as_str(), t.1.clone())),
        Some(("b", None))
    );
    let streamed: Vec<String> = db
        .query::<OrmTest>()
        .filter(|c| c.value.is_not_null())
        .order_by(|c| c.id.asc())
        .select(|c| c.name)
        .stream()
        .try_collect()
        .await?;
    assert_eq!(streamed, ["a", "c"]);
    // NULL into a column read without `Option` is a decode error naming the column.
    let err = db
        .query::<OrmTest>()
        .select(|c| c.value)
        .all::<String>()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode {
                table: "orm_test",
                column: "value",
                ..
            }
        ),
        "{err:?}"
    );
    Ok(())
}

/// A struct reading the columns it names, one renamed.
#[derive(om::FromRow, Debug, PartialEq)]
struct Named {
    id: i64,
    #[om(column = "name")]
    label: String,
    value: Option<String>,
}

/// A tuple struct reading columns by position.
#[derive(om::FromRow, Debug, PartialEq)]
struct Pair(String, Option<String>);

/// `#[derive(FromRow)]` structs and tuples read rows of raw SQL (by name, or by
/// position) and of model queries (`map(T::from_row)`); a missing column is a typed
/// error.
pub async fn rows_into_structs_and_tuples(db: &Database) -> Result<()> {
    use om::FromRow as _;
    seed(db).await?;
    let sql = "SELECT id, name, value FROM orm_test ORDER BY id";
    let named: Vec<Named> = db.fetch_all_as(sql, ()).await?;
    let labels: Vec<(&str, Option<&str>)> = named
        .iter()
        .map(|n| (n.label.as_str(), n.value.as_deref()))
        .collect();
    assert_eq!(labels, [("a", Some("x")), ("b", None), ("c", Some("z"))]);
    let tuples: Vec<(i64, String)> = db
        .fetch_all_as("SELECT id, name FROM orm_test ORDER BY id", ())
        .await?;
    assert_eq!(tuples.len(), 3);
    assert_eq!(tuples[0].0, named[0].id);
    let pair: Option<Pair> = db
        .fetch_optional_as("SELECT name, value FROM orm_test ORDER BY id DESC", ())
        .await?;
    assert_eq!(pair, Some(Pair("c".into(), Some("z".into()))));
    let none: Option<Pair> = db
        .fetch_optional_as("SELECT name, value FROM orm_test WHERE 1 = 0", ())
        .await?;
    assert_eq!(none, None);
    // Rows read into owned values outlive the transaction they were read in.
    let tx = db.begin().await?;
    let kept: Vec<Named> = tx.fetch_all_as(sql, ()).await?;
    tx.commit().await?;
    assert_eq!(kept, named);
    // A model query mapped into the struct.
    let mapped = db
        .query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .map(Named::from_row)
        .all()
        .await?;
    assert_eq!(mapped, named);
    let err = db
        .fetch_all_as::<Named>("SELECT id, name FROM orm_test", ())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Column { column, reason: DecodeError::UnknownColumn } if column == "value"),
        "{err:?}"
    );
    Ok(())
}
