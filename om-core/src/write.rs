//! Writing objects: add, update, delete, and the schema operations. Shared by
//! [`Database`](crate::Database) and [`Transaction`](crate::Transaction).

use crate::driver::{Executor, TransactionExecutor};
use crate::error::{Error, Result};
use crate::expr::{CmpOp, ColumnRef, Expr};
use crate::ir::{Assign, Delete, Insert, InsertRows, Statement, Update};
use crate::model::{ColumnMeta, DefaultValue, Model, TableMeta, Undo};
use crate::value::{Value, is_null};

mod bulk;

pub(crate) use bulk::bulk_insert;

/// `pk1 = v1 AND pk2 = v2 ...` for `table`'s key, or `KeyNotSet` when a value is NULL.
pub(crate) fn key_filter(
    table: &'static TableMeta,
    values: impl IntoIterator<Item = Value>,
    operation: &'static str,
) -> Result<Expr> {
    let compare = |column: &'static ColumnMeta, value: Value| {
        if is_null(&value) {
            return Err(Error::KeyNotSet {
                operation,
                table: table.name,
                column: column.name,
            });
        }
        Ok(Expr::Compare {
            column: ColumnRef {
                table: table.name,
                column: column.name,
            },
            op: CmpOp::Eq,
            value,
        })
    };
    let mut values = values.into_iter();
    if let [column] = table.primary_key {
        // A key of one column, the common case: one comparison, no list.
        let column = &table.columns[*column];
        let value = values.next().unwrap_or(Value::BigInt(None));
        return compare(column, value);
    }
    let parts = table
        .key_columns()
        .zip(values)
        .map(|(column, value)| compare(column, value))
        .collect::<Result<Vec<_>>>()?;
    Ok(Expr::And(parts))
}

fn key_of<M: Model>(obj: &M, operation: &'static str) -> Result<Expr> {
    let table = M::table();
    let mut values = Vec::with_capacity(table.primary_key.len());
    obj.write_key(&mut values);
    key_filter(table, values, operation)
}

/// The columns and values an insert of `obj` writes: all but a generated key still unset.
pub(crate) fn insert_row<M: Model>(obj: &M, skip_generated: bool) -> Vec<Value> {
    let mut values = Vec::with_capacity(M::table().columns.len());
    obj.write_values(&mut values);
    if let (true, Some((i, _))) = (skip_generated, M::table().generated_column()) {
        values.remove(i);
    }
    values
}

/// The insert of `objs` with their values borrowed (text and bytes are not copied):
/// all columns but a generated key still unset, when `skip_generated`.
pub(crate) fn insert_rows_of<M: Model>(objs: &[M], skip_generated: bool) -> InsertRows<'_> {
    let head = insert_of::<M>(skip_generated);
    let skip = match skip_generated {
        true => M::table().generated_column().map(|(i, _)| i),
        false => None,
    };
    let mut values = Vec::with_capacity(M::table().columns.len() * objs.len());
    for obj in objs {
        let start = values.len();
        obj.write_value_refs(&mut values);
        if let Some(i) = skip {
            values.remove(start + i);
        }
    }
    InsertRows {
        head,
        rows: objs.len(),
        values,
    }
}

pub(crate) fn insert_of<M: Model>(skip_generated: bool) -> Insert {
    let table = M::table();
    let generated = if skip_generated {
        table.generated_column().map(|(i, _)| i)
    } else {
        None
    };
    Insert {
        table,
        columns: table
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != generated)
            .map(|(_, c)| c)
            .collect(),
        rows: Vec::new(),
        returning: generated.map(|i| &table.columns[i]),
    }
}

/// Inserts one object, writing back its defaults and generated key.
///
/// On failure the object is left as it was given. A generated key that does not fit
/// the field (an `i32` key mapped onto a `BIGINT` column past `i32::MAX`) is
/// [`Error::InvalidValue`] and its row is deleted again by key ([`remove_inserted`]),
/// so that it leaves no row behind without a transaction around every insert.
pub(crate) async fn add<M: Model>(exec: &dyn Executor, obj: &mut M) -> Result<()> {
    if M::table().parent.is_some() {
        return crate::inherit::add_all(exec, std::slice::from_mut(obj)).await;
    }
    let undo = obj.apply_defaults();
    let generate = obj.needs_generated_key();
    let outcome = insert_one(exec, obj, generate).await;
    if outcome.is_err() {
        undo(obj);
        if generate {
            // `None` always fits.
            let _ = obj.set_generated_key(None);
        }
    }
    outcome
}

async fn insert_one<M: Model>(exec: &dyn Executor, obj: &mut M, generate: bool) -> Result<()> {
    let mut insert = insert_of::<M>(generate);
    insert.rows.push(insert_row(obj, generate));
    if generate {
        let key = exec.insert_returning(insert).await?;
        match obj.set_generated_key(Some(key)) {
            Ok(()) => Ok(()),
            Err(e) => remove_inserted::<M>(exec, &[key]).await.and(Err(e)),
        }
    } else {
        exec.execute(&Statement::Insert(insert)).await.map(drop)
    }
}

/// Writes the generated `keys` back into `objs`, in order; when one does not fit its
/// field, deletes every row of `keys` again and returns that error.
async fn write_back_keys<M: Model>(
    exec: &dyn Executor,
    objs: &mut [M],
    keys: Vec<i64>,
) -> Result<()> {
    let fits = objs
        .iter_mut()
        .zip(&keys)
        .try_for_each(|(obj, key)| obj.set_generated_key(Some(*key)));
    match fits {
        Ok(()) => Ok(()),
        Err(e) => remove_inserted::<M>(exec, &keys).await.and(Err(e)),
    }
}

/// Deletes the rows of `M` just inserted with the generated `keys`: the compensation
/// for a key that does not fit the model's field. Only a model whose field is narrower
/// than the column (an `i32` field on a `BIGINT` key) can meet it; a column of the
/// field's own width cannot generate a key it does not hold. When this delete fails,
/// its error is returned (the rows may remain).
pub(crate) async fn remove_inserted<M: Model>(exec: &dyn Executor, keys: &[i64]) -> Result<()> {
    let table = M::table();
    let Some((_, column)) = table.generated_column() else {
        return Ok(());
    };
    let column = ColumnRef {
        table: table.name,
        column: column.name,
    };
    for chunk in keys.chunks(rows_per_statement::<M>(exec).max(1)) {
        let filter = Expr::In {
            column,
            values: chunk.iter().map(|&key| Value::BigInt(Some(key))).collect(),
            negated: false,
        };
        exec.execute(&Statement::Delete(Delete {
            table,
            filter: Some(filter),
        }))
        .await?;
    }
    Ok(())
}

/// Inserts several objects in one transaction: all of them or none.
pub(crate) async fn add_all<M: Model>(exec: &dyn Executor, objs: &mut [M]) -> Result<()> {
    if M::table().parent.is_some() && !objs.is_empty() {
        return crate::inherit::add_all(exec, objs).await;
    }
    match objs {
        [] => return Ok(()),
        [one] => return add(exec, one).await,
        _ => {}
    }
    let generated: Vec<bool> = objs.iter().map(Model::needs_generated_key).collect();
    if one_statement::<M>(exec, objs, &generated) {
        // One statement is atomic by itself: no transaction around it.
        let undos: Vec<Undo<M>> = objs.iter_mut().map(|o| o.apply_defaults()).collect();
        let generate = generated[0];
        let inserted = exec.insert_rows(insert_rows_of(objs, generate)).await;
        let outcome = match inserted {
            Ok(keys) if generate => write_back_keys(exec, objs, keys).await,
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if outcome.is_err() {
            for ((obj, undo), generated) in objs.iter_mut().zip(undos).zip(generated) {
                undo(obj);
                if generated {
                    obj.set_generated_key(None)?;
                }
            }
        }
        return outcome;
    }
    let tx = exec.begin().await?;
    let mut undos = Vec::with_capacity(objs.len());
    let outcome = match add_each(&*tx, objs, &mut undos).await {
        Ok(()) => tx.commit().await,
        Err(e) => {
            // The original error matters more than a failed rollback; a dropped
            // transaction is rolled back by the driver in any case.
            let _ = tx.rollback().await;
            Err(e)
        }
    };
    if outcome.is_err() {
        // Nothing was written: keys handed out inside the rolled-back transaction are
        // void, and defaults go back to `None`.
        for ((obj, undo), generated) in objs.iter_mut().zip(undos).zip(generated) {
            undo(obj);
            if generated {
                obj.set_generated_key(None)?;
            }
        }
    }
    outcome
}

/// The most rows of `M` one insert statement carries on `exec`.
fn rows_per_statement<M: Model>(exec: &dyn Executor) -> usize {
    let width = M::table().columns.len().max(1);
    (exec.capabilities().max_parameters / width).clamp(1, ROWS_PER_INSERT)
}

/// Whether `objs` go in one insert statement whose keys come back with it: all of them
/// need a generated key (read in the statement as an `i64`; one that does not fit the
/// field has its rows deleted again) or none does. Not inside a transaction that an
/// error aborts (PostgreSQL): there the insert runs in a savepoint, so that its
/// failure leaves the transaction usable.
fn one_statement<M: Model>(exec: &dyn Executor, objs: &[M], generated: &[bool]) -> bool {
    let Some(&first) = generated.first() else {
        return false;
    };
    // Rows of nothing but a generated key go one at a time (`insert_runs`).
    let one_by_one = first && key_only::<M>();
    let aborting_transaction =
        exec.in_transaction() && exec.capabilities().errors_abort_transaction;
    !(aborting_transaction || one_by_one)
        && objs.len() <= rows_per_statement::<M>(exec)
        && generated.iter().all(|&g| g == first)
        && (!first || exec.capabilities().returning)
}

/// Whether `M`'s only column is its generated key.
fn key_only<M: Model>() -> bool {
    let table = M::table();
    table.columns.len() == 1 && table.generated_column().is_some()
}

async fn add_each<M: Model>(
    tx: &dyn TransactionExecutor,
    objs: &mut [M],
    undos: &mut Vec<Undo<M>>,
) -> Result<()> {
    for obj in objs.iter_mut() {
        undos.push(obj.apply_defaults());
    }
    insert_runs(tx, objs, rows_per_statement::<M>(tx), true).await
}

/// Inserts `objs` (their defaults applied) in multi-row inserts of at most
/// `per_statement` rows, writing back generated keys (unless `read_keys` is false: the
/// database generates them and they are not read): runs of objects that all need a
/// generated key (or all have theirs), in the order given. Run inside a transaction,
/// which undoes every row when one statement fails.
pub(crate) async fn insert_runs<M: Model>(
    tx: &dyn TransactionExecutor,
    objs: &mut [M],
    per_statement: usize,
    read_keys: bool,
) -> Result<()> {
    let mut rest = objs;
    while let Some(first) = rest.first() {
        let generate = first.needs_generated_key();
        let per_statement = match generate && key_only::<M>() {
            // Rows of nothing but a generated key: `DEFAULT VALUES`, which not every
            // dialect writes for several rows in one statement.
            true => 1,
            false => per_statement,
        };
        let run = same_key_run(rest, per_statement);
        let (batch, after) = rest.split_at_mut(run);
        let mut rows = insert_rows_of(batch, generate);
        if !read_keys {
            rows.head.returning = None;
        }
        let keys = tx.insert_rows(rows).await?;
        for (obj, key) in batch.iter_mut().zip(keys) {
            obj.set_generated_key(Some(key))?;
        }
        rest = after;
    }
    Ok(())
}

/// The most rows `add_all` writes in one statement (fewer when the backend's limit on
/// bound parameters says so).
const ROWS_PER_INSERT: usize = 1000;

/// Writes an object by its key, applying its on-update values first; on failure the
/// object is left as it was given.
pub(crate) async fn update<M: Model>(exec: &dyn Executor, obj: &mut M) -> Result<()> {
    update_only(exec, obj, None).await
}

/// Which columns an update writes: every column (`None`), or these, with every column
/// that has an on-update value and the version column.
pub(crate) type Only<'a> = Option<&'a [ColumnRef]>;

/// Whether an update limited to `only` writes `column` of `table`.
pub(crate) fn writes(only: Only<'_>, table: &TableMeta, column: &ColumnMeta) -> bool {
    only.is_none_or(|only| {
        column.version
            || column.on_update != DefaultValue::None
            || only
                .iter()
                .any(|c| c.column == column.name && c.table == table.name)
    })
}

/// Writes the chosen columns of an object (with its on-update values and version) by
/// its key; on failure the object is left as it was given.
pub(crate) async fn update_columns<M: Model>(
    exec: &dyn Executor,
    obj: &mut M,
    columns: &[ColumnRef],
) -> Result<()> {
    let lineage = M::table().lineage();
    for c in columns {
        let known = lineage
            .iter()
            .find(|t| t.name == c.table)
            .and_then(|t| t.column(c.column));
        match known {
            Some(meta) if meta.primary_key => {
                return Err(Error::InvalidQuery {
                    reason: format!(
                        "update_columns cannot write the key column `{}.{}`",
                        c.table, c.column
                    ),
                });
            }
            Some(_) => {}
            None => {
                return Err(Error::InvalidQuery {
                    reason: format!(
                        "`{}.{}` is not a column of `{}`",
                        c.table,
                        c.column,
                        M::table().model
                    ),
                });
            }
        }
    }
    update_only(exec, obj, Some(columns)).await
}

async fn update_only<M: Model>(exec: &dyn Executor, obj: &mut M, only: Only<'_>) -> Result<()> {
    if M::table().parent.is_some() {
        return crate::inherit::update(exec, obj, only).await;
    }
    let filter = key_of(obj, "update")?;
    if let Some((column, expected)) = crate::version::own(obj) {
        return crate::version::update(exec, obj, filter, column, expected, only).await;
    }
    let undo = obj.apply_on_update();
    let outcome = update_row(exec, obj, filter, only).await;
    if outcome.is_err() {
        undo(obj);
    }
    outcome
}

/// Writes `obj`'s columns where `filter` matches; `RowNotFound` when no row does.
pub(crate) async fn update_row<M: Model>(
    exec: &dyn Executor,
    obj: &M,
    filter: Expr,
    only: Only<'_>,
) -> Result<()> {
    let table = M::table();
    let mut values = Vec::with_capacity(table.columns.len());
    obj.write_values(&mut values);
    let set: Vec<_> = table
        .columns
        .iter()
        .zip(values)
        .filter(|(c, _)| !c.primary_key && writes(only, table, c))
        .map(|(c, v)| (c, Assign::Value(v)))
        .collect();
    let found = if set.is_empty() {
        // A table of key columns only: nothing to write, but the row must exist.
        let mut select = crate::ir::Select::new(table);
        select.projection = crate::ir::Projection::One;
        select.filter = Some(filter);
        let mut found = false;
        exec.fetch(&Statement::Select(select), &mut |_| {
            found = true;
            Ok(())
        })
        .await?;
        found
    } else {
        let update = Update {
            table,
            set,
            filter: Some(filter),
        };
        exec.execute(&Statement::Update(update)).await? > 0
    };
    if found {
        Ok(())
    } else {
        Err(Error::RowNotFound {
            operation: "update",
            table: table.name,
        })
    }
}

/// The assignments of a bulk update of `M`, grouped by the table of its lineage they
/// write (one group for a model that extends none): `sets`, checked, then the model's
/// on-update values not already set (evaluated once), and its version plus one.
pub(crate) fn bulk_set<M: Model>(sets: Vec<crate::column::Set>) -> Result<Vec<TableSet>> {
    let invalid = |reason: String| Err(Error::InvalidQuery { reason });
    if sets.is_empty() {
        return invalid("a bulk update needs at least one column to set".into());
    }
    let lineage = M::table().lineage();
    let find = |c: ColumnRef| {
        lineage
            .iter()
            .find(|t| t.name == c.table)
            .and_then(|t| Some((*t, t.column(c.column)?)))
    };
    let mut on_update = Vec::new();
    M::on_update_values(&mut on_update);
    let mut groups: Vec<TableSet> = Vec::with_capacity(1);
    let explicit = sets.len();
    // A versioned model's version goes up by one, so that objects read before are
    // stale.
    let versions = lineage.iter().filter_map(|t| {
        let column = t.version_column()?;
        let at = ColumnRef {
            table: t.name,
            column: column.name,
        };
        Some((at, Assign::Add(at, crate::version::value(column, 1))))
    });
    let all = sets
        .into_iter()
        .map(|s| (s.column, s.assign))
        .chain(
            on_update
                .into_iter()
                .map(|(table, column, v)| (ColumnRef { table, column }, Assign::Value(v))),
        )
        .chain(versions);
    for (i, (column, assign)) in all.enumerate() {
        let Some((table, meta)) = find(column) else {
            return invalid(format!(
                "`{}.{}` is not a column of `{}`",
                column.table,
                column.column,
                M::table().model
            ));
        };
        let already = groups
            .iter()
            .flat_map(|(_, set)| set)
            .any(|(c, _)| std::ptr::eq(*c, meta));
        if already {
            if i >= explicit {
                // Set by the caller: the on-update value gives way.
                continue;
            }
            return invalid(format!("a bulk update sets `{}` twice", meta.name));
        }
        if meta.primary_key {
            return invalid(format!(
                "a bulk update cannot set the key column `{}`",
                meta.name
            ));
        }
        if let Assign::Column(read) | Assign::Add(read, _) | Assign::Sub(read, _) = &assign
            && read.table != table.name
        {
            return invalid(format!(
                "a bulk update of `{}` sets `{}.{}` from `{}.{}`: the set spans two tables of \
                 its lineage, which one UPDATE cannot read together",
                M::table().model,
                table.name,
                meta.name,
                read.table,
                read.column
            ));
        }
        match groups.iter_mut().find(|(t, _)| std::ptr::eq(*t, table)) {
            Some((_, set)) => set.push((meta, assign)),
            None => groups.push((table, vec![(meta, assign)])),
        }
    }
    Ok(groups)
}

/// Orders a bulk update's assignments for every backend to read the values from
/// before the update.
pub(crate) fn order_assignments(
    exec: &dyn Executor,
    set: &mut [(&'static ColumnMeta, Assign)],
) -> Result<()> {
    // MySQL reads a column set earlier in the statement with its new value: the
    // assignments that read another column go first, so that every backend reads
    // the values from before the update.
    let reads_other = |(c, a): &(&ColumnMeta, Assign)| match a {
        Assign::Column(o) | Assign::Add(o, _) | Assign::Sub(o, _) => o.column != c.name,
        _ => false,
    };
    set.sort_by_key(|s| !reads_other(s));
    if exec.backend() != "mysql" {
        return Ok(());
    }
    for (i, s) in set.iter().enumerate() {
        if let (true, Assign::Column(o) | Assign::Add(o, _) | Assign::Sub(o, _)) =
            (reads_other(s), &s.1)
            && set[..i].iter().any(|(c, _)| c.name == o.column)
        {
            return Err(Error::Unsupported {
                backend: exec.backend(),
                feature: format!(
                    "a bulk update that sets `{}` from `{}` while setting `{}` from \
                     another column (MySQL would read its new value)",
                    s.0.name, o.column, o.column
                ),
            });
        }
    }
    Ok(())
}

/// A table and the assignments a bulk update makes to it.
pub(crate) type TableSet = (&'static TableMeta, Vec<(&'static ColumnMeta, Assign)>);

/// Deletes an object by its key; `true` when a row was deleted.
pub(crate) async fn delete<M: Model>(exec: &dyn Executor, obj: &M) -> Result<bool> {
    if M::table().parent.is_some() {
        return crate::inherit::delete(exec, obj).await;
    }
    let filter = key_of(obj, "delete")?;
    if let Some((column, expected)) = crate::version::own(obj) {
        return crate::version::delete::<M>(exec, filter, column, expected).await;
    }
    let affected = exec
        .execute(&Statement::Delete(Delete {
            table: M::table(),
            filter: Some(filter),
        }))
        .await?;
    Ok(affected > 0)
}

/// Creates every table (and its indexes) that does not exist yet, each after the
/// tables it references ([`schema::creation_order`](crate::schema::creation_order)).
pub(crate) async fn create_all(exec: &dyn Executor, tables: &[&'static TableMeta]) -> Result<()> {
    for table in crate::schema::creation_order(tables)? {
        exec.execute(&Statement::CreateTable(table)).await?;
    }
    Ok(())
}

/// Drops every table that exists, each before the tables it references: the reverse
/// of the order `create_all` creates them in.
pub(crate) async fn drop_all(exec: &dyn Executor, tables: &[&'static TableMeta]) -> Result<()> {
    for table in crate::schema::creation_order(tables)?.into_iter().rev() {
        exec.execute(&Statement::DropTable(table)).await?;
    }
    Ok(())
}

/// How many objects from the start of `objs` (at most `per_statement`) all need a
/// generated key, or all have theirs: the rows of one multi-row insert.
pub(crate) fn same_key_run<M: Model>(objs: &[M], per_statement: usize) -> usize {
    let generate = objs.first().is_some_and(M::needs_generated_key);
    objs.iter()
        .take(per_statement)
        .take_while(|o| o.needs_generated_key() == generate)
        .count()
}
