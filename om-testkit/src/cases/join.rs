//! Joins: pairs, triples and longer tuples of models read in one statement.

use futures::TryStreamExt;
use om::{Database, Error, JoinQuery, Model, Result};

use crate::models::{Author, Comment, Person, Post, Reaction};

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

/// The rows of [`blog`]: authors, posts, comments, reactions and the commenter.
struct Blog {
    authors: Vec<Author>,
    posts: Vec<Post>,
    comments: Vec<Comment>,
    pat: Person,
}

/// [`authors_and_posts`], then comments `a1-x` and `a1-y` (by pat) on `a1` and `b1-x`
/// on `b1`, and reactions `heart` and `up` to `a1-x` and `up` to `b1-x`.
async fn blog(db: &Database) -> Result<Blog> {
    let authors = authors_and_posts(db).await?;
    db.create_all(&[Comment::table(), Reaction::table(), Person::table()])
        .await?;
    let posts = db.query::<Post>().order_by(|p| p.id.asc()).all().await?;
    let mut pat = Person::new("pat");
    db.add(&mut pat).await?;
    let mut comments: Vec<Comment> = [(0, "a1-x", None), (0, "a1-y", pat.id), (2, "b1-x", None)]
        .into_iter()
        .map(|(post, body, person_id)| Comment {
            id: None,
            post_id: posts[post].id.expect("a key"),
            person_id,
            body: body.into(),
        })
        .collect();
    db.add_all(&mut comments).await?;
    let mut reactions: Vec<Reaction> = [(0, "up"), (0, "heart"), (2, "up")]
        .into_iter()
        .map(|(comment, emoji)| Reaction {
            id: None,
            comment_id: comments[comment].id.expect("a key"),
            emoji: emoji.into(),
        })
        .collect();
    db.add_all(&mut reactions).await?;
    Ok(Blog {
        authors,
        posts,
        comments,
        pat,
    })
}

/// Three tables joined in a chain: each row is a triple, decoded whole.
pub async fn three_table_inner_chain(db: &Database) -> Result<()> {
    let blog = blog(db).await?;
    let rows = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .order_by(|_, _, c| c.body.asc())
        .all()
        .await?;
    let seen: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|(a, p, c)| (a.name.as_str(), p.title.as_str(), c.body.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("ann", "a1", "a1-x"),
            ("ann", "a1", "a1-y"),
            ("bob", "b1", "b1-x")
        ]
    );
    assert_eq!(
        rows[1],
        (
            blog.authors[0].clone(),
            blog.posts[0].clone(),
            blog.comments[1].clone()
        )
    );
    assert_eq!(rows[2].0, blog.authors[1]);
    assert_eq!(rows[2].1, blog.posts[2]);
    Ok(())
}

/// Left joins at the second and third table give `None` where there is no match; an
/// inner join after a left join keeps matched rows only.
pub async fn three_table_left_joins_give_none(db: &Database) -> Result<()> {
    let blog = blog(db).await?;
    let rows = db
        .query::<Author>()
        .left_join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .left_join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .order_by(|a, _, _| a.name.asc())
        .order_by(|_, p, _| p.title.asc())
        .order_by(|_, _, c| c.body.asc())
        .all()
        .await?;
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = rows
        .iter()
        .map(|(a, p, c)| {
            (
                a.name.as_str(),
                p.as_ref().map(|p| p.title.as_str()),
                c.as_ref().map(|c| c.body.as_str()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("ann", Some("a1"), Some("a1-x")),
            ("ann", Some("a1"), Some("a1-y")),
            ("ann", Some("a2"), None),
            ("ann", Some("a3"), None),
            ("bob", Some("b1"), Some("b1-x")),
            ("bob", Some("b2"), None),
            ("cy", None, None),
        ]
    );
    assert_eq!(rows[1].2.as_ref(), Some(&blog.comments[1]));
    assert_eq!(rows[6].0, blog.authors[2]);
    // Posts with or without comments, authors with posts only.
    let inner_then_left = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .left_join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .count()
        .await?;
    assert_eq!(inner_then_left, 6);
    // Authors with a commented post only.
    let left_then_inner = db
        .query::<Author>()
        .left_join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .all()
        .await?;
    assert_eq!(left_then_inner.len(), 3);
    assert!(left_then_inner.iter().all(|(_, p, _)| p.is_some()));
    Ok(())
}

/// Four tables, then five: each side decoded at its offset, `None` where a left join
/// found nothing; the `on` of the fifth sees the first four.
pub async fn four_and_five_tables(db: &Database) -> Result<()> {
    let blog = blog(db).await?;
    let four = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .left_join::<Reaction>(|_, _, c, r| r.comment_id.eq_column(c.id))
        .order_by(|_, _, c, _| c.body.asc())
        .order_by(|_, _, _, r| r.emoji.asc())
        .all()
        .await?;
    let seen: Vec<(&str, &str, &str, Option<&str>)> = four
        .iter()
        .map(|(a, p, c, r)| {
            (
                a.name.as_str(),
                p.title.as_str(),
                c.body.as_str(),
                r.as_ref().map(|r| r.emoji.as_str()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("ann", "a1", "a1-x", Some("heart")),
            ("ann", "a1", "a1-x", Some("up")),
            ("ann", "a1", "a1-y", None),
            ("bob", "b1", "b1-x", Some("up")),
        ]
    );
    let reaction = four[0].3.as_ref().expect("a reaction");
    assert_eq!(reaction.comment_id, blog.comments[0].id.expect("a key"));
    let five = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .left_join::<Reaction>(|_, _, c, r| r.comment_id.eq_column(c.id))
        .left_join::<Person>(|a, _, c, r, who| {
            who.id.eq_column(c.person_id) & r.emoji.is_null() & a.name.ne("nobody")
        })
        .filter(|_, _, _, _, who| who.id.is_not_null())
        .all()
        .await?;
    assert_eq!(
        five,
        [(
            blog.authors[0].clone(),
            blog.posts[0].clone(),
            blog.comments[1].clone(),
            None,
            Some(blog.pat.clone())
        )]
    );
    Ok(())
}

/// Filters and orderings on the third table, and on all three at once.
pub async fn filter_and_order_on_the_third_table(db: &Database) -> Result<()> {
    blog(db).await?;
    let chain = || {
        db.query::<Author>()
            .join::<Post>(|a, p| p.author_id.eq_column(a.id))
            .join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
    };
    let bodies = |rows: Vec<(Author, Post, Comment)>| -> Vec<String> {
        rows.into_iter().map(|(_, _, c)| c.body).collect()
    };
    let x = chain()
        .filter(|_, _, c| c.body.like("%-x"))
        .order_by(|_, _, c| c.body.desc())
        .all()
        .await?;
    assert_eq!(bodies(x), ["b1-x", "a1-x"]);
    let one = chain()
        .filter(|a, p, c| a.name.eq("ann") & p.title.eq("a1") & c.body.ne("a1-y"))
        .all()
        .await?;
    assert_eq!(bodies(one), ["a1-x"]);
    let by_person = chain()
        .filter(|_, _, c| c.person_id.is_not_null())
        .filter(|a, _, _| a.hair_color.eq("black"))
        .all()
        .await?;
    assert_eq!(bodies(by_person), ["a1-y"]);
    Ok(())
}

/// At depth three, count, first, paging and stream agree with `all`.
pub async fn count_and_stream_at_depth_three(db: &Database) -> Result<()> {
    blog(db).await?;
    let query: JoinQuery<'_, (Author, Post, Option<Comment>)> = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .left_join::<Comment>(|_, p, c| c.post_id.eq_column(p.id))
        .order_by(|_, p, _| p.title.asc())
        .order_by(|_, _, c| c.body.asc());
    let all = query.clone().all().await?;
    assert_eq!(all.len(), 6);
    assert_eq!(query.clone().count().await?, 6);
    assert_eq!(query.clone().offset(2).count().await?, 4);
    assert_eq!(query.clone().limit(2).count().await?, 2);
    assert_eq!(query.clone().first().await?.as_ref(), all.first());
    assert_eq!(query.clone().offset(1).limit(2).all().await?, all[1..3]);
    let streamed: Vec<_> = query.clone().stream().try_collect().await?;
    assert_eq!(streamed, all);
    let none = query.filter(|a, _, _| a.name.eq("cy"));
    assert_eq!(none.clone().count().await?, 0);
    let streamed: Vec<_> = none.stream().try_collect().await?;
    assert!(streamed.is_empty());
    Ok(())
}

/// A table joined again deeper in a chain is refused before anything runs, by `all`,
/// `count` and `stream` alike.
pub async fn table_joined_again_at_depth_three_is_refused(db: &Database) -> Result<()> {
    blog(db).await?;
    let query = db
        .query::<Author>()
        .join::<Post>(|a, p| p.author_id.eq_column(a.id))
        .join::<Author>(|_, p, b| b.id.eq_column(p.author_id));
    let err = query.clone().all().await.expect_err("authors twice");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    let err = query.clone().count().await.expect_err("authors twice");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    let err = query
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("authors twice");
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}
