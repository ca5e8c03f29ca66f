//! Identifiers that are SQL reserved words, mixed-case names, and hostile values: om
//! quotes every identifier and binds every value, so none of them changes a statement.

use futures::TryStreamExt;
use om::sea_query::{Expr as SeaExpr, ExprTrait, Query};
use om::{Database, Model, Result};

/// A table named `order` whose columns are reserved words on one backend or another.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "order")]
struct ReservedOrder {
    #[om(primary_key)]
    key: Option<i64>,
    #[om(size = 50, index)]
    group: String,
    #[om(size = 60, unique)]
    user: String,
    select: Option<String>,
    index: i32,
    desc: Option<bool>,
    limit: f64,
    from: Option<i64>,
    r#where: Option<String>,
    #[om(default = 5)]
    default: Option<i32>,
    #[om(column = "Table")]
    table_name: i64,
    #[om(column = "ORDER", size = 20, index)]
    shouted: Option<String>,
}

/// A mixed-case table named like a keyword, with a composite key of reserved words.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "Select")]
struct ReservedSelect {
    #[om(primary_key)]
    group: i64,
    #[om(primary_key, size = 40)]
    user: String,
    #[om(column = "Check")]
    check: Option<String>,
    values: i64,
}

/// Values that would break a statement built by pasting text into SQL.
const HOSTILE: &[&str] = &[
    "'); DROP TABLE \"order\"; --",
    "'; DROP TABLE `order`; --",
    "\" OR 1=1 --",
    "` OR 1=1 #",
    "\\'; DELETE FROM \"Select\"; --",
    "$1 ? :name @p1 %s",
    "/* comment */ -- line",
    "'",
    "\\",
];

fn row(i: usize, text: &str) -> ReservedOrder {
    ReservedOrder {
        key: None,
        group: format!("g{}", i % 3),
        user: format!("user {i} {text}"),
        select: Some(text.to_string()),
        index: i as i32,
        desc: Some(i.is_multiple_of(2)),
        limit: i as f64 / 4.0,
        from: (!i.is_multiple_of(4)).then_some(i as i64),
        r#where: Some(text.to_string()),
        default: None,
        table_name: 100 - i as i64,
        shouted: Some(format!("s{i}")),
    }
}

/// A model whose table and columns are reserved words (`order`, `key`, `group`, `user`,
/// `select`, `index`, `desc`, `limit`, `from`, `where`, `default`, mixed-case `Table`
/// and `ORDER`, a table `Select` with a composite key): create_all, add, add_all, get,
/// filter, order_by, limit, update, delete, bulk delete, count, exists, stream, a
/// sea-query statement a join and drop_all all work; hostile values are stored and read back
/// verbatim and match only themselves.
pub async fn reserved_word_identifiers(db: &Database) -> Result<()> {
    let tables = [ReservedOrder::table(), ReservedSelect::table()];
    db.create_all(&tables).await?;
    db.create_all(&tables).await?;

    let mut rows: Vec<ReservedOrder> = HOSTILE.iter().enumerate().map(|(i, t)| row(i, t)).collect();
    let mut single = rows.remove(0);
    db.add(&mut single).await?;
    assert!(single.key.is_some(), "a generated `key`");
    assert_eq!(
        single.default,
        Some(5),
        "a default on a column named `default`"
    );
    db.add_all(&mut rows).await?;
    rows.insert(0, single);

    let q = || db.query::<ReservedOrder>();
    let back = q().order_by(|c| c.key.asc()).all().await?;
    assert_eq!(back, rows, "every value read back verbatim");
    for (i, text) in HOSTILE.iter().enumerate() {
        let key = rows[i].key.expect("key");
        assert_eq!(q().get(key).await?.as_ref(), Some(&rows[i]));
        let found = q()
            .filter(|c| c.select.eq(*text) & c.r#where.eq(*text))
            .all()
            .await?;
        assert_eq!(found, [rows[i].clone()], "{text:?} matches only itself");
        let like = q()
            .filter(|c| c.user.like(format!("%{}", om::escape_like(text))))
            .count()
            .await?;
        assert_eq!(like, 1, "{text:?} as a LIKE pattern matches only itself");
    }

    // Filters and orderings on every reserved column.
    let n = rows.len() as u64;
    assert_eq!(q().count().await?, n);
    assert_eq!(q().filter(|c| c.group.eq("g0")).count().await?, 3);
    assert_eq!(q().filter(|c| c.from.is_null()).count().await?, 3);
    assert_eq!(
        q().filter(|c| c.desc.eq(true) & c.index.ge(2) & c.limit.lt(1.5))
            .count()
            .await?,
        2
    );
    assert_eq!(
        q().filter(|c| c.table_name.is_in([100, 99, 1]))
            .count()
            .await?,
        2
    );
    assert!(q().filter(|c| c.shouted.eq("s4")).exists().await?);
    assert!(!q().filter(|c| c.default.ne(5)).exists().await?);
    let ordered = q()
        .order_by(|c| c.group.desc())
        .order_by(|c| c.table_name.asc())
        .limit(4)
        .offset(1)
        .all()
        .await?;
    let indexes: Vec<i32> = ordered.iter().map(|r| r.index).collect();
    // g2 holds 8, 5, 2 (table 92, 95, 98), then g1 holds 7, 4, 1.
    assert_eq!(indexes, [5, 2, 7, 4]);
    let streamed: Vec<i32> = q()
        .filter(|c| c.from.is_not_null())
        .order_by(|c| c.from.desc())
        .stream()
        .map_ok(|r| r.index)
        .try_collect()
        .await?;
    assert_eq!(streamed, [7, 6, 5, 3, 2, 1]);

    // Update and delete by a key named `key`.
    let mut changed = rows[2].clone();
    changed.select = None;
    changed.r#where = Some(HOSTILE[0].to_string());
    changed.shouted = None;
    db.update(&mut changed).await?;
    assert_eq!(
        q().get(changed.key.expect("key")).await?.as_ref(),
        Some(&changed)
    );
    assert!(db.delete(&changed).await?);
    assert_eq!(q().count().await?, n - 1);
    assert_eq!(q().filter(|c| c.group.eq("g1")).delete().await?, 3);
    assert_eq!(q().count().await?, n - 4);

    // A hand-built sea-query statement quotes the names the same way.
    let table = ReservedOrder::table();
    let c = ReservedOrder::columns();
    let mut select = Query::select();
    select
        .expr(SeaExpr::col(c.key.iden()).count())
        .from(table.iden())
        .and_where(SeaExpr::col(c.group.iden()).eq("g0"));
    assert_eq!(db.fetch_val::<i64>(&select, ()).await?, 3);

    // The composite key of reserved words, in a mixed-case table.
    let mut pair = ReservedSelect {
        group: 1,
        user: HOSTILE[0].to_string(),
        check: Some(HOSTILE[1].to_string()),
        values: 7,
    };
    db.add(&mut pair).await?;
    let first_key = rows[0].key.expect("key");
    let mut other = ReservedSelect {
        group: first_key,
        user: HOSTILE[2].to_string(),
        check: None,
        values: 8,
    };
    db.add(&mut other).await?;
    let s = || db.query::<ReservedSelect>();
    assert_eq!(
        s().get((1, HOSTILE[0])).await?.as_ref(),
        Some(&pair),
        "get by a composite key"
    );
    pair.values = 9;
    pair.check = None;
    db.update(&mut pair).await?;
    assert_eq!(
        s().filter(|c| c.check.is_null())
            .order_by(|c| c.values.desc())
            .all()
            .await?,
        [pair.clone(), other.clone()]
    );
    assert!(db.delete(&pair).await?);
    assert_eq!(s().all().await?, [other.clone()]);

    // A join of the two tables, on reserved names in both.
    let pairs = q()
        .left_join::<ReservedSelect>(|o, s| s.group.eq_column(o.key))
        .order_by(|o, _| o.key.asc())
        .all()
        .await?;
    assert_eq!(pairs.len() as u64, n - 4);
    assert_eq!(pairs[0], (rows[0].clone(), Some(other)));
    assert!(pairs[1..].iter().all(|(_, s)| s.is_none()));

    db.drop_all(&tables).await?;
    let err = q().count().await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::TableNotFound, "{err:?}");
    Ok(())
}
