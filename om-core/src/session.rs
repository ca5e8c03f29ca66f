//! What [`Database`](crate::Database) and [`Transaction`](crate::Transaction) share: the
//! [`Session`] trait, for code that takes either, and the same methods as inherent
//! methods of both (so that calling them needs no import), written once.
//!
//! The folder beside this file holds the sessions themselves: [`database`] (a pool),
//! [`transaction`] (with its options and retries) and the test mode that rolls
//! everything back.

pub mod database;
pub mod position;
pub(crate) mod replica;
pub(crate) mod routing;
pub(crate) mod test_mode;
pub mod transaction;

use std::future::Future;

use futures::stream::BoxStream;

use crate::driver::{Capabilities, Executor};
use crate::error::Result;
use crate::from_row::FromRow;
use crate::model::{Model, TableMeta};
use crate::query::Query;
use crate::raw::{self, Executed, IntoValues, Sql, SqlRow};
use crate::relation::Relation;
use crate::value::Field;
use crate::write;

/// Everything a [`Database`](crate::Database) and a [`Transaction`](crate::Transaction)
/// can both do: model operations, queries and raw SQL. Take `&impl Session` to write a
/// function that works on either:
///
/// ```
/// # use om::prelude::*;
/// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
/// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
/// async fn rename(s: &impl Session, id: i64) -> om::Result<()> {
///     if let Some(mut user) = s.query::<User>().get(id).await? {
///         user.name = "renamed".into();
///         s.update(&mut user).await?;
///     }
///     Ok(())
/// }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
/// # let db = Database::connect("sqlite::memory:").await?;
/// # db.create_all(&[User::table()]).await?;
/// # let mut ann = User { id: None, name: "ann".into() };
/// # db.add(&mut ann).await?;
/// # let id = ann.id.unwrap_or_default();
/// rename(&db, id).await?;                                  // on the database
/// db.transaction(async |tx| rename(tx, id).await).await?; // or in a transaction
/// # Ok(()) }
/// ```
///
/// Opening a transaction is not part of it: `Database::begin` borrows the database
/// shared, `Transaction::begin` (a savepoint) borrows the transaction exclusively.
pub trait Session: Send + Sync {
    /// The executor every operation runs on.
    fn executor(&self) -> &dyn Executor;

    /// Creates the tables (and their indexes) that do not exist yet, each after the
    /// tables it references (an inheritance parent), in whatever order they are listed.
    /// Tables that reference each other in a cycle are [`Error::DependencyCycle`]
    /// (nothing is run).
    ///
    /// [`Error::DependencyCycle`]: crate::Error::DependencyCycle
    fn create_all(&self, tables: &[&'static TableMeta]) -> impl Future<Output = Result<()>> + Send {
        write::create_all(self.executor(), tables)
    }

    /// Drops the tables that exist, each before the tables it references: the reverse
    /// of `create_all`'s order, in whatever order they are listed.
    fn drop_all(&self, tables: &[&'static TableMeta]) -> impl Future<Output = Result<()>> + Send {
        write::drop_all(self.executor(), tables)
    }

    /// Inserts `obj`: fills its defaults, and writes back its generated key.
    fn add<M: Model>(&self, obj: &mut M) -> impl Future<Output = Result<()>> + Send {
        write::add(self.executor(), obj)
    }

    /// Inserts `child` as a row related to `parent` through `relation` (a has-many or
    /// has-one relation of `P`): its foreign key is set to `parent`'s key first.
    /// `db.add_related(&user, |u| u.posts(), &mut post)`.
    fn add_related<P: Model, C: Model, K, N>(
        &self,
        parent: &P,
        relation: impl FnOnce(&P::Columns) -> Relation<P, C, K, N>,
        child: &mut C,
    ) -> impl Future<Output = Result<()>> + Send {
        let attached = relation(P::columns()).attach(parent, child);
        let exec = self.executor();
        async move {
            attached?;
            write::add(exec, child).await
        }
    }

    /// Inserts every object of `objs` in one transaction: all of them or none.
    fn add_all<M: Model>(&self, objs: &mut [M]) -> impl Future<Output = Result<()>> + Send {
        write::add_all(self.executor(), objs)
    }

    /// Loads many objects at once (tens of thousands and up): all of them or none,
    /// through the backend's fastest path (PostgreSQL: `COPY ... FROM STDIN`, with the
    /// generated keys drawn from the sequence as the rows go, for 4,096 keys or more on a
    /// second connection of the pool when it has one to spare; SQLite and MySQL: multi-row
    /// inserts of up to 1,000 rows, in one transaction). Defaults and on-update values
    /// are applied and generated keys written back, as by [`add_all`](Self::add_all).
    /// Returns how many rows were written.
    fn bulk_insert<M: Model>(&self, objs: &mut [M]) -> impl Future<Output = Result<u64>> + Send {
        write::bulk_insert(self.executor(), objs, true)
    }

    /// [`bulk_insert`](Self::bulk_insert) without reading generated keys back: objects
    /// whose key the database generates keep `None` (on PostgreSQL the key column is
    /// left out of the `COPY` and no key is drawn; elsewhere no `RETURNING`).
    /// Defaults are applied and written back all the same. When some objects carry
    /// their key and others do not, the keys are read back as by `bulk_insert`.
    fn bulk_load<M: Model>(&self, objs: &mut [M]) -> impl Future<Output = Result<u64>> + Send {
        write::bulk_insert(self.executor(), objs, false)
    }

    /// Writes `obj` by its primary key after applying its on-update values.
    fn update<M: Model>(&self, obj: &mut M) -> impl Future<Output = Result<()>> + Send {
        write::update(self.executor(), obj)
    }

    /// Writes only the chosen columns of `obj` by its primary key:
    /// `update_columns(&mut user, |c| [c.name.column_ref(), c.email.column_ref()])`.
    /// Its on-update values and, for a versioned model, the version check and bump
    /// are applied as by [`update`](Self::update); its other columns are left as the
    /// database holds them. A key column or a column of another model is
    /// `InvalidQuery`.
    fn update_columns<M: Model, I: IntoIterator<Item = crate::expr::ColumnRef>>(
        &self,
        obj: &mut M,
        columns: impl FnOnce(&M::Columns) -> I,
    ) -> impl Future<Output = Result<()>> + Send {
        let columns: Vec<_> = columns(M::columns()).into_iter().collect();
        let exec = self.executor();
        async move { write::update_columns(exec, obj, &columns).await }
    }

    /// Inserts `obj`, or on a conflict (its key, or a declared unique column set)
    /// updates the existing row as `on` says (chosen columns, every column, or
    /// nothing); a generated key is written back, also for a row that existed:
    /// `upsert(&mut user, |c| Upsert::on([c.email.column_ref()]).update([c.name.column_ref()]))`.
    /// Not for models that extend another or are versioned (`InvalidQuery`).
    fn upsert<M: Model>(
        &self,
        obj: &mut M,
        on: impl FnOnce(&M::Columns) -> crate::Upsert,
    ) -> impl Future<Output = Result<()>> + Send {
        let how = on(M::columns());
        let exec = self.executor();
        async move { crate::upsert::upsert_all(exec, std::slice::from_mut(obj), &how).await }
    }

    /// [`upsert`](Self::upsert) for several objects, in order and in one transaction:
    /// all of them or none.
    fn upsert_all<M: Model>(
        &self,
        objs: &mut [M],
        on: impl FnOnce(&M::Columns) -> crate::Upsert,
    ) -> impl Future<Output = Result<()>> + Send {
        let how = on(M::columns());
        let exec = self.executor();
        async move { crate::upsert::upsert_all(exec, objs, &how).await }
    }

    /// Inserts `obj` unless a row with its values in `unique` exists, then reads that
    /// row (inserted or existing) into `obj`, in one transaction, without a
    /// read-then-write race: `get_or_create(&mut user, |c| [c.email.column_ref()])`.
    fn get_or_create<M: Model, I: IntoIterator<Item = crate::expr::ColumnRef>>(
        &self,
        obj: &mut M,
        unique: impl FnOnce(&M::Columns) -> I,
    ) -> impl Future<Output = Result<()>> + Send {
        let unique: Vec<_> = unique(M::columns()).into_iter().collect();
        let exec = self.executor();
        async move { crate::upsert::get_or_create(exec, obj, &unique).await }
    }

    /// Deletes `obj`'s row by its primary key; `true` when a row was deleted.
    fn delete<M: Model>(&self, obj: &M) -> impl Future<Output = Result<bool>> + Send {
        write::delete(self.executor(), obj)
    }

    /// A query on model `M`.
    fn query<M: Model>(&self) -> Query<'_, M> {
        Query::new(self.executor())
    }

    /// Runs raw SQL (or a sea-query statement) with `values` bound.
    fn execute(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<Executed>> + Send {
        raw::execute(self.executor(), raw::statement(sql, values))
    }

    /// Runs one raw statement once per set of values, all in one transaction (a
    /// savepoint inside one): all of them or none. Returns the rows affected in all.
    fn execute_many<V: IntoValues>(
        &self,
        sql: &str,
        sets: impl IntoIterator<Item = V>,
    ) -> impl Future<Output = Result<u64>> + Send {
        let sets: Vec<Vec<crate::value::Value>> =
            sets.into_iter().map(IntoValues::into_values).collect();
        raw::execute_many(self.executor(), sql, sets)
    }

    /// Every row of a raw query.
    fn fetch_all(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<Vec<SqlRow<'_>>>> + Send {
        raw::fetch_all(self.executor(), raw::statement(sql, values))
    }

    /// The first row of a raw query; `Error::NotFound` when there is none. The query is
    /// read to its end (so that an error there is reported): add `LIMIT 1` to a large
    /// one.
    fn fetch_one(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<SqlRow<'_>>> + Send {
        raw::fetch_one(self.executor(), raw::statement(sql, values))
    }

    /// The first row of a raw query, `None` when there is none.
    fn fetch_optional(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<Option<SqlRow<'_>>>> + Send {
        raw::fetch_optional(self.executor(), raw::statement(sql, values))
    }

    /// The first column of the first row of a raw query; with `T = Option<_>`, `None`
    /// when there is no row (or the value is NULL), else `Error::NotFound` when there is
    /// no row.
    fn fetch_val<T: Field>(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<T>> + Send {
        raw::fetch_val(self.executor(), raw::statement(sql, values))
    }

    /// Every row of a raw query, each read into a [`FromRow`] type (a struct deriving
    /// it, or a tuple).
    fn fetch_all_as<T: FromRow>(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<Vec<T>>> + Send {
        raw::fetch_all_as(self.executor(), raw::statement(sql, values))
    }

    /// The first row of a raw query read into a [`FromRow`] type, `None` when there is
    /// none.
    fn fetch_optional_as<T: FromRow>(
        &self,
        sql: impl Sql,
        values: impl IntoValues,
    ) -> impl Future<Output = Result<Option<T>>> + Send {
        raw::fetch_optional_as(self.executor(), raw::statement(sql, values))
    }

    /// The rows of a raw query as a stream, read through a cursor.
    fn iterate(&self, sql: impl Sql, values: impl IntoValues) -> BoxStream<'_, Result<SqlRow<'_>>> {
        raw::iterate(self.executor(), raw::statement(sql, values))
    }

    /// The name of the backend (`sqlite`, `postgres`, `mysql`).
    fn backend(&self) -> &'static str {
        self.executor().backend()
    }

    /// What the backend can do.
    fn capabilities(&self) -> &'static Capabilities {
        self.executor().capabilities()
    }
}

/// A reference to a session is a session: a function taking `impl Session` takes
/// `&db` or `&tx` as well as `db`.
impl<S: Session + ?Sized> Session for &S {
    fn executor(&self) -> &dyn Executor {
        (**self).executor()
    }
}

/// Expands to the [`Session`] methods as inherent methods, over `Session::executor`.
macro_rules! session_methods {
    () => {
        /// Creates the tables (and their indexes) that do not exist yet:
        /// `db.create_all(&[User::table(), Post::table()])`. Each is created after the
        /// tables it references (an inheritance parent), in whatever order they are
        /// listed; tables that reference each other in a cycle are
        /// [`Error::DependencyCycle`](crate::Error::DependencyCycle) and nothing is run.
        pub async fn create_all(
            &self,
            tables: &[&'static $crate::model::TableMeta],
        ) -> $crate::error::Result<()> {
            $crate::session::Session::create_all(self, tables).await
        }

        /// Drops the tables that exist, each before the tables it references (the
        /// reverse of `create_all`'s order), in whatever order they are listed.
        pub async fn drop_all(
            &self,
            tables: &[&'static $crate::model::TableMeta],
        ) -> $crate::error::Result<()> {
            $crate::session::Session::drop_all(self, tables).await
        }

        /// Inserts `obj`: fills its defaults, and writes back its generated key.
        ///
        /// ```
        /// # use om::prelude::*;
        /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
        /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
        /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
        /// # let db = Database::connect("sqlite::memory:").await?;
        /// # db.create_all(&[User::table()]).await?;
        /// let mut ann = User { id: None, name: "ann".into() };
        /// db.add(&mut ann).await?;
        /// assert!(ann.id.is_some());
        /// # Ok(()) }
        /// ```
        pub async fn add<M: $crate::model::Model>(&self, obj: &mut M) -> $crate::error::Result<()> {
            $crate::session::Session::add(self, obj).await
        }

        /// Inserts `child` as a row related to `parent` through `relation` (has many or
        /// has one): its foreign key is set to `parent`'s key first.
        /// `db.add_related(&user, |u| u.posts(), &mut post)`.
        pub async fn add_related<P: $crate::model::Model, C: $crate::model::Model, K, N>(
            &self,
            parent: &P,
            relation: impl FnOnce(&P::Columns) -> $crate::relation::Relation<P, C, K, N>,
            child: &mut C,
        ) -> $crate::error::Result<()> {
            $crate::session::Session::add_related(self, parent, relation, child).await
        }

        /// Inserts every object of `objs` in one transaction: all of them or, on error,
        /// none (their generated keys are then cleared again).
        pub async fn add_all<M: $crate::model::Model>(
            &self,
            objs: &mut [M],
        ) -> $crate::error::Result<()> {
            $crate::session::Session::add_all(self, objs).await
        }

        /// Loads many objects at once (tens of thousands and up), all of them or none,
        /// through the backend's fastest path (PostgreSQL: `COPY ... FROM STDIN`;
        /// SQLite and MySQL: 1,000-row inserts, in one transaction), and
        /// returns how many rows were written. Defaults and on-update values are
        /// applied and generated keys written back, as by `add_all`; on error no
        /// object keeps a key or a default.
        pub async fn bulk_insert<M: $crate::model::Model>(
            &self,
            objs: &mut [M],
        ) -> $crate::error::Result<u64> {
            $crate::session::Session::bulk_insert(self, objs).await
        }

        /// `bulk_insert` without reading generated keys back: objects whose key the
        /// database generates keep `None` (PostgreSQL: no key drawn ahead, the key
        /// column left out of the `COPY`; elsewhere no `RETURNING`). Defaults are
        /// applied and written back all the same.
        pub async fn bulk_load<M: $crate::model::Model>(
            &self,
            objs: &mut [M],
        ) -> $crate::error::Result<u64> {
            $crate::session::Session::bulk_load(self, objs).await
        }

        /// Writes `obj` by its primary key after applying its on-update values.
        ///
        /// Fails with `KeyNotSet` when the key is unset and `RowNotFound` when no row
        /// has it.
        pub async fn update<M: $crate::model::Model>(
            &self,
            obj: &mut M,
        ) -> $crate::error::Result<()> {
            $crate::session::Session::update(self, obj).await
        }

        /// Writes only the chosen columns of `obj` (with its on-update values and
        /// version check): `update_columns(&mut user, |c| [c.name.column_ref()])`.
        pub async fn update_columns<
            M: $crate::model::Model,
            I: IntoIterator<Item = $crate::expr::ColumnRef>,
        >(
            &self,
            obj: &mut M,
            columns: impl FnOnce(&M::Columns) -> I,
        ) -> $crate::error::Result<()> {
            $crate::session::Session::update_columns(self, obj, columns).await
        }

        /// Inserts `obj` or, on a conflict, updates the existing row as `on` says;
        /// writes back the generated key (see [`Session::upsert`](crate::session::Session::upsert)).
        pub async fn upsert<M: $crate::model::Model>(
            &self,
            obj: &mut M,
            on: impl FnOnce(&M::Columns) -> $crate::Upsert,
        ) -> $crate::error::Result<()> {
            $crate::session::Session::upsert(self, obj, on).await
        }

        /// Upserts several objects in one transaction (see [`Session::upsert_all`](crate::session::Session::upsert_all)).
        pub async fn upsert_all<M: $crate::model::Model>(
            &self,
            objs: &mut [M],
            on: impl FnOnce(&M::Columns) -> $crate::Upsert,
        ) -> $crate::error::Result<()> {
            $crate::session::Session::upsert_all(self, objs, on).await
        }

        /// Inserts `obj` unless a row with its values in `unique` exists, then reads
        /// that row into `obj` (see [`Session::get_or_create`](crate::session::Session::get_or_create)).
        pub async fn get_or_create<
            M: $crate::model::Model,
            I: IntoIterator<Item = $crate::expr::ColumnRef>,
        >(
            &self,
            obj: &mut M,
            unique: impl FnOnce(&M::Columns) -> I,
        ) -> $crate::error::Result<()> {
            $crate::session::Session::get_or_create(self, obj, unique).await
        }

        /// Deletes `obj`'s row by its primary key; `true` when a row was deleted.
        pub async fn delete<M: $crate::model::Model>(
            &self,
            obj: &M,
        ) -> $crate::error::Result<bool> {
            $crate::session::Session::delete(self, obj).await
        }

        /// Runs SQL written in the backend's own dialect and placeholders (`$1` on
        /// PostgreSQL, `?` elsewhere), or a sea-query statement, with `values` bound
        /// (a `Vec<Value>`, `values![..]`, a tuple, or `()`); reports the rows affected
        /// and, where the backend tells it, the key an `INSERT` generated.
        ///
        /// `$1, $2, ..` placeholders work on every backend (om renders them in the
        /// backend's own style):
        ///
        /// ```
        /// # use om::prelude::*;
        /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
        /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
        /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
        /// # let db = Database::connect("sqlite::memory:").await?;
        /// # db.create_all(&[User::table()]).await?;
        /// let done = db.execute("INSERT INTO users (name) VALUES ($1)", ("ann",)).await?;
        /// assert_eq!(done.rows_affected, 1);
        /// let n: i64 = db.fetch_val("SELECT count(*) FROM users WHERE name = $1", ("ann",)).await?;
        /// assert_eq!(n, 1);
        /// # Ok(()) }
        /// ```
        pub async fn execute(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<$crate::raw::Executed> {
            $crate::session::Session::execute(self, sql, values).await
        }

        /// Runs one raw statement once per set of values, all in one transaction (a
        /// savepoint inside one), so that all of them apply or none:
        /// `db.execute_many("INSERT INTO t (a, b) VALUES ($1, $2)", [(1, "x"), (2, "y")])`.
        /// Returns the rows affected in all.
        pub async fn execute_many<V: $crate::raw::IntoValues + Send>(
            &self,
            sql: &str,
            sets: impl ::std::iter::IntoIterator<Item = V> + Send,
        ) -> $crate::error::Result<u64> {
            $crate::session::Session::execute_many(self, sql, sets).await
        }

        /// Every row of a raw query (or a sea-query `SELECT`), each readable by column
        /// name or position: `row.get::<i64>("id")`.
        ///
        /// ```
        /// # use om::prelude::*;
        /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
        /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
        /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
        /// # let db = Database::connect("sqlite::memory:").await?;
        /// # db.create_all(&[User::table()]).await?;
        /// db.execute("INSERT INTO users (name) VALUES ($1), ($2)", ("ann", "bob")).await?;
        /// let rows = db.fetch_all("SELECT id, name FROM users ORDER BY name", ()).await?;
        /// let name: String = rows[1].get("name")?;
        /// let id: i64 = rows[1].get(0)?;
        /// assert_eq!((id > 0, name.as_str()), (true, "bob"));
        /// # Ok(()) }
        /// ```
        pub async fn fetch_all(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<::std::vec::Vec<$crate::raw::SqlRow<'_>>> {
            $crate::session::Session::fetch_all(self, sql, values).await
        }

        /// The first row of a raw query; `Error::NotFound` when there is none. The query
        /// is read to its end (so that an error there is reported): add `LIMIT 1` to a
        /// large one.
        pub async fn fetch_one(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<$crate::raw::SqlRow<'_>> {
            $crate::session::Session::fetch_one(self, sql, values).await
        }

        /// The first row of a raw query, `None` when there is none.
        pub async fn fetch_optional(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<::std::option::Option<$crate::raw::SqlRow<'_>>> {
            $crate::session::Session::fetch_optional(self, sql, values).await
        }

        /// The first column of the first row of a raw query, typed:
        /// `db.fetch_val::<i64>("SELECT count(*) FROM t", ()).await?`. Read into an
        /// `Option` to accept NULL and no row (both `None`); otherwise no row is
        /// `Error::NotFound`.
        pub async fn fetch_val<T: $crate::value::Field>(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<T> {
            $crate::session::Session::fetch_val(self, sql, values).await
        }

        /// Every row of a raw query, each read into a [`FromRow`](crate::FromRow) type (a
        /// struct deriving it, or a tuple): rows you keep after the transaction ends.
        pub async fn fetch_all_as<T: $crate::from_row::FromRow>(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<::std::vec::Vec<T>> {
            $crate::session::Session::fetch_all_as(self, sql, values).await
        }

        /// The first row of a raw query read into a [`FromRow`](crate::FromRow) type,
        /// `None` when there is none.
        pub async fn fetch_optional_as<T: $crate::from_row::FromRow>(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> $crate::error::Result<::std::option::Option<T>> {
            $crate::session::Session::fetch_optional_as(self, sql, values).await
        }

        /// The rows of a raw query as a stream, read one at a time through a cursor.
        pub fn iterate(
            &self,
            sql: impl $crate::raw::Sql,
            values: impl $crate::raw::IntoValues,
        ) -> ::futures::stream::BoxStream<'_, $crate::error::Result<$crate::raw::SqlRow<'_>>> {
            $crate::session::Session::iterate(self, sql, values)
        }

        /// A query on model `M`.
        ///
        /// ```
        /// # use om::prelude::*;
        /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
        /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
        /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
        /// # let db = Database::connect("sqlite::memory:").await?;
        /// # db.create_all(&[User::table()]).await?;
        /// let mut ann = User { id: None, name: "ann".into() };
        /// db.add(&mut ann).await?;
        /// let users: Vec<User> = db.query::<User>().order_by(|u| u.name.asc()).all().await?;
        /// assert_eq!(users, [ann]);
        /// assert_eq!(db.query::<User>().filter(|u| u.name.eq("bob")).count().await?, 0);
        /// # Ok(()) }
        /// ```
        pub fn query<M: $crate::model::Model>(&self) -> $crate::query::Query<'_, M> {
            $crate::session::Session::query(self)
        }

        /// The name of the backend (`sqlite`, `postgres`, `mysql`).
        pub fn backend(&self) -> &'static str {
            $crate::session::Session::backend(self)
        }

        /// What the backend can do.
        pub fn capabilities(&self) -> &'static $crate::driver::Capabilities {
            $crate::session::Session::capabilities(self)
        }
    };
}

pub(crate) use session_methods;
