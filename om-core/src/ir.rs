//! The query IR: what om asks a driver to run, before any dialect is chosen.
//!
//! **Driver API.** Applications do not need this module: it is for those who write a
//! driver (and for om's own drivers). Its types may change with the driver interface.
//!
//! Drivers render these with sea-query in their own dialect ([`crate::sql`] holds the
//! dialect-neutral part of that lowering) and bind every value as a parameter.

use crate::aggregate::{Aggregate, Having};
use crate::expr::{CmpOp, ColumnRef, Expr, Order};
use crate::model::{ColumnMeta, TableMeta};
use crate::value::{Value, ValueRef};

/// What a `SELECT` returns.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Projection {
    /// Every column of the table, in metadata order: what a model decodes.
    Model,
    /// These columns, in this order.
    Columns(Vec<ColumnRef>),
    /// `COUNT(*)` of the matching rows (honouring limit and offset).
    Count,
    /// The constant `1`, to test whether any row matches.
    One,
    /// Columns and aggregates, in this order: the rows of a grouped query (or one row
    /// of aggregates over every match).
    Aggregates(Vec<Projected>),
}

/// One item of a [`Projection::Aggregates`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Projected {
    /// A column (one the query is grouped by).
    Column(ColumnRef),
    /// An aggregate.
    Aggregate(Aggregate),
}

impl Projected {
    /// The column it reads (the aggregated one), `None` for `COUNT(*)`.
    pub fn column(&self) -> Option<ColumnRef> {
        match self {
            Projected::Column(c) => Some(*c),
            Projected::Aggregate(a) => a.column,
        }
    }
}

/// How a joined table's rows pair with the rows before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JoinKind {
    /// `INNER JOIN`: only rows with a match.
    Inner,
    /// `LEFT JOIN`: every row, with NULLs where the joined table has no match.
    Left,
}

/// A table joined into a [`Select`].
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// Inner or left.
    pub kind: JoinKind,
    /// The joined table.
    pub table: &'static TableMeta,
    /// The `ON` condition.
    pub on: Expr,
    /// For the root table of a left-joined model that extends another: how many of the
    /// joins that follow this one are the rest of the model's lineage. A row of `table`
    /// joins only when each of them has the row with its key for which their `ON`
    /// holds (`AND EXISTS (...)`), so that the model's tables are matched together or
    /// not at all. 0 for any other join.
    pub descendants: usize,
}

impl Join {
    /// A join of `table` on `on`, with no descendants.
    pub fn new(kind: JoinKind, table: &'static TableMeta, on: Expr) -> Self {
        Join {
            kind,
            table,
            on,
            descendants: 0,
        }
    }
}

/// A `SELECT` on one model's table, and the tables joined to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// The table.
    pub table: &'static TableMeta,
    /// The joined tables, in order: a [`Projection::Model`] returns the columns of
    /// `table`, then those of each joined table.
    pub joins: Vec<Join>,
    /// What to return.
    pub projection: Projection,
    /// The `WHERE`, if any.
    pub filter: Option<Expr>,
    /// The `ORDER BY` keys.
    pub order: Vec<Order>,
    /// The `LIMIT`.
    pub limit: Option<u64>,
    /// The `OFFSET`.
    pub offset: Option<u64>,
    /// When set, `limit` and `offset` apply to each group of rows with the same value
    /// of this column (the first rows of each parent, for an eager load), in `order`;
    /// a query has them numbered with `ROW_NUMBER() OVER (PARTITION BY ...)`.
    pub limit_per: Option<ColumnRef>,
    /// The `GROUP BY` columns.
    pub group_by: Vec<ColumnRef>,
    /// The `HAVING`, if any (boxed: most queries have none).
    pub having: Option<Box<Having>>,
    /// `SELECT DISTINCT`.
    pub distinct: bool,
}

impl Select {
    /// Every row of `table`, as models. The table of a model that extends another is
    /// read with its ancestors': from the root of its lineage, joined with each
    /// descendant down to `table` on the shared key.
    #[inline]
    pub fn new(table: &'static TableMeta) -> Self {
        // Inlined, so that a query of a model without a parent, read by key at once,
        // builds and drops nothing (the model's table is a constant).
        match table.parent {
            None => Select::of(table, Vec::new()),
            Some(_) => Select::of_lineage(table),
        }
    }

    /// [`Select::new`] of a model that extends another.
    fn of_lineage(table: &'static TableMeta) -> Self {
        let lineage = table.lineage();
        let root = lineage[0];
        let joins = lineage[1..]
            .iter()
            .map(|&level| Join::new(JoinKind::Inner, level, key_eq(level, root)))
            .collect();
        Select::of(root, joins)
    }

    #[inline]
    fn of(table: &'static TableMeta, joins: Vec<Join>) -> Self {
        Select {
            table,
            joins,
            projection: Projection::Model,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            limit_per: None,
            group_by: Vec::new(),
            having: None,
            distinct: false,
        }
    }

    /// Joins the table of a model (`table`) on `on`, after the tables already read.
    ///
    /// The table of a model that extends another brings its lineage, as
    /// [`Select::new`] reads it: the root's table, then each level down to `table`,
    /// joined on the shared key. Each operand of `on` (an AND is split) is checked at
    /// the first level whose join sees every table it reads. For a left join, a row of
    /// the root joins only if every level below has its row (and the operands checked
    /// there hold; see [`Join::descendants`]): a missing row leaves the whole model
    /// `NULL`.
    pub fn join(&mut self, kind: JoinKind, table: &'static TableMeta, on: Expr) {
        if table.parent.is_none() {
            self.joins.push(Join::new(kind, table, on));
            return;
        }
        let lineage = table.lineage();
        let root = lineage[0];
        let mut operands = Vec::new();
        conjuncts(on, &mut operands);
        let mut placed: Vec<Vec<Expr>> = vec![Vec::new(); lineage.len()];
        for operand in operands {
            placed[deepest_level(&operand, &lineage)].push(operand);
        }
        let descendants = match kind {
            JoinKind::Left => lineage.len() - 1,
            JoinKind::Inner => 0,
        };
        for (i, (&level, operands)) in lineage.iter().zip(placed).enumerate() {
            let on = if i == 0 {
                match <[Expr; 1]>::try_from(operands) {
                    Ok([one]) => one,
                    Err(several) => Expr::And(several),
                }
            } else {
                let mut all = Vec::new();
                conjuncts(key_eq(level, root), &mut all);
                all.extend(operands);
                Expr::And(all)
            };
            self.joins.push(Join {
                kind,
                table: level,
                on,
                descendants: if i == 0 { descendants } else { 0 },
            });
        }
    }

    /// The table, then each joined table.
    pub fn tables(&self) -> impl Iterator<Item = &'static TableMeta> + '_ {
        std::iter::once(self.table).chain(self.joins.iter().map(|j| j.table))
    }

    /// Reads at most `n` rows: the `LIMIT` becomes `n`, or stays when it is smaller (a
    /// query limited to no rows has no first row either).
    pub fn cap_limit(&mut self, n: u64) {
        self.limit = Some(self.limit.map_or(n, |l| l.min(n)));
    }

    /// The position, in a row of this query's [`Projection::Model`], of `column`
    /// (a descendant table's key column is read as its root's), and its metadata.
    pub fn model_position(&self, column: ColumnRef) -> Option<(usize, &'static ColumnMeta)> {
        let mut position = 0;
        for t in self.tables() {
            let skip_key = t.parent.is_some();
            for c in t.columns.iter().filter(|c| !(skip_key && c.primary_key)) {
                if t.name == column.table && c.name == column.column {
                    return Some((position, c));
                }
                position += 1;
            }
        }
        // A descendant's key column: the root's, at the same place in the key.
        let table = self.tables().find(|t| t.name == column.table)?;
        let nth = table.key_columns().position(|c| c.name == column.column)?;
        let root = self.table;
        let at = *root.primary_key.get(nth)?;
        Some((at, &root.columns[at]))
    }

    /// The query's conditions: its joins' `ON`s, then its `WHERE`.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.joins.iter().map(|j| &j.on).chain(self.filter.iter())
    }

    /// How many values the query binds once rendered, without its paging.
    pub fn parameter_count(&self) -> usize {
        let projection = usize::from(self.projection == Projection::One);
        let projection = projection
            + match &self.projection {
                Projection::Aggregates(items) => items
                    .iter()
                    .filter(|i| matches!(i, Projected::Aggregate(a) if a.func == crate::aggregate::AggFunc::Avg))
                    .count(),
                _ => 0,
            };
        projection
            + self.exprs().map(Expr::parameter_count).sum::<usize>()
            + self.having.as_deref().map_or(0, Having::parameter_count)
    }

    /// Whether the query groups its rows or reads aggregates (`GROUP BY`, `HAVING`,
    /// [`Projection::Aggregates`]).
    pub fn is_grouped(&self) -> bool {
        !self.group_by.is_empty()
            || self.having.is_some()
            || matches!(self.projection, Projection::Aggregates(_))
    }

    /// Whether the query returns at most one row (a `LIMIT 1` that is not per group):
    /// a driver may then read it as a single row.
    pub fn at_most_one_row(&self) -> bool {
        self.limit == Some(1) && self.limit_per.is_none()
    }

    /// The key's value when this query reads one row of its model by its key (of one
    /// column, `LIMIT 1`) and asks nothing more: what `get` asks, whose text a
    /// statement cache keeps by table.
    pub fn key_lookup(&self) -> Option<&Value> {
        let Some(Expr::Compare {
            column,
            op: CmpOp::Eq,
            value,
        }) = &self.filter
        else {
            return None;
        };
        let [key] = self.table.primary_key else {
            return None;
        };
        let key = self.table.columns.get(*key)?;
        let plain = self.reads_rows_as_they_are() && self.limit == Some(1);
        // The names are the metadata's own `&'static str`s when om built the filter
        // (`get`): compared by address first.
        let same = |a: &str, b: &str| std::ptr::eq(a, b) || a == b;
        (plain && same(column.table, self.table.name) && same(column.column, key.name))
            .then_some(value)
    }

    /// Whether the query reads its model's rows of one table as they are, whichever
    /// (its filter) and however many (its `LIMIT`): no join, grouping, `DISTINCT`,
    /// order or offset.
    #[inline]
    pub fn reads_rows_as_they_are(&self) -> bool {
        matches!(self.projection, Projection::Model)
            && self.joins.is_empty()
            && !self.distinct
            && self.group_by.is_empty()
            && self.having.is_none()
            && self.order.is_empty()
            && self.limit_per.is_none()
            && self.offset.is_none()
    }

    /// Adds a condition, AND-ed with those already there.
    pub fn and_where(&mut self, expr: Expr) {
        self.filter = Some(match self.filter.take() {
            None => expr,
            Some(existing) => existing.and(expr),
        });
    }
}

/// One row of a model by its key of one column, and nothing more: what `get` asks of a
/// plain query. It is the query [`to_select`](Self::to_select) gives (the one
/// [`Select::key_lookup`] recognizes), which a driver may run as the text its statement
/// cache keeps for that query, with the key bound as it is: no query to build, check,
/// render or drop.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ByKey {
    /// The model's table: one of no lineage, whose key is one column.
    pub table: &'static TableMeta,
    /// The key's value, not `NULL`.
    pub key: Value,
}

impl ByKey {
    /// The row of `table` whose key is `key`: `None` when the table's key is not one
    /// column, the table extends another (its rows are read with its lineage's), or
    /// `key` is `NULL` (which no row's key equals: `get` refuses it as `KeyNotSet`).
    pub fn new(table: &'static TableMeta, key: Value) -> Option<Self> {
        (Self::serves(table) && !crate::value::is_null(&key)).then_some(ByKey { table, key })
    }

    /// Whether the rows of `table` can be read by key this way: its key is one column,
    /// and it extends no other table.
    #[inline]
    pub fn serves(table: &TableMeta) -> bool {
        table.parent.is_none() && table.primary_key.len() == 1
    }

    /// The same query as a [`Select`]: the table's columns, where the key equals the
    /// value, `LIMIT 1`.
    pub fn to_select(&self) -> Select {
        let mut select = Select::new(self.table);
        if let Some(key) = self.table.key_columns().next() {
            select.filter = Some(Expr::Compare {
                column: ColumnRef {
                    table: self.table.name,
                    column: key.name,
                },
                op: CmpOp::Eq,
                value: self.key.clone(),
            });
        }
        select.limit = Some(1);
        select
    }
}

/// `level`'s key equals `root`'s, column by column: how the tables of a lineage join.
fn key_eq(level: &'static TableMeta, root: &'static TableMeta) -> Expr {
    Expr::And(
        level
            .key_columns()
            .zip(root.key_columns())
            .map(|(l, r)| Expr::Columns {
                left: ColumnRef {
                    table: level.name,
                    column: l.name,
                },
                op: CmpOp::Eq,
                right: ColumnRef {
                    table: root.name,
                    column: r.name,
                },
            })
            .collect(),
    )
}

/// The operands of `e`, nested ANDs flattened: conditions that all must hold.
fn conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::And(all) => all.into_iter().for_each(|e| conjuncts(e, out)),
        other => out.push(other),
    }
}

/// The deepest position in `lineage` of a table `e` reads (0 when it reads none).
fn deepest_level(e: &Expr, lineage: &[&'static TableMeta]) -> usize {
    let at = |c: &ColumnRef| lineage.iter().rposition(|t| t.name == c.table).unwrap_or(0);
    let deepest = |all: &[Expr]| all.iter().map(|e| deepest_level(e, lineage)).max();
    match e {
        Expr::Compare { column, .. }
        | Expr::In { column, .. }
        | Expr::IsNull { column, .. }
        | Expr::Like { column, .. }
        | Expr::Json { column, .. }
        // A subquery reads its own tables; of this query's, only the column.
        | Expr::InSubquery { column, .. } => at(column),
        Expr::Columns { left, right, .. } => at(left).max(at(right)),
        Expr::And(all) | Expr::Or(all) => deepest(all).unwrap_or(0),
        Expr::Not(inner) => deepest_level(inner, lineage),
    }
}

/// An `INSERT` of rows into one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// The table.
    pub table: &'static TableMeta,
    /// The columns written, in the order of each row's values.
    pub columns: Vec<&'static ColumnMeta>,
    /// The rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// The generated column to read back, for a single-row insert.
    pub returning: Option<&'static ColumnMeta>,
}

impl Insert {
    /// The insert split into one insert per row, in order.
    pub fn into_single_rows(self) -> impl Iterator<Item = Insert> {
        let Insert {
            table,
            columns,
            rows,
            returning,
        } = self;
        rows.into_iter().map(move |row| Insert {
            table,
            columns: columns.clone(),
            rows: vec![row],
            returning,
        })
    }
}

/// An [`Insert`] whose values are borrowed from the objects written where that saves
/// a copy (text and bytes): what `add_all` hands a driver, which binds them as they are.
/// [`into_owned`](Self::into_owned) gives the same insert with owned values, for a
/// driver (or a statement) that needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertRows<'a> {
    /// The table, the columns and the generated column to read back; no rows.
    pub head: Insert,
    /// How many rows are inserted: counted, not derived from the values, as a row of a
    /// table whose only column is generated has none (`DEFAULT VALUES`).
    pub rows: usize,
    /// Every row's values, row after row, one per column of `head`.
    pub values: Vec<ValueRef<'a>>,
}

/// What a bulk load ([`Executor::copy_in`](crate::driver::Executor::copy_in)) did: how
/// many rows it wrote and the keys it drew, in the order of the rows that left theirs
/// NULL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Copied {
    /// The rows written.
    pub rows: u64,
    /// The keys drawn for the rows whose generated key was NULL, in row order.
    pub keys: Vec<i64>,
}

impl Copied {
    /// `rows` written, with the keys drawn for them.
    pub fn new(rows: u64, keys: Vec<i64>) -> Self {
        Copied { rows, keys }
    }
}

impl InsertRows<'_> {
    /// Where a bulk load draws keys: the position among `head.columns` of the
    /// generated column `head.returning` names, when that column is written. Each row
    /// whose value there is NULL gets a key drawn from the database
    /// ([`Executor::copy_in`](crate::driver::Executor::copy_in)).
    pub fn drawn_key(&self) -> Option<usize> {
        let generated = self.head.returning?;
        self.head
            .columns
            .iter()
            .position(|c| c.name == generated.name)
    }

    /// How many keys a bulk load draws: the rows that leave the column
    /// [`drawn_key`](Self::drawn_key) names NULL (0 when it names none).
    pub fn keys_to_draw(&self) -> usize {
        let (Some(position), width) = (self.drawn_key(), self.head.columns.len()) else {
            return 0;
        };
        self.values
            .chunks_exact(width)
            .filter(|row| row.get(position).is_some_and(ValueRef::is_null))
            .count()
    }

    /// The insert with owned values.
    pub fn into_owned(self) -> Insert {
        let InsertRows {
            mut head,
            rows,
            values,
        } = self;
        let width = head.columns.len();
        let mut values = values.into_iter().map(ValueRef::into_owned);
        head.rows = (0..rows)
            .map(|_| values.by_ref().take(width).collect())
            .collect();
        head
    }
}

/// The rows of an owned insert, as owned values.
impl From<Insert> for InsertRows<'static> {
    fn from(mut insert: Insert) -> Self {
        let rows = std::mem::take(&mut insert.rows);
        InsertRows {
            head: insert,
            rows: rows.len(),
            values: rows.into_iter().flatten().map(ValueRef::Owned).collect(),
        }
    }
}

/// An `UPDATE` of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The table.
    pub table: &'static TableMeta,
    /// The columns set, and what each is set to.
    pub set: Vec<(&'static ColumnMeta, Assign)>,
    /// The `WHERE`.
    pub filter: Option<Expr>,
}

/// What an [`Update`] sets a column to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Assign {
    /// A value, bound as a parameter.
    Value(Value),
    /// Another column of the same row (its value before the update).
    Column(ColumnRef),
    /// A column of the same row plus a value: `count + 1`.
    Add(ColumnRef, Value),
    /// A column of the same row minus a value: `count - 1`.
    Sub(ColumnRef, Value),
}

impl Assign {
    /// The value this assignment binds, if it binds one.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Assign::Value(v) | Assign::Add(_, v) | Assign::Sub(_, v) => Some(v),
            Assign::Column(_) => None,
        }
    }
}

/// A `DELETE` from one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The table.
    pub table: &'static TableMeta,
    /// The `WHERE`; `None` deletes every row.
    pub filter: Option<Expr>,
}

/// A statement for a driver to render and run.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Statement {
    /// A query.
    Select(Select),
    /// An insert.
    Insert(Insert),
    /// An update.
    Update(Update),
    /// A delete.
    Delete(Delete),
    /// `CREATE TABLE IF NOT EXISTS`, with the table's indexes.
    CreateTable(&'static TableMeta),
    /// `DROP TABLE IF EXISTS`.
    DropTable(&'static TableMeta),
    /// A statement the user built with sea-query, rendered by the driver in its dialect.
    Built(Box<Built>),
    /// SQL written by the user in the backend's dialect, with bound values.
    Raw {
        /// The SQL text.
        sql: String,
        /// The values for its placeholders.
        values: Vec<Value>,
    },
}

impl Statement {
    /// The table the statement is about, if it is about one.
    pub fn table(&self) -> Option<&'static TableMeta> {
        match self {
            Statement::Select(s) => Some(s.table),
            Statement::Insert(s) => Some(s.table),
            Statement::Update(s) => Some(s.table),
            Statement::Delete(s) => Some(s.table),
            Statement::CreateTable(t) | Statement::DropTable(t) => Some(t),
            Statement::Raw { .. } | Statement::Built(_) => None,
        }
    }
}

/// A statement built by hand with sea-query (over a model's table: `User::table().iden()`),
/// which each driver renders in its own dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Built {
    /// A `SELECT`.
    Select(sea_query::SelectStatement),
    /// An `INSERT`.
    Insert(sea_query::InsertStatement),
    /// An `UPDATE`.
    Update(sea_query::UpdateStatement),
    /// A `DELETE`.
    Delete(sea_query::DeleteStatement),
}

impl Built {
    /// Renders the statement with a dialect's query builder: its SQL and its values.
    pub fn build<B: sea_query::QueryBuilder>(&self, builder: B) -> (String, sea_query::Values) {
        match self {
            Built::Select(s) => s.build(builder),
            Built::Insert(s) => s.build(builder),
            Built::Update(s) => s.build(builder),
            Built::Delete(s) => s.build(builder),
        }
    }
}
