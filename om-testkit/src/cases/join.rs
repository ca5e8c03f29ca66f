//! Joins: pairs of models read in one statement.

use futures::TryStreamExt;
use om::{Database, Error, Model, Result};

use crate::models::{Author, Post};

/// Three authors (the third without posts) and five posts; returns the authors.
async fn authors_and_posts(db: &Database) -> Result<Vec<Author>> {
    db.create_all(&[Author::table(), Post::table()]).await?;
    let mut authors = vec![
        Author {
            id: None,
            name: "ann".into(),
            hair_color: Some("black".into()),
        },
        Author {
            id: None,
            name: "bob".into(),
            hair_color: Some("brown".into()),
        },
        Author {
            id: None,
            name: "cy".into(),
            hair_color: Some("black".into()),
        },
    ];
    db.add_all(&mut authors).await?;
    let key = |i: usize| authors[i].id.expect("a key");
    let mut posts: Vec<Post> = [(0, "a1"), (0, "a2"), (1, "b1"), (0, "a3"), (1, "b2")]
        .into_iter()
        .map(|(a, title)| Post {
            id: None,
            author_id: key(a),
            title: title.into(),
        })
        .collect();
    db.add_all(&mut posts).await?;
    Ok(authors)
}

/// A left join pairs each row with each match, and with `None` where there is none;
/// filters and orderings see both tables.
pub async fn left_join_pairs_every_row(db: &Database) -> Result<()> {
    let authors = authors_and_posts(db).await?;
    let pairs = db
        .query::<Author>()
        .filter(|a| a.hair_color.eq("black"))
        .left_join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .order_by(|a, _| a.name.asc())
        .order_by(|_, p| p.title.asc())
        .all()
        .await?;
    let seen: Vec<(&str, Option<&str>)> = pairs
        .iter()
        .map(|(a, p)| (a.name.as_str(), p.as_ref().map(|p| p.title.as_str())))
        .collect();
    assert_eq!(
        seen,
        [
            ("ann", Some("a1")),
            ("ann", Some("a2")),
            ("ann", Some("a3")),
            ("cy", None)
        ]
    );
    assert_eq!(pairs[0].0, authors[0]);
    let post = pairs[0].1.as_ref().expect("a post");
    assert_eq!(post.author_id, authors[0].id.expect("a key"));
    assert_eq!(
        db.query::<Post>()
            .get(post.id.expect("a key"))
            .await?
            .as_ref(),
        Some(post)
    );
    Ok(())
}

/// An inner join keeps matched rows only; count, first, paging and stream agree with
/// `all`.
pub async fn inner_join_filters_counts_and_streams(db: &Database) -> Result<()> {
    authors_and_posts(db).await?;
    let query = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .filter(|_, p| p.title.like("%2") | p.title.eq("b1"))
        .order_by(|_, p| p.title.desc());
    let all = query.clone().all().await?;
    let titles: Vec<&str> = all.iter().map(|(_, p)| p.title.as_str()).collect();
    assert_eq!(titles, ["b2", "b1", "a2"]);
    assert_eq!(all[0].0.name, "bob");
    assert_eq!(query.clone().count().await?, 3);
    assert_eq!(query.clone().offset(1).count().await?, 2);
    assert_eq!(query.clone().first().await?.as_ref(), all.first());
    assert_eq!(query.clone().offset(1).limit(1).all().await?, all[1..2]);
    let streamed: Vec<_> = query.clone().stream().try_collect().await?;
    assert_eq!(streamed, all);
    let none = query.filter(|a, _| a.name.eq("cy")).all().await?;
    assert!(none.is_empty());
    Ok(())
}

/// Joining a table the query already reads is refused before anything runs.
pub async fn join_of_the_same_table_is_refused(db: &Database) -> Result<()> {
    authors_and_posts(db).await?;
    let err = db
        .query::<Post>()
        .join::<Post>(|a, b| a.id.eq_column(b.id))
        .all()
        .await
        .expect_err("a table joined to itself");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}
