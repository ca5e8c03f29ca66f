//! Insert-or-update (`upsert`, `upsert_all`) and `get_or_create`.
#![allow(missing_docs)]

use om::{Database, Error, Model, Result, Upsert};

use crate::cases::bulk_update::{Animal, Counter, Dog, Ticket, next_stamp};

/// Members, unique by email; a generated key and an on-update value.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "upsert_members")]
pub struct Member {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50, unique)]
    pub email: String,
    #[om(size = 50)]
    pub name: String,
    pub visits: i64,
    #[om(default = 0, on_update_fn = next_stamp)]
    pub stamp: Option<i64>,
}

impl Member {
    pub fn new(email: &str, name: &str, visits: i64) -> Self {
        Member {
            id: None,
            email: email.into(),
            name: name.into(),
            visits,
            stamp: None,
        }
    }
}

async fn members(db: &Database) -> Result<Vec<Member>> {
    db.query::<Member>().order_by(|c| c.id.asc()).all().await
}

/// By primary key: a new object is inserted (its key written back), an object whose
/// key exists updates that row.
pub async fn upsert_by_key_inserts_then_updates(db: &Database) -> Result<()> {
    db.create_all(&[Member::table()]).await?;
    let mut m = Member::new("a@x.org", "ann", 1);
    db.upsert(&mut m, |_| Upsert::on_key()).await?;
    let key = m.id.expect("key written back");
    assert_eq!(members(db).await?, [m.clone()]);

    let mut again = Member {
        id: Some(key),
        ..Member::new("a@x.org", "anne", 2)
    };
    db.upsert(&mut again, |_| Upsert::on_key().update_all())
        .await?;
    let rows = members(db).await?;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].name.as_str(), rows[0].visits), ("anne", 2));
    assert!(
        rows[0].stamp.is_some_and(|s| s >= 1000),
        "on-update: {rows:?}"
    );
    Ok(())
}

/// By a unique column: the existing row's key comes back, only the chosen columns
/// change; `do_nothing` leaves the row as it is and still writes the key back.
pub async fn upsert_by_unique_column_writes_back_existing_key(db: &Database) -> Result<()> {
    db.create_all(&[Member::table()]).await?;
    let mut first = Member::new("a@x.org", "ann", 1);
    db.add(&mut first).await?;
    let key = first.id.expect("added");

    let mut m = Member::new("a@x.org", "anne", 99);
    db.upsert(&mut m, |c| {
        Upsert::on([c.email.column_ref()]).update([c.name.column_ref()])
    })
    .await?;
    assert_eq!(m.id, Some(key));
    let row = db.query::<Member>().get(key).await?.expect("there");
    assert_eq!((row.name.as_str(), row.visits), ("anne", 1));

    let mut same = Member::new("a@x.org", "nobody", 5);
    db.upsert(&mut same, |c| {
        Upsert::on([c.email.column_ref()]).do_nothing()
    })
    .await?;
    assert_eq!(same.id, Some(key));
    assert_eq!(db.query::<Member>().get(key).await?, Some(row));
    assert_eq!(db.query::<Member>().count().await?, 1);
    Ok(())
}

/// A batch: new and existing rows in one call, every key written back, in order.
pub async fn upsert_all_writes_back_every_key(db: &Database) -> Result<()> {
    db.create_all(&[Member::table()]).await?;
    let mut old = vec![
        Member::new("b@x.org", "bob", 1),
        Member::new("d@x.org", "dan", 1),
    ];
    db.add_all(&mut old).await?;
    let mut batch = vec![
        Member::new("a@x.org", "ann", 1),
        Member::new("b@x.org", "bobby", 2),
        Member::new("c@x.org", "cat", 3),
        Member::new("d@x.org", "danny", 4),
    ];
    db.upsert_all(&mut batch, |c| {
        Upsert::on([c.email.column_ref()]).update([c.name.column_ref(), c.visits.column_ref()])
    })
    .await?;
    assert_eq!(batch[1].id, old[0].id);
    assert_eq!(batch[3].id, old[1].id);
    assert!(batch.iter().all(|m| m.id.is_some()), "{batch:?}");
    for m in &batch {
        let row = db
            .query::<Member>()
            .get(m.id.expect("key"))
            .await?
            .expect("there");
        assert_eq!(
            (&row.email, &row.name, row.visits),
            (&m.email, &m.name, m.visits)
        );
    }
    assert_eq!(db.query::<Member>().count().await?, 4);
    Ok(())
}

/// A key column to update, a column of another model, no columns, a model that
/// extends another and a versioned model are `InvalidQuery`, a float the backend
/// cannot store `InvalidValue`; nothing is written and the object is left as given.
pub async fn upsert_refuses_bad_input(db: &Database) -> Result<()> {
    db.create_all(&[
        Member::table(),
        Animal::table(),
        Dog::table(),
        Ticket::table(),
    ])
    .await?;
    let mut m = Member::new("a@x.org", "ann", 1);
    let before = m.clone();
    let invalid = |r: Result<()>| matches!(r, Err(Error::InvalidQuery { .. }));
    assert!(invalid(
        db.upsert(&mut m, |c| Upsert::on_key().update([c.id.column_ref()]))
            .await
    ));
    assert!(invalid(
        db.upsert(&mut m, |_| Upsert::on([Ticket::columns()
            .title
            .column_ref()]))
            .await
    ));
    assert!(invalid(
        db.upsert(&mut m, |_| Upsert::on_key().update([])).await
    ));
    assert_eq!(m, before);
    let mut dog = Dog::new("rex", 1);
    assert!(invalid(db.upsert(&mut dog, |_| Upsert::on_key()).await));
    let mut t = Ticket {
        id: None,
        title: "t".into(),
        owner: "o".into(),
        version: 0,
    };
    assert!(invalid(db.upsert(&mut t, |_| Upsert::on_key()).await));
    assert_eq!(db.query::<Member>().count().await?, 0);
    assert_eq!(db.query::<Dog>().count().await?, 0);

    // A float the backend cannot store is refused as by `add`.
    db.create_all(&[Counter::table()]).await?;
    let mut nan = Counter::new("nan", 1);
    nan.ratio = f64::NAN;
    let outcome = db.upsert(&mut nan, |_| Upsert::on_key()).await;
    if db.capabilities().float_nan {
        outcome?;
    } else {
        assert!(
            matches!(outcome, Err(Error::InvalidValue { .. })),
            "{outcome:?}"
        );
        assert_eq!(nan.id, None);
        assert_eq!(db.query::<Counter>().count().await?, 0);
    }
    Ok(())
}

/// `get_or_create` inserts once and then reads the row that is there; callers at the
/// same time all get the one row.
pub async fn get_or_create_is_race_free(db: &Database) -> Result<()> {
    db.create_all(&[Member::table()]).await?;
    let mut m = Member::new("a@x.org", "ann", 1);
    db.get_or_create(&mut m, |c| [c.email.column_ref()]).await?;
    let key = m.id.expect("created");
    let mut again = Member::new("a@x.org", "other", 7);
    db.get_or_create(&mut again, |c| [c.email.column_ref()])
        .await?;
    assert_eq!(again, m, "the existing row, unchanged");

    let callers = (0..8).map(|i| async move {
        let mut m = Member::new("race@x.org", &format!("caller {i}"), i);
        db.get_or_create(&mut m, |c| [c.email.column_ref()])
            .await
            .map(|()| m)
    });
    let got = futures::future::join_all(callers).await;
    let got: Vec<Member> = got.into_iter().collect::<Result<_>>()?;
    assert!(got.iter().all(|m| m == &got[0]), "{got:?}");
    assert_ne!(got[0].id, Some(key));
    assert_eq!(db.query::<Member>().count().await?, 2);
    Ok(())
}
