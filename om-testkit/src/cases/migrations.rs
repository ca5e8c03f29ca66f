//! Migrations generated from the models: the round trip v1 → v2 → v3 and back with the
//! data kept, the history's checks (edited, missing), the drift check, and
//! database-side defaults.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use om::migrate::{MigrationState, Migrator};
use om::{Database, Error, ErrorKind, Model, Result};

use crate::migration_models::{Ticket, v1, v2, v3};

/// A migrations folder of its own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(case: &str, backend: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "om-migrations-{case}-{backend}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn person_v1(name: &str, nick: Option<&str>, legacy: Option<i64>) -> v1::Person {
    v1::Person {
        id: None,
        name: name.into(),
        nick: nick.map(Into::into),
        legacy,
    }
}

async fn count(db: &Database, sql: &str) -> Result<i64> {
    db.fetch_val(sql, ()).await
}

/// v1 → v2 (a column added NOT NULL with a database default, one renamed, one dropped,
/// a table with a foreign key created) applied with the rows kept, then reverted to
/// v1 and to nothing, then applied again; each step recorded in the history.
pub async fn migration_round_trip_keeps_data(db: &Database) -> Result<()> {
    let dir = TempDir::new("round-trip", db.backend());
    let migrator = Migrator::new(&dir.0);
    let first = migrator
        .generate::<v1::Person>("create_person")?
        .expect("v1 is a change from nothing");
    assert!(
        migrator.generate::<v1::Person>("again")?.is_none(),
        "no change, no migration"
    );
    let applied = migrator.apply(db).await?;
    assert_eq!(applied.len(), 1);
    db.add(&mut person_v1("ann", Some("annie"), Some(7)))
        .await?;
    db.add(&mut person_v1("bob", None, None)).await?;

    let second = migrator
        .generate::<(v2::Person, v2::Note)>("rename_nick_add_score")?
        .expect("v2 differs from v1");
    let up = second.up(db.backend())?;
    assert!(up.contains("nickname"), "the rename is in the SQL:\n{up}");
    assert!(
        migrator
            .status(db)
            .await?
            .iter()
            .map(|s| s.state)
            .eq([MigrationState::Applied, MigrationState::Pending]),
        "v1 applied, v2 pending"
    );
    assert_eq!(migrator.apply(db).await?.len(), 1);

    let mut people = db
        .query::<v2::Person>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(people.len(), 2, "the rows are kept");
    assert_eq!(people[0].name, "ann");
    assert_eq!(
        people[0].nickname.as_deref(),
        Some("annie"),
        "the renamed column kept its data"
    );
    assert_eq!(
        people[0].score, 0,
        "the added column took its database default"
    );
    assert_eq!(people[1].nickname, None);
    let legacy = db.fetch_all("SELECT legacy FROM mig_person", ()).await;
    assert!(legacy.is_err(), "the dropped column is gone");
    people[0].score = 5;
    db.update(&mut people[0]).await?;
    let mut note = v2::Note {
        id: None,
        person_id: people[0].id.unwrap_or_default(),
        body: "hello".into(),
    };
    db.add(&mut note).await?;
    let orphan = db
        .add(&mut v2::Note {
            id: None,
            person_id: 999,
            body: "nobody".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        orphan.kind(),
        ErrorKind::ForeignKeyViolation,
        "the foreign key was created: {orphan}"
    );

    // Down to v1: the renamed column is back with its data, the dropped one is back
    // empty, the added one and the new table are gone.
    let reverted = migrator.revert(db).await?.expect("v2 is applied");
    assert_eq!(reverted.version, second.version);
    let people = db
        .query::<v1::Person>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(people.len(), 2);
    assert_eq!(people[0].nick.as_deref(), Some("annie"));
    assert_eq!(
        people[0].legacy, None,
        "a column dropped and added back is empty"
    );
    assert!(
        db.fetch_all("SELECT score FROM mig_person", ())
            .await
            .is_err()
    );
    assert!(db.fetch_all("SELECT * FROM mig_note", ()).await.is_err());

    // Down to nothing, and up again.
    assert_eq!(
        migrator.revert(db).await?.map(|m| m.version),
        Some(first.version.clone())
    );
    assert!(db.fetch_all("SELECT * FROM mig_person", ()).await.is_err());
    assert!(
        migrator.revert(db).await?.is_none(),
        "nothing left to revert"
    );
    assert_eq!(migrator.apply(db).await?.len(), 2);
    assert_eq!(db.query::<v2::Person>().count().await?, 0);
    assert_eq!(count(db, "SELECT count(*) FROM om_migrations").await?, 2);
    migrator.check_drift(db).await?;
    Ok(())
}

/// v2 → v3: a nullable column becomes NOT NULL with a default (SQLite rebuilds the
/// table, keeping rows, indexes and the foreign key that references it), an indexed
/// column is dropped; reverted, both come back.
pub async fn migration_alters_nullability_and_drops_indexed_column(db: &Database) -> Result<()> {
    let dir = TempDir::new("alter", db.backend());
    let migrator = Migrator::new(&dir.0);
    migrator.generate::<(v2::Person, v2::Note)>("v2")?;
    migrator.apply(db).await?;
    let mut ann = v2::Person {
        id: None,
        name: "ann".into(),
        nickname: Some("annie".into()),
        score: 3,
    };
    db.add(&mut ann).await?;
    let mut note = v2::Note {
        id: None,
        person_id: ann.id.unwrap_or_default(),
        body: "kept".into(),
    };
    db.add(&mut note).await?;

    migrator
        .generate::<(v3::Person, v3::Note)>("nickname_required")?
        .expect("v3 differs from v2");
    migrator.apply(db).await?;
    let people = db.query::<v3::Person>().all().await?;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].nickname, "annie");
    assert_eq!(people[0].score, 3);
    assert_eq!(
        db.query::<v2::Note>().count().await?,
        1,
        "the rows that reference the table are kept"
    );
    let null = db
        .execute(
            "INSERT INTO mig_person (nickname, score) VALUES (NULL, 1)",
            (),
        )
        .await
        .unwrap_err();
    assert_eq!(null.kind(), ErrorKind::NotNullViolation, "{null}");
    db.execute("INSERT INTO mig_person (score) VALUES (1)", ())
        .await?;
    let defaulted: String = db
        .fetch_val("SELECT nickname FROM mig_person WHERE score = 1", ())
        .await?;
    assert_eq!(defaulted, "none", "the new default applies");
    migrator.check_drift(db).await?;

    migrator.revert(db).await?;
    let people = db
        .query::<v2::Person>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(people[0].nickname.as_deref(), Some("annie"));
    assert_eq!(people[0].name, "", "the dropped column came back empty");
    db.execute(
        "INSERT INTO mig_person (name, nickname) VALUES ('x', NULL)",
        (),
    )
    .await?;
    migrator.check_drift(db).await?;
    Ok(())
}

/// A migration edited after it was applied is refused, naming it; the status says so.
pub async fn migration_edited_after_apply_is_refused(db: &Database) -> Result<()> {
    let dir = TempDir::new("edited", db.backend());
    let migrator = Migrator::new(&dir.0);
    let m = migrator
        .generate::<v1::Person>("create_person")?
        .expect("a change");
    migrator.apply(db).await?;
    let path = m.path.join(format!("up.{}.sql", db.backend()));
    let mut sql =
        std::fs::read_to_string(&path).map_err(|e| Error::InvalidMigration(e.to_string()))?;
    sql.push_str("-- edited\n");
    std::fs::write(&path, sql).map_err(|e| Error::InvalidMigration(e.to_string()))?;
    migrator.generate::<(v2::Person, v2::Note)>("v2")?;
    let err = migrator.apply(db).await.unwrap_err();
    match &err {
        Error::MigrationChecksumMismatch { version, name, .. } => {
            assert_eq!(version, &m.version);
            assert_eq!(name, "create_person");
        }
        other => panic!("expected MigrationChecksumMismatch, got {other:?}"),
    }
    assert_eq!(err.kind(), ErrorKind::Migration);
    assert!(err.to_string().contains(&m.version), "{err}");
    assert!(
        db.fetch_all("SELECT * FROM mig_note", ()).await.is_err(),
        "nothing pending was applied"
    );
    let states: Vec<MigrationState> = migrator.status(db).await?.iter().map(|s| s.state).collect();
    assert_eq!(states, [MigrationState::Edited, MigrationState::Pending]);
    Ok(())
}

/// An applied migration missing from the folder is refused, naming it.
pub async fn migration_missing_from_folder_is_refused(db: &Database) -> Result<()> {
    let dir = TempDir::new("missing", db.backend());
    let migrator = Migrator::new(&dir.0);
    let m = migrator
        .generate::<v1::Person>("create_person")?
        .expect("a change");
    migrator.apply(db).await?;
    std::fs::remove_dir_all(&m.path).map_err(|e| Error::InvalidMigration(e.to_string()))?;
    let err = migrator.apply(db).await.unwrap_err();
    match &err {
        Error::MigrationMissing { version, name } => {
            assert_eq!(version, &m.version);
            assert_eq!(name, "create_person");
        }
        other => panic!("expected MigrationMissing, got {other:?}"),
    }
    assert!(err.to_string().contains("create_person"), "{err}");
    let status = migrator.status(db).await?;
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].state, MigrationState::Missing);
    Ok(())
}

/// A column added by hand is schema drift: the check names its table and column,
/// and apply refuses to run on top of it.
pub async fn migration_drift_names_table_and_column(db: &Database) -> Result<()> {
    let dir = TempDir::new("drift", db.backend());
    let migrator = Migrator::new(&dir.0);
    migrator.generate::<v1::Person>("create_person")?;
    migrator.apply(db).await?;
    migrator.check_drift(db).await?;
    db.execute("ALTER TABLE mig_person ADD COLUMN extra INTEGER", ())
        .await?;
    let err = migrator.check_drift(db).await.unwrap_err();
    match &err {
        Error::SchemaDrift { table, column, .. } => {
            assert_eq!(table, "mig_person");
            assert_eq!(column.as_deref(), Some("extra"));
        }
        other => panic!("expected SchemaDrift, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("mig_person") && message.contains("extra"),
        "{message}"
    );
    migrator.generate::<(v2::Person, v2::Note)>("v2")?;
    let err = migrator.apply(db).await.unwrap_err();
    assert!(matches!(err, Error::SchemaDrift { .. }), "{err:?}");
    assert!(
        db.fetch_all("SELECT * FROM mig_note", ()).await.is_err(),
        "nothing was applied over the drift"
    );
    Ok(())
}

/// A constant default on a plain field is the column's database DEFAULT, and the
/// column is NOT NULL: an insert that leaves it out gets the default; `default_fn` on
/// a plain field is called at `add`, `on_update_fn` at `update`.
pub async fn database_defaults_fill_left_out_columns(db: &Database) -> Result<()> {
    db.create_all(&[Ticket::table()]).await?;
    db.execute(
        "INSERT INTO db_defaults (title, created, updated) VALUES ('raw', $1, $1)",
        (crate::migration_models::now(),),
    )
    .await?;
    let raw = db.query::<Ticket>().one().await?;
    assert_eq!(raw.status, "open");
    assert_eq!(raw.priority, 3);
    assert!(raw.visible);
    let null = db
        .execute(
            "INSERT INTO db_defaults (title, status, created, updated) VALUES ('n', NULL, $1, $1)",
            (crate::migration_models::now(),),
        )
        .await
        .unwrap_err();
    assert_eq!(null.kind(), ErrorKind::NotNullViolation, "{null}");

    let epoch = chrono::NaiveDateTime::default();
    let mut t = Ticket {
        id: None,
        title: "mine".into(),
        status: "closed".into(),
        priority: 0,
        visible: false,
        created: epoch,
        updated: epoch,
    };
    db.add(&mut t).await?;
    assert_eq!(
        t.status, "closed",
        "a value the field holds is written as given"
    );
    assert_eq!(t.priority, 0);
    assert!(t.created > epoch, "default_fn set the insert timestamp");
    let created = t.created;
    let stored = db.query::<Ticket>().get(t.id.unwrap_or_default()).await?;
    assert_eq!(stored.as_ref(), Some(&t));
    t.updated = epoch;
    db.update(&mut t).await?;
    assert!(t.updated > epoch, "on_update_fn set the update timestamp");
    assert_eq!(t.created, created, "the insert timestamp is kept");
    Ok(())
}

/// A database created before migrations (by `create_all`) adopts them with `baseline`:
/// the migrations are recorded without running, and later ones apply on top; a
/// database whose schema is not the snapshot's is refused.
pub async fn migration_baseline_adopts_an_existing_schema(db: &Database) -> Result<()> {
    let dir = TempDir::new("baseline", db.backend());
    let migrator = Migrator::new(&dir.0);
    db.create_all(&[v1::Person::table()]).await?;
    db.add(&mut person_v1("ann", Some("annie"), None)).await?;
    migrator.generate::<v1::Person>("create_person")?;
    migrator.generate::<(v2::Person, v2::Note)>("v2")?;
    let err = migrator.baseline(db).await.unwrap_err();
    match &err {
        Error::SchemaDrift { table, column, .. } => {
            assert_eq!(table, "mig_person");
            assert_eq!(column.as_deref(), Some("nickname"));
        }
        other => panic!("expected SchemaDrift, got {other:?}"),
    }
    assert_eq!(count(db, "SELECT count(*) FROM om_migrations").await?, 0);

    let dir = TempDir::new("baseline-v1", db.backend());
    let migrator = Migrator::new(&dir.0);
    migrator.generate::<v1::Person>("create_person")?;
    assert_eq!(migrator.baseline(db).await?.len(), 1);
    assert!(
        migrator.apply(db).await?.is_empty(),
        "v1 is recorded, not run"
    );
    migrator.generate::<(v2::Person, v2::Note)>("v2")?;
    assert_eq!(migrator.apply(db).await?.len(), 1);
    let ann = db.query::<v2::Person>().one().await?;
    assert_eq!(ann.nickname.as_deref(), Some("annie"));
    Ok(())
}
