//! The workloads written by hand with sqlx, as a careful user would: literal SQL,
//! statements prepared once and cached by sqlx, each row mapped as it arrives
//! (`try_map`) with columns read by index (or by name with `query_as` and
//! `derive(FromRow)`, as users commonly write it), and multi-row
//! inserts built with `QueryBuilder` in batches under the bind-parameter limit.
//!
//! Eager loading (`eager_3`) is three statements, as om's: the users, then their posts
//! by the users' keys, then the posts' comments by the posts' keys, grouped in memory
//! with a `HashMap` per level. The keys are bound the way sqlx's FAQ recommends: on
//! PostgreSQL as one array (`WHERE user_id = ANY($1)`, one statement text whatever
//! the number of keys); on SQLite and MySQL, which have no arrays, as a list built with
//! `QueryBuilder::separated` (`WHERE user_id IN (?, ?, ...)`).

/// The rows one hand-written multi-row insert carries (om's `add_all` uses the same).
pub const BATCH: usize = 1_000;

macro_rules! sqlx_workloads {
    (
        $name:ident, $db:ty, $pool:ty, $row:ty,
        get: $get:literal,
        medium: $medium:literal,
        medium_as: $medium_as:literal,
        insert_one: |$p:ident, $u:ident| $insert_one:expr,
        insert_int_one: |$ip:ident, $iu:ident| $insert_int_one:expr,
        posts_of_users: $posts_of_users:literal,
        comments_of_posts: $comments_of_posts:literal,
        select_in: |$sp:ident, $sql:ident, $keys:ident, $map:ident| $select_in:expr,
    ) => {
        /// The workloads on this backend.
        pub mod $name {
            use std::collections::HashMap;

            use futures::TryStreamExt;
            use sqlx::Row as _;

            use super::super::{
                Blog, Comment, Employee, EmployeeRow, IntUser, Person, Post, User, UserPostRow,
                UserRow, Workload, blog_len, new_int_user, new_user,
            };
            use super::BATCH;

            const TRIVIAL: &str = "SELECT id, name, hair_color FROM bench_users";
            const INHERIT: &str = "SELECT p.id, p.name, e.salary, e.team FROM bench_people p \
                                   JOIN bench_employees e ON e.id = p.id";

            fn employee(row: &$row) -> sqlx::Result<Employee> {
                Ok(Employee {
                    person: Person {
                        id: Some(row.try_get(0)?),
                        name: row.try_get(1)?,
                    },
                    salary: row.try_get(2)?,
                    team: row.try_get(3)?,
                })
            }

            fn user(row: &$row) -> sqlx::Result<User> {
                Ok(User {
                    id: Some(row.try_get(0)?),
                    name: row.try_get(1)?,
                    hair_color: row.try_get(2)?,
                })
            }

            fn post(row: &$row) -> sqlx::Result<Post> {
                Ok(Post {
                    id: Some(row.try_get(0)?),
                    user_id: row.try_get(1)?,
                    title: row.try_get(2)?,
                    body: row.try_get(3)?,
                })
            }

            fn comment(row: &$row) -> sqlx::Result<Comment> {
                Ok(Comment {
                    id: Some(row.try_get(0)?),
                    post_id: row.try_get(1)?,
                    body: row.try_get(2)?,
                })
            }

            /// The rows of `sql` whose key column is one of `keys` (not empty).
            async fn select_in<T: Send + Unpin>(
                pool: &$pool,
                sql: &'static str,
                keys: &[i64],
                map: fn(&$row) -> sqlx::Result<T>,
            ) -> sqlx::Result<Vec<T>> {
                let ($sp, $sql, $keys, $map) = (pool, sql, keys, map);
                $select_in
            }

            /// Users, their posts, the posts' comments: three statements, grouped
            /// in memory.
            pub async fn eager(pool: &$pool) -> sqlx::Result<Blog> {
                let users: Vec<User> = sqlx::query(TRIVIAL)
                    .try_map(|row: $row| user(&row))
                    .fetch_all(pool)
                    .await?;
                let user_ids: Vec<i64> = users.iter().filter_map(|u| u.id).collect();
                let posts = if user_ids.is_empty() {
                    Vec::new()
                } else {
                    select_in(pool, $posts_of_users, &user_ids, post).await?
                };
                let post_ids: Vec<i64> = posts.iter().filter_map(|p| p.id).collect();
                let comments = if post_ids.is_empty() {
                    Vec::new()
                } else {
                    select_in(pool, $comments_of_posts, &post_ids, comment).await?
                };
                let mut comments_of: HashMap<i64, Vec<Comment>> =
                    HashMap::with_capacity(post_ids.len());
                for c in comments {
                    comments_of.entry(c.post_id).or_default().push(c);
                }
                let mut posts_of: HashMap<i64, Vec<(Post, Vec<Comment>)>> =
                    HashMap::with_capacity(user_ids.len());
                for p in posts {
                    let comments =
                        p.id.and_then(|id| comments_of.remove(&id))
                            .unwrap_or_default();
                    posts_of.entry(p.user_id).or_default().push((p, comments));
                }
                Ok(users
                    .into_iter()
                    .map(|u| {
                        let posts = u.id.and_then(|id| posts_of.remove(&id)).unwrap_or_default();
                        (u, posts)
                    })
                    .collect())
            }

            fn user_and_post(row: &$row) -> sqlx::Result<(User, Option<Post>)> {
                let post = match row.try_get::<Option<i64>, _>(3)? {
                    None => None,
                    Some(id) => Some(Post {
                        id: Some(id),
                        user_id: row.try_get(4)?,
                        title: row.try_get(5)?,
                        body: row.try_get(6)?,
                    }),
                };
                Ok((user(row)?, post))
            }

            /// Inserts `users` in batches, each returning its keys.
            async fn insert_batches(
                conn: &mut <$db as sqlx::Database>::Connection,
                users: &mut [User],
            ) -> sqlx::Result<()> {
                for batch in users.chunks_mut(BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO bench_users (name, hair_color) ",
                    );
                    query.push_values(batch.iter(), |mut row, user| {
                        row.push_bind(&user.name).push_bind(&user.hair_color);
                    });
                    query.push(" RETURNING id");
                    let mut keys: Vec<i64> = query
                        .build()
                        .fetch_all(&mut *conn)
                        .await?
                        .iter()
                        .map(|row| row.try_get(0))
                        .collect::<sqlx::Result<_>>()?;
                    keys.sort_unstable();
                    for (user, key) in batch.iter_mut().zip(keys) {
                        user.id = Some(key);
                    }
                }
                Ok(())
            }

            /// [`insert_batches`] into the table with an `INT` key (`i32` keys).
            async fn insert_int_batches(
                conn: &mut <$db as sqlx::Database>::Connection,
                users: &mut [IntUser],
            ) -> sqlx::Result<()> {
                for batch in users.chunks_mut(BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO bench_int_users (name, hair_color) ",
                    );
                    query.push_values(batch.iter(), |mut row, user| {
                        row.push_bind(&user.name).push_bind(&user.hair_color);
                    });
                    query.push(" RETURNING id");
                    let mut keys: Vec<i32> = query
                        .build()
                        .fetch_all(&mut *conn)
                        .await?
                        .iter()
                        .map(|row| row.try_get(0))
                        .collect::<sqlx::Result<_>>()?;
                    keys.sort_unstable();
                    for (user, key) in batch.iter_mut().zip(keys) {
                        user.id = Some(key);
                    }
                }
                Ok(())
            }

            /// The plain multi-row insert users write when they do not need the keys:
            /// no `RETURNING`.
            async fn insert_plain_batches(
                conn: &mut <$db as sqlx::Database>::Connection,
                users: &[User],
                per_statement: usize,
            ) -> sqlx::Result<()> {
                for batch in users.chunks(per_statement) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO bench_users (name, hair_color) ",
                    );
                    query.push_values(batch.iter(), |mut row, user| {
                        row.push_bind(&user.name).push_bind(&user.hair_color);
                    });
                    query.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

            /// A bulk load of `users` as fast as plain sqlx goes without a protocol of
            /// its own: multi-row inserts of `per_statement` rows, no keys read back,
            /// in one transaction.
            pub async fn bulk_plain(
                pool: &$pool,
                users: &[User],
                per_statement: usize,
            ) -> sqlx::Result<()> {
                let mut tx = pool.begin().await?;
                insert_plain_batches(&mut *tx, users, per_statement).await?;
                tx.commit().await
            }

            /// Runs one operation; returns how many objects it saw.
            pub async fn run(
                pool: &$pool,
                workload: Workload,
                by_name: bool,
                i: usize,
            ) -> sqlx::Result<usize> {
                Ok(match workload {
                    Workload::Trivial(_) if by_name => sqlx::query_as::<_, UserRow>(TRIVIAL)
                        .fetch_all(pool)
                        .await?
                        .len(),
                    Workload::Trivial(_) => sqlx::query(TRIVIAL)
                        .try_map(|row: $row| user(&row))
                        .fetch_all(pool)
                        .await?
                        .len(),
                    Workload::Medium if by_name => sqlx::query_as::<_, UserPostRow>($medium_as)
                        .bind("black")
                        .fetch_all(pool)
                        .await?
                        .len(),
                    Workload::Medium => sqlx::query($medium)
                        .bind("black")
                        .try_map(|row: $row| user_and_post(&row))
                        .fetch_all(pool)
                        .await?
                        .len(),
                    Workload::Get => {
                        let id = (i % 1_000) as i64 + 1;
                        if by_name {
                            sqlx::query_as::<_, UserRow>($get)
                                .bind(id)
                                .fetch_optional(pool)
                                .await?
                                .map_or(0, |_| 1)
                        } else {
                            sqlx::query($get)
                                .bind(id)
                                .try_map(|row: $row| user(&row))
                                .fetch_optional(pool)
                                .await?
                                .map_or(0, |_| 1)
                        }
                    }
                    Workload::Insert(1) => {
                        let mut user = new_user(i);
                        let key = {
                            let ($p, $u) = (pool, &user);
                            $insert_one
                        };
                        user.id = Some(key);
                        1
                    }
                    Workload::Insert(n) => {
                        let mut users: Vec<User> = (0..n).map(new_user).collect();
                        if n <= BATCH {
                            insert_batches(&mut *pool.acquire().await?, &mut users).await?;
                        } else {
                            let mut tx = pool.begin().await?;
                            insert_batches(&mut *tx, &mut users).await?;
                            tx.commit().await?;
                        }
                        users.len()
                    }
                    // `run_sqlx` runs them as `insert_1` and `insert_int_1`, or SQLite's
                    // `sqlite_insert_to_end` and `sqlite_insert_int_to_end`.
                    Workload::InsertToEnd | Workload::InsertIntToEnd => 0,
                    Workload::InsertInt(1) => {
                        let mut user = new_int_user(i);
                        let key = {
                            let ($ip, $iu) = (pool, &user);
                            $insert_int_one
                        };
                        user.id = Some(key);
                        1
                    }
                    Workload::InsertInt(n) => {
                        let mut users: Vec<IntUser> = (0..n).map(new_int_user).collect();
                        insert_int_batches(&mut *pool.acquire().await?, &mut users).await?;
                        users.len()
                    }
                    Workload::InsertPlain(n) => {
                        let users: Vec<User> = (0..n).map(new_user).collect();
                        insert_plain_batches(&mut *pool.acquire().await?, &users, BATCH).await?;
                        users.len()
                    }
                    Workload::InsertEach(_) => 0,
                    Workload::Eager3 => blog_len(&eager(pool).await?),
                    Workload::Inherit(_) if by_name => sqlx::query_as::<_, EmployeeRow>(INHERIT)
                        .fetch_all(pool)
                        .await?
                        .len(),
                    Workload::Inherit(_) => sqlx::query(INHERIT)
                        .try_map(|row: $row| employee(&row))
                        .fetch_all(pool)
                        .await?
                        .len(),
                    Workload::Stream(_) => {
                        let mut rows = sqlx::query(TRIVIAL).fetch(pool);
                        let mut seen = 0;
                        while let Some(row) = rows.try_next().await? {
                            seen += user(&row)?.id.map_or(0, |_| 1);
                        }
                        seen
                    }
                })
            }
        }
    };
}

sqlx_workloads!(
    sqlite, sqlx::Sqlite, sqlx::SqlitePool, sqlx::sqlite::SqliteRow,
    get: "SELECT id, name, hair_color FROM bench_users WHERE id = ?",
    medium: "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
             FROM bench_users u LEFT JOIN bench_posts p ON p.user_id = u.id \
             WHERE u.hair_color = ?",
    medium_as: "SELECT u.id, u.name, u.hair_color, p.id AS post_id, p.user_id, p.title, \
                p.body FROM bench_users u LEFT JOIN bench_posts p ON p.user_id = u.id \
                WHERE u.hair_color = ?",
    insert_one: |pool, user| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO bench_users (name, hair_color) VALUES (?, ?) RETURNING id",
        )
        .bind(&user.name)
        .bind(&user.hair_color)
        .fetch_one(pool)
        .await?
    },
    insert_int_one: |pool, user| {
        sqlx::query_scalar::<_, i32>(
            "INSERT INTO bench_int_users (name, hair_color) VALUES (?, ?) RETURNING id",
        )
        .bind(&user.name)
        .bind(&user.hair_color)
        .fetch_one(pool)
        .await?
    },
    posts_of_users: "SELECT id, user_id, title, body FROM bench_posts WHERE user_id IN (",
    comments_of_posts: "SELECT id, post_id, body FROM bench_comments WHERE post_id IN (",
    select_in: |pool, sql, keys, map| {
        let mut query = sqlx::QueryBuilder::new(sql);
        let mut list = query.separated(", ");
        for key in keys {
            list.push_bind(*key);
        }
        list.push_unseparated(")");
        query.build().try_map(|row| map(&row)).fetch_all(pool).await
    },
);

sqlx_workloads!(
    postgres, sqlx::Postgres, sqlx::PgPool, sqlx::postgres::PgRow,
    get: "SELECT id, name, hair_color FROM bench_users WHERE id = $1",
    medium: "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
             FROM bench_users u LEFT JOIN bench_posts p ON p.user_id = u.id \
             WHERE u.hair_color = $1",
    medium_as: "SELECT u.id, u.name, u.hair_color, p.id AS post_id, p.user_id, p.title, \
                p.body FROM bench_users u LEFT JOIN bench_posts p ON p.user_id = u.id \
                WHERE u.hair_color = $1",
    insert_one: |pool, user| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO bench_users (name, hair_color) VALUES ($1, $2) RETURNING id",
        )
        .bind(&user.name)
        .bind(&user.hair_color)
        .fetch_one(pool)
        .await?
    },
    insert_int_one: |pool, user| {
        sqlx::query_scalar::<_, i32>(
            "INSERT INTO bench_int_users (name, hair_color) VALUES ($1, $2) RETURNING id",
        )
        .bind(&user.name)
        .bind(&user.hair_color)
        .fetch_one(pool)
        .await?
    },
    posts_of_users: "SELECT id, user_id, title, body FROM bench_posts WHERE user_id = ANY($1)",
    comments_of_posts: "SELECT id, post_id, body FROM bench_comments WHERE post_id = ANY($1)",
    select_in: |pool, sql, keys, map| {
        sqlx::query(sql)
            .bind(keys)
            .try_map(|row| map(&row))
            .fetch_all(pool)
            .await
    },
);

sqlx_workloads!(
    mysql, sqlx::MySql, sqlx::MySqlPool, sqlx::mysql::MySqlRow,
    get: "SELECT id, name, hair_color FROM bench_users WHERE id = ?",
    medium: "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
             FROM bench_users u LEFT JOIN bench_posts p ON p.user_id = u.id \
             WHERE u.hair_color = ?",
    medium_as: "SELECT u.id, u.name, u.hair_color, p.id AS post_id, p.user_id, p.title, \
                p.body FROM bench_users u LEFT JOIN bench_posts p ON p.user_id = u.id \
                WHERE u.hair_color = ?",
    insert_one: |pool, user| {
        let done = sqlx::query("INSERT INTO bench_users (name, hair_color) VALUES (?, ?)")
            .bind(&user.name)
            .bind(&user.hair_color)
            .execute(pool)
            .await?;
        done.last_insert_id() as i64
    },
    insert_int_one: |pool, user| {
        let done = sqlx::query("INSERT INTO bench_int_users (name, hair_color) VALUES (?, ?)")
            .bind(&user.name)
            .bind(&user.hair_color)
            .execute(pool)
            .await?;
        done.last_insert_id() as i32
    },
    posts_of_users: "SELECT id, user_id, title, body FROM bench_posts WHERE user_id IN (",
    comments_of_posts: "SELECT id, post_id, body FROM bench_comments WHERE post_id IN (",
    select_in: |pool, sql, keys, map| {
        let mut query = sqlx::QueryBuilder::new(sql);
        let mut list = query.separated(", ");
        for key in keys {
            list.push_bind(*key);
        }
        list.push_unseparated(")");
        query.build().try_map(|row| map(&row)).fetch_all(pool).await
    },
);

/// SQLite's `insert_to_end_1`: the insert read to its statement's end with `fetch_all`,
/// as om's `add` reads it (`fetch_one` stops after the first row, and SQLite then
/// ignores an error of finishing the statement). PostgreSQL's `fetch_one` and MySQL's
/// `execute` already read to the end: there the workload is `insert_1`'s.
pub async fn sqlite_insert_to_end(pool: &sqlx::SqlitePool, i: usize) -> sqlx::Result<usize> {
    let mut user = super::new_user(i);
    let sql = "INSERT INTO bench_users (name, hair_color) VALUES (?, ?) RETURNING id";
    user.id = Some(sqlite_key_to_end(pool, sql, &user.name, &user.hair_color).await?);
    Ok(1)
}

/// SQLite's `insert_int_to_end_1`: [`sqlite_insert_to_end`] into the table with an `INT`
/// key.
pub async fn sqlite_insert_int_to_end(pool: &sqlx::SqlitePool, i: usize) -> sqlx::Result<usize> {
    let mut user = super::new_int_user(i);
    let sql = "INSERT INTO bench_int_users (name, hair_color) VALUES (?, ?) RETURNING id";
    user.id = Some(sqlite_key_to_end(pool, sql, &user.name, &user.hair_color).await?);
    Ok(1)
}

/// The key of the one row `sql` inserts, the insert read to its end.
async fn sqlite_key_to_end<K>(
    pool: &sqlx::SqlitePool,
    sql: &'static str,
    name: &str,
    hair_color: &Option<String>,
) -> sqlx::Result<K>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send + Unpin + Copy,
{
    let keys = sqlx::query_scalar::<_, K>(sql)
        .bind(name)
        .bind(hair_color)
        .fetch_all(pool)
        .await?;
    keys.first().copied().ok_or(sqlx::Error::RowNotFound)
}
