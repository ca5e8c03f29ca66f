//! Joined-table inheritance: a model that extends another spans its tables.

use futures::TryStreamExt;
use om::{Database, Error, Model, Result};

use crate::models::{Asset, Author, Comment, Employee, Laptop, Licence, Manager, Person, Post};

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

/// Comments by pat (a plain person), ann and bob (employees), max (a manager) and
/// nobody, on one post: what joins to a child model read.
struct Commented {
    ann: Employee,
    max: Manager,
}

async fn commented(db: &Database) -> Result<Commented> {
    tables(db).await?;
    db.create_all(&[Author::table(), Post::table(), Comment::table()])
        .await?;
    let mut author = Author {
        id: None,
        name: "writer".into(),
        hair_color: None,
    };
    db.add(&mut author).await?;
    let mut post = Post {
        id: None,
        author_id: author.id.expect("a key"),
        title: "p".into(),
    };
    db.add(&mut post).await?;
    let mut pat = Person::new("pat");
    db.add(&mut pat).await?;
    let mut staff = staff(db).await?;
    let mut max = Manager {
        employee: Employee::new("max", 900, "m"),
        reports: 2,
        grade: None,
    };
    db.add(&mut max).await?;
    let by = [
        ("c-pat", pat.id),
        ("c-ann", staff[0].person.id),
        ("c-bob", staff[1].person.id),
        ("c-max", max.employee.person.id),
        ("c-none", None),
    ];
    let mut comments: Vec<Comment> = by
        .into_iter()
        .map(|(body, person_id)| Comment {
            id: None,
            post_id: post.id.expect("a key"),
            person_id,
            body: body.into(),
        })
        .collect();
    db.add_all(&mut comments).await?;
    Ok(Commented {
        ann: staff.swap_remove(0),
        max,
    })
}

/// Joining to a child model reads its whole lineage: an inner join keeps the rows
/// whose every table matches (a manager is an employee too), a left join gives `None`
/// where any table has no row (a plain person is no employee, an employee no manager).
pub async fn join_to_a_child_model(db: &Database) -> Result<()> {
    let Commented { ann, max } = commented(db).await?;
    let name = |e: &Employee| e.person.name.clone();
    let inner = db
        .query::<Comment>()
        .join::<Employee>(|c, e| e.id.eq_column(c.person_id))
        .order_by(|c, _| c.body.asc())
        .all()
        .await?;
    let seen: Vec<(&str, String)> = inner
        .iter()
        .map(|(c, e)| (c.body.as_str(), name(e)))
        .collect();
    assert_eq!(
        seen,
        [
            ("c-ann", "ann".into()),
            ("c-bob", "bob".into()),
            ("c-max", "max".into())
        ]
    );
    assert_eq!(inner[0].1, ann);
    assert_eq!(inner[2].1, max.employee);
    let left = db
        .query::<Comment>()
        .left_join::<Employee>(|c, e| e.id.eq_column(c.person_id))
        .order_by(|c, _| c.body.asc())
        .all()
        .await?;
    let seen: Vec<(&str, Option<String>)> = left
        .iter()
        .map(|(c, e)| (c.body.as_str(), e.as_ref().map(name)))
        .collect();
    assert_eq!(
        seen,
        [
            ("c-ann", Some("ann".into())),
            ("c-bob", Some("bob".into())),
            ("c-max", Some("max".into())),
            ("c-none", None),
            ("c-pat", None),
        ]
    );
    assert_eq!(left[0].1.as_ref(), Some(&ann));
    // Three levels: an employee who is no manager is `None` too.
    let managers = db
        .query::<Comment>()
        .left_join::<Manager>(|c, m| m.id.eq_column(c.person_id))
        .order_by(|c, _| c.body.asc())
        .all()
        .await?;
    let found: Vec<Option<&Manager>> = managers.iter().map(|(_, m)| m.as_ref()).collect();
    assert_eq!(found, [None, None, Some(&max), None, None]);
    let inner = db
        .query::<Comment>()
        .join::<Manager>(|c, m| m.id.eq_column(c.person_id) & m.reports.ge(1))
        .all()
        .await?;
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].1, max);
    Ok(())
}

/// The `on` of a join to a child model may read every level of it; filters, orderings,
/// count and stream see every level; a table joined after the child decodes at the
/// right offset.
pub async fn join_to_a_child_model_on_its_own_columns(db: &Database) -> Result<()> {
    commented(db).await?;
    // Salary is in `employees`, below the root `people`: bob earns too little.
    let rich = db
        .query::<Comment>()
        .left_join::<Employee>(|c, e| e.id.eq_column(c.person_id) & e.salary.gt(200))
        .order_by(|c, _| c.body.asc());
    let seen: Vec<(String, Option<String>)> = rich
        .clone()
        .all()
        .await?
        .into_iter()
        .map(|(c, e)| (c.body, e.map(|e| e.person.name)))
        .collect();
    assert_eq!(
        seen,
        [
            ("c-ann".into(), Some("ann".into())),
            ("c-bob".into(), None),
            ("c-max".into(), Some("max".into())),
            ("c-none".into(), None),
            ("c-pat".into(), None),
        ]
    );
    assert_eq!(rich.clone().count().await?, 5);
    let streamed: Vec<_> = rich.stream().try_collect().await?;
    assert_eq!(streamed.len(), 5);
    let filtered = db
        .query::<Comment>()
        .join::<Employee>(|c, e| e.id.eq_column(c.person_id))
        .filter(|_, e| e.salary.ge(150) & e.name.ne("nobody"))
        .order_by(|_, e| e.salary.desc());
    let names: Vec<String> = filtered
        .clone()
        .all()
        .await?
        .into_iter()
        .map(|(_, e)| e.person.name)
        .collect();
    assert_eq!(names, ["max", "ann"]);
    assert_eq!(filtered.count().await?, 2);
    // The post after a left-joined child of two tables, and after a grandchild of three.
    let after_employee = db
        .query::<Comment>()
        .left_join::<Employee>(|c, e| e.id.eq_column(c.person_id))
        .join::<Post>(|c, _, p| p.id.eq_column(c.post_id))
        .join::<Author>(|_, _, p, a| a.id.eq_column(p.author_id))
        .order_by(|c, _, _, _| c.body.asc())
        .all()
        .await?;
    assert_eq!(after_employee.len(), 5);
    for (comment, employee, post, author) in &after_employee {
        assert_eq!(post.id, Some(comment.post_id));
        assert_eq!(post.title, "p");
        assert_eq!(author.name, "writer");
        assert_eq!(
            employee.is_some(),
            ["c-ann", "c-bob", "c-max"].contains(&&*comment.body)
        );
    }
    let after_manager = db
        .query::<Comment>()
        .left_join::<Manager>(|c, m| m.id.eq_column(c.person_id))
        .join::<Post>(|c, _, p| p.id.eq_column(c.post_id))
        .all()
        .await?;
    assert_eq!(after_manager.len(), 5);
    for (comment, manager, post) in &after_manager {
        assert_eq!(post.id, Some(comment.post_id));
        assert_eq!(post.title, "p");
        assert_eq!(manager.is_some(), comment.body == "c-max");
    }
    Ok(())
}

/// A left join to a child model matches rows of the child only: a root row that is no
/// child's, matched by the same `on`, adds no row.
pub async fn left_join_to_a_child_model_skips_other_roots(db: &Database) -> Result<()> {
    tables(db).await?;
    db.create_all(&[Author::table()]).await?;
    let mut authors: Vec<Author> = ["ann", "pat"]
        .into_iter()
        .map(|name| Author {
            id: None,
            name: name.into(),
            hair_color: None,
        })
        .collect();
    db.add_all(&mut authors).await?;
    // Two people named ann, one of them an employee; pat is no employee.
    db.add(&mut Person::new("ann")).await?;
    db.add(&mut Person::new("pat")).await?;
    let mut ann = Employee::new("ann", 1, "a");
    db.add(&mut ann).await?;
    let rows = db
        .query::<Author>()
        .left_join::<Employee>(|a, e| e.name.eq_column(a.name))
        .order_by(|a, _| a.name.asc())
        .all()
        .await?;
    assert_eq!(
        rows,
        [
            (authors[0].clone(), Some(ann.clone())),
            (authors[1].clone(), None)
        ]
    );
    let inner = db
        .query::<Author>()
        .join::<Employee>(|a, e| e.name.eq_column(a.name))
        .all()
        .await?;
    assert_eq!(inner, [(authors[0].clone(), ann)]);
    Ok(())
}

/// A child model joined from another child model (of another root), both ways, inner
/// and left, and a third table after them.
pub async fn child_model_joined_from_a_child_model(db: &Database) -> Result<()> {
    let Commented { ann, .. } = commented(db).await?;
    db.create_all(&[Asset::table(), Laptop::table()]).await?;
    let ann_id = ann.person.id;
    let pat_id = db
        .query::<Person>()
        .filter(|p| p.name.eq("pat"))
        .one()
        .await?
        .id;
    let mut laptops = vec![
        Laptop::new("l1", ann_id, "mac"),
        Laptop::new("l2", ann_id, "x1"),
        Laptop::new("l3", None, "mac"),
        Laptop::new("l4", pat_id, "x1"),
    ];
    db.add_all(&mut laptops).await?;
    // A plain asset: its row in `assets` joins nothing.
    db.add(&mut Asset {
        id: None,
        label: "desk".into(),
    })
    .await?;
    let held = db
        .query::<Employee>()
        .left_join::<Laptop>(|e, l| l.holder_id.eq_column(e.id))
        .order_by(|e, _| e.name.asc())
        .order_by(|_, l| l.label.asc());
    let seen: Vec<(String, Option<String>)> = held
        .clone()
        .all()
        .await?
        .into_iter()
        .map(|(e, l)| (e.person.name, l.map(|l| l.asset.label)))
        .collect();
    assert_eq!(
        seen,
        [
            ("ann".into(), Some("l1".into())),
            ("ann".into(), Some("l2".into())),
            ("bob".into(), None),
            ("cy".into(), None),
            ("max".into(), None),
        ]
    );
    assert_eq!(held.count().await?, 5);
    let inner = db
        .query::<Employee>()
        .join::<Laptop>(|e, l| l.holder_id.eq_column(e.id))
        .filter(|_, l| l.make.eq("x1"))
        .all()
        .await?;
    assert_eq!(inner, [(ann.clone(), laptops[1].clone())]);
    // The other way: pat holds l4 but is no employee.
    let holders = db
        .query::<Laptop>()
        .left_join::<Employee>(|l, e| e.id.eq_column(l.holder_id))
        .order_by(|l, _| l.label.asc())
        .all()
        .await?;
    let expected: Vec<(Laptop, Option<Employee>)> = vec![
        (laptops[0].clone(), Some(ann.clone())),
        (laptops[1].clone(), Some(ann.clone())),
        (laptops[2].clone(), None),
        (laptops[3].clone(), None),
    ];
    assert_eq!(holders, expected);
    // And a third table after both lineages.
    let with_comments = db
        .query::<Employee>()
        .join::<Laptop>(|e, l| l.holder_id.eq_column(e.id))
        .left_join::<Comment>(|e, _, c| c.person_id.eq_column(e.id))
        .order_by(|_, l, _| l.label.asc())
        .all()
        .await?;
    let seen: Vec<(&str, Option<&str>)> = with_comments
        .iter()
        .map(|(_, l, c)| (l.asset.label.as_str(), c.as_ref().map(|c| c.body.as_str())))
        .collect();
    assert_eq!(seen, [("l1", Some("c-ann")), ("l2", Some("c-ann"))]);
    Ok(())
}

/// Two models that extend the same one, or a model and its ancestor, cannot be joined
/// into one query (their common table would be read twice): refused, naming it.
pub async fn children_of_one_parent_cannot_be_joined(db: &Database) -> Result<()> {
    tables(db).await?;
    let err = db
        .query::<Employee>()
        .join::<Licence>(|e, l| l.id.eq_column(e.id))
        .all()
        .await
        .expect_err("people twice");
    let Error::InvalidQuery { reason } = &err else {
        panic!("{err:?}");
    };
    assert!(
        reason.contains("`people`") && reason.contains("`Licence`"),
        "{reason}"
    );
    let err = db
        .query::<Person>()
        .left_join::<Employee>(|p, e| e.id.eq_column(p.id))
        .count()
        .await
        .expect_err("people twice");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}
