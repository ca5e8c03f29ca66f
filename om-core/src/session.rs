//! The methods [`Database`](crate::Database) and [`Transaction`](crate::Transaction)
//! share, written once.

/// Expands to the object-writing, schema and query methods over `self.executor()`.
macro_rules! session_methods {
    () => {
        /// Creates the tables (and their indexes) that do not exist yet:
        /// `db.create_all(&[User::table(), Post::table()])`.
        pub async fn create_all(
            &self,
            tables: &[&'static $crate::model::TableMeta],
        ) -> $crate::error::Result<()> {
            $crate::write::create_all(self.executor(), tables).await
        }

        /// Drops the tables that exist, in reverse order.
        pub async fn drop_all(
            &self,
            tables: &[&'static $crate::model::TableMeta],
        ) -> $crate::error::Result<()> {
            $crate::write::drop_all(self.executor(), tables).await
        }

        /// Inserts `obj`: fills its defaults, and writes back its generated key.
        pub async fn add<M: $crate::model::Model>(&self, obj: &mut M) -> $crate::error::Result<()> {
            $crate::write::add(self.executor(), obj).await
        }

        /// Inserts every object of `objs` in one transaction: all of them or, on error,
        /// none (their generated keys are then cleared again).
        pub async fn add_all<M: $crate::model::Model>(
            &self,
            objs: &mut [M],
        ) -> $crate::error::Result<()> {
            $crate::write::add_all(self.executor(), objs).await
        }

        /// Writes `obj` by its primary key after applying its on-update values.
        ///
        /// Fails with `KeyNotSet` when the key is unset and `RowNotFound` when no row
        /// has it.
        pub async fn update<M: $crate::model::Model>(
            &self,
            obj: &mut M,
        ) -> $crate::error::Result<()> {
            $crate::write::update(self.executor(), obj).await
        }

        /// Deletes `obj`'s row by its primary key; `true` when a row was deleted.
        pub async fn delete<M: $crate::model::Model>(
            &self,
            obj: &M,
        ) -> $crate::error::Result<bool> {
            $crate::write::delete(self.executor(), obj).await
        }

        /// Runs SQL written in the backend's own dialect and placeholders (`$1` on
        /// PostgreSQL, `?` elsewhere), with `values` bound; returns the rows affected.
        pub async fn execute(
            &self,
            sql: &str,
            values: ::std::vec::Vec<$crate::value::Value>,
        ) -> $crate::error::Result<u64> {
            self.executor()
                .execute(&$crate::ir::Statement::Raw {
                    sql: sql.to_string(),
                    values,
                })
                .await
        }

        /// A query on model `M`.
        pub fn query<M: $crate::model::Model>(&self) -> $crate::query::Query<'_, M> {
            $crate::query::Query::new(self.executor())
        }

        /// The name of the backend (`sqlite`, `postgres`, `mysql`).
        pub fn backend(&self) -> &'static str {
            self.executor().backend()
        }

        /// What the backend can do.
        pub fn capabilities(&self) -> &'static $crate::driver::Capabilities {
            self.executor().capabilities()
        }
    };
}

pub(crate) use session_methods;
