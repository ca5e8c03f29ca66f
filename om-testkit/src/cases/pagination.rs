//! Pagination: `page(n, size)` with the total, and keyset pages with `after`.

use om::{Database, Error, Model, Result};

/// A row to page through.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "paged_items")]
pub struct PagedItem {
    /// The key.
    #[om(primary_key)]
    pub id: i64,
    /// A rank, with ties.
    pub rank: i64,
    /// A label, sometimes missing.
    #[om(size = 20)]
    pub label: Option<String>,
}

fn item(id: i64, rank: i64) -> PagedItem {
    PagedItem {
        id,
        rank,
        label: Some(format!("item {id}")),
    }
}

async fn seed(db: &Database) -> Result<()> {
    db.create_all(&[PagedItem::table()]).await?;
    let mut items: Vec<PagedItem> = (1..=7).map(|id| item(id, id % 3)).collect();
    db.add_all(&mut items).await
}

fn ids(items: &[PagedItem]) -> Vec<i64> {
    items.iter().map(|i| i.id).collect()
}

/// `page(n, size)` reads page `n` (from 1) in the query's order, with the total of the
/// whole match; past the end it is empty; a page 0 or size 0 is refused.
pub async fn page_with_total(db: &Database) -> Result<()> {
    seed(db).await?;
    let q = || db.query::<PagedItem>().order_by(|i| i.id.asc());
    let first = q().page(1, 3).await?;
    assert_eq!(ids(&first.items), [1, 2, 3]);
    assert_eq!((first.total, first.number, first.size), (7, 1, 3));
    assert_eq!(first.pages(), 3);
    assert!(first.has_next());
    let last = q().page(3, 3).await?;
    assert_eq!(ids(&last.items), [7]);
    assert!(!last.has_next());
    let past = q().page(4, 3).await?;
    assert!(past.items.is_empty());
    assert_eq!(past.total, 7);
    let filtered = q().filter(|i| i.rank.eq(1)).page(1, 2).await?;
    assert_eq!(ids(&filtered.items), [1, 4]);
    assert_eq!((filtered.total, filtered.pages()), (3, 2));
    let none = q().filter(|i| i.id.gt(100)).page(1, 10).await?;
    assert!(none.items.is_empty());
    assert_eq!((none.total, none.pages()), (0, 0));
    for err in [
        q().page(0, 3).await.unwrap_err(),
        q().page(1, 0).await.unwrap_err(),
        q().limit(2).page(1, 3).await.unwrap_err(),
    ] {
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    }
    Ok(())
}

/// Keyset pages (`order_by(..).after(last)`) break ties by the key and continue after
/// the last row read: rows added before the cursor neither repeat nor shift a row.
pub async fn keyset_pages_are_stable_under_inserts(db: &Database) -> Result<()> {
    seed(db).await?;
    // rank descending, then id: (2: 2, 5), (1: 1, 4, 7), (0: 3, 6)
    let page = |last: Option<PagedItem>| async move {
        db.query::<PagedItem>()
            .order_by(|i| i.rank.desc())
            .after(last.as_ref())?
            .limit(3)
            .all()
            .await
    };
    let first = page(None).await?;
    assert_eq!(ids(&first), [2, 5, 1]);
    // A row that sorts before the cursor: an offset would read row 1 again.
    db.add(&mut item(0, 2)).await?;
    let second = page(first.last().cloned()).await?;
    assert_eq!(ids(&second), [4, 7, 3]);
    let third = page(second.last().cloned()).await?;
    assert_eq!(ids(&third), [6]);
    let end = page(third.last().cloned()).await?;
    assert!(end.is_empty());
    // Ascending, by the key alone.
    let after_three: Vec<i64> = ids(&db
        .query::<PagedItem>()
        .after(Some(&item(3, 0)))?
        .limit(2)
        .all()
        .await?);
    assert_eq!(after_three, [4, 5]);
    Ok(())
}

/// Keyset pagination after a row whose ordered column is NULL is refused.
pub async fn keyset_refuses_a_null_cursor(db: &Database) -> Result<()> {
    seed(db).await?;
    let mut row = item(9, 1);
    row.label = None;
    let err = db
        .query::<PagedItem>()
        .order_by(|i| i.label.asc())
        .after(Some(&row))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}
