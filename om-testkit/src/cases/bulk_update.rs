//! Bulk updates (`query.filter(..).update(|c| ..)`) and updates of chosen columns of
//! one object (`update_columns`).
#![allow(missing_docs)]

use std::sync::atomic::{AtomicI64, Ordering};

use om::{Database, Error, Model, Result};

static STAMP: AtomicI64 = AtomicI64::new(1000);

/// An on-update function: a process-wide counter.
pub fn next_stamp() -> i64 {
    STAMP.fetch_add(1, Ordering::Relaxed)
}

/// Counters with a constant and a computed on-update value.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bulk_counters")]
pub struct Counter {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub name: String,
    pub visits: i64,
    pub best: i64,
    pub ratio: f64,
    #[om(size = 50)]
    pub email: Option<String>,
    #[om(default = 0, on_update_fn = next_stamp)]
    pub stamp: Option<i64>,
    #[om(default = 0, on_update = 1)]
    pub dirty: Option<i32>,
}

impl Counter {
    pub fn new(name: &str, visits: i64) -> Self {
        Counter {
            id: None,
            name: name.into(),
            visits,
            best: 0,
            ratio: 0.5,
            email: None,
            stamp: None,
            dirty: None,
        }
    }
}

/// A versioned row.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bulk_tickets")]
pub struct Ticket {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub title: String,
    #[om(size = 50)]
    pub owner: String,
    #[om(version)]
    pub version: i64,
}

/// The root of a lineage.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bulk_animals")]
pub struct Animal {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub name: String,
    pub legs: i32,
}

/// A model that extends `Animal`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bulk_dogs")]
pub struct Dog {
    #[om(parent)]
    pub animal: Animal,
    pub barks: i32,
    pub treats: i32,
}

impl Dog {
    pub fn new(name: &str, barks: i32) -> Self {
        Dog {
            animal: Animal {
                id: None,
                name: name.into(),
                legs: 4,
            },
            barks,
            treats: 0,
        }
    }
}

fn assert_invalid<T: std::fmt::Debug>(outcome: Result<T>, needle: &str) {
    match outcome {
        Err(Error::InvalidQuery { reason }) => assert!(reason.contains(needle), "{reason}"),
        other => panic!("expected InvalidQuery ({needle}), got {other:?}"),
    }
}

async fn counters(db: &Database) -> Result<Vec<Counter>> {
    db.query::<Counter>().order_by(|c| c.id.asc()).all().await
}

/// Values, other columns and `column ± value`, on the matching rows only; the count
/// is of the rows matched.
pub async fn bulk_update_sets_values_and_expressions(db: &Database) -> Result<()> {
    db.create_all(&[Counter::table()]).await?;
    let mut rows = vec![
        Counter::new("a", 1),
        Counter::new("b", 5),
        Counter::new("c", 10),
    ];
    db.add_all(&mut rows).await?;

    let n = db
        .query::<Counter>()
        .filter(|c| c.visits.ge(5))
        .update(|c| [c.visits.increment(1), c.best.set_column(c.visits)])
        .await?;
    assert_eq!(n, 2);
    let after = counters(db).await?;
    let got: Vec<_> = after.iter().map(|c| (c.visits, c.best)).collect();
    // `best` takes `visits` as it was before the update.
    assert_eq!(got, [(1, 0), (6, 5), (11, 10)]);

    let n = db
        .query::<Counter>()
        .filter(|c| c.name.eq("a"))
        .update(|c| {
            [
                c.name.set("renamed"),
                c.visits.decrement(3),
                c.ratio.set(0.25),
                c.email.set("a@x.org"),
            ]
        })
        .await?;
    assert_eq!(n, 1);
    let a = db
        .query::<Counter>()
        .get(rows[0].id.expect("added"))
        .await?;
    let a = a.expect("still there");
    assert_eq!(
        (a.name.as_str(), a.visits, a.ratio, a.email.as_deref()),
        ("renamed", -2, 0.25, Some("a@x.org"))
    );

    // NULL, and no match at all.
    db.query::<Counter>()
        .filter(|c| c.name.eq("renamed"))
        .update(|c| [c.email.set_null()])
        .await?;
    assert_eq!(counters(db).await?[0].email, None);
    let none = db
        .query::<Counter>()
        .filter(|c| c.name.eq("nobody"))
        .update(|c| [c.visits.set(0)])
        .await?;
    assert_eq!(none, 0);

    // Two columns from each other: the values from before the update, or (MySQL,
    // which reads a column set earlier with its new value) refused.
    let swap = db
        .query::<Counter>()
        .update(|c| [c.visits.set_column(c.best), c.best.set_column(c.visits)])
        .await;
    if db.backend() == "mysql" {
        assert!(matches!(swap, Err(Error::Unsupported { .. })), "{swap:?}");
    } else {
        assert_eq!(swap?, 3);
        let got: Vec<_> = counters(db)
            .await?
            .iter()
            .map(|c| (c.visits, c.best))
            .collect();
        assert_eq!(got, [(0, -2), (5, 6), (10, 11)]);
    }

    // No filter: every row.
    let all = db.query::<Counter>().update(|c| [c.best.set(7)]).await?;
    assert_eq!(all, 3);
    assert!(counters(db).await?.iter().all(|c| c.best == 7));
    Ok(())
}

/// The on-update values are written, evaluated once for the statement; a column the
/// caller sets wins over its on-update value.
pub async fn bulk_update_applies_on_update_values(db: &Database) -> Result<()> {
    db.create_all(&[Counter::table()]).await?;
    let mut rows = vec![Counter::new("a", 1), Counter::new("b", 2)];
    db.add_all(&mut rows).await?;
    assert!(counters(db).await?.iter().all(|c| c.dirty == Some(0)));

    db.query::<Counter>()
        .update(|c| [c.visits.increment(1)])
        .await?;
    let after = counters(db).await?;
    assert!(after.iter().all(|c| c.dirty == Some(1)), "{after:?}");
    let stamp = after[0].stamp;
    assert!(stamp.is_some_and(|s| s >= 1000), "{after:?}");
    assert!(
        after.iter().all(|c| c.stamp == stamp),
        "one value: {after:?}"
    );

    db.query::<Counter>()
        .update(|c| [c.stamp.set(-1), c.dirty.set(5)])
        .await?;
    let after = counters(db).await?;
    assert!(
        after
            .iter()
            .all(|c| c.stamp == Some(-1) && c.dirty == Some(5)),
        "{after:?}"
    );
    Ok(())
}

/// Limit, offset, order, no columns, a column twice and a key column are
/// `InvalidQuery`, and nothing is written.
pub async fn bulk_update_refuses_bad_queries(db: &Database) -> Result<()> {
    db.create_all(&[Counter::table()]).await?;
    let mut rows = vec![Counter::new("a", 1), Counter::new("b", 2)];
    db.add_all(&mut rows).await?;
    let before = counters(db).await?;
    let q = || db.query::<Counter>();
    assert_invalid(
        q().limit(1).update(|c| [c.visits.set(0)]).await,
        "limit or an offset",
    );
    assert_invalid(
        q().offset(1).update(|c| [c.visits.set(0)]).await,
        "limit or an offset",
    );
    assert_invalid(
        q().order_by(|c| c.id.asc())
            .update(|c| [c.visits.set(0)])
            .await,
        "ordered",
    );
    assert_invalid(
        q().update(|_| Vec::<om::Set>::new()).await,
        "at least one column",
    );
    assert_invalid(
        q().update(|c| [c.visits.set(0), c.visits.set(1)]).await,
        "twice",
    );
    assert_invalid(q().update(|c| [c.id.set(99)]).await, "key column");
    assert_eq!(counters(db).await?, before);
    Ok(())
}

/// A bulk update bumps a versioned model's version: objects read before are stale.
pub async fn bulk_update_bumps_the_version(db: &Database) -> Result<()> {
    db.create_all(&[Ticket::table()]).await?;
    let mut t = Ticket {
        id: None,
        title: "t".into(),
        owner: "ann".into(),
        version: 0,
    };
    db.add(&mut t).await?;
    assert_eq!(t.version, 1);
    db.query::<Ticket>()
        .update(|c| [c.owner.set("bob")])
        .await?;
    let now = db.query::<Ticket>().get(t.id.expect("added")).await?;
    assert_eq!(now.map(|n| (n.owner, n.version)), Some(("bob".into(), 2)));
    t.title = "stale".into();
    assert!(matches!(
        db.update(&mut t).await,
        Err(Error::StaleObject { .. })
    ));
    Ok(())
}

/// A model that extends another: each table's columns are written for the matching
/// objects (filters on either table); a column set from another table's column is
/// refused, and nothing is written.
pub async fn bulk_update_across_inheritance(db: &Database) -> Result<()> {
    db.create_all(&[Animal::table(), Dog::table()]).await?;
    let mut dogs = vec![Dog::new("rex", 1), Dog::new("fido", 5), Dog::new("max", 9)];
    db.add_all(&mut dogs).await?;
    let mut cat = Animal {
        id: None,
        name: "tom".into(),
        legs: 4,
    };
    db.add(&mut cat).await?;

    let n = db
        .query::<Dog>()
        .filter(|c| c.barks.ge(5))
        .update(|c| {
            [
                c.legs.decrement(1),
                c.name.set("loud"),
                c.treats.increment(2),
            ]
        })
        .await?;
    assert_eq!(n, 2);
    let all = db.query::<Dog>().order_by(|c| c.barks.asc()).all().await?;
    let got: Vec<_> = all
        .iter()
        .map(|d| (d.animal.name.as_str(), d.animal.legs, d.treats))
        .collect();
    assert_eq!(got, [("rex", 4, 0), ("loud", 3, 2), ("loud", 3, 2)]);
    // The animal that is not a dog is untouched.
    let tom = db.query::<Animal>().get(cat.id.expect("added")).await?;
    assert_eq!(tom, Some(cat));

    let before = db.query::<Dog>().order_by(|c| c.barks.asc()).all().await?;
    assert_invalid(
        db.query::<Dog>()
            .update(|c| [c.treats.set_column(c.legs)])
            .await,
        "spans two tables",
    );
    let after = db.query::<Dog>().order_by(|c| c.barks.asc()).all().await?;
    assert_eq!(after, before);
    Ok(())
}

/// `update_columns` writes the chosen columns (and the on-update values), and leaves
/// a column another writer changed meanwhile as that writer left it.
pub async fn update_columns_leaves_other_columns(db: &Database) -> Result<()> {
    db.create_all(&[Counter::table()]).await?;
    let mut mine = Counter::new("a", 1);
    db.add(&mut mine).await?;
    let key = mine.id.expect("added");

    // Another writer changes `visits` after `mine` was read.
    let mut theirs = db.query::<Counter>().get(key).await?.expect("there");
    theirs.visits = 42;
    db.update(&mut theirs).await?;

    mine.name = "renamed".into();
    mine.email = Some("a@x.org".into());
    mine.visits = -1;
    db.update_columns(&mut mine, |c| [c.name.column_ref(), c.email.column_ref()])
        .await?;
    assert_eq!(mine.dirty, Some(1), "on-update applied to the object");
    let row = db.query::<Counter>().get(key).await?.expect("there");
    assert_eq!(
        (row.name.as_str(), row.email.as_deref(), row.visits),
        ("renamed", Some("a@x.org"), 42)
    );
    assert_eq!((row.stamp, row.dirty), (mine.stamp, Some(1)));

    // A key column, or none of the model's, is refused; the object is unchanged.
    let before = mine.clone();
    assert_invalid(
        db.update_columns(&mut mine, |c| [c.id.column_ref()]).await,
        "key column",
    );
    assert_invalid(
        db.update_columns(&mut mine, |_| [Ticket::columns().title.column_ref()])
            .await,
        "not a column",
    );
    assert_eq!(mine, before);
    Ok(())
}

/// `update_columns` of a versioned object checks and bumps its version; a stale object
/// fails with `StaleObject` and writes nothing.
pub async fn update_columns_checks_the_version(db: &Database) -> Result<()> {
    db.create_all(&[Ticket::table(), Animal::table(), Dog::table()])
        .await?;
    let mut t = Ticket {
        id: None,
        title: "t".into(),
        owner: "ann".into(),
        version: 0,
    };
    db.add(&mut t).await?;
    let mut stale = t.clone();
    t.title = "mine".into();
    db.update_columns(&mut t, |c| [c.title.column_ref()])
        .await?;
    assert_eq!(t.version, 2);
    stale.owner = "eve".into();
    assert!(matches!(
        db.update_columns(&mut stale, |c| [c.owner.column_ref()])
            .await,
        Err(Error::StaleObject { .. })
    ));
    assert_eq!(stale.version, 1, "the object is left as given");
    let row = db.query::<Ticket>().get(t.id.expect("added")).await?;
    assert_eq!(row, Some(t));

    // A model that extends another: only the chosen columns, in either table.
    let mut dog = Dog::new("rex", 1);
    db.add(&mut dog).await?;
    let key = dog.animal.id.expect("added");
    let mut other = dog.clone();
    other.animal.legs = 3;
    other.treats = 9;
    db.update(&mut other).await?;
    dog.animal.name = "rexy".into();
    dog.barks = 2;
    db.update_columns(&mut dog, |c| [c.name.column_ref(), c.barks.column_ref()])
        .await?;
    let row = db.query::<Dog>().get(key).await?.expect("there");
    assert_eq!(
        (
            row.animal.name.as_str(),
            row.animal.legs,
            row.barks,
            row.treats
        ),
        ("rexy", 3, 2, 9)
    );
    Ok(())
}
