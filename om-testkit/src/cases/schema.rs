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

/// The tables of the three-level inheritance, as `Person::table()` etc.
fn people_tables() -> [&'static om::TableMeta; 3] {
    use crate::models::{Employee, Manager, Person};
    [Person::table(), Employee::table(), Manager::table()]
}

/// Whether every table of the inheritance is usable: a manager written through all
/// three and read back from each level.
async fn people_tables_work(db: &Database) -> Result<()> {
    use crate::models::{Employee, Manager, Person};
    let mut boss = Manager {
        employee: Employee::new("ann", 100, "m-1"),
        reports: 2,
        grade: None,
    };
    db.add(&mut boss).await?;
    let key = boss.employee.person.id.expect("the generated key");
    assert_eq!(db.query::<Manager>().get(key).await?.as_ref(), Some(&boss));
    assert_eq!(db.query::<Employee>().count().await?, 1);
    assert_eq!(db.query::<Person>().count().await?, 1);
    Ok(())
}

/// `create_all` creates a table after the tables it references (an inheritance
/// parent), whatever order it is given; independent tables keep theirs. A parent
/// that exists already need not be listed.
pub async fn create_all_orders_by_dependencies(db: &Database) -> Result<()> {
    let [person, employee, manager] = people_tables();
    db.create_all(&[manager, employee, OrmTest::table(), person])
        .await?;
    people_tables_work(db).await?;
    assert_eq!(db.query::<OrmTest>().count().await?, 0);
    // Again, in yet another order: nothing changes (IF NOT EXISTS).
    db.create_all(&[employee, manager, person]).await?;
    assert_eq!(db.query::<crate::models::Manager>().count().await?, 1);

    // A child whose parent exists but is not listed.
    db.drop_all(&[manager, employee]).await?;
    db.create_all(&[manager, employee]).await?;
    assert_eq!(db.query::<crate::models::Employee>().count().await?, 0);
    Ok(())
}

/// `drop_all` drops a table before the tables it references, whatever order it is
/// given: every table is gone after it.
pub async fn drop_all_orders_by_dependencies(db: &Database) -> Result<()> {
    let [person, employee, manager] = people_tables();
    let orders: [[&'static om::TableMeta; 3]; 4] = [
        [person, employee, manager],
        [manager, employee, person],
        [employee, person, manager],
        [person, manager, employee],
    ];
    for order in orders {
        let names: Vec<&str> = order.iter().map(|t| t.name).collect();
        db.create_all(&order).await?;
        people_tables_work(db).await?;
        db.drop_all(&order)
            .await
            .unwrap_or_else(|e| panic!("drop_all({names:?}): {e:?}"));
        for table in order {
            let err = db
                .fetch_all(format!("SELECT * FROM {}", table.name), ())
                .await
                .expect_err("the table is gone");
            assert_eq!(err.kind(), ErrorKind::TableNotFound, "{names:?}: {err:?}");
        }
    }
    Ok(())
}

/// A statement on a child whose parent's table is missing is `TableNotFound` naming
/// the missing table (the parent), not the statement's own.
pub async fn missing_parent_table_is_named(db: &Database) -> Result<()> {
    use crate::models::{Employee, Manager, Person};
    let named = |err: &om::Error| match err {
        om::Error::TableNotFound { table, .. } => Some(table.clone()),
        _ => None,
    };
    // A backend that checks a foreign key's table at creation names the parent.
    if let Err(err) = db.create_all(&[Employee::table()]).await
        && err.kind() == ErrorKind::TableNotFound
    {
        assert_eq!(named(&err).as_deref(), Some("people"), "{err:?}");
    }
    db.drop_all(&people_tables()).await?;

    db.create_all(&people_tables()).await?;
    // Renaming keeps the children's foreign keys (they follow the table): the
    // grandchild stays while its parent's table is gone.
    db.execute("ALTER TABLE employees RENAME TO employees_gone", ())
        .await?;
    let err = db.query::<Manager>().all().await.unwrap_err();
    assert_eq!(named(&err).as_deref(), Some("employees"), "{err:?}");
    assert!(err.to_string().contains("`employees`"), "{err}");
    let err = db.query::<Manager>().count().await.unwrap_err();
    assert_eq!(named(&err).as_deref(), Some("employees"), "{err:?}");
    let err = db.query::<Employee>().exists().await.unwrap_err();
    assert_eq!(named(&err).as_deref(), Some("employees"), "{err:?}");
    assert_eq!(db.query::<Person>().count().await?, 0);

    // The root missing too.
    db.execute("ALTER TABLE people RENAME TO people_gone", ())
        .await?;
    let err = db.query::<Person>().count().await.unwrap_err();
    assert_eq!(named(&err).as_deref(), Some("people"), "{err:?}");
    let err = db.add(&mut Employee::new("ann", 1, "x")).await.unwrap_err();
    assert_eq!(named(&err).as_deref(), Some("people"), "{err:?}");
    Ok(())
}
