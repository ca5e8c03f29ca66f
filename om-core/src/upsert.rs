//! Insert-or-update (`upsert`, `upsert_all`) and `get_or_create`.
//!
//! One `INSERT ... ON CONFLICT` (PostgreSQL, SQLite) or `INSERT ... ON DUPLICATE KEY
//! UPDATE` (MySQL, MariaDB) per batch, built with sea-query and rendered by each
//! driver in its dialect. "Do nothing" is rendered as an update of the key to itself
//! (`SET id = t.id`, `ON DUPLICATE KEY UPDATE id = id`), never as `INSERT IGNORE`
//! (which would swallow other errors), so that the row's key can come back for rows
//! that already existed:
//!
//! - PostgreSQL and SQLite read every row's key with `RETURNING`, in one statement;
//! - MySQL and MariaDB write one row per statement, with `id = LAST_INSERT_ID(id)`,
//!   so that the statement's `last_insert_id` is the existing row's key too.
//!
//! MySQL and MariaDB take any unique key's conflict (they have no conflict target):
//! the target given is checked against the model but not sent.

use sea_query::{Alias, Expr as SqExpr, Func, OnConflict};

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::expr::{CmpOp, ColumnRef, Expr};
use crate::ir::{Built, Insert, Select, Statement};
use crate::model::{ColumnMeta, Model, TableMeta, Undo};
use crate::value::Value;

/// What an upsert does: which conflict it takes (the primary key, or a declared unique
/// column set), and what it does then (update chosen columns, every column, or
/// nothing). `Upsert::on_key().update_all()`, `Upsert::on([c.email.column_ref()])
/// .update([c.name.column_ref()])`, `Upsert::on_key().do_nothing()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Upsert {
    target: Vec<ColumnRef>,
    action: Action,
}

#[derive(Debug, Clone, PartialEq)]
enum Action {
    All,
    Columns(Vec<ColumnRef>),
    Nothing,
}

impl Upsert {
    /// A conflict on the primary key; by default every other column is updated.
    pub fn on_key() -> Self {
        Upsert {
            target: Vec::new(),
            action: Action::All,
        }
    }

    /// A conflict on these columns, which must be unique together (`#[om(unique)]`,
    /// or a unique index); by default every other column is updated.
    pub fn on(columns: impl IntoIterator<Item = ColumnRef>) -> Self {
        Upsert {
            target: columns.into_iter().collect(),
            action: Action::All,
        }
    }

    /// On conflict, updates these columns to the new row's values (and the model's
    /// on-update columns to their on-update values).
    pub fn update(mut self, columns: impl IntoIterator<Item = ColumnRef>) -> Self {
        self.action = Action::Columns(columns.into_iter().collect());
        self
    }

    /// On conflict, updates every column but the key and the conflict's columns.
    pub fn update_all(mut self) -> Self {
        self.action = Action::All;
        self
    }

    /// On conflict, leaves the existing row as it is (its key is still read back).
    pub fn do_nothing(mut self) -> Self {
        self.action = Action::Nothing;
        self
    }
}

fn invalid<T>(reason: String) -> Result<T> {
    Err(Error::InvalidQuery { reason })
}

/// The columns of `table` these refer to, or `InvalidQuery`.
fn resolve(table: &'static TableMeta, columns: &[ColumnRef]) -> Result<Vec<&'static ColumnMeta>> {
    columns
        .iter()
        .map(
            |c| match table.column(c.column).filter(|_| c.table == table.name) {
                Some(meta) => Ok(meta),
                None => invalid(format!(
                    "`{}.{}` is not a column of `{}`",
                    c.table, c.column, table.model
                )),
            },
        )
        .collect()
}

/// Refuses what an upsert of `M` does not do.
fn check_model<M: Model>(what: &str) -> Result<&'static TableMeta> {
    let table = M::table();
    if table.parent.is_some() {
        return invalid(format!(
            "{what} of `{}`, a model that extends another, is not supported: its rows span \
             several tables",
            table.model
        ));
    }
    if M::VERSIONED {
        return invalid(format!(
            "{what} of `{}`, a versioned model, is not supported: use add and update",
            table.model
        ));
    }
    Ok(table)
}

/// The conflict clause of `how` for an insert of `columns` into `table`.
fn on_conflict(
    mysql: bool,
    table: &'static TableMeta,
    how: &Upsert,
    inserted: &[&'static ColumnMeta],
    generated: bool,
    on_update: &[(&'static str, &'static str, Value)],
) -> Result<OnConflict> {
    let target = if how.target.is_empty() {
        table.key_columns().collect()
    } else {
        resolve(table, &how.target)?
    };
    let mut clause = if mysql {
        OnConflict::new()
    } else {
        OnConflict::columns(target.iter().map(|c| Alias::new(c.name)))
    };
    let update: Vec<&'static ColumnMeta> = match &how.action {
        Action::Nothing => Vec::new(),
        Action::All => inserted
            .iter()
            .copied()
            .filter(|c| !c.primary_key && !target.iter().any(|t| std::ptr::eq(*t, *c)))
            .collect(),
        Action::Columns(columns) => {
            let chosen = resolve(table, columns)?;
            if let Some(key) = chosen.iter().find(|c| c.primary_key) {
                return invalid(format!(
                    "an upsert cannot update the key column `{}`",
                    key.name
                ));
            }
            chosen
        }
    };
    let Some(key) = table.key_columns().next() else {
        return invalid(format!("`{}` has no primary key", table.model));
    };
    // The key set to itself: the row is "updated" without a change, so that its key
    // comes back (MySQL: through LAST_INSERT_ID, for a generated key).
    let same_key = if mysql && generated {
        Func::cust("LAST_INSERT_ID")
            .arg(SqExpr::col(Alias::new(key.name)))
            .into()
    } else if mysql {
        SqExpr::col(Alias::new(key.name))
    } else {
        SqExpr::col((Alias::new(table.name), Alias::new(key.name)))
    };
    clause.value(Alias::new(key.name), same_key);
    if !update.is_empty() {
        // A column with an on-update value takes it rather than the new row's.
        clause.update_columns(
            update
                .iter()
                .filter(|c| !on_update.iter().any(|(_, name, _)| *name == c.name))
                .map(|c| Alias::new(c.name)),
        );
        for (_, column, value) in on_update {
            clause.value(Alias::new(*column), SqExpr::val(value.clone()));
        }
    }
    Ok(clause)
}

/// Upserts `objs` in order (all of them in one transaction), writing back generated
/// keys, of inserted rows and of rows that existed. On failure the objects are left as
/// they were given.
pub(crate) async fn upsert_all<M: Model>(
    exec: &dyn Executor,
    objs: &mut [M],
    how: &Upsert,
) -> Result<()> {
    let table = check_model::<M>("an upsert")?;
    if let Action::Columns(c) = &how.action
        && c.is_empty()
    {
        return invalid("an upsert that updates no column: use do_nothing".into());
    }
    if objs.is_empty() {
        // Still checks the columns named.
        let columns: Vec<_> = table.columns.iter().collect();
        on_conflict(false, table, how, &columns, false, &[])?;
        return Ok(());
    }
    let generated: Vec<bool> = objs.iter().map(Model::needs_generated_key).collect();
    let undos: Vec<Undo<M>> = objs.iter_mut().map(|o| o.apply_defaults()).collect();
    let outcome = match exec.begin().await {
        Ok(tx) => match write_all(&*tx, objs, how).await {
            Ok(()) => tx.commit().await,
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        },
        Err(e) => Err(e),
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

async fn write_all<M: Model>(exec: &dyn Executor, objs: &mut [M], how: &Upsert) -> Result<()> {
    let table = M::table();
    let mut on_update = Vec::new();
    M::on_update_values(&mut on_update);
    let one_at_a_time = !exec.capabilities().returning || exec.backend() == "mysql";
    let width = table.columns.len().max(1);
    let per_statement = if one_at_a_time {
        1
    } else {
        (exec
            .capabilities()
            .max_parameters
            .saturating_sub(on_update.len())
            / width)
            .clamp(1, 500)
    };
    let mut rest = objs;
    while let Some(first) = rest.first() {
        let generate = first.needs_generated_key();
        let run = crate::write::same_key_run(rest, per_statement);
        let (batch, after) = rest.split_at_mut(run);
        let mut insert = crate::write::insert_of::<M>(generate);
        insert.rows = batch
            .iter()
            .map(|o| crate::write::insert_row(o, generate))
            .collect();
        let clause = on_conflict(
            exec.backend() == "mysql",
            table,
            how,
            &insert.columns,
            generate,
            &on_update,
        )?;
        let keys = run_upsert(exec, &insert, clause, generate, one_at_a_time).await?;
        if generate {
            for (obj, key) in batch.iter_mut().zip(keys) {
                obj.set_generated_key(Some(key))?;
            }
        }
        rest = after;
    }
    Ok(())
}

/// Runs one upsert statement; the generated keys of its rows when `generate`.
async fn run_upsert(
    exec: &dyn Executor,
    insert: &Insert,
    clause: OnConflict,
    generate: bool,
    one_at_a_time: bool,
) -> Result<Vec<i64>> {
    let caps = exec.capabilities();
    let floats = crate::sql::FloatSupport {
        nan: caps.float_nan,
        infinity: caps.float_infinity,
    };
    crate::sql::check_insert_floats(insert, floats, exec.backend())?;
    let mut stmt = crate::sql::dml::insert(insert)?;
    stmt.on_conflict(clause);
    let key = insert
        .table
        .generated_column()
        .map(|(_, c)| c.name)
        .filter(|_| generate);
    match key {
        Some(key) if !one_at_a_time => {
            stmt.returning_col(Alias::new(key));
            let mut keys = Vec::with_capacity(insert.rows.len());
            let table = insert.table.name;
            exec.fetch(
                &Statement::Built(Box::new(Built::Insert(stmt))),
                &mut |row| {
                    keys.push(
                        row.get_i64(0)
                            .map_err(|e| Error::decode(table, key, e))?
                            .unwrap_or(0),
                    );
                    Ok(())
                },
            )
            .await?;
            if keys.len() != insert.rows.len() {
                return Err(Error::InvalidQuery {
                    reason: format!(
                        "the upsert into `{table}` returned {} keys for {} rows",
                        keys.len(),
                        insert.rows.len()
                    ),
                });
            }
            Ok(keys)
        }
        Some(key) => {
            let done = exec
                .execute_reporting(&Statement::Built(Box::new(Built::Insert(stmt))))
                .await?;
            match done.last_insert_id {
                Some(id) => Ok(vec![id]),
                None => Err(Error::InvalidQuery {
                    reason: format!(
                        "the upsert into `{}` reported no key for `{key}`",
                        insert.table.name
                    ),
                }),
            }
        }
        None => {
            exec.execute(&Statement::Built(Box::new(Built::Insert(stmt))))
                .await?;
            Ok(Vec::new())
        }
    }
}

/// Inserts `obj` unless a row with the same values in `unique` exists, then reads the
/// row with those values into `obj` (the one inserted or the one that was there), in
/// one transaction: concurrent callers get the same row.
pub(crate) async fn get_or_create<M: Model>(
    exec: &dyn Executor,
    obj: &mut M,
    unique: &[ColumnRef],
) -> Result<()> {
    let table = check_model::<M>("get_or_create")?;
    if unique.is_empty() {
        return invalid("get_or_create needs the columns that identify the row".into());
    }
    let columns = resolve(table, unique)?;
    let undo = obj.apply_defaults();
    let outcome = match exec.begin().await {
        Ok(tx) => match create_then_read(&*tx, obj, table, unique, &columns).await {
            Ok(found) => tx.commit().await.map(|()| found),
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        },
        Err(e) => Err(e),
    };
    match outcome {
        Ok(found) => {
            *obj = found;
            Ok(())
        }
        Err(e) => {
            undo(obj);
            Err(e)
        }
    }
}

async fn create_then_read<M: Model>(
    tx: &dyn Executor,
    obj: &M,
    table: &'static TableMeta,
    unique: &[ColumnRef],
    columns: &[&'static ColumnMeta],
) -> Result<M> {
    let generate = obj.needs_generated_key();
    let mut insert = crate::write::insert_of::<M>(generate);
    insert.rows.push(crate::write::insert_row(obj, generate));
    let how = Upsert::on(unique.iter().copied()).do_nothing();
    let clause = on_conflict(
        tx.backend() == "mysql",
        table,
        &how,
        &insert.columns,
        false,
        &[],
    )?;
    run_upsert(tx, &insert, clause, false, true).await?;
    let mut filter = Vec::with_capacity(columns.len());
    for (column, at) in columns.iter().zip(unique) {
        match obj.column_value(table.name, column.name) {
            Some(value) if !crate::value::is_null(&value) => filter.push(Expr::Compare {
                column: *at,
                op: CmpOp::Eq,
                value,
            }),
            _ => {
                return invalid(format!(
                    "get_or_create identifies the row by `{}`, which the object leaves NULL",
                    column.name
                ));
            }
        }
    }
    let mut select = Select::new(table);
    select.filter = Some(Expr::And(filter));
    select.limit = Some(1);
    let mut found = None;
    tx.fetch(&Statement::Select(select), &mut |row| {
        found = Some(M::from_row(row, 0)?);
        Ok(())
    })
    .await?;
    found.ok_or(Error::RowNotFound {
        operation: "get_or_create",
        table: table.name,
    })
}

#[cfg(test)]
mod tests {
    //! Exact SQL of the conflict clauses, in SQLite's dialect; no database needed.
    use super::*;
    use crate::test_tables::{COLUMNS, TABLE};
    use sea_query::SqliteQueryBuilder;

    fn sql(how: Upsert, on_update: &[(&'static str, &'static str, Value)]) -> String {
        let insert = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[1], &COLUMNS[2]],
            rows: vec![vec!["a".into(), "b".into()]],
            returning: None,
        };
        let clause = on_conflict(false, &TABLE, &how, &insert.columns, true, on_update).unwrap();
        let mut stmt = crate::sql::dml::insert(&insert).unwrap();
        stmt.on_conflict(clause);
        stmt.returning_col(Alias::new("id"));
        stmt.build(SqliteQueryBuilder).0
    }

    fn name() -> ColumnRef {
        ColumnRef {
            table: "orm_test",
            column: "name",
        }
    }

    #[test]
    fn conflict_clauses() {
        let head = r#"INSERT INTO "orm_test" ("name", "value") VALUES (?, ?) ON CONFLICT"#;
        assert_eq!(
            sql(Upsert::on([name()]).do_nothing(), &[]),
            format!(r#"{head} ("name") DO UPDATE SET "id" = "orm_test"."id" RETURNING "id""#)
        );
        assert_eq!(
            sql(Upsert::on([name()]), &[("orm_test", "value", "now".into())]),
            format!(
                r#"{head} ("name") DO UPDATE SET "id" = "orm_test"."id", "value" = ? RETURNING "id""#
            )
        );
        assert_eq!(
            sql(Upsert::on_key().update_all(), &[]),
            format!(
                r#"{head} ("id") DO UPDATE SET "id" = "orm_test"."id", "name" = "excluded"."name", "value" = "excluded"."value" RETURNING "id""#
            )
        );
        assert!(matches!(
            on_conflict(
                false,
                &TABLE,
                &Upsert::on_key().update([ColumnRef {
                    table: "orm_test",
                    column: "id"
                }]),
                &[],
                false,
                &[]
            ),
            Err(Error::InvalidQuery { .. })
        ));
    }
}
