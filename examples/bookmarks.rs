//! A small bookmarks service's data layer: users, their bookmarks, and tags on
//! bookmarks through a join model, without a line of SQL. On in-memory SQLite:
//! `cargo run --example bookmarks` (the same code runs on PostgreSQL and MySQL: change
//! the URL).

use om::prelude::*;

/// A user: has many bookmarks.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "users", has_many(bookmarks = Bookmark))]
pub struct User {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// Unique.
    #[om(size = 100, unique)]
    pub email: String,
}

/// A bookmark: belongs to a user (deleted with them), tagged through `BookmarkTag`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bookmarks", many_to_many(tags = Tag, through = BookmarkTag))]
pub struct Bookmark {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The owner.
    #[om(references(User, on_delete = cascade), index)]
    pub user_id: i64,
    /// The address.
    #[om(size = 500)]
    pub url: String,
}

/// A tag.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "tags", many_to_many(bookmarks = Bookmark, through = BookmarkTag))]
pub struct Tag {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// Unique.
    #[om(size = 50, unique)]
    pub name: String,
}

/// A tag on a bookmark.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bookmark_tags")]
pub struct BookmarkTag {
    /// The bookmark.
    #[om(primary_key, references(Bookmark, on_delete = cascade))]
    pub bookmark_id: i64,
    /// The tag.
    #[om(primary_key, references(Tag, on_delete = cascade))]
    pub tag_id: i64,
}

/// Saves a bookmark for `user` with `tags`, creating the tags it lacks, in one
/// transaction.
async fn save(db: &Database, user: &User, url: &str, tags: &[&str]) -> om::Result<Bookmark> {
    let tx = db.begin().await?;
    let mut bookmark = Bookmark {
        id: None,
        user_id: 0,
        url: url.into(),
    };
    // Adding through the user fills `user_id`.
    tx.add_related(user, |u| u.bookmarks(), &mut bookmark)
        .await?;
    for name in tags {
        let tag = match tx
            .query::<Tag>()
            .filter(|t| t.name.eq(*name))
            .first()
            .await?
        {
            Some(tag) => tag,
            None => {
                let mut tag = Tag {
                    id: None,
                    name: (*name).into(),
                };
                tx.add(&mut tag).await?;
                tag
            }
        };
        tx.add(&mut BookmarkTag {
            bookmark_id: bookmark.id.unwrap_or_default(),
            tag_id: tag.id.unwrap_or_default(),
        })
        .await?;
    }
    tx.commit().await?;
    Ok(bookmark)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> om::Result<()> {
    let db = Database::connect("sqlite::memory:").await?;
    // Listed in any order: each table is created after the tables it references.
    db.create_all(&[
        BookmarkTag::table(),
        Tag::table(),
        Bookmark::table(),
        User::table(),
    ])
    .await?;

    let mut ann = User {
        id: None,
        email: "ann@example.org".into(),
    };
    let mut bob = User {
        id: None,
        email: "bob@example.org".into(),
    };
    db.add(&mut ann).await?;
    db.add(&mut bob).await?;
    save(&db, &ann, "https://www.rust-lang.org", &["rust", "lang"]).await?;
    save(&db, &ann, "https://docs.rs", &["rust", "docs"]).await?;
    save(&db, &bob, "https://sqlite.org", &["db"]).await?;

    // Every user with their bookmarks and each bookmark's tags: three statements.
    let capture = db.capture_statements();
    let users = db
        .query::<User>()
        .order_by(|u| u.email.asc())
        .with(|u| {
            u.bookmarks()
                .order_by(|b| b.url.asc())
                .with(|b| b.tags().order_by(|t| t.name.asc()))
        })
        .all()
        .await?;
    assert_eq!(capture.count(), 3);
    drop(capture);
    for (user, bookmarks) in &users {
        println!("{}", user.email);
        for (bookmark, tags) in bookmarks {
            let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
            println!("  {} [{}]", bookmark.url, names.join(", "));
        }
    }

    // Who saved something tagged `rust`?
    let rustaceans = db
        .query::<User>()
        .filter(|u| u.bookmarks().any(|b| b.tags().any(|t| t.name.eq("rust"))))
        .all()
        .await?;
    println!(
        "tagged rust: {:?}",
        rustaceans.iter().map(|u| &u.email).collect::<Vec<_>>()
    );
    assert_eq!(rustaceans, vec![ann.clone()]);

    // One user's bookmarks, as a query; one bookmark's owner.
    let first = ann.bookmarks(&db).order_by(|b| b.url.asc()).first().await?;
    if let Some(bookmark) = first {
        println!(
            "{} has {} tags and belongs to {:?}",
            bookmark.url,
            bookmark.tags(&db).count().await?,
            bookmark.user(&db).await?.map(|u| u.email)
        );
    }

    // Deleting a user deletes their bookmarks and the bookmarks' tags (ON DELETE CASCADE).
    db.delete(&ann).await?;
    assert_eq!(db.query::<Bookmark>().count().await?, 1);
    assert_eq!(db.query::<BookmarkTag>().count().await?, 1);
    println!("deleted ann: 1 bookmark and 1 tag link left");
    Ok(())
}
