//! Optimistic locking: a version column (`#[om(version)]`) set by `add`, checked and
//! bumped by `update`, checked by `delete`; a stale object fails with `StaleObject`
//! and changes nothing.

use om::{Database, Error, ErrorKind, Model, Result};

use crate::models::{Licence, Note, Person, Truck, Vehicle};

/// Asserts that `err` is the `StaleObject` of `operation` on `table`, expecting
/// `expected`, and a conflict.
fn assert_stale(err: &Error, operation: &str, table: &str, expected: i64) {
    match err {
        Error::StaleObject {
            operation: o,
            table: t,
            expected: e,
        } => assert_eq!((*o, *t, *e), (operation, table, expected), "{err}"),
        other => panic!("expected StaleObject, got {other:?}"),
    }
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

/// Reads `note` back by its key.
async fn read(db: &Database, note: &Note) -> Result<Option<Note>> {
    db.query::<Note>().get(note.id.expect("added")).await
}

/// `add` and `add_all` start every version at 1, whatever the object held, and write
/// it back; a failed `add` puts the object's own value back.
pub async fn add_starts_the_version_at_one(db: &Database) -> Result<()> {
    db.create_all(&[Note::table(), Vehicle::table(), Truck::table()])
        .await?;
    let mut note = Note {
        version: 42,
        ..Note::new("one")
    };
    db.add(&mut note).await?;
    assert_eq!(note.version, 1);
    assert_eq!(read(db, &note).await?.as_ref(), Some(&note));

    let mut notes = vec![Note::new("a"), Note::new("b"), Note::new("c")];
    notes[1].version = -5;
    db.add_all(&mut notes).await?;
    assert!(notes.iter().all(|n| n.version == 1), "{notes:?}");
    for n in &notes {
        assert_eq!(read(db, n).await?.as_ref(), Some(n));
    }

    let mut trucks = vec![Truck::new("t1", 10), Truck::new("t2", 20)];
    db.add_all(&mut trucks).await?;
    assert!(trucks.iter().all(|t| t.vehicle.version == 1), "{trucks:?}");
    let key = trucks[0].vehicle.id.expect("added");
    assert_eq!(
        db.query::<Truck>().get(key).await?.as_ref(),
        Some(&trucks[0])
    );

    // A failed add (a duplicate key) leaves the object's version as it was.
    let mut clash = Note {
        id: note.id,
        version: 9,
        ..Note::new("clash")
    };
    let before = clash.clone();
    assert!(db.add(&mut clash).await.is_err());
    assert_eq!(clash, before);
    Ok(())
}

/// Each `update` bumps the version, in the database and in the object.
pub async fn update_bumps_the_version(db: &Database) -> Result<()> {
    db.create_all(&[Note::table()]).await?;
    let mut note = Note::new("v1");
    db.add(&mut note).await?;
    for (text, version) in [("v2", 2), ("v3", 3)] {
        note.text = text.into();
        db.update(&mut note).await?;
        assert_eq!(note.version, version);
        assert_eq!(read(db, &note).await?.as_ref(), Some(&note));
    }
    // The version is a column like any other for queries.
    assert_eq!(
        db.query::<Note>()
            .filter(|c| c.version.eq(3))
            .count()
            .await?,
        1
    );
    Ok(())
}

/// An update of a copy read before someone else's update fails with `StaleObject`,
/// writes nothing, and leaves the copy (its version and on-update values) as given.
pub async fn stale_update_fails_and_changes_nothing(db: &Database) -> Result<()> {
    db.create_all(&[Note::table()]).await?;
    let mut note = Note::new("original");
    db.add(&mut note).await?;
    let mut stale = note.clone();
    note.text = "first writer".into();
    db.update(&mut note).await?;

    stale.text = "second writer".into();
    let before = stale.clone();
    let err = db.update(&mut stale).await.unwrap_err();
    assert_stale(&err, "update", "notes", 1);
    assert_eq!(stale, before, "the stale object is left as given");
    assert_eq!(
        read(db, &note).await?.as_ref(),
        Some(&note),
        "nothing written"
    );

    // Read again, the update goes through.
    let mut fresh = read(db, &note).await?.expect("the row");
    fresh.text = "second writer".into();
    db.update(&mut fresh).await?;
    assert_eq!(fresh.version, 3);

    // In a transaction, the failure leaves the transaction usable (PostgreSQL aborts a
    // transaction on a database error: this is none).
    let tx = db.begin().await?;
    let err = tx.update(&mut note).await.unwrap_err();
    assert_stale(&err, "update", "notes", 2);
    let mut inside = tx.query::<Note>().get(note.id.expect("added")).await?;
    let inside = inside.as_mut().expect("the row");
    tx.update(inside).await?;
    tx.commit().await?;
    assert_eq!(read(db, &note).await?.map(|n| n.version), Some(4));
    Ok(())
}

/// A stale `delete` fails and the row stays; with the current version it deletes; an
/// update or delete of a row someone deleted is a `StaleObject` too.
pub async fn stale_delete_fails_and_keeps_the_row(db: &Database) -> Result<()> {
    db.create_all(&[Note::table()]).await?;
    let mut note = Note::new("kept");
    db.add(&mut note).await?;
    let stale = note.clone();
    db.update(&mut note).await?;

    let err = db.delete(&stale).await.unwrap_err();
    assert_stale(&err, "delete", "notes", 1);
    assert_eq!(
        read(db, &note).await?.as_ref(),
        Some(&note),
        "the row stays"
    );

    let mut other = note.clone();
    assert!(db.delete(&note).await?, "the current version deletes");
    assert_eq!(read(db, &note).await?, None);

    let err = db.delete(&note).await.unwrap_err();
    assert_stale(&err, "delete", "notes", 2);
    other.text = "gone".into();
    let before = other.clone();
    let err = db.update(&mut other).await.unwrap_err();
    assert_stale(&err, "update", "notes", 2);
    assert_eq!(other, before);
    assert_eq!(db.query::<Note>().count().await?, 0);
    Ok(())
}

/// Two writers update the same row at once, round after round, each from the version
/// both read: exactly one wins each round.
pub async fn concurrent_updates_have_one_winner(db: &Database) -> Result<()> {
    db.create_all(&[Note::table()]).await?;
    let mut note = Note::new("contended");
    db.add(&mut note).await?;
    const ROUNDS: i64 = 10;
    for round in 0..ROUNDS {
        let mut a = read(db, &note).await?.expect("the row");
        let mut b = a.clone();
        a.text = format!("a{round}");
        b.text = format!("b{round}");
        let (ra, rb) = futures::join!(db.update(&mut a), db.update(&mut b));
        let (winner, loser) = match (ra, rb) {
            (Ok(()), Err(e)) => (a, e),
            (Err(e), Ok(())) => (b, e),
            other => panic!("round {round}: expected exactly one winner, got {other:?}"),
        };
        assert_stale(&loser, "update", "notes", round + 1);
        assert_eq!(winner.version, round + 2);
        assert_eq!(read(db, &note).await?.as_ref(), Some(&winner));
    }
    assert_eq!(read(db, &note).await?.map(|n| n.version), Some(ROUNDS + 1));
    Ok(())
}

/// A child of a versioned model: its version is in the parent's table. A stale update
/// changes neither table, a stale delete deletes from neither; the current version
/// updates and deletes both.
pub async fn versioned_child_is_checked_across_its_tables(db: &Database) -> Result<()> {
    db.create_all(&[Vehicle::table(), Truck::table()]).await?;
    let mut truck = Truck::new("hauler", 100);
    db.add(&mut truck).await?;
    let key = truck.vehicle.id.expect("added");
    let mut stale = truck.clone();
    truck.load = 200;
    db.update(&mut truck).await?;
    assert_eq!(truck.vehicle.version, 2);
    assert_eq!(db.query::<Truck>().get(key).await?.as_ref(), Some(&truck));

    stale.vehicle.name = "renamed".into();
    stale.load = 999;
    let before = stale.clone();
    let err = db.update(&mut stale).await.unwrap_err();
    assert_stale(&err, "update", "trucks", 1);
    assert_eq!(stale, before);
    assert_eq!(
        db.query::<Truck>().get(key).await?.as_ref(),
        Some(&truck),
        "neither table changed"
    );

    let err = db.delete(&stale).await.unwrap_err();
    assert_stale(&err, "delete", "trucks", 1);
    assert_eq!(db.query::<Truck>().count().await?, 1);
    assert_eq!(db.query::<Vehicle>().count().await?, 1);

    assert!(db.delete(&truck).await?);
    assert_eq!(db.query::<Truck>().count().await?, 0);
    assert_eq!(db.query::<Vehicle>().count().await?, 0);
    let mut gone = truck.clone();
    let err = db.update(&mut gone).await.unwrap_err();
    assert_stale(&err, "update", "trucks", 2);
    Ok(())
}

/// A versioned child of an unversioned model: its version is in its own table, and is
/// checked before the parent's row is written.
pub async fn version_in_a_child_table(db: &Database) -> Result<()> {
    db.create_all(&[Person::table(), Licence::table()]).await?;
    let mut licence = Licence {
        person: Person::new("driver"),
        class: "B".into(),
        revision: 0,
    };
    db.add(&mut licence).await?;
    assert_eq!(licence.revision, 1);
    let key = licence.person.id.expect("added");
    let mut stale = licence.clone();
    licence.class = "C".into();
    db.update(&mut licence).await?;
    assert_eq!(licence.revision, 2);

    stale.person.name = "someone else".into();
    let before = stale.clone();
    let err = db.update(&mut stale).await.unwrap_err();
    assert_stale(&err, "update", "licences", 1);
    assert_eq!(stale, before);
    let stored = db.query::<Licence>().get(key).await?;
    assert_eq!(stored.as_ref(), Some(&licence), "neither table changed");

    let err = db.delete(&stale).await.unwrap_err();
    assert_stale(&err, "delete", "licences", 1);
    assert!(db.delete(&licence).await?);
    assert_eq!(db.query::<Person>().count().await?, 0);
    Ok(())
}
