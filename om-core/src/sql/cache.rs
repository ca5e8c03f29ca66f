//! Rendered SQL, kept per query shape, so a query that runs again skips sea-query.
//!
//! A shape is everything that decides a statement's text: the table, the projection,
//! the structure of the filter (columns, operators, list lengths), the order and the
//! paging. Values are not part of it: they are bound. The key is an exact encoding of
//! the shape (not a hash), so two shapes never share an entry; and an entry is stored
//! only when the values om collects from the IR are exactly those sea-query bound, in
//! the same order, so a cached text always gets its values right.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex};

use sea_query::Values;

use crate::aggregate::{AggFunc, Aggregate, Having};
use crate::error::Result;
use crate::expr::{CmpOp, ColumnRef, Expr};
use crate::ir::{Assign, ByKey, Insert, InsertRows, Projected, Projection, Select, Statement};
use crate::json::{JsonFilter, JsonSyntax};
use crate::model::{ColumnMeta, TableMeta};
use crate::sql::dml::paging;
use crate::value::Value;

/// At most this many shapes, and this many bytes of SQL, are kept per cache; a cache
/// that is full starts afresh, so a workload that changes keeps being cached.
const CAPACITY: usize = 4096;
const CAPACITY_BYTES: usize = 4 << 20;

/// `IN` lists longer than this are not cached: each length is a shape of its own, and
/// a long list's text is large and rarely seen twice.
const MAX_CACHED_LIST: usize = 32;

/// Inserts of more rows than this are not cached (`add_all` writes at most this many
/// rows per statement, so its full batches share one entry).
const MAX_CACHED_ROWS: usize = 1000;

/// Rendered `SELECT`s of one dialect, by shape. A driver keeps one in a `static`.
#[derive(Debug, Default)]
pub struct StatementCache {
    map: Mutex<Entries>,
    json: Option<&'static dyn JsonSyntax>,
}

#[derive(Debug, Default)]
struct Entries {
    sql: HashMap<Box<[u64]>, Arc<str>, BuildHasherDefault<WordHasher>>,
    /// A model's row by its key (what `get` asks), by the table's address (and the
    /// paging style in its lowest bit): found without encoding a shape.
    by_key: HashMap<u64, Arc<str>, BuildHasherDefault<WordHasher>>,
    bytes: usize,
}

/// Where the text of a read of `table`'s row by its key is kept: the table's address,
/// a multiple of 8, with its lowest bit telling how the `LIMIT 1` is written.
fn key_slot(table: &TableMeta, literal_paging: bool) -> u64 {
    (table as *const TableMeta as u64) | u64::from(literal_paging)
}

/// A fast hash of the 64-bit words of a shape (the keys are om's own, not an
/// attacker's, so a keyed hash buys nothing here).
#[derive(Debug, Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.write_u64(u64::from_ne_bytes(w));
        }
        for &byte in words.remainder() {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

thread_local! {
    static KEY: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

impl StatementCache {
    /// An empty cache.
    pub fn new() -> Self {
        StatementCache::default()
    }

    /// An empty cache that also keeps statements with JSON filters, whose bound values
    /// `json` (the dialect the statements are rendered with) tells.
    pub fn with_json(json: &'static dyn JsonSyntax) -> Self {
        StatementCache {
            map: Mutex::default(),
            json: Some(json),
        }
    }

    /// The SQL and values of `select`: from the cache when its shape was rendered
    /// before, else from `render` (whose text is then kept).
    ///
    /// `literal_paging` says the dialect writes LIMIT and OFFSET as literals (they are
    /// then part of the shape) rather than binding them.
    pub fn select(
        &self,
        select: &Select,
        literal_paging: bool,
        render: impl FnOnce() -> (String, Values),
    ) -> (Arc<str>, Values) {
        if let Some(value) = select.key_lookup() {
            let found = self.by_key(select, value, literal_paging, || {
                Ok::<_, std::convert::Infallible>(render())
            });
            return match found {
                Ok(found) => found,
                Err(never) => match never {},
            };
        }
        self.cached(
            |key, values| shape(select, literal_paging, key, values, self.json),
            render,
        )
    }

    /// [`select`](Self::select) for a dialect whose `render` may refuse the statement:
    /// `render` (with the dialect's checks) runs only when the shape is not cached,
    /// so the checks must depend on the shape alone, never on a bound value. A shape
    /// is cached only once `render` accepted it.
    pub fn try_select(
        &self,
        select: &Select,
        literal_paging: bool,
        render: impl FnOnce() -> Result<(String, Values)>,
    ) -> Result<(Arc<str>, Values)> {
        if let Some(value) = select.key_lookup() {
            return self.by_key(select, value, literal_paging, render);
        }
        self.try_cached(
            |key, values| shape(select, literal_paging, key, values, self.json),
            render,
        )
    }

    /// A model's row by its key: `value` is the key's ([`Select::key_lookup`]). Its
    /// text is kept by table (and paging style), once `render` gave exactly these
    /// values: the key's, then the `LIMIT 1` where it is bound.
    fn by_key<E>(
        &self,
        select: &Select,
        value: &Value,
        literal_paging: bool,
        render: impl FnOnce() -> std::result::Result<(String, Values), E>,
    ) -> std::result::Result<(Arc<str>, Values), E> {
        let mut values = Vec::with_capacity(2);
        values.push(value.clone());
        if !literal_paging {
            values.push(Value::BigUnsigned(Some(1)));
        }
        let slot = key_slot(select.table, literal_paging);
        if let Some(sql) = self.by_key_slot(slot) {
            return Ok((sql, Values(values)));
        }
        let (sql, rendered) = render()?;
        let sql: Arc<str> = Arc::from(sql);
        if !sql.is_empty() && rendered.0 == values {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.make_room(sql.len());
            map.by_key.insert(slot, sql.clone());
        }
        Ok((sql, rendered))
    }

    /// The SQL a read of a row by its key ([`ByKey`]) was cached under, by
    /// [`select`](Self::select) of the same query ([`ByKey::to_select`]) with its
    /// `LIMIT 1` written as a literal, as every dialect writes it
    /// ([`small_literal_paging`](crate::sql::small_literal_paging)); `None` when it
    /// was not: the caller then runs the select, which caches it. Its one value is the
    /// key.
    pub fn cached_by_key(&self, lookup: &ByKey) -> Option<Arc<str>> {
        self.by_key_slot(key_slot(lookup.table, true))
    }

    fn by_key_slot(&self, slot: u64) -> Option<Arc<str>> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.by_key.get(&slot).cloned()
    }

    /// The SQL and values of an insert, an update or a delete, cached as
    /// [`select`](Self::select) is; other statements (several rows, DDL, raw SQL, and
    /// selects, which go through [`select`](Self::select)) are rendered each time.
    pub fn statement(
        &self,
        stmt: &Statement,
        render: impl FnOnce() -> Result<(String, Values)>,
    ) -> Result<(Arc<str>, Values)> {
        match stmt {
            Statement::Insert(i) => self.try_cached(
                |key, values| {
                    key.push(20);
                    insert_shape(i, key, values);
                },
                render,
            ),
            Statement::Update(u) => self.try_cached(
                |key, values| {
                    key.extend([21, u.table as *const _ as u64, u.set.len() as u64]);
                    for (column, assign) in &u.set {
                        text(key, column.name);
                        match assign {
                            Assign::Value(value) => {
                                key.push(0);
                                values.push(value.clone());
                            }
                            Assign::Column(other) => {
                                key.push(1);
                                text(key, other.column);
                            }
                            Assign::Add(other, value) | Assign::Sub(other, value) => {
                                key.push(if matches!(assign, Assign::Add(..)) {
                                    2
                                } else {
                                    3
                                });
                                text(key, other.column);
                                values.push(value.clone());
                            }
                        }
                    }
                    filter(&u.filter, key, values, self.json);
                },
                render,
            ),
            Statement::Delete(d) => self.try_cached(
                |key, values| {
                    key.extend([22, d.table as *const _ as u64]);
                    filter(&d.filter, key, values, self.json);
                },
                render,
            ),
            _ => render().map(|(sql, values)| (Arc::from(sql), values)),
        }
    }

    /// The SQL and values of an insert with its generated keys returned (a
    /// statement of its own: keep it in a cache of its own).
    pub fn insert(
        &self,
        insert: &Insert,
        render: impl FnOnce() -> Result<(String, Values)>,
    ) -> Result<(Arc<str>, Values)> {
        self.try_cached(|key, values| insert_shape(insert, key, values), render)
    }

    /// [`insert`](Self::insert) for an insert the caller gives up: its values move
    /// into the result rather than being copied (a batch of many rows binds them all).
    pub fn insert_owned(
        &self,
        insert: Insert,
        render: impl FnOnce(&Insert) -> Result<(String, Values)>,
    ) -> Result<(Arc<str>, Values)> {
        let hit = KEY.with(|key| {
            let mut key = key.borrow_mut();
            key.clear();
            insert_key(&insert, &mut key);
            if key.first() == Some(&UNCACHEABLE) {
                return None;
            }
            let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.sql.get(key.as_slice()).cloned()
        });
        if let Some(sql) = hit {
            let mut rows = insert.rows;
            if rows.len() == 1 {
                // One row: its values are the statement's, as they are.
                return Ok((sql, Values(rows.pop().unwrap_or_default())));
            }
            let width = rows.first().map_or(0, Vec::len);
            let mut values = Vec::with_capacity(width * rows.len());
            for row in rows {
                values.extend(row);
            }
            return Ok((sql, Values(values)));
        }
        let (sql, rendered) = render(&insert)?;
        let sql: Arc<str> = Arc::from(sql);
        if !sql.is_empty() && rendered.0.iter().eq(insert.rows.iter().flatten()) {
            self.store(&sql);
        }
        Ok((sql, rendered))
    }

    /// The SQL an insert of `rows` was cached under (by [`insert`](Self::insert) or
    /// [`insert_owned`](Self::insert_owned) of the same shape), `None` when it was not:
    /// the caller then renders the owned insert, which caches it. A statement's
    /// values are bound in row order, so the borrowed values bind as they are.
    pub fn cached_insert(&self, rows: &InsertRows<'_>) -> Option<Arc<str>> {
        let width = rows.head.columns.len();
        let n = rows.rows;
        if n * width != rows.values.len() {
            return None;
        }
        KEY.with(|key| {
            let mut key = key.borrow_mut();
            key.clear();
            insert_key_of(&rows.head, n, std::iter::repeat_n(width, n), &mut key);
            if key.first() == Some(&UNCACHEABLE) {
                return None;
            }
            let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.sql.get(key.as_slice()).cloned()
        })
    }

    /// Keeps `sql` under the shape the thread's key holds.
    fn store(&self, sql: &Arc<str>) {
        KEY.with(|key| {
            let key = key.borrow();
            if key.first() == Some(&UNCACHEABLE) {
                return;
            }
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.make_room(sql.len());
            map.sql.insert(key.as_slice().into(), sql.clone());
        });
    }

    fn try_cached(
        &self,
        shape: impl FnOnce(&mut Vec<u64>, &mut Vec<Value>),
        render: impl FnOnce() -> Result<(String, Values)>,
    ) -> Result<(Arc<str>, Values)> {
        let mut failed = None;
        let out = self.cached(shape, || match render() {
            Ok(rendered) => rendered,
            Err(e) => {
                failed = Some(e);
                (String::new(), Values(Vec::new()))
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    fn cached(
        &self,
        shape: impl FnOnce(&mut Vec<u64>, &mut Vec<Value>),
        render: impl FnOnce() -> (String, Values),
    ) -> (Arc<str>, Values) {
        let mut values = Vec::new();
        let hit = KEY.with(|key| {
            let mut key = key.borrow_mut();
            key.clear();
            shape(&mut key, &mut values);
            if key.first() == Some(&UNCACHEABLE) {
                return None;
            }
            let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            map.sql.get(key.as_slice()).cloned()
        });
        if let Some(sql) = hit {
            return (sql, Values(values));
        }
        let (sql, rendered) = render();
        let sql: Arc<str> = Arc::from(sql);
        if !sql.is_empty() && rendered.0 == values {
            self.store(&sql);
        }
        (sql, rendered)
    }

    /// How many shapes are kept.
    pub fn len(&self) -> usize {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.sql.len() + map.by_key.len()
    }

    /// Whether no shape is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Entries {
    /// Room for `bytes` more of SQL: a cache that is full starts afresh.
    fn make_room(&mut self, bytes: usize) {
        if self.sql.len() + self.by_key.len() >= CAPACITY || self.bytes + bytes > CAPACITY_BYTES {
            *self = Entries::default();
        }
        self.bytes += bytes;
    }
}

/// A first key word that no shape starts with (a table's address is never 1): the
/// statement is rendered, not cached.
const UNCACHEABLE: u64 = 1;

fn mark_uncacheable(key: &mut [u64]) {
    if let Some(first) = key.first_mut() {
        *first = UNCACHEABLE;
    }
}

fn text(key: &mut Vec<u64>, s: &'static str) {
    key.push(s.as_ptr() as u64);
    key.push(s.len() as u64);
}

fn column(key: &mut Vec<u64>, c: &ColumnRef) {
    text(key, c.table);
    text(key, c.column);
}

/// Encodes the shape of `s` into `key` and collects its bound values, in the order
/// sea-query binds them.
fn shape(
    s: &Select,
    literal_paging: bool,
    key: &mut Vec<u64>,
    values: &mut Vec<Value>,
    json: Option<&dyn JsonSyntax>,
) {
    key.push(s.table as *const _ as u64);
    if one_comparison(s, literal_paging, key, values) {
        return;
    }
    if s.limit_per.is_some() {
        // A limit per group binds its numbers after the filter's values: rendered
        // each time (eager loads, whose key lists are long anyway).
        mark_uncacheable(key);
    }
    match &s.projection {
        Projection::Model => key.push(0),
        Projection::Columns(cols) => {
            key.push(1);
            key.push(cols.len() as u64);
            cols.iter().for_each(|c| column(key, c));
        }
        Projection::Count => key.push(2),
        Projection::One => {
            key.push(3);
            values.push(Value::Int(Some(1)));
        }
        Projection::Aggregates(items) => {
            key.extend([4, items.len() as u64]);
            for item in items {
                match item {
                    Projected::Column(c) => {
                        key.push(0);
                        column(key, c);
                    }
                    Projected::Aggregate(a) => {
                        aggregate(a, key);
                        if a.func == AggFunc::Avg && a.column.is_some() {
                            values.push(Value::Double(Some(crate::sql::dml::AVG_ZERO)));
                        }
                    }
                }
            }
        }
    }
    key.push(u64::from(s.distinct));
    // Joins render (and bind) after the projection and before the filter.
    key.push(s.joins.len() as u64);
    for (i, j) in s.joins.iter().enumerate() {
        key.extend([j.table as *const _ as u64, j.kind as u64]);
        expr(&j.on, key, values, json);
        // A left-joined root's `EXISTS` binds the ONs of the levels below it again.
        key.push(j.descendants as u64);
        for below in s.joins.iter().skip(i + 1).take(j.descendants) {
            expr(&below.on, key, values, json);
        }
    }
    filter(&s.filter, key, values, json);
    // GROUP BY, then HAVING, whose values bind after the filter's.
    key.push(s.group_by.len() as u64);
    s.group_by.iter().for_each(|c| column(key, c));
    match &s.having {
        None => key.push(0),
        Some(h) => {
            key.push(1);
            having(h, key, values);
        }
    }
    key.push(s.order.len() as u64);
    for o in &s.order {
        column(key, &o.column);
        key.push(o.descending as u64);
    }
    paging_of(s, literal_paging, key, values);
}

/// The commonest shape, a model's rows by one comparison on one of its columns, without
/// joins, grouping or order (`get`, and `first` or `all` with one `filter`): encoded in
/// a few words rather than walked. Its second word, 5, is no projection's tag, so it
/// never shares a key with a walked shape.
#[inline]
fn one_comparison(
    s: &Select,
    literal_paging: bool,
    key: &mut Vec<u64>,
    values: &mut Vec<Value>,
) -> bool {
    let Some(Expr::Compare {
        column: c,
        op,
        value,
    }) = &s.filter
    else {
        return false;
    };
    if !(matches!(s.projection, Projection::Model)
        && s.joins.is_empty()
        && !s.distinct
        && s.group_by.is_empty()
        && s.having.is_none()
        && s.order.is_empty()
        && s.limit_per.is_none())
    {
        return false;
    }
    key.push(5);
    column(key, c);
    key.push(*op as u64);
    values.push(value.clone());
    paging_of(s, literal_paging, key, values);
    true
}

/// LIMIT and OFFSET: literals in the key, or bound values.
fn paging_of(s: &Select, literal_paging: bool, key: &mut Vec<u64>, values: &mut Vec<Value>) {
    let (limit, offset) = paging(s);
    for n in [limit, offset] {
        match n {
            None => key.push(0),
            Some(n) if literal_paging => key.extend([1, n]),
            Some(n) => {
                key.push(1);
                values.push(Value::BigUnsigned(Some(n)));
            }
        }
    }
}

fn aggregate(a: &Aggregate, key: &mut Vec<u64>) {
    key.push(1 + a.func as u64);
    match &a.column {
        None => key.push(0),
        Some(c) => {
            key.push(1);
            column(key, c);
        }
    }
}

fn having(h: &Having, key: &mut Vec<u64>, values: &mut Vec<Value>) {
    match h {
        Having::Compare {
            aggregate: a,
            op,
            value,
        } => {
            key.extend([0, *op as u64]);
            aggregate(a, key);
            if a.func == AggFunc::Avg && a.column.is_some() {
                values.push(Value::Double(Some(crate::sql::dml::AVG_ZERO)));
            }
            values.push(value.clone());
        }
        Having::And(all) | Having::Or(all) => {
            key.extend([
                if matches!(h, Having::And(_)) { 1 } else { 2 },
                all.len() as u64,
            ]);
            if all.is_empty() {
                constant(matches!(h, Having::And(_)), values);
            }
            all.iter().for_each(|h| having(h, key, values));
        }
        Having::Not(inner) => {
            key.push(3);
            having(inner, key, values);
        }
    }
}

fn filter(
    f: &Option<Expr>,
    key: &mut Vec<u64>,
    values: &mut Vec<Value>,
    json: Option<&dyn JsonSyntax>,
) {
    match f {
        None => key.push(0),
        Some(f) => {
            key.push(1);
            expr(f, key, values, json);
        }
    }
}

fn insert_shape(i: &Insert, key: &mut Vec<u64>, values: &mut Vec<Value>) {
    insert_key(i, key);
    for row in &i.rows {
        values.extend(row.iter().cloned());
    }
}

/// The shape of an insert, without its values (which it binds in row order).
fn insert_key(i: &Insert, key: &mut Vec<u64>) {
    insert_key_of(i, i.rows.len(), i.rows.iter().map(Vec::len), key);
}

/// The shape of an insert of `rows` rows of these widths, with `head`'s table,
/// columns and returned column (its own rows are not looked at).
fn insert_key_of(
    head: &Insert,
    rows: usize,
    widths: impl Iterator<Item = usize>,
    key: &mut Vec<u64>,
) {
    let i = head;
    key.extend([i.table as *const _ as u64, i.columns.len() as u64]);
    // A column is a `static` of its table's: its address names it.
    key.extend(i.columns.iter().map(|c| *c as *const ColumnMeta as u64));
    key.push(rows as u64);
    if rows > MAX_CACHED_ROWS {
        mark_uncacheable(key);
    }
    key.extend(widths.map(|w| w as u64));
    match i.returning {
        Some(c) => text(key, c.name),
        None => key.push(0),
    }
}

fn constant(value: bool, values: &mut Vec<Value>) {
    values.push(Value::Int(Some(1)));
    values.push(Value::Int(Some(if value { 1 } else { 0 })));
}

fn expr(e: &Expr, key: &mut Vec<u64>, values: &mut Vec<Value>, json: Option<&dyn JsonSyntax>) {
    match e {
        Expr::Compare {
            column: c,
            op,
            value,
        } => {
            key.push(10);
            column(key, c);
            key.push(match op {
                CmpOp::Eq => 0,
                CmpOp::Ne => 1,
                CmpOp::Lt => 2,
                CmpOp::Le => 3,
                CmpOp::Gt => 4,
                CmpOp::Ge => 5,
            });
            values.push(value.clone());
        }
        Expr::In {
            column: c,
            values: list,
            negated,
        } => {
            if list.len() > MAX_CACHED_LIST {
                mark_uncacheable(key);
            }
            key.extend([11, *negated as u64, list.len() as u64]);
            column(key, c);
            if list.is_empty() {
                constant(*negated, values);
            } else {
                values.extend(list.iter().cloned());
            }
        }
        Expr::Columns { left, op, right } => {
            key.extend([17, *op as u64]);
            column(key, left);
            column(key, right);
        }
        Expr::IsNull { column: c, negated } => {
            key.extend([12, *negated as u64]);
            column(key, c);
        }
        Expr::Like {
            column: c,
            pattern,
            negated,
        } => {
            key.extend([13, *negated as u64]);
            column(key, c);
            values.push(Value::String(Some(pattern.clone())));
        }
        Expr::And(all) | Expr::Or(all) => {
            key.extend([
                if matches!(e, Expr::And(_)) { 14 } else { 15 },
                all.len() as u64,
            ]);
            if all.is_empty() {
                constant(matches!(e, Expr::And(_)), values);
            }
            all.iter().for_each(|e| expr(e, key, values, json));
        }
        Expr::Not(inner) => {
            key.push(16);
            expr(inner, key, values, json);
        }
        Expr::InSubquery {
            column: c,
            select,
            negated,
        } => {
            key.extend([19, *negated as u64]);
            column(key, c);
            // A subquery binds its values where it stands, in its own order; it has
            // no paging of its own.
            shape(select, false, key, values, json);
        }
        Expr::Json { column: c, filter } => {
            // Each dialect binds a JSON filter's path its own way (one path text, or a
            // value per key): the dialect says which values, or the statement is
            // rendered each time.
            if !json.is_some_and(|j| j.bound_values(filter, values)) {
                mark_uncacheable(key);
            }
            let kind = match filter {
                JsonFilter::TextEq { .. } => 0,
                JsonFilter::HasKey { .. } => 1,
                #[cfg(feature = "json")]
                JsonFilter::Contains { .. } => 2,
            };
            key.extend([18, kind, filter.path().len() as u64]);
            column(key, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ColumnMeta, ColumnType, TableMeta};
    use sea_query::SqliteQueryBuilder;

    /// A dialect without JSON filters.
    #[derive(Debug)]
    struct NoJson;

    impl crate::json::JsonSyntax for NoJson {
        fn backend(&self) -> &'static str {
            "test"
        }
        fn json(&self, _: sea_query::Expr, _: &JsonFilter) -> Option<sea_query::Expr> {
            None
        }
    }

    static COLUMNS: [ColumnMeta; 2] = [
        ColumnMeta::new("id", "id", ColumnType::BigInt),
        ColumnMeta::new("name", "name", ColumnType::Text(None)),
    ];
    static TABLE: TableMeta = TableMeta {
        name: "t",
        model: "T",
        columns: &COLUMNS,
        primary_key: &[0],
        parent: None,
    };
    // Statics, as the derive's column handles are: strings are keyed by address, so a
    // `const` (a new value at each use) could only cost cache misses, never a wrong hit.
    static ID: ColumnRef = ColumnRef {
        table: "t",
        column: "id",
    };
    static NAME: ColumnRef = ColumnRef {
        table: "t",
        column: "name",
    };

    fn selects() -> Vec<Select> {
        let cmp = |c, op, v: Value| Expr::Compare {
            column: c,
            op,
            value: v,
        };
        let mut out = Vec::new();
        for (projection, filter, limit, offset) in [
            (Projection::Model, None, None, None),
            (
                Projection::One,
                Some(cmp(ID, CmpOp::Gt, 3.into())),
                Some(1),
                None,
            ),
            (
                Projection::Count,
                Some(Expr::IsNull {
                    column: NAME,
                    negated: true,
                }),
                None,
                None,
            ),
            (
                Projection::Model,
                Some(Expr::And(vec![
                    cmp(ID, CmpOp::Eq, 1.into()),
                    Expr::Or(vec![
                        Expr::Like {
                            column: NAME,
                            pattern: "a%".into(),
                            negated: false,
                        },
                        Expr::In {
                            column: ID,
                            values: vec![1.into(), 2.into()],
                            negated: true,
                        },
                        Expr::In {
                            column: ID,
                            values: vec![],
                            negated: false,
                        },
                        Expr::Not(Box::new(Expr::Or(vec![]))),
                    ]),
                ])),
                Some(10),
                Some(20),
            ),
            (Projection::Columns(vec![NAME]), None, None, Some(5)),
            // One comparison on a model (a `get`): encoded without the walk, a shape
            // per column, operator and paging.
            (
                Projection::Model,
                Some(cmp(ID, CmpOp::Eq, 7.into())),
                Some(1),
                None,
            ),
            (
                Projection::Model,
                Some(cmp(NAME, CmpOp::Eq, "n".into())),
                Some(1),
                None,
            ),
            (
                Projection::Model,
                Some(cmp(ID, CmpOp::Ge, 7.into())),
                Some(1),
                None,
            ),
            (
                Projection::Model,
                Some(cmp(ID, CmpOp::Eq, 7.into())),
                Some(2),
                Some(3),
            ),
            (
                Projection::Model,
                Some(cmp(ID, CmpOp::Eq, 7.into())),
                None,
                None,
            ),
            (
                Projection::Count,
                Some(cmp(ID, CmpOp::Eq, 7.into())),
                None,
                None,
            ),
        ] {
            let mut s = Select::new(&TABLE);
            s.projection = projection;
            s.filter = filter;
            s.limit = limit;
            s.offset = offset;
            out.push(s);
        }
        // Aggregates, grouped, with a HAVING whose values bind after the filter's.
        let agg = |func, column| Projected::Aggregate(Aggregate { func, column });
        let mut s = Select::new(&TABLE);
        s.projection = Projection::Aggregates(vec![
            Projected::Column(NAME),
            agg(AggFunc::Avg, Some(ID)),
            agg(AggFunc::Sum, Some(ID)),
            agg(AggFunc::Count, None),
        ]);
        s.filter = Some(cmp(ID, CmpOp::Gt, 3.into()));
        s.group_by = vec![NAME];
        s.having = Some(Box::new(Having::Or(vec![
            Having::Compare {
                aggregate: Aggregate {
                    func: AggFunc::Avg,
                    column: Some(ID),
                },
                op: CmpOp::Gt,
                value: 2.5.into(),
            },
            Having::Not(Box::new(Having::And(vec![]))),
        ])));
        s.order = vec![crate::expr::Order {
            column: NAME,
            descending: true,
        }];
        s.limit = Some(10);
        out.push(s.clone());
        // The same, distinct: a shape of its own.
        s.distinct = true;
        out.push(s);
        out
    }

    #[test]
    fn every_shape_is_cached_with_sea_querys_values() {
        let cache = StatementCache::new();
        for (i, s) in selects().iter().enumerate() {
            let render = || crate::sql::select(s, &NoJson).build(SqliteQueryBuilder);
            let (first_sql, first_values) = cache.select(s, false, render);
            assert_eq!(cache.len(), i + 1, "shape {i} was cached");
            let (again_sql, again_values) = cache.select(s, false, || unreachable!());
            assert_eq!((first_sql, first_values), (again_sql, again_values));
        }
    }

    #[test]
    fn a_row_by_its_key_is_kept_by_table_with_sea_querys_values() {
        let by_key = |key: i64| {
            let mut s = Select::new(&TABLE);
            s.filter = Some(Expr::Compare {
                column: ColumnRef {
                    table: TABLE.name,
                    column: COLUMNS[0].name,
                },
                op: CmpOp::Eq,
                value: key.into(),
            });
            s.limit = Some(1);
            s
        };
        let render =
            |s: &Select, literal| crate::sql::build_select(s, literal, SqliteQueryBuilder, &NoJson);
        let cache = StatementCache::new();
        for literal in [false, true] {
            let first = by_key(7);
            assert!(first.key_lookup().is_some());
            cache.select(&first, literal, || render(&first, literal));
            let again = by_key(8);
            let cached = cache.select(&again, literal, || unreachable!("kept by table"));
            // The text and the values sea-query gives, the LIMIT bound or written.
            let (sql, values) = render(&again, literal);
            assert_eq!((&*cached.0, &cached.1), (sql.as_str(), &values));
        }
        assert_eq!(cache.len(), 2, "one text per paging style");
        // Anything more than the key is not that shape.
        let mut ordered = by_key(7);
        ordered.order = vec![crate::expr::Order {
            column: NAME,
            descending: false,
        }];
        let mut two = by_key(7);
        two.limit = Some(2);
        let mut greater = by_key(7);
        if let Some(Expr::Compare { op, .. }) = &mut greater.filter {
            *op = CmpOp::Gt;
        }
        for s in [ordered, two, greater] {
            assert!(s.key_lookup().is_none(), "{s:?}");
        }
        // A refused render keeps nothing.
        let refused = StatementCache::new();
        let no = || {
            Err(crate::Error::InvalidQuery {
                reason: "no".into(),
            })
        };
        assert!(refused.try_select(&by_key(1), false, no).is_err());
        assert!(refused.is_empty());
    }

    #[test]
    fn a_refused_select_is_not_cached_and_an_accepted_one_skips_the_checks() {
        let cache = StatementCache::new();
        let s = &selects()[0];
        let refused = || {
            Err(crate::Error::InvalidQuery {
                reason: "no".into(),
            })
        };
        for _ in 0..2 {
            assert!(cache.try_select(s, true, refused).is_err());
            assert!(cache.is_empty(), "a refused shape is never kept");
        }
        let render = || Ok(crate::sql::select(s, &NoJson).build(SqliteQueryBuilder));
        let first = cache.try_select(s, false, render).expect("rendered");
        let again = cache
            .try_select(s, false, || {
                unreachable!("a cached shape skips render and its checks")
            })
            .expect("cached");
        assert_eq!(first, again);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn writes_are_cached_with_sea_querys_values() {
        use crate::ir::{Assign, Delete, Update};
        let cache = StatementCache::new();
        let name_is = |v: &str| Expr::Compare {
            column: NAME,
            op: CmpOp::Eq,
            value: v.into(),
        };
        let statements = [
            Statement::Insert(Insert {
                table: &TABLE,
                columns: vec![&COLUMNS[1]],
                rows: vec![vec!["a".into()]],
                returning: None,
            }),
            Statement::Update(Update {
                table: &TABLE,
                set: vec![(&COLUMNS[1], Assign::Value("b".into()))],
                filter: Some(name_is("a")),
            }),
            Statement::Delete(Delete {
                table: &TABLE,
                filter: Some(name_is("b")),
            }),
            Statement::Delete(Delete {
                table: &TABLE,
                filter: None,
            }),
        ];
        for (i, stmt) in statements.iter().enumerate() {
            let build = || crate::sql::build_write(stmt, SqliteQueryBuilder, &NoJson);
            let first = cache.statement(stmt, build).unwrap();
            assert_eq!(cache.len(), i + 1, "statement {i} was cached");
            let again = cache.statement(stmt, || unreachable!()).unwrap();
            assert_eq!(first, again);
        }
        // Several rows are cached by their count (add_all's full batches share one
        // entry); more than MAX_CACHED_ROWS are rendered each time.
        let rows = |n: usize| {
            Statement::Insert(Insert {
                table: &TABLE,
                columns: vec![&COLUMNS[1]],
                rows: (0..n).map(|i| vec![format!("r{i}").into()]).collect(),
                returning: None,
            })
        };
        let two = rows(2);
        let build = || crate::sql::build_write(&two, SqliteQueryBuilder, &NoJson);
        let first = cache.statement(&two, build).unwrap();
        assert_eq!(cache.len(), statements.len() + 1);
        assert_eq!(first, cache.statement(&two, || unreachable!()).unwrap());
        let many = rows(MAX_CACHED_ROWS + 1);
        cache
            .statement(&many, || {
                crate::sql::build_write(&many, SqliteQueryBuilder, &NoJson)
            })
            .unwrap();
        assert_eq!(cache.len(), statements.len() + 1);
    }

    #[test]
    fn versioned_writes_are_shapes_of_their_own() {
        use crate::ir::{Assign, Delete, Update};
        static VERSIONED: [ColumnMeta; 2] = [
            ColumnMeta::new("id", "id", ColumnType::BigInt),
            ColumnMeta {
                version: true,
                ..ColumnMeta::new("version", "version", ColumnType::BigInt)
            },
        ];
        static VTABLE: TableMeta = TableMeta {
            name: "v",
            model: "V",
            columns: &VERSIONED,
            primary_key: &[0],
            parent: None,
        };
        let key = |id: i64| Expr::Compare {
            column: ColumnRef {
                table: "v",
                column: "id",
            },
            op: CmpOp::Eq,
            value: id.into(),
        };
        let checked = |id: i64, version: i64| {
            key(id).and(crate::version::check(&VTABLE, &VERSIONED[1], version))
        };
        let update = |filter: Expr, next: i64| {
            Statement::Update(Update {
                table: &VTABLE,
                set: vec![(&VERSIONED[1], Assign::Value(next.into()))],
                filter: Some(filter),
            })
        };
        let delete = |filter: Expr| {
            Statement::Delete(Delete {
                table: &VTABLE,
                filter: Some(filter),
            })
        };
        let cache = StatementCache::new();
        let plain = update(key(1), 5);
        let build = |stmt: &Statement| crate::sql::build_write(stmt, SqliteQueryBuilder, &NoJson);
        let (plain_sql, _) = cache.statement(&plain, || build(&plain)).unwrap();
        let versioned = update(checked(1, 4), 5);
        let (versioned_sql, values) = cache.statement(&versioned, || build(&versioned)).unwrap();
        assert_ne!(plain_sql, versioned_sql);
        assert!(
            versioned_sql.contains(r#""version" = ?"#),
            "{versioned_sql}"
        );
        assert_eq!(values, build(&versioned).unwrap().1);
        assert_eq!(cache.len(), 2);
        // Another object, another version: the same text, its own values.
        let next = update(checked(7, 9), 10);
        let (sql, values) = cache.statement(&next, || unreachable!()).unwrap();
        assert_eq!((sql, values), {
            let (sql, values) = build(&next).unwrap();
            (Arc::from(sql), values)
        });
        let (plain_delete, _) = cache
            .statement(&delete(key(1)), || build(&delete(key(1))))
            .unwrap();
        let checked_delete = delete(checked(1, 4));
        let (checked_sql, values) = cache
            .statement(&checked_delete, || build(&checked_delete))
            .unwrap();
        assert_ne!(plain_delete, checked_sql);
        assert_eq!(values.0, vec![Value::from(1i64), Value::from(4i64)]);
        assert_eq!(cache.len(), 4);
    }

    #[test]
    fn long_in_lists_are_not_cached() {
        let cache = StatementCache::new();
        let mut s = Select::new(&TABLE);
        s.filter = Some(Expr::In {
            column: ID,
            values: (0..100).map(Value::from).collect(),
            negated: false,
        });
        let render = || crate::sql::select(&s, &NoJson).build(SqliteQueryBuilder);
        let (sql, values) = cache.select(&s, false, render);
        assert_eq!(values.0.len(), 100);
        assert!(sql.contains("IN"), "{sql}");
        assert!(cache.is_empty());
    }

    #[test]
    fn values_and_paging_are_kept_apart() {
        let cache = StatementCache::new();
        let mut s = selects().remove(3);
        let render = |s: &Select| {
            let (stmt, paging) = crate::sql::select_with_literal_paging(s, &NoJson);
            let (mut sql, values) = stmt.build(SqliteQueryBuilder);
            sql.push_str(&paging);
            (sql, values)
        };
        let (sql, _) = cache.select(&s, true, || render(&s));
        s.filter = s.filter.map(|f| match f {
            Expr::And(mut all) => {
                all[0] = Expr::Compare {
                    column: ID,
                    op: CmpOp::Eq,
                    value: 99.into(),
                };
                Expr::And(all)
            }
            other => other,
        });
        let (same_sql, values) = cache.select(&s, true, || unreachable!());
        assert_eq!(sql, same_sql, "a new value is the same shape");
        assert_eq!(values.0[0], Value::Int(Some(99)));
        s.offset = Some(21);
        let (other_sql, _) = cache.select(&s, true, || render(&s));
        assert!(other_sql.ends_with("OFFSET 21"), "{other_sql}");
        assert_eq!(cache.len(), 2);
    }

    /// A dialect that writes `json_text(path)` as `j(col, ?) = ?` and tells its values.
    #[derive(Debug)]
    struct TellsJson;

    impl crate::json::JsonSyntax for TellsJson {
        fn backend(&self) -> &'static str {
            "test"
        }
        fn json(&self, column: sea_query::Expr, filter: &JsonFilter) -> Option<sea_query::Expr> {
            use sea_query::ExprTrait;
            match filter {
                JsonFilter::TextEq { path, value } => Some(
                    sea_query::Expr::cust_with_exprs(
                        "j(?, ?)",
                        [column, sea_query::Expr::val(path.join("."))],
                    )
                    .eq(sea_query::Expr::val(value.as_str())),
                ),
                _ => None,
            }
        }
        fn bound_values(&self, filter: &JsonFilter, out: &mut Vec<Value>) -> bool {
            match filter {
                JsonFilter::TextEq { path, value } => {
                    out.push(path.join(".").into());
                    out.push(value.as_str().into());
                    true
                }
                _ => false,
            }
        }
    }

    #[test]
    fn json_filters_are_cached_where_the_dialect_tells_their_values() {
        let text_eq = |path: &str, value: &str| {
            let mut s = Select::new(&TABLE);
            s.and_where(Expr::Json {
                column: NAME,
                filter: JsonFilter::TextEq {
                    path: vec![path.into()],
                    value: value.into(),
                },
            });
            s
        };
        for (json, cached) in [(Some(&TellsJson), 1), (None, 0)] {
            let cache = match json {
                Some(j) => StatementCache::with_json(j),
                None => StatementCache::new(),
            };
            for (path, value) in [("a", "x"), ("b", "y")] {
                let s = text_eq(path, value);
                let render = || crate::sql::select(&s, &TellsJson).build(SqliteQueryBuilder);
                let expected = render();
                let (sql, values) = cache.select(&s, false, render);
                assert_eq!((sql.to_string(), values), expected);
            }
            assert_eq!(cache.len(), cached);
        }
    }

    #[test]
    fn joins_of_a_child_model_are_cached_with_sea_querys_values() {
        use crate::ir::JoinKind;
        static PARENT_COLUMNS: [ColumnMeta; 1] = {
            let mut id = ColumnMeta::new("id", "id", ColumnType::BigInt);
            id.primary_key = true;
            [id]
        };
        static PARENT: TableMeta = TableMeta {
            name: "parent",
            model: "Parent",
            columns: &PARENT_COLUMNS,
            primary_key: &[0],
            parent: None,
        };
        static CHILD_COLUMNS: [ColumnMeta; 2] = {
            let mut id = ColumnMeta::new("id", "id", ColumnType::BigInt);
            id.primary_key = true;
            [id, ColumnMeta::new("n", "n", ColumnType::BigInt)]
        };
        static CHILD: TableMeta = TableMeta {
            name: "child",
            model: "Child",
            columns: &CHILD_COLUMNS,
            primary_key: &[0],
            parent: Some(&PARENT),
        };
        for kind in [JoinKind::Inner, JoinKind::Left] {
            let cache = StatementCache::new();
            let mut s = Select::new(&TABLE);
            let on = Expr::Columns {
                left: ColumnRef {
                    table: "parent",
                    column: "id",
                },
                op: CmpOp::Eq,
                right: ID,
            }
            .and(Expr::Compare {
                column: ColumnRef {
                    table: "child",
                    column: "n",
                },
                op: CmpOp::Gt,
                value: 1.into(),
            });
            s.join(kind, &CHILD, on);
            s.and_where(Expr::Compare {
                column: NAME,
                op: CmpOp::Eq,
                value: "x".into(),
            });
            let render = || crate::sql::select(&s, &NoJson).build(SqliteQueryBuilder);
            let first = cache.select(&s, false, render);
            assert_eq!(cache.len(), 1, "{kind:?} was cached");
            let again = cache.select(&s, false, || unreachable!());
            assert_eq!(first, again);
            // The left join binds the child's operand twice: in EXISTS and in its ON.
            let bound = if kind == JoinKind::Left { 3 } else { 2 };
            assert_eq!(again.1.0.len(), bound, "{kind:?}");
        }
    }
}
