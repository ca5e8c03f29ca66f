//! Queries, inserts, updates and deletes.

use sea_query::{
    Alias, DeleteStatement, ExprTrait, Func, InsertStatement, Query, QueryBuilder, SelectStatement,
    UpdateStatement, Values,
};

use crate::aggregate::{AggFunc, Aggregate, Having};
use crate::error::{Error, Result};
use crate::expr::{CmpOp, ColumnRef, Expr, Order};
use crate::ir::{
    Assign, Delete, Insert, Join, JoinKind, Projected, Projection, Select, Statement, Update,
};
use crate::json::JsonSyntax;

type SqExpr = sea_query::Expr;

fn col(c: &ColumnRef) -> SqExpr {
    SqExpr::col((c.table, c.column))
}

fn compare(lhs: SqExpr, op: CmpOp, rhs: SqExpr) -> SqExpr {
    match op {
        CmpOp::Eq => lhs.eq(rhs),
        CmpOp::Ne => lhs.ne(rhs),
        CmpOp::Lt => lhs.lt(rhs),
        CmpOp::Le => lhs.lte(rhs),
        CmpOp::Gt => lhs.gt(rhs),
        CmpOp::Ge => lhs.gte(rhs),
    }
}

/// Lowers a filter expression; JSON filters are written by the dialect's `json`
/// (check them first with [`check_json`]: one it cannot write becomes `1 = 0`).
pub fn expr(e: &Expr, json: &dyn JsonSyntax) -> SqExpr {
    match e {
        Expr::Compare { column, op, value } => {
            compare(col(column), *op, SqExpr::val(value.clone()))
        }
        Expr::Columns { left, op, right } => compare(col(left), *op, col(right)),
        Expr::In {
            column,
            values,
            negated,
        } => {
            if values.is_empty() {
                return constant(*negated);
            }
            let values = values.iter().cloned().map(SqExpr::val);
            if *negated {
                col(column).is_not_in(values)
            } else {
                col(column).is_in(values)
            }
        }
        Expr::IsNull { column, negated } => {
            if *negated {
                col(column).is_not_null()
            } else {
                col(column).is_null()
            }
        }
        Expr::Like {
            column,
            pattern,
            negated,
        } => {
            // `\` escapes `%`, `_` and itself on every backend (PostgreSQL and MySQL
            // default to it; SQLite has no escape character unless told).
            let pattern = sea_query::LikeExpr::new(pattern.as_str()).escape('\\');
            if *negated {
                col(column).not_like(pattern)
            } else {
                col(column).like(pattern)
            }
        }
        Expr::Json { column, filter } => json
            .json(col(column), filter)
            .unwrap_or_else(|| constant(false)),
        Expr::InSubquery {
            column,
            select: sub,
            negated,
        } => {
            let sub = select(sub, json);
            if *negated {
                col(column).is_null().or(col(column).not_in_subquery(sub))
            } else {
                col(column).in_subquery(sub)
            }
        }
        Expr::And(all) => fold(all, true, json),
        Expr::Or(any) => fold(any, false, json),
        Expr::Not(inner) => expr(inner, json).not(),
    }
}

/// Refuses, with `Error::Unsupported`, a statement whose filters hold a JSON filter
/// the dialect cannot write.
pub fn check_json(stmt: &Statement, json: &dyn JsonSyntax) -> Result<()> {
    match stmt {
        Statement::Select(s) => check_json_select(s, json),
        Statement::Update(u) => check_json_in(u.filter.iter(), json),
        Statement::Delete(d) => check_json_in(d.filter.iter(), json),
        _ => Ok(()),
    }
}

/// [`check_json`] for a query.
pub fn check_json_select(s: &Select, json: &dyn JsonSyntax) -> Result<()> {
    check_json_in(s.filter.iter().chain(s.joins.iter().map(|j| &j.on)), json)
}

fn check_json_in<'a>(
    mut filters: impl Iterator<Item = &'a Expr>,
    json: &dyn JsonSyntax,
) -> Result<()> {
    let cannot = |f: &crate::json::JsonFilter| json.json(SqExpr::val(0), f).is_none();
    match filters.find_map(|e| e.find_json(&cannot)) {
        None => Ok(()),
        Some(f) => Err(Error::Unsupported {
            backend: json.backend(),
            feature: format!("the JSON filter {f:?} (see Capabilities::json_contains)"),
        }),
    }
}

fn fold(exprs: &[Expr], and: bool, json: &dyn JsonSyntax) -> SqExpr {
    let mut iter = exprs.iter().map(|e| expr(e, json));
    let Some(first) = iter.next() else {
        return constant(and);
    };
    iter.fold(
        first,
        |acc, next| if and { acc.and(next) } else { acc.or(next) },
    )
}

/// `1 = 1` or `1 = 0`: a portable boolean constant.
fn constant(value: bool) -> SqExpr {
    SqExpr::val(1).eq(SqExpr::val(if value { 1 } else { 0 }))
}

/// Lowers an aggregate. `AVG` adds a bound floating-point zero to its column so that
/// every backend averages in double precision (MySQL's `AVG` of integers is otherwise
/// a `DECIMAL` of four places, PostgreSQL's a `numeric`): the same rows give the same
/// `f64` everywhere. Sums of integers are `numeric` on PostgreSQL and `DECIMAL` on
/// MySQL, which the drivers read exactly as `i64`.
pub fn aggregate(a: &Aggregate) -> SqExpr {
    let Some(c) = &a.column else {
        return Func::count(SqExpr::col(sea_query::Asterisk)).into();
    };
    match a.func {
        AggFunc::Count => Func::count(col(c)).into(),
        AggFunc::CountDistinct => Func::count_distinct(col(c)).into(),
        AggFunc::Sum => Func::sum(col(c)).into(),
        AggFunc::Avg => Func::avg(col(c).add(SqExpr::val(AVG_ZERO))).into(),
        AggFunc::Min => Func::min(col(c)).into(),
        AggFunc::Max => Func::max(col(c)).into(),
    }
}

/// The value `AVG` adds to its column, bound (see [`aggregate`]).
pub const AVG_ZERO: f64 = 0.0;

/// Lowers a `HAVING` condition.
pub fn having(h: &Having) -> SqExpr {
    match h {
        Having::Compare {
            aggregate: a,
            op,
            value,
        } => compare(aggregate(a), *op, SqExpr::val(value.clone())),
        Having::And(all) => fold_having(all, true),
        Having::Or(any) => fold_having(any, false),
        Having::Not(inner) => having(inner).not(),
    }
}

fn fold_having(all: &[Having], and: bool) -> SqExpr {
    let mut iter = all.iter().map(having);
    let Some(first) = iter.next() else {
        return constant(and);
    };
    iter.fold(
        first,
        |acc, next| if and { acc.and(next) } else { acc.or(next) },
    )
}

fn order(stmt: &mut SelectStatement, order: &[Order]) {
    for o in order {
        let dir = if o.descending {
            sea_query::Order::Desc
        } else {
            sea_query::Order::Asc
        };
        stmt.order_by((o.column.table, o.column.column), dir);
    }
}

/// The columns a [`Projection::Model`] reads, in order: each table's, a descendant's
/// key (which repeats its root's) once.
fn model_columns(s: &Select) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    s.tables().flat_map(|t| {
        let skip_key = t.parent.is_some();
        t.columns
            .iter()
            .filter(move |c| !(skip_key && c.primary_key))
            .map(move |c| (t.name, c.name))
    })
}

/// A read of one row of a table of its own by its key (`get`, [`Select::key_lookup`]):
/// `SELECT a, b FROM t WHERE k = ? LIMIT 1`, its columns unqualified, as short as the
/// statement a user would write by hand (the driver's statement cache hashes the text
/// at every read).
fn select_by_key(s: &Select) -> Option<SelectStatement> {
    if s.table.parent.is_some() {
        return None;
    }
    let value = s.key_lookup()?;
    let key = s.table.columns.get(*s.table.primary_key.first()?)?;
    let mut stmt = Query::select();
    stmt.from(s.table.name)
        .columns(s.table.columns.iter().map(|c| c.name))
        .and_where(compare(
            SqExpr::col(key.name),
            CmpOp::Eq,
            SqExpr::val(value.clone()),
        ));
    limit_offset(&mut stmt, s);
    Some(stmt)
}

/// Whether the query's limit and offset apply per group of rows ([`Select::limit_per`]).
fn ranked(s: &Select) -> bool {
    s.limit_per.is_some()
        && s.projection == Projection::Model
        && (s.limit.is_some() || s.offset.is_some())
}

/// Lowers a `SELECT`. A count with a limit or an offset counts a subquery; a limit
/// per group numbers the rows of each group in a subquery.
pub fn select(s: &Select, json: &dyn JsonSyntax) -> SelectStatement {
    if ranked(s) {
        return select_ranked(s, json);
    }
    if let Some(stmt) = select_by_key(s) {
        return stmt;
    }
    let table = s.table.name;
    let mut stmt = Query::select();
    stmt.from(table);
    joins(&mut stmt, s, json);
    match &s.projection {
        Projection::Model => {
            stmt.columns(model_columns(s));
        }
        Projection::Columns(cols) => {
            stmt.columns(cols.iter().map(|c| (c.table, c.column)));
        }
        Projection::One => {
            stmt.expr(SqExpr::val(1));
        }
        Projection::Aggregates(items) => {
            for item in items {
                match item {
                    Projected::Column(c) => stmt.column((c.table, c.column)),
                    Projected::Aggregate(a) => stmt.expr(aggregate(a)),
                };
            }
        }
        Projection::Count => {
            if s.limit.is_some() || s.offset.is_some() {
                let mut inner = Query::select();
                inner.from(table).expr(SqExpr::val(1));
                joins(&mut inner, s, json);
                if let Some(f) = &s.filter {
                    inner.and_where(expr(f, json));
                }
                order(&mut inner, &s.order);
                limit_offset(&mut inner, s);
                let mut outer = Query::select();
                outer
                    .expr(Func::count(SqExpr::col(sea_query::Asterisk)))
                    .from_subquery(inner, Alias::new("om_counted"));
                return outer;
            }
            stmt.expr(Func::count(SqExpr::col(sea_query::Asterisk)));
            if let Some(f) = &s.filter {
                stmt.and_where(expr(f, json));
            }
            return stmt;
        }
    }
    if let Some(f) = &s.filter {
        stmt.and_where(expr(f, json));
    }
    if s.distinct {
        stmt.distinct();
    }
    stmt.group_by_columns(s.group_by.iter().map(|c| (c.table, c.column)));
    if let Some(h) = &s.having {
        stmt.and_having(having(h));
    }
    order(&mut stmt, &s.order);
    limit_offset(&mut stmt, s);
    stmt
}

/// `SELECT c0, c1, ... FROM (SELECT <columns> AS c0, ..., ROW_NUMBER() OVER (PARTITION
/// BY <group> ORDER BY <order>, <key>) AS om_rn FROM ... WHERE ...) AS om_ranked WHERE
/// om_rn > offset AND om_rn <= offset + limit ORDER BY om_rn`: the first rows of each
/// group. Columns are renamed so that tables sharing a column name do not clash.
fn select_ranked(s: &Select, json: &dyn JsonSyntax) -> SelectStatement {
    const RANKED: &str = "om_ranked";
    const ROW_NUMBER: &str = "om_rn";
    let mut inner = Query::select();
    inner.from(s.table.name);
    joins(&mut inner, s, json);
    let mut width = 0;
    for (i, (t, c)) in model_columns(s).enumerate() {
        inner.expr_as(SqExpr::col((t, c)), Alias::new(format!("c{i}")));
        width += 1;
    }
    let mut window = match s.limit_per {
        Some(group) => sea_query::WindowStatement::partition_by((group.table, group.column)),
        None => sea_query::WindowStatement::new(),
    };
    for o in &s.order {
        let dir = if o.descending {
            sea_query::Order::Desc
        } else {
            sea_query::Order::Asc
        };
        window.order_by((o.column.table, o.column.column), dir);
    }
    // Ties fall back on the key, so that "the first n" is the same on every run.
    for c in s.table.key_columns() {
        window.order_by((s.table.name, c.name), sea_query::Order::Asc);
    }
    inner.expr_window_as(Func::cust("ROW_NUMBER"), window, ROW_NUMBER);
    if let Some(f) = &s.filter {
        inner.and_where(expr(f, json));
    }
    let mut outer = Query::select();
    for i in 0..width {
        outer.column((RANKED, Alias::new(format!("c{i}"))));
    }
    outer.from_subquery(inner, RANKED);
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let offset = s.offset.unwrap_or(0);
    let rank = || SqExpr::col((RANKED, ROW_NUMBER));
    outer.and_where(rank().gt(clamp(offset)));
    if let Some(limit) = s.limit {
        outer.and_where(rank().lte(clamp(offset.saturating_add(limit))));
    }
    outer.order_by((RANKED, ROW_NUMBER), sea_query::Order::Asc);
    outer
}

fn joins(stmt: &mut SelectStatement, s: &Select, json: &dyn JsonSyntax) {
    for (i, j) in s.joins.iter().enumerate() {
        let kind = match j.kind {
            JoinKind::Inner => sea_query::JoinType::InnerJoin,
            JoinKind::Left => sea_query::JoinType::LeftJoin,
        };
        let mut on = expr(&j.on, json);
        let below = &s.joins[i + 1..(i + 1 + j.descendants).min(s.joins.len())];
        if let Some(first) = below.first() {
            on = on.and(SqExpr::exists(descendants_exist(first, below, json)));
        }
        stmt.join(kind, j.table.name, on);
    }
}

/// `SELECT <key> FROM <each table below> WHERE <each one's ON>`: whether the levels
/// below a left-joined root have their rows (see [`Join::descendants`]).
fn descendants_exist(first: &Join, below: &[Join], json: &dyn JsonSyntax) -> SelectStatement {
    let mut sub = Query::select();
    sub.columns(
        first
            .table
            .key_columns()
            .map(|c| (first.table.name, c.name)),
    );
    for j in below {
        sub.from(j.table.name);
    }
    for j in below {
        sub.and_where(expr(&j.on, json));
    }
    sub
}

/// The largest LIMIT or OFFSET every backend accepts (a signed 64-bit integer).
const MAX_ROWS: u64 = i64::MAX as u64;

/// The LIMIT and OFFSET a query is rendered with: clamped to what every backend
/// accepts, and with a LIMIT whenever there is an OFFSET (SQLite and MySQL accept
/// OFFSET only after a LIMIT, so "no limit" is the largest one).
pub fn paging(s: &Select) -> (Option<u64>, Option<u64>) {
    let limit = match (s.limit, s.offset) {
        (None, Some(_)) => Some(MAX_ROWS),
        (limit, _) => limit,
    };
    (
        limit.map(|l| Ord::min(l, MAX_ROWS)),
        s.offset.map(|o| Ord::min(o, MAX_ROWS)),
    )
}

fn limit_offset(stmt: &mut SelectStatement, s: &Select) {
    let (limit, offset) = paging(s);
    if let Some(limit) = limit {
        stmt.limit(limit);
    }
    if let Some(offset) = offset {
        stmt.offset(offset);
    }
}

/// Whether a dialect that binds LIMIT and OFFSET should write this query's as
/// literals: a `LIMIT 1` or `LIMIT 2` without offset (`get`, `first`, `exists`,
/// `one`), whose few texts the statement caches hold once each, and whose bound
/// parameter would cost more than the literal.
pub fn small_literal_paging(s: &Select) -> bool {
    s.offset.is_none() && s.limit.is_some_and(|l| l <= 2) && !ranked(s)
}

/// The SQL text and values of a `SELECT` built with `builder`, LIMIT and OFFSET
/// written as literals when `literal_paging` says so.
pub fn build_select(
    s: &Select,
    literal_paging: bool,
    builder: impl QueryBuilder,
    json: &dyn JsonSyntax,
) -> (String, Values) {
    if !literal_paging {
        return select(s, json).build(builder);
    }
    let (stmt, paging) = select_with_literal_paging(s, json);
    let (mut text, values) = stmt.build(builder);
    text.push_str(&paging);
    (text, values)
}

/// Lowers a `SELECT` whose LIMIT and OFFSET the caller writes as literals: the
/// statement without them, and the ` LIMIT n OFFSET m` to append to its SQL.
///
/// For dialects (SQLite) that re-prepare a statement whose LIMIT is a bound parameter
/// each time it runs. The numbers are integers om clamps, never user text.
pub fn select_with_literal_paging(s: &Select, json: &dyn JsonSyntax) -> (SelectStatement, String) {
    if s.projection == Projection::Count || ranked(s) {
        return (select(s, json), String::new());
    }
    let mut stmt = select(s, json);
    stmt.reset_limit().reset_offset();
    let mut suffix = String::new();
    let (limit, offset) = paging(s);
    if let Some(limit) = limit {
        suffix.push_str(&format!(" LIMIT {limit}"));
    }
    if let Some(offset) = offset {
        suffix.push_str(&format!(" OFFSET {offset}"));
    }
    (stmt, suffix)
}

/// Lowers an `INSERT` (without `RETURNING`: a driver adds it when its dialect has it).
pub fn insert(i: &Insert) -> Result<InsertStatement> {
    let mut stmt = Query::insert();
    stmt.into_table(i.table.name);
    if i.columns.is_empty() {
        let rows = u32::try_from(i.rows.len()).map_err(|_| Error::InvalidQuery {
            reason: "too many rows in one insert".into(),
        })?;
        stmt.or_default_values_many(rows);
        return Ok(stmt);
    }
    stmt.columns(i.columns.iter().map(|c| c.name));
    for row in &i.rows {
        stmt.values(row.iter().cloned().map(SqExpr::val))
            .map_err(|e| Error::Driver(Box::new(e)))?;
    }
    Ok(stmt)
}

/// Builds an insert that returns its generated key column (`insert.returning`), for
/// dialects with `RETURNING`.
pub fn build_insert_returning(i: &Insert, builder: impl QueryBuilder) -> Result<(String, Values)> {
    let mut stmt = insert(i)?;
    if let Some(col) = i.returning {
        stmt.returning_col(col.name);
    }
    Ok(stmt.build(builder))
}

/// Builds an insert, update or delete with `builder` (the statements
/// [`StatementCache::statement`](crate::sql::StatementCache::statement) caches).
pub fn build_write(
    stmt: &Statement,
    builder: impl QueryBuilder,
    json: &dyn JsonSyntax,
) -> Result<(String, Values)> {
    match stmt {
        Statement::Insert(i) => Ok(insert(i)?.build(builder)),
        Statement::Update(u) => Ok(update(u, json).build(builder)),
        Statement::Delete(d) => Ok(delete(d, json).build(builder)),
        other => Err(Error::InvalidQuery {
            reason: format!("not an insert, update or delete: {other:?}"),
        }),
    }
}

/// Lowers an `UPDATE`.
pub fn update(u: &Update, json: &dyn JsonSyntax) -> UpdateStatement {
    let mut stmt = Query::update();
    stmt.table(u.table.name);
    stmt.values(u.set.iter().map(|(c, a)| (c.name, assign(a))));
    if let Some(f) = &u.filter {
        stmt.and_where(expr(f, json));
    }
    stmt
}

/// Lowers what an `UPDATE` sets a column to. A column is written unqualified: MySQL
/// and SQLite read `SET a = t.b` differently.
fn assign(a: &Assign) -> SqExpr {
    match a {
        Assign::Value(v) => SqExpr::val(v.clone()),
        Assign::Column(c) => SqExpr::col(c.column),
        Assign::Add(c, v) => SqExpr::col(c.column).add(v.clone()),
        Assign::Sub(c, v) => SqExpr::col(c.column).sub(v.clone()),
    }
}

/// Lowers a `DELETE`.
pub fn delete(d: &Delete, json: &dyn JsonSyntax) -> DeleteStatement {
    let mut stmt = Query::delete();
    stmt.from_table(d.table.name);
    if let Some(f) = &d.filter {
        stmt.and_where(expr(f, json));
    }
    stmt
}
