//! Relations: foreign keys in the schema (their order, their errors, what a delete
//! does to the rows that reference it) and the related rows of one object.

use futures::TryStreamExt;
use om::{Database, Error, ErrorKind, Model, Result};

use crate::relation_models::{
    Bookmark, BookmarkTag, Category, Comment, CycleA, CycleB, Post, Product, Profile, Sku, Stock,
    Tag, User, tables,
};

/// Two users: ann with two posts (one published, one comment each), a profile and a
/// bookmark tagged `rust` and `db`; bob with one published post and nothing else.
pub(crate) async fn blog(db: &Database) -> Result<(User, User)> {
    db.create_all(&tables()).await?;
    let mut ann = User {
        id: None,
        name: "ann".into(),
    };
    let mut bob = User {
        id: None,
        name: "bob".into(),
    };
    db.add(&mut ann).await?;
    db.add(&mut bob).await?;
    let (a, b) = (ann.id.expect("a key"), bob.id.expect("a key"));
    let mut posts = vec![
        post(a, "a-draft", false),
        post(a, "a-live", true),
        post(b, "b-live", true),
    ];
    db.add_all(&mut posts).await?;
    let mut comments = vec![
        comment(posts[0].id.expect("a key"), Some(b), "on a-draft"),
        comment(posts[1].id.expect("a key"), Some(a), "on a-live"),
    ];
    db.add_all(&mut comments).await?;
    db.add(&mut Profile {
        user_id: a,
        bio: "ann's".into(),
    })
    .await?;
    let mut bookmark = Bookmark {
        id: None,
        user_id: a,
        url: "https://example.org".into(),
    };
    db.add(&mut bookmark).await?;
    let mut tags = vec![tag("rust"), tag("db"), tag("unused")];
    db.add_all(&mut tags).await?;
    for t in &tags[..2] {
        db.add(&mut BookmarkTag {
            bookmark_id: bookmark.id.expect("a key"),
            tag_id: t.id.expect("a key"),
        })
        .await?;
    }
    Ok((ann, bob))
}

pub(crate) fn post(user_id: i64, title: &str, published: bool) -> Post {
    Post {
        id: None,
        user_id,
        title: title.into(),
        published,
    }
}

pub(crate) fn comment(post_id: i64, author_id: Option<i64>, body: &str) -> Comment {
    Comment {
        id: None,
        post_id,
        author_id,
        parent_id: None,
        body: body.into(),
    }
}

pub(crate) fn tag(name: &str) -> Tag {
    Tag {
        id: None,
        name: name.into(),
    }
}

fn foreign_key_error(err: &Error) {
    let Error::Constraint { kind, server } = err else {
        panic!("expected a foreign-key violation, got {err:?}");
    };
    assert_eq!(*kind, ErrorKind::ForeignKeyViolation, "{err:?}");
    assert_eq!(err.kind(), ErrorKind::ForeignKeyViolation);
    assert!(server.code().is_some(), "{server:?}");
}

/// `create_all` creates the tables, listed children first, after the tables their
/// foreign keys reference; `drop_all` drops them in the reverse order.
pub async fn foreign_keys_order_the_schema(db: &Database) -> Result<()> {
    let listed = tables();
    let order = om::schema::creation_order(&listed)?;
    let at = |name: &str| order.iter().position(|t| t.name == name).expect("listed");
    for t in &listed {
        for (column, fk) in t.foreign_keys() {
            let target = fk.table();
            if target.name == t.name {
                continue;
            }
            assert!(
                at(target.name) < at(t.name),
                "{}.{} references {} created after it",
                t.name,
                column.name,
                target.name
            );
        }
    }
    db.create_all(&listed).await?;
    db.create_all(&listed).await?;
    assert_eq!(db.query::<User>().count().await?, 0);
    db.drop_all(&listed).await?;
    let err = db.query::<User>().count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    Ok(())
}

/// Tables whose foreign keys reference each other are a clear error, before anything
/// runs.
pub async fn foreign_key_cycle_is_refused(db: &Database) -> Result<()> {
    let err = db
        .create_all(&[CycleA::table(), CycleB::table()])
        .await
        .unwrap_err();
    let Error::DependencyCycle { tables } = &err else {
        panic!("expected a cycle, got {err:?}");
    };
    assert!(tables.contains(&"rel_cycle_a") && tables.contains(&"rel_cycle_b"));
    let err = db.query::<CycleA>().count().await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::TableNotFound,
        "nothing was created: {err:?}"
    );
    Ok(())
}

/// A row that references a missing row is a `ForeignKeyViolation` (SQLite enforces
/// foreign keys too), and nothing is written.
pub async fn foreign_key_violation_is_typed(db: &Database) -> Result<()> {
    let (ann, _) = blog(db).await?;
    let before = db.query::<Post>().count().await?;
    let mut orphan = post(ann.id.expect("a key") + 1000, "orphan", true);
    let err = db.add(&mut orphan).await.unwrap_err();
    foreign_key_error(&err);
    assert_eq!(orphan.id, None, "the object is left as it was");
    let mut batch = vec![post(ann.id.expect("a key"), "fine", true), orphan.clone()];
    foreign_key_error(&db.add_all(&mut batch).await.unwrap_err());
    assert_eq!(
        db.query::<Post>().count().await?,
        before,
        "nothing was written"
    );
    // An update that points a row nowhere is refused too.
    let mut first = db.query::<Post>().first().await?.expect("a post");
    first.user_id += 1000;
    foreign_key_error(&db.update(&mut first).await.unwrap_err());
    Ok(())
}

/// Deleting a user deletes their posts, the posts' comments, their profile, their
/// bookmarks and the bookmarks' tag links (`ON DELETE CASCADE`), and empties the
/// author of their comments on other users' posts (`ON DELETE SET NULL`).
pub async fn delete_cascades_and_sets_null(db: &Database) -> Result<()> {
    let (ann, bob) = blog(db).await?;
    let (a, b) = (ann.id.expect("a key"), bob.id.expect("a key"));
    // bob comments on ann's draft; ann comments on her own post.
    assert!(db.delete(&bob).await?);
    assert_eq!(
        db.query::<Post>()
            .filter(|p| p.user_id.eq(b))
            .count()
            .await?,
        0
    );
    let on_draft = db
        .query::<Comment>()
        .filter(|c| c.body.eq("on a-draft"))
        .one()
        .await?;
    assert_eq!(on_draft.author_id, None, "set null");
    assert!(db.delete(&ann).await?);
    assert_eq!(db.query::<Post>().count().await?, 0);
    assert_eq!(db.query::<Comment>().count().await?, 0);
    assert_eq!(db.query::<Profile>().count().await?, 0);
    assert_eq!(db.query::<Bookmark>().count().await?, 0);
    assert_eq!(db.query::<BookmarkTag>().count().await?, 0);
    assert_eq!(db.query::<Tag>().count().await?, 3, "tags stay");
    let _ = a;
    Ok(())
}

/// `ON DELETE RESTRICT` refuses to delete a referenced row, as a
/// `ForeignKeyViolation`, and keeps it.
pub async fn delete_is_restricted(db: &Database) -> Result<()> {
    db.create_all(&[Product::table(), Category::table()])
        .await?;
    let mut tools = Category {
        id: None,
        name: "tools".into(),
    };
    db.add(&mut tools).await?;
    let mut hammer = Product {
        id: None,
        category_id: tools.id.expect("a key"),
        name: "hammer".into(),
    };
    db.add(&mut hammer).await?;
    foreign_key_error(&db.delete(&tools).await.unwrap_err());
    let bulk = db
        .query::<Category>()
        .filter(|c| c.name.eq("tools"))
        .delete()
        .await
        .unwrap_err();
    foreign_key_error(&bulk);
    assert_eq!(db.query::<Category>().count().await?, 1);
    db.delete(&hammer).await?;
    assert!(db.delete(&tools).await?);
    Ok(())
}

/// `post.user(&db)` reads the row a foreign key references; `None` when the key is
/// NULL.
pub async fn belongs_to_reads_the_referenced_row(db: &Database) -> Result<()> {
    let (ann, bob) = blog(db).await?;
    let draft = db
        .query::<Post>()
        .filter(|p| p.title.eq("a-draft"))
        .one()
        .await?;
    assert_eq!(draft.user(db).await?, Some(ann.clone()));
    let on_draft = db
        .query::<Comment>()
        .filter(|c| c.post_id.eq(draft.id.expect("a key")))
        .one()
        .await?;
    assert_eq!(on_draft.author(db).await?, Some(bob));
    assert_eq!(on_draft.post(db).await?, Some(draft));
    assert_eq!(on_draft.parent(db).await?, None, "a NULL key has no row");
    // In a transaction too.
    let tx = db.begin().await?;
    let profile = tx.query::<Profile>().one().await?;
    assert_eq!(profile.user(&tx).await?, Some(ann));
    tx.rollback().await?;
    Ok(())
}

/// `user.posts(&db)` is a query over the user's posts that can be narrowed, counted,
/// paged and streamed; has-one and many-to-many relations of one object likewise.
pub async fn related_rows_of_one_object(db: &Database) -> Result<()> {
    let (ann, bob) = blog(db).await?;
    assert_eq!(ann.posts(db).count().await?, 2);
    assert_eq!(bob.posts(db).count().await?, 1);
    let live = ann.posts(db).filter(|p| p.published.eq(true)).all().await?;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].title, "a-live");
    let page = ann
        .posts(db)
        .order_by(|p| p.title.desc())
        .offset(1)
        .limit(1)
        .all()
        .await?;
    assert_eq!(page[0].title, "a-draft");
    let titles: Vec<String> = ann
        .posts(db)
        .order_by(|p| p.title.asc())
        .stream()
        .map_ok(|p| p.title)
        .try_collect()
        .await?;
    assert_eq!(titles, ["a-draft", "a-live"]);
    assert!(ann.profile(db).await?.is_some());
    assert!(bob.profile(db).await?.is_none());
    let bookmark = ann.bookmarks(db).one().await?;
    let mut tags: Vec<String> = bookmark
        .tags(db)
        .all()
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    tags.sort();
    assert_eq!(tags, ["db", "rust"]);
    let rust = db
        .query::<Tag>()
        .filter(|t| t.name.eq("rust"))
        .one()
        .await?;
    assert_eq!(rust.bookmarks(db).count().await?, 1);
    let unused = db
        .query::<Tag>()
        .filter(|t| t.name.eq("unused"))
        .one()
        .await?;
    assert_eq!(unused.bookmarks(db).count().await?, 0);
    // Comments by a user, through a foreign key named with `by`.
    assert_eq!(bob.remarks(db).count().await?, 1);
    // An object that was never added has no related rows.
    let ghost = User {
        id: None,
        name: "ghost".into(),
    };
    assert_eq!(ghost.posts(db).count().await?, 0);
    Ok(())
}

/// Adding a child through its parent fills the foreign key; a many-to-many relation
/// is made with its join model, and a parent without a key is refused.
pub async fn add_related_fills_the_foreign_key(db: &Database) -> Result<()> {
    let (_, bob) = blog(db).await?;
    let mut post = post(0, "through bob", true);
    db.add_related(&bob, |u| u.posts(), &mut post).await?;
    assert_eq!(post.user_id, bob.id.expect("a key"));
    assert!(post.id.is_some());
    assert_eq!(bob.posts(db).count().await?, 2);
    let mut profile = Profile {
        user_id: 0,
        bio: "bob's".into(),
    };
    db.add_related(&bob, |u| u.profile(), &mut profile).await?;
    assert_eq!(bob.profile(db).await?, Some(profile));
    let bookmark = db.query::<Bookmark>().one().await?;
    let err = db
        .add_related(&bookmark, |b| b.tags(), &mut tag("new"))
        .await
        .unwrap_err();
    assert!(matches!(err, om::Error::InvalidQuery { .. }), "{err:?}");
    let ghost = User {
        id: None,
        name: "ghost".into(),
    };
    let mut orphan = post_for_nobody();
    let err = db
        .add_related(&ghost, |u| u.posts(), &mut orphan)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::KeyNotSet { .. }), "{err:?}");
    assert_eq!(orphan.id, None);
    assert_eq!(
        db.query::<Tag>()
            .filter(|t| t.name.eq("new"))
            .count()
            .await?,
        0
    );
    Ok(())
}

fn post_for_nobody() -> Post {
    post(0, "nobody's", false)
}

/// A foreign key to a column other than the key (`field = code`) follows that column:
/// `ON UPDATE CASCADE` carries a new code over, and the relation reads by it.
pub async fn update_cascades_to_a_referencing_column(db: &Database) -> Result<()> {
    db.create_all(&[Stock::table(), Sku::table()]).await?;
    let mut sku = Sku {
        id: None,
        code: "AB-1".into(),
    };
    db.add(&mut sku).await?;
    let mut stock = Stock {
        id: None,
        sku_code: String::new(),
        count: 3,
    };
    db.add_related(&sku, |s| s.stock(), &mut stock).await?;
    assert_eq!(stock.sku_code, "AB-1");
    assert_eq!(stock.sku(db).await?, Some(sku.clone()));
    sku.code = "AB-2".into();
    db.update(&mut sku).await?;
    let moved = db.query::<Stock>().one().await?;
    assert_eq!(moved.sku_code, "AB-2", "ON UPDATE CASCADE");
    assert_eq!(sku.stock(db).count().await?, 1);
    let loaded = db.query::<Sku>().with(|s| s.stock()).all().await?;
    assert_eq!(loaded[0].1, vec![moved]);
    // A code no SKU has is refused.
    let mut orphan = Stock {
        id: None,
        sku_code: "ZZ-9".into(),
        count: 1,
    };
    foreign_key_error(&db.add(&mut orphan).await.unwrap_err());
    Ok(())
}
