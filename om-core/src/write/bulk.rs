//! Bulk loads (`bulk_insert`): tens of thousands of rows and more, through the fastest
//! path each backend has: its own bulk-load protocol where it has one (PostgreSQL's
//! `COPY ... FROM STDIN`, with generated keys drawn as the rows go), else multi-row inserts of up
//! to 1,000 rows (fewer where its limit on bound parameters says so), inside one
//! transaction.

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::model::{Model, Undo};

use super::{insert_of, insert_rows_of, insert_runs};

/// Inserts every object of `objs`, all of them or none, and returns how many rows were
/// written. Defaults and on-update values are applied and, when `read_keys`, generated
/// keys written back, as `add_all` does (otherwise the database generates them and
/// they stay `None`); on failure every object is left as it was given.
pub(crate) async fn bulk_insert<M: Model>(
    exec: &dyn Executor,
    objs: &mut [M],
    read_keys: bool,
) -> Result<u64> {
    if objs.is_empty() {
        return Ok(0);
    }
    if M::table().parent.is_some() {
        // Two tables per object: add_all's path, which writes each in turn.
        crate::inherit::add_all(exec, objs).await?;
        return Ok(objs.len() as u64);
    }
    let generated: Vec<bool> = objs.iter().map(Model::needs_generated_key).collect();
    let undos: Vec<Undo<M>> = objs.iter_mut().map(|o| o.apply_defaults()).collect();
    // Keys the database generates without reading them back: possible when every row
    // leaves its key to the database (one column list for all).
    let read_keys = read_keys || !generated.iter().all(|g| *g);
    let outcome = if exec.capabilities().bulk_copy {
        copy(exec, objs, &generated, read_keys).await
    } else {
        batched(exec, objs, read_keys).await
    };
    if outcome.is_err() {
        for ((obj, undo), generated) in objs.iter_mut().zip(undos).zip(generated) {
            undo(obj);
            if generated {
                // `None` always fits.
                let _ = obj.set_generated_key(None);
            }
        }
    }
    outcome
}

/// The backend's bulk-load protocol: every row in one `COPY`, which is atomic by
/// itself; the keys that must come back are drawn by the driver as the rows go (a key
/// that does not fit its field fails the load before it is committed), then written to
/// the objects.
async fn copy<M: Model>(
    exec: &dyn Executor,
    objs: &mut [M],
    generated: &[bool],
    read_keys: bool,
) -> Result<u64> {
    if !read_keys {
        // Every row leaves its key to the database: the key column is not sent.
        if insert_of::<M>(true).columns.is_empty() {
            // `COPY` names at least one column: rows of nothing but a generated key
            // go as inserts of `DEFAULT VALUES`.
            return batched(exec, objs, false).await;
        }
        let mut rows = insert_rows_of(objs, true);
        rows.head.returning = None;
        return Ok(exec.copy_in(rows).await?.rows);
    }
    let mut rows = insert_rows_of(objs, false);
    // The generated column is written: its NULLs are the keys to draw.
    rows.head.returning = M::table().generated_column().map(|(_, c)| c);
    let copied = exec.copy_in(rows).await?;
    let wanted = generated.iter().filter(|g| **g).count();
    if copied.keys.len() != wanted {
        return Err(Error::Driver(
            format!("{} keys were drawn for {wanted} rows", copied.keys.len()).into(),
        ));
    }
    let mut keys = copied.keys.into_iter();
    for (obj, _) in objs.iter_mut().zip(generated).filter(|(_, g)| **g) {
        // The driver checked that each key fits the column's type, which is the
        // field's: this does not fail.
        obj.set_generated_key(keys.next())?;
    }
    Ok(copied.rows)
}

/// The most rows one statement of a batched bulk load carries.
const ROWS_PER_BATCH: usize = 1000;

/// Multi-row inserts of as many rows as the backend's limit on bound parameters
/// allows (at most [`ROWS_PER_BATCH`]), inside one transaction (a savepoint inside
/// one).
async fn batched<M: Model>(exec: &dyn Executor, objs: &mut [M], read_keys: bool) -> Result<u64> {
    let width = M::table().columns.len().max(1);
    // Up to the limit on bound parameters, and at most the rows whose statement text
    // is cached: rendering a statement of ten thousand rows afresh costs more than the
    // round trips it saves.
    let per_statement = (exec.capabilities().max_parameters / width).clamp(1, ROWS_PER_BATCH);
    let tx = exec.begin().await?;
    match insert_runs(&*tx, objs, per_statement, read_keys).await {
        Ok(()) => tx.commit().await?,
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = tx.rollback().await;
            return Err(e);
        }
    }
    Ok(objs.len() as u64)
}
