//! Joined-table inheritance: a model that extends another spans its tables.

use futures::TryStreamExt;
use om::{Database, Error, Model, Result};

use crate::models::{Employee, Manager, Person, Post};

async fn tables(db: &Database) -> Result<()> {
    db.create_all(&[Person::table(), Employee::table(), Manager::table()])
        .await
}

/// Adds ann (300), bob (100) and cy (200) as employees.
async fn staff(db: &Database) -> Result<Vec<Employee>> {
    let mut staff: Vec<Employee> = [("ann", 300, "a"), ("bob", 100, "b"), ("cy", 200, "c")]
        .into_iter()
        .map(|(n, s, b)| Employee::new(n, s, b))
        .collect();
    db.add_all(&mut staff).await?;
    Ok(staff)
}

/// `add` writes the parent's row, then the child's with the parent's generated key;
/// `get` reads both in one statement; a query on the parent sees the child too.
pub async fn child_add_and_get(db: &Database) -> Result<()> {
    tables(db).await?;
    let mut plain = Person::new("plain");
    db.add(&mut plain).await?;
    let mut ann = Employee::new("ann", 100, "b-1");
    db.add(&mut ann).await?;
    let key = ann.person.id.expect("the parent's generated key");
    assert_ne!(Some(key), plain.id);
    assert_eq!(db.query::<Employee>().get(key).await?.as_ref(), Some(&ann));
    // The parent's row is a person of its own, and the plain person is no employee.
    assert_eq!(
        db.query::<Person>().get(key).await?.as_ref(),
        Some(&ann.person)
    );
    assert_eq!(db.query::<Person>().count().await?, 2);
    assert_eq!(db.query::<Employee>().count().await?, 1);
    assert_eq!(
        db.query::<Employee>().get(plain.id.expect("a key")).await?,
        None
    );
    // One statement reads both tables.
    let select = db.query::<Employee>().to_select().clone();
    assert_eq!(select.table.name, "people");
    assert_eq!(select.joins.len(), 1);
    Ok(())
}

/// Filters and orderings on parent and child columns, count, paging and stream.
pub async fn child_queries_see_both_tables(db: &Database) -> Result<()> {
    tables(db).await?;
    staff(db).await?;
    db.add(&mut Person::new("dan")).await?;
    let rich = db
        .query::<Employee>()
        .filter(|c| c.salary.ge(150) & c.name.ne("nobody"))
        .order_by(|c| c.name.desc());
    let names: Vec<String> = rich
        .clone()
        .all()
        .await?
        .into_iter()
        .map(|e| e.person.name)
        .collect();
    assert_eq!(names, ["cy", "ann"]);
    assert_eq!(rich.clone().count().await?, 2);
    assert_eq!(rich.clone().offset(1).count().await?, 1);
    let first = rich.clone().first().await?.expect("a row");
    assert_eq!(first.person.name, "cy");
    let streamed: Vec<Employee> = rich.clone().stream().try_collect().await?;
    assert_eq!(streamed.len(), 2);
    assert_eq!(
        db.query::<Employee>()
            .order_by(|c| c.salary.asc())
            .limit(1)
            .one()
            .await?
            .person
            .name,
        "bob"
    );
    assert!(
        db.query::<Employee>()
            .filter(|c| c.name.eq("dan"))
            .first()
            .await?
            .is_none()
    );
    Ok(())
}

/// `update` writes the parent's and the child's columns; a missing row is
/// `RowNotFound`, and an unset key `KeyNotSet`.
pub async fn child_update_writes_both_tables(db: &Database) -> Result<()> {
    tables(db).await?;
    let mut ann = Employee::new("ann", 100, "b-1");
    db.add(&mut ann).await?;
    ann.person.name = "anne".into();
    ann.person.nickname = Some("a".into());
    ann.salary = 150;
    db.update(&mut ann).await?;
    let key = ann.person.id.expect("a key");
    assert_eq!(db.query::<Employee>().get(key).await?.as_ref(), Some(&ann));
    assert_eq!(
        db.query::<Person>().get(key).await?.as_ref(),
        Some(&ann.person)
    );
    // A person who is not an employee cannot be updated as one.
    let mut plain = Person::new("plain");
    db.add(&mut plain).await?;
    let mut ghost = Employee {
        person: plain.clone(),
        ..Employee::new("x", 1, "x")
    };
    let err = db.update(&mut ghost).await.expect_err("no employee row");
    assert!(matches!(err, Error::RowNotFound { .. }), "{err:?}");
    assert_eq!(
        db.query::<Person>().get(plain.id.expect("a key")).await?,
        Some(plain)
    );
    let err = db
        .update(&mut Employee::new("y", 1, "y"))
        .await
        .expect_err("no key");
    assert!(matches!(err, Error::KeyNotSet { .. }), "{err:?}");
    Ok(())
}

/// `delete` removes the child's and the parent's rows; a bulk delete through a child
/// query removes both for every match and leaves other people alone.
pub async fn child_delete_removes_every_row(db: &Database) -> Result<()> {
    tables(db).await?;
    let staff = staff(db).await?;
    let mut plain = Person::new("plain");
    db.add(&mut plain).await?;
    assert!(db.delete(&staff[0]).await?);
    assert!(!db.delete(&staff[0]).await?);
    let ann = staff[0].person.id.expect("a key");
    assert_eq!(db.query::<Person>().get(ann).await?, None);
    // A plain person is not deleted as an employee.
    let as_employee = Employee {
        person: plain.clone(),
        ..Employee::new("x", 1, "x")
    };
    assert!(!db.delete(&as_employee).await?);
    assert_eq!(db.query::<Person>().count().await?, 3);
    let gone = db
        .query::<Employee>()
        .filter(|c| c.name.eq("bob") | c.salary.gt(150))
        .delete()
        .await?;
    assert_eq!(gone, 2);
    assert_eq!(db.query::<Employee>().count().await?, 0);
    assert_eq!(db.query::<Person>().all().await?, [plain]);
    Ok(())
}

/// Three levels: a manager is an employee is a person; its own default applies.
pub async fn grandchild_spans_three_tables(db: &Database) -> Result<()> {
    tables(db).await?;
    let mut boss = Manager {
        employee: Employee::new("boss", 900, "m-1"),
        reports: 3,
        grade: None,
    };
    db.add(&mut boss).await?;
    assert_eq!(boss.grade, Some(1));
    let key = boss.employee.person.id.expect("a key");
    assert_eq!(db.query::<Manager>().get(key).await?.as_ref(), Some(&boss));
    assert_eq!(
        db.query::<Employee>().get(key).await?.as_ref(),
        Some(&boss.employee)
    );
    let found = db
        .query::<Manager>()
        .filter(|c| c.name.eq("boss") & c.salary.eq(900) & c.reports.eq(3))
        .all()
        .await?;
    assert_eq!(found, [boss.clone()]);
    boss.reports = 4;
    boss.employee.salary = 950;
    boss.employee.person.name = "big boss".into();
    db.update(&mut boss).await?;
    assert_eq!(db.query::<Manager>().get(key).await?.as_ref(), Some(&boss));
    assert!(db.delete(&boss).await?);
    assert_eq!(db.query::<Person>().count().await?, 0);
    assert_eq!(db.query::<Employee>().count().await?, 0);
    Ok(())
}

/// A child whose own row fails leaves no parent row behind, and its object as given.
pub async fn child_add_is_atomic(db: &Database) -> Result<()> {
    tables(db).await?;
    let mut first = Employee::new("ann", 1, "same");
    db.add(&mut first).await?;
    let mut clash = Employee::new("bob", 2, "same");
    let before = clash.clone();
    assert!(db.add(&mut clash).await.is_err());
    assert_eq!(clash, before);
    assert_eq!(db.query::<Person>().count().await?, 1);
    let mut batch = vec![Employee::new("cy", 3, "c"), Employee::new("dan", 4, "same")];
    assert!(db.add_all(&mut batch).await.is_err());
    assert!(batch.iter().all(|e| e.person.id.is_none()));
    assert_eq!(db.query::<Person>().count().await?, 1);
    Ok(())
}

/// Joining a model that extends another is refused before anything runs.
pub async fn join_of_a_child_model_is_refused(db: &Database) -> Result<()> {
    tables(db).await?;
    db.create_all(&[Post::table()]).await?;
    let err = db
        .query::<Post>()
        .left_join::<Employee>(|p, e| e.id.eq_column(p.author_id))
        .all()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}
