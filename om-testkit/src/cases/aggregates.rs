//! Aggregates: `sum`, `avg`, `min`, `max`, `count_of`, `count_distinct` over a query,
//! `group_by` with `having`, and `select(..).distinct()`.

use om::{Database, Error, Model, Result, count_all};

/// A post with its author and likes.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "agg_posts")]
pub struct AggPost {
    /// The key.
    #[om(primary_key)]
    pub id: i64,
    /// The author.
    pub user_id: i64,
    /// The likes, when counted.
    pub likes: Option<i64>,
    /// A score.
    pub score: f64,
    /// A title.
    #[om(size = 20)]
    pub title: String,
}

fn post(id: i64, user_id: i64, likes: Option<i64>, score: f64, title: &str) -> AggPost {
    AggPost {
        id,
        user_id,
        likes,
        score,
        title: title.into(),
    }
}

async fn seed(db: &Database) -> Result<()> {
    db.create_all(&[AggPost::table()]).await?;
    db.add_all(&mut [
        post(1, 1, Some(1), 0.5, "b"),
        post(2, 1, Some(1), 1.25, "a"),
        post(3, 1, Some(2), 2.0, "c"),
        post(4, 2, Some(10), 0.25, "d"),
        post(5, 2, None, 1.0, "e"),
        post(6, 3, None, 4.0, "f"),
    ])
    .await
}

/// Aggregates over every match read with sensible types: sums of integers as `i64`,
/// of floats as `f64`, averages as `f64` computed alike on every backend, `min`/`max`
/// in the column's type, counts of a column skipping NULLs; NULL over no values is
/// `None`.
pub async fn aggregates_over_the_match(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<AggPost>();
    assert_eq!(q().sum(|p| p.likes).await?, Some(14));
    assert_eq!(q().sum(|p| p.score).await?, Some(9.0));
    assert_eq!(q().sum(|p| p.user_id).await?, Some(10));
    let user1 = || q().filter(|p| p.user_id.eq(1));
    // 4 / 3, the same f64 on every backend.
    assert_eq!(user1().avg(|p| p.likes).await?, Some(4.0 / 3.0));
    assert_eq!(
        q().avg(|p| p.likes).await?,
        Some(3.5),
        "NULLs are not averaged"
    );
    assert_eq!(user1().avg(|p| p.score).await?, Some(3.75 / 3.0));
    assert_eq!(q().min(|p| p.likes).await?, Some(1));
    assert_eq!(q().max(|p| p.likes).await?, Some(10));
    assert_eq!(q().min(|p| p.title).await?.as_deref(), Some("a"));
    assert_eq!(q().max(|p| p.score).await?, Some(4.0));
    assert_eq!(q().count_of(|p| p.likes).await?, 4, "NULLs are not counted");
    assert_eq!(q().count_distinct(|p| p.likes).await?, 3);
    assert_eq!(q().count_distinct(|p| p.user_id).await?, 3);
    assert_eq!(q().aggregate(|_| count_all()).await?, Some(6));
    // No values: NULL reads as None, counts as 0.
    let none = || q().filter(|p| p.user_id.eq(3));
    assert_eq!(none().sum(|p| p.likes).await?, None);
    assert_eq!(none().avg(|p| p.likes).await?, None);
    assert_eq!(none().max(|p| p.likes).await?, None);
    assert_eq!(none().count_of(|p| p.likes).await?, 0);
    let empty = || q().filter(|p| p.id.gt(100));
    assert_eq!(empty().sum(|p| p.score).await?, None);
    assert_eq!(empty().min(|p| p.title).await?, None);
    assert_eq!(empty().count_distinct(|p| p.title).await?, 0);
    // Twice, the second time from the statement cache.
    for _ in 0..2 {
        assert_eq!(user1().sum(|p| p.likes).await?, Some(4));
        assert_eq!(user1().avg(|p| p.likes).await?, Some(4.0 / 3.0));
    }
    Ok(())
}

/// `group_by` with `having` reads one typed tuple per group: the grouped columns and
/// aggregates, in the query's order.
pub async fn aggregates_grouped_with_having(db: &Database) -> Result<()> {
    seed(db).await?;
    let per_user: Vec<(i64, Option<i64>, i64)> = db
        .query::<AggPost>()
        .group_by(|p| p.user_id)
        .order_by(|p| p.user_id.asc())
        .select(|p| (p.user_id, p.likes.sum(), count_all()))
        .all()
        .await?;
    assert_eq!(per_user, [(1, Some(4), 3), (2, Some(10), 2), (3, None, 1)]);
    for _ in 0..2 {
        let liked: Vec<(i64, Option<f64>)> = db
            .query::<AggPost>()
            .filter(|p| p.id.ne(2))
            .group_by(|p| p.user_id)
            .having(|p| p.likes.sum().ge(3) | p.score.avg().gt(3.5))
            .having(|_| !count_all().eq(0))
            .order_by(|p| p.user_id.desc())
            .select(|p| (p.user_id, p.likes.avg()))
            .all()
            .await?;
        assert_eq!(liked, [(3, None), (2, Some(10.0)), (1, Some(1.5))]);
    }
    let first: Option<(i64, i64, Option<String>)> = db
        .query::<AggPost>()
        .group_by(|p| p.user_id)
        .having(|p| p.likes.count().ge(1))
        .order_by(|p| p.user_id.desc())
        .limit(1)
        .select(|p| (p.user_id, p.likes.count_distinct(), p.title.max()))
        .first()
        .await?;
    assert_eq!(first, Some((2, 1, Some("e".into()))));
    // Grouped by two columns; one aggregate alone reads a single row.
    let pairs: Vec<(i64, Option<i64>, i64)> = db
        .query::<AggPost>()
        .filter(|p| p.user_id.eq(1))
        .group_by(|p| p.user_id)
        .group_by(|p| p.likes)
        .order_by(|p| p.likes.asc())
        .select(|p| (p.user_id, p.likes, count_all()))
        .all()
        .await?;
    assert_eq!(pairs, [(1, Some(1), 2), (1, Some(2), 1)]);
    let total: Vec<Option<i64>> = db
        .query::<AggPost>()
        .select(|p| p.likes.max())
        .all()
        .await?;
    assert_eq!(total, [Some(10)]);
    Ok(())
}

/// `select(..).distinct()` reads each distinct row once.
pub async fn aggregates_distinct_rows(db: &Database) -> Result<()> {
    seed(db).await?;
    for _ in 0..2 {
        let users: Vec<i64> = db
            .query::<AggPost>()
            .order_by(|p| p.user_id.asc())
            .select(|p| p.user_id)
            .distinct()
            .all()
            .await?;
        assert_eq!(users, [1, 2, 3]);
    }
    let pairs: Vec<(i64, Option<i64>)> = db
        .query::<AggPost>()
        .filter(|p| p.user_id.eq(1))
        .order_by(|p| p.likes.asc())
        .select(|p| (p.user_id, p.likes))
        .distinct()
        .all()
        .await?;
    assert_eq!(pairs, [(1, Some(1)), (1, Some(2))]);
    Ok(())
}

/// A grouped query that reads models, or a column it is not grouped by, and an
/// aggregate over a page, are refused with `InvalidQuery` before anything is sent.
pub async fn aggregates_refuse_what_backends_read_differently(db: &Database) -> Result<()> {
    seed(db).await?;
    let grouped = || db.query::<AggPost>().group_by(|p| p.user_id);
    let invalid = |err: Error| assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    invalid(grouped().all().await.unwrap_err());
    invalid(grouped().count().await.unwrap_err());
    invalid(grouped().exists().await.unwrap_err());
    invalid(grouped().delete().await.unwrap_err());
    invalid(grouped().sum(|p| p.likes).await.unwrap_err());
    invalid(
        grouped()
            .select(|p| (p.user_id, p.title))
            .all::<(i64, String)>()
            .await
            .unwrap_err(),
    );
    invalid(
        grouped()
            .order_by(|p| p.title.asc())
            .select(|p| (p.user_id, count_all()))
            .all::<(i64, i64)>()
            .await
            .unwrap_err(),
    );
    invalid(
        db.query::<AggPost>()
            .select(|p| (p.user_id, p.likes.sum()))
            .all::<(i64, Option<i64>)>()
            .await
            .unwrap_err(),
    );
    invalid(
        db.query::<AggPost>()
            .having(|p| p.likes.sum().gt(1))
            .first()
            .await
            .unwrap_err(),
    );
    invalid(
        db.query::<AggPost>()
            .limit(2)
            .sum(|p| p.likes)
            .await
            .unwrap_err(),
    );
    Ok(())
}
