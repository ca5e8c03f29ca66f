//! Writing models that extend others (joined-table inheritance): one row per table of
//! the model's lineage, all written in one transaction (a savepoint inside one).
//!
//! A model's values (`Model::write_values`) follow its lineage, root first: the root
//! table's columns, then each descendant's columns, its key columns (the root's key
//! again) first. Its rows (`Model::from_row`) too, without the repeated keys.
//!
//! A versioned model's version column lives in one table of its lineage: its update
//! and delete take that table's row first, checking the version there, so that a stale
//! object fails before anything is written (and concurrent writers lock in one order).

use crate::driver::{Executor, TransactionExecutor};
use crate::error::{Error, Result};
use crate::ir::{Assign, Delete, Insert, Select, Statement, Update};
use crate::model::{ColumnMeta, Model, TableMeta, Undo};
use crate::value::Value;
use crate::write::key_filter;

/// Ends a transaction (a savepoint inside one) by the outcome of its work: committed
/// when it succeeded, rolled back when it failed.
async fn finish<T>(tx: Box<dyn TransactionExecutor + '_>, outcome: Result<T>) -> Result<T> {
    match outcome {
        Ok(out) => {
            tx.commit().await?;
            Ok(out)
        }
        Err(e) => {
            // The original error matters more than a failed rollback; a dropped
            // transaction is rolled back by the driver in any case.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// The tables of `M`'s lineage, each with where its columns start in `M`'s values.
fn levels<M: Model>() -> Vec<(&'static TableMeta, usize)> {
    let mut start = 0;
    M::table()
        .lineage()
        .into_iter()
        .map(|level| {
            let at = start;
            start += level.columns.len();
            (level, at)
        })
        .collect()
}

/// Inserts `obj`'s rows, root first; the root's generated key, if it needs one, is
/// written back into `obj` before the other tables' rows take it.
async fn insert_rows<M: Model>(exec: &dyn Executor, obj: &mut M, generate: bool) -> Result<()> {
    let levels = levels::<M>();
    let mut values = Vec::with_capacity(M::table().row_width());
    obj.write_values(&mut values);
    let (root, _) = levels[0];
    let root_values = values[..root.columns.len()].to_vec();
    match root.generated_column().filter(|_| generate) {
        Some((generated, column)) => {
            let insert = Insert {
                table: root,
                columns: root
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != generated)
                    .map(|(_, c)| c)
                    .collect(),
                rows: vec![
                    root_values
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| *i != generated)
                        .map(|(_, v)| v)
                        .collect(),
                ],
                returning: Some(column),
            };
            let key = exec.insert_returning(insert).await?;
            obj.set_generated_key(Some(key))?;
            values.clear();
            obj.write_values(&mut values);
        }
        None => {
            exec.execute(&Statement::Insert(Insert {
                table: root,
                columns: root.columns.iter().collect(),
                rows: vec![root_values],
                returning: None,
            }))
            .await?;
        }
    }
    for &(level, start) in &levels[1..] {
        exec.execute(&Statement::Insert(Insert {
            table: level,
            columns: level.columns.iter().collect(),
            rows: vec![values[start..start + level.columns.len()].to_vec()],
            returning: None,
        }))
        .await?;
    }
    Ok(())
}

/// Puts back what `add` changed in objects whose rows were not written.
fn undo_adds<M: Model>(objs: &mut [M], undos: Vec<Undo<M>>, generated: &[bool]) -> Result<()> {
    for ((obj, undo), &generated) in objs.iter_mut().zip(undos).zip(generated) {
        undo(obj);
        if generated {
            obj.set_generated_key(None)?;
        }
    }
    Ok(())
}

/// Inserts `objs`, each across its lineage's tables, in one transaction: all or none.
pub(crate) async fn add_all<M: Model>(exec: &dyn Executor, objs: &mut [M]) -> Result<()> {
    let generated: Vec<bool> = objs.iter().map(Model::needs_generated_key).collect();
    let undos: Vec<Undo<M>> = objs.iter_mut().map(Model::apply_defaults).collect();
    let outcome = match exec.begin().await {
        Ok(tx) => {
            let work = insert_each(&*tx, objs, &generated).await;
            finish(tx, work).await
        }
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        undo_adds(objs, undos, &generated)?;
    }
    outcome
}

async fn insert_each<M: Model>(
    exec: &dyn Executor,
    objs: &mut [M],
    generated: &[bool],
) -> Result<()> {
    for (obj, &generate) in objs.iter_mut().zip(generated) {
        insert_rows(exec, obj, generate).await?;
    }
    Ok(())
}

/// Where a versioned object's version is checked: the table of its lineage that holds
/// the version column, the column, and the object's version. `None`, at no cost, for a
/// model without a version column.
type VersionAt = (&'static TableMeta, &'static ColumnMeta, i64);

fn version_of<M: Model>(obj: &M) -> Option<VersionAt> {
    if !M::VERSIONED {
        return None;
    }
    let expected = obj.version()?;
    let mut level = Some(M::table());
    while let Some(table) = level {
        if let Some(column) = table.version_column() {
            return Some((table, column, expected));
        }
        level = table.parent;
    }
    None
}

/// Updates `obj`'s row in every table of its lineage, after its on-update values.
/// `RowNotFound` when the model's own table has no row with its key; for a versioned
/// model, `StaleObject` when a row is missing or holds another version, and nothing is
/// written. On failure the object is left as given.
pub(crate) async fn update<M: Model>(
    exec: &dyn Executor,
    obj: &mut M,
    only: crate::write::Only<'_>,
) -> Result<()> {
    let table = M::table();
    let mut key = Vec::with_capacity(table.primary_key.len());
    obj.write_key(&mut key);
    key_filter(table, key.clone(), "update")?;
    let version = version_of(obj);
    let undo = obj.apply_on_update();
    if let Some((level, column, expected)) = version
        && let Err(e) = crate::version::bump(obj, level, column, expected)
    {
        undo(obj);
        return Err(e);
    }
    let mut values = Vec::with_capacity(table.row_width());
    obj.write_values(&mut values);
    let outcome = match exec.begin().await {
        Ok(tx) => {
            let work = update_rows::<M>(&*tx, &key, &values, version, only).await;
            finish(tx, work).await
        }
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        if let Some((_, _, expected)) = version {
            // `expected` came from the field: it fits.
            let _ = obj.set_version(expected);
        }
        undo(obj);
    }
    outcome
}

async fn update_rows<M: Model>(
    tx: &dyn Executor,
    key: &[Value],
    values: &[Value],
    version: Option<VersionAt>,
    only: crate::write::Only<'_>,
) -> Result<()> {
    let table = M::table();
    let levels = levels::<M>();
    let own = levels.len() - 1;
    // The table that holds the version first, so that its row is checked (and locked)
    // before any other is written; then the model's own table: no row there, nothing
    // to update anywhere.
    let checked = version.and_then(|(holder, _, _)| {
        levels
            .iter()
            .position(|&(level, _)| std::ptr::eq(level, holder))
    });
    let order = checked
        .into_iter()
        .chain((0..levels.len()).rev().filter(|&i| Some(i) != checked));
    for i in order {
        let (level, start) = levels[i];
        let mut filter = key_filter(level, key.to_vec(), "update")?;
        if let (Some((_, column, expected)), true) = (version, Some(i) == checked) {
            filter = filter.and(crate::version::check(level, column, expected));
        }
        let set: Vec<_> = level
            .columns
            .iter()
            .zip(values[start..start + level.columns.len()].iter().cloned())
            .filter(|(c, _)| !c.primary_key && crate::write::writes(only, level, c))
            .map(|(c, v)| (c, Assign::Value(v)))
            .collect();
        let found = if set.is_empty() {
            exists(tx, level, filter).await?
        } else {
            let update = Update {
                table: level,
                set,
                filter: Some(filter),
            };
            tx.execute(&Statement::Update(update)).await? > 0
        };
        if found || (i != own && Some(i) != checked) {
            continue;
        }
        return Err(match version {
            Some((_, _, expected)) => crate::version::stale("update", table, expected),
            None => Error::RowNotFound {
                operation: "update",
                table: table.name,
            },
        });
    }
    Ok(())
}

/// Whether `table` has a row matching `filter`.
async fn exists(
    exec: &dyn Executor,
    table: &'static TableMeta,
    filter: crate::Expr,
) -> Result<bool> {
    let mut select = Select::new(table);
    select.projection = crate::ir::Projection::One;
    select.filter = Some(filter);
    select.limit = Some(1);
    let mut found = false;
    exec.fetch(&Statement::Select(select), &mut |_| {
        found = true;
        Ok(())
    })
    .await?;
    Ok(found)
}

/// Deletes the rows with these keys from every table of `M`'s lineage, the model's own
/// table first; returns how many of the model's own rows went.
async fn delete_keys<M: Model>(exec: &dyn Executor, keys: Vec<Vec<Value>>) -> Result<u64> {
    let levels = levels::<M>();
    let per_key = M::table().primary_key.len().max(1);
    let per_statement = (exec.capabilities().max_parameters / per_key)
        .saturating_sub(2)
        .clamp(1, 1000);
    let mut deleted = 0;
    for chunk in keys.chunks(per_statement) {
        for (depth, &(level, _)) in levels.iter().rev().enumerate() {
            let filter = crate::Expr::Or(
                chunk
                    .iter()
                    .map(|key| key_filter(level, key.clone(), "delete"))
                    .collect::<Result<_>>()?,
            );
            let affected = exec
                .execute(&Statement::Delete(Delete {
                    table: level,
                    filter: Some(filter),
                }))
                .await?;
            if depth == 0 {
                deleted += affected;
            }
        }
    }
    Ok(deleted)
}

/// Deletes `obj`'s rows from every table of its lineage; `true` when the model's own
/// table had one (otherwise nothing is deleted: a row of an ancestor alone is another
/// object).
pub(crate) async fn delete<M: Model>(exec: &dyn Executor, obj: &M) -> Result<bool> {
    let mut key = Vec::with_capacity(M::table().primary_key.len());
    obj.write_key(&mut key);
    key_filter(M::table(), key.clone(), "delete")?;
    let tx = exec.begin().await?;
    let work = match version_of(obj) {
        Some(version) => delete_versioned::<M>(&*tx, key, version).await,
        None => delete_row::<M>(&*tx, key).await,
    };
    finish(tx, work).await
}

/// Deletes a versioned object's rows: its version checked (and its row there locked)
/// first; `StaleObject` when a row is missing or holds another version.
async fn delete_versioned<M: Model>(
    tx: &dyn Executor,
    key: Vec<Value>,
    (level, column, expected): VersionAt,
) -> Result<bool> {
    let table = M::table();
    let check = key_filter(level, key.clone(), "delete")?;
    crate::version::claim(tx, level, column, check, expected, table).await?;
    if delete_keys::<M>(tx, vec![key]).await? == 0 {
        return Err(crate::version::stale("delete", table, expected));
    }
    Ok(true)
}

async fn delete_row<M: Model>(tx: &dyn Executor, key: Vec<Value>) -> Result<bool> {
    let table = M::table();
    if !exists(tx, table, key_filter(table, key.clone(), "delete")?).await? {
        return Ok(false);
    }
    Ok(delete_keys::<M>(tx, vec![key]).await? > 0)
}

/// Deletes the objects `select` (a query on `M`) matches, from every table of their
/// lineage; returns how many.
pub(crate) async fn delete_matching<M: Model>(exec: &dyn Executor, select: Select) -> Result<u64> {
    let tx = exec.begin().await?;
    let work = delete_selected::<M>(&*tx, select).await;
    finish(tx, work).await
}

/// The keys of the objects `select` (a query on `M`) matches.
async fn selected_keys<M: Model>(tx: &dyn Executor, select: Select) -> Result<Vec<Vec<Value>>> {
    let mut keys = Vec::new();
    tx.fetch(&Statement::Select(select), &mut |row| {
        let obj = M::from_row(row, 0)?;
        let mut key = Vec::with_capacity(M::table().primary_key.len());
        obj.write_key(&mut key);
        keys.push(key);
        Ok(())
    })
    .await?;
    Ok(keys)
}

async fn delete_selected<M: Model>(tx: &dyn Executor, select: Select) -> Result<u64> {
    let keys = selected_keys::<M>(tx, select).await?;
    delete_keys::<M>(tx, keys).await
}

/// Updates the objects `select` (a query on `M`) matches: each table of `groups` for
/// their keys, in one transaction; returns how many objects matched.
pub(crate) async fn update_matching<M: Model>(
    exec: &dyn Executor,
    select: Select,
    groups: Vec<crate::write::TableSet>,
) -> Result<u64> {
    let tx = exec.begin().await?;
    let work = update_selected::<M>(&*tx, select, groups).await;
    finish(tx, work).await
}

async fn update_selected<M: Model>(
    tx: &dyn Executor,
    select: Select,
    mut groups: Vec<crate::write::TableSet>,
) -> Result<u64> {
    for (_, set) in &mut groups {
        crate::write::order_assignments(tx, set)?;
    }
    let keys = selected_keys::<M>(tx, select).await?;
    let per_key = M::table().primary_key.len().max(1);
    let width = groups.iter().map(|(_, set)| set.len()).max().unwrap_or(0);
    let per_statement = (tx.capabilities().max_parameters.saturating_sub(width) / per_key)
        .saturating_sub(2)
        .clamp(1, 1000);
    for chunk in keys.chunks(per_statement) {
        for (level, set) in &groups {
            let filter = crate::Expr::Or(
                chunk
                    .iter()
                    .map(|key| key_filter(level, key.clone(), "update"))
                    .collect::<Result<_>>()?,
            );
            tx.execute(&Statement::Update(Update {
                table: level,
                set: set.clone(),
                filter: Some(filter),
            }))
            .await?;
        }
    }
    Ok(keys.len() as u64)
}
