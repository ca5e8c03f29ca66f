//! The workloads of om's benchmarks, each written with om and with hand-written sqlx,
//! shared by the criterion suite (`benches/compare.rs`, wall time) and the operation
//! loop that callgrind counts (`benches/ops.rs`, instructions).
//!
//! Both sides run on the same database through the same pool: the sqlx side uses
//! the sqlx pool om opened (`Database::raw_pool`), so connection settings match.
#![allow(dead_code, unreachable_pub)]

pub mod sqlx_side;

use futures::TryStreamExt;
use om::prelude::*;

/// `users(id, name, hair_color)`, as in Diesel's benchmarks; has many posts.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_users", has_many(posts = Post))]
pub struct User {
    /// Generated key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The name.
    #[om(size = 100)]
    pub name: String,
    /// Black for half of the users.
    #[om(size = 20)]
    pub hair_color: Option<String>,
}

/// The same users in a table whose key is `INT` (`serial` on PostgreSQL): an
/// `Option<i32>` key, as most tables with an `INT` key are mapped.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_int_users")]
pub struct IntUser {
    /// Generated key, 32 bits wide.
    #[om(primary_key)]
    pub id: Option<i32>,
    /// The name.
    #[om(size = 100)]
    pub name: String,
    /// Black for half of the users.
    #[om(size = 20)]
    pub hair_color: Option<String>,
}

/// `posts(id, user_id, title, body)`: belongs to a user, has many comments.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_posts", has_many(comments = Comment))]
pub struct Post {
    /// Generated key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The author.
    #[om(references(User, on_delete = cascade), index)]
    pub user_id: i64,
    /// The title.
    #[om(size = 200)]
    pub title: String,
    /// The text, for some.
    pub body: Option<String>,
}

/// `comments(id, post_id, body)`: belongs to a post.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_comments")]
pub struct Comment {
    /// Generated key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The post.
    #[om(references(Post, on_delete = cascade), index)]
    pub post_id: i64,
    /// The text.
    #[om(size = 200)]
    pub body: String,
}

/// Users, each with its posts, each with its comments: what `eager_3` loads.
pub type Blog = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

/// How many objects a [`Blog`] holds (users, posts and comments).
pub fn blog_len(blog: &Blog) -> usize {
    blog.iter()
        .map(|(_, posts)| 1 + posts.iter().map(|(_, c)| 1 + c.len()).sum::<usize>())
        .sum()
}

/// The root of the inheritance workload: `people(id, name)`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_people")]
pub struct Person {
    /// Generated key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The name.
    #[om(size = 100)]
    pub name: String,
}

/// A person who is an employee: `employees(id, salary, team)`, its key the person's.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "bench_employees")]
pub struct Employee {
    /// The person.
    #[om(parent)]
    pub person: Person,
    /// The salary.
    pub salary: i64,
    /// The team, for some.
    #[om(size = 40)]
    pub team: Option<String>,
}

/// An employee as sqlx's `query_as` maps it, by column name.
#[derive(sqlx::FromRow, Debug)]
pub struct EmployeeRow {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Salary.
    pub salary: i64,
    /// Team.
    pub team: Option<String>,
}

/// A user as sqlx's `query_as` maps it, by column name.
#[derive(sqlx::FromRow, Debug)]
pub struct UserRow {
    /// Key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Hair color.
    pub hair_color: Option<String>,
}

/// A row of the medium query as sqlx's `query_as` maps it, by column name.
#[derive(sqlx::FromRow, Debug)]
pub struct UserPostRow {
    /// User key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Hair color.
    pub hair_color: Option<String>,
    /// Post key, `None` for a user without posts.
    pub post_id: Option<i64>,
    /// Author.
    pub user_id: Option<i64>,
    /// Title.
    pub title: Option<String>,
    /// Body.
    pub body: Option<String>,
}

/// The backends a benchmark can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// In-memory SQLite (or `OM_BENCH_SQLITE_URL`).
    Sqlite,
    /// `OM_BENCH_POSTGRES_URL` (or `OM_TEST_POSTGRES_URL`).
    Postgres,
    /// `OM_BENCH_MYSQL_URL` (or `OM_TEST_MYSQL_URL`).
    Mysql,
}

impl Backend {
    /// Every backend, in report order.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The URL to benchmark on, `None` when no server is configured.
    pub fn url(self) -> Option<String> {
        let var = |bench: &str, test: &str| {
            std::env::var(bench)
                .or_else(|_| std::env::var(test))
                .ok()
                .filter(|u| !u.is_empty())
        };
        match self {
            Backend::Sqlite => Some(
                std::env::var("OM_BENCH_SQLITE_URL").unwrap_or_else(|_| "sqlite::memory:".into()),
            ),
            Backend::Postgres => var("OM_BENCH_POSTGRES_URL", "OM_TEST_POSTGRES_URL"),
            Backend::Mysql => var("OM_BENCH_MYSQL_URL", "OM_TEST_MYSQL_URL"),
        }
    }
}

/// A workload: what one operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Every row of `users` (of this many) into a `Vec`.
    Trivial(usize),
    /// Users LEFT JOIN posts where hair_color = 'black': 1,000 pairs.
    Medium,
    /// One user by key.
    Get,
    /// This many new users in one call (`add` for one, `add_all` for more).
    Insert(usize),
    /// This many new users with `add`, one call each (om only: the batch's yardstick).
    InsertEach(usize),
    /// [`Insert`](Self::Insert) into a table with an `INT` key (`Option<i32>`).
    InsertInt(usize),
    /// [`Insert`](Self::Insert) against sqlx's plain multi-row insert, without
    /// `RETURNING` (what users write when they do not need the keys).
    InsertPlain(usize),
    /// One new user with `add`, against sqlx reading the insert to its statement's
    /// end, as `add` does (on SQLite, sqlx's `fetch_one` stops after the first row and
    /// ignores an error of finishing the statement: a deferred constraint's, say).
    InsertToEnd,
    /// [`InsertToEnd`](Self::InsertToEnd) into the table with an `INT` key.
    InsertIntToEnd,
    /// Every row of `users` (of this many) through a stream.
    Stream(usize),
    /// This many employees (people joined with employees: joined-table inheritance).
    Inherit(usize),
    /// 100 users, each with its 10 posts, each with its 10 comments: three levels
    /// loaded eagerly, one statement per level.
    Eager3,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 17] = [
        Workload::Trivial(1),
        Workload::Trivial(100),
        Workload::Trivial(10_000),
        Workload::Medium,
        Workload::Get,
        Workload::Insert(1),
        Workload::InsertToEnd,
        Workload::Insert(100),
        Workload::Insert(10_000),
        Workload::InsertEach(100),
        Workload::InsertInt(1),
        Workload::InsertIntToEnd,
        Workload::InsertInt(100),
        Workload::InsertPlain(100),
        Workload::Stream(10_000),
        Workload::Inherit(1_000),
        Workload::Eager3,
    ];

    /// Its name (`trivial_100`, `medium`, ...).
    pub fn name(self) -> String {
        match self {
            Workload::Trivial(n) => format!("trivial_{n}"),
            Workload::Medium => "medium".into(),
            Workload::Get => "get".into(),
            Workload::Insert(n) => format!("insert_{n}"),
            Workload::InsertEach(n) => format!("insert_each_{n}"),
            Workload::InsertInt(n) => format!("insert_int_{n}"),
            Workload::InsertPlain(n) => format!("insert_plain_{n}"),
            Workload::InsertToEnd => "insert_to_end_1".into(),
            Workload::InsertIntToEnd => "insert_int_to_end_1".into(),
            Workload::Stream(n) => format!("stream_{n}"),
            Workload::Inherit(n) => format!("inherit_{n}"),
            Workload::Eager3 => "eager_3".into(),
        }
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }

    /// Whether sqlx has a side in it.
    pub fn has_sqlx(self) -> bool {
        !matches!(self, Workload::InsertEach(_))
    }
}

/// Who runs a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// om.
    Om,
    /// Hand-written sqlx: cached statements, columns read by index.
    Sqlx,
    /// sqlx's `query_as` with `derive(FromRow)`, columns read by name.
    SqlxAs,
}

impl Side {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Side::Om => "om",
            Side::Sqlx => "sqlx",
            Side::SqlxAs => "sqlx_query_as",
        }
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Side> {
        [Side::Om, Side::Sqlx, Side::SqlxAs]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// A fresh user.
pub fn new_user(i: usize) -> User {
    User {
        id: None,
        name: format!("User {i}"),
        hair_color: i.is_multiple_of(2).then(|| "black".to_string()),
    }
}

/// A fresh user of the `INT`-key table.
pub fn new_int_user(i: usize) -> IntUser {
    IntUser {
        id: None,
        name: format!("User {i}"),
        hair_color: i.is_multiple_of(2).then(|| "black".to_string()),
    }
}

/// Connects to `backend` and sets up the tables `workload` reads.
pub async fn setup(backend: Backend, workload: Workload) -> om::Result<Database> {
    let url = backend.url().ok_or(om::Error::Closed)?;
    let db = Database::connect(&url).await?;
    let tables = [
        User::table(),
        Post::table(),
        Comment::table(),
        Person::table(),
        Employee::table(),
        IntUser::table(),
    ];
    db.drop_all(&tables).await?;
    db.create_all(&tables).await?;
    if let Workload::Inherit(n) = workload {
        let mut staff: Vec<Employee> = (0..n)
            .map(|i| Employee {
                person: Person {
                    id: None,
                    name: format!("Person {i}"),
                },
                salary: i as i64 * 10,
                team: i.is_multiple_of(3).then(|| "core".to_string()),
            })
            .collect();
        db.add_all(&mut staff).await?;
    }
    let users = match workload {
        Workload::Trivial(n) | Workload::Stream(n) => n,
        Workload::Get => 1_000,
        Workload::Medium | Workload::Eager3 => 100,
        Workload::Insert(_)
        | Workload::InsertEach(_)
        | Workload::InsertInt(_)
        | Workload::InsertPlain(_)
        | Workload::InsertToEnd
        | Workload::InsertIntToEnd
        | Workload::Inherit(_) => 0,
    };
    let mut rows: Vec<User> = (0..users).map(new_user).collect();
    db.add_all(&mut rows).await?;
    if workload == Workload::Medium {
        // Every user has 20 posts: the 50 black-haired users give 1,000 pairs.
        let mut posts: Vec<Post> = rows
            .iter()
            .flat_map(|u| {
                let user_id = u.id.unwrap_or_default();
                (0..20_u32).map(move |i| Post {
                    id: None,
                    user_id,
                    title: format!("Post {i} by {user_id}"),
                    body: i.is_multiple_of(2).then(|| "Lorem ipsum".to_string()),
                })
            })
            .collect();
        db.add_all(&mut posts).await?;
    }
    if workload == Workload::Eager3 {
        // Every user has 10 posts, every post 10 comments: 11,100 objects in all.
        let mut posts: Vec<Post> = rows
            .iter()
            .flat_map(|u| {
                let user_id = u.id.unwrap_or_default();
                (0..10_u32).map(move |i| Post {
                    id: None,
                    user_id,
                    title: format!("Post {i} by {user_id}"),
                    body: i.is_multiple_of(2).then(|| "Lorem ipsum".to_string()),
                })
            })
            .collect();
        db.add_all(&mut posts).await?;
        let mut comments: Vec<Comment> = posts
            .iter()
            .flat_map(|p| {
                let post_id = p.id.unwrap_or_default();
                (0..10_u32).map(move |i| Comment {
                    id: None,
                    post_id,
                    body: format!("Comment {i} on {post_id}"),
                })
            })
            .collect();
        db.add_all(&mut comments).await?;
        check_eager(backend, &db).await?;
    }
    Ok(db)
}

/// What `eager_3` loads with om.
pub async fn eager_om(db: &Database) -> om::Result<Blog> {
    db.query::<User>()
        .with(|u| u.posts().with(|p| p.comments()))
        .all()
        .await
}

/// What `eager_3` loads with hand-written sqlx, on the pool of `db`.
pub async fn eager_sqlx(backend: Backend, db: &Database) -> sqlx::Result<Blog> {
    match backend {
        Backend::Sqlite => {
            let pool = db
                .raw_pool::<om::sqlite::RawPool>()
                .ok_or(sqlx::Error::PoolClosed)?;
            sqlx_side::sqlite::eager(pool).await
        }
        Backend::Postgres => {
            let pool = db
                .raw_pool::<om::postgres::RawPool>()
                .ok_or(sqlx::Error::PoolClosed)?;
            sqlx_side::postgres::eager(pool).await
        }
        Backend::Mysql => {
            let pool = db
                .raw_pool::<om::mysql::RawPool>()
                .ok_or(sqlx::Error::PoolClosed)?;
            sqlx_side::mysql::eager(pool).await
        }
    }
}

/// Checks, once, that om and sqlx load the same users, posts and comments, grouped
/// alike. Neither side orders a user's posts or a post's comments (no `ORDER BY`), so
/// each group is compared in key order.
async fn check_eager(backend: Backend, db: &Database) -> om::Result<()> {
    fn sorted(mut blog: Blog) -> Blog {
        for (_, posts) in &mut blog {
            posts.sort_by_key(|(p, _)| p.id);
            for (_, comments) in posts.iter_mut() {
                comments.sort_by_key(|c| c.id);
            }
        }
        blog
    }
    let om = eager_om(db).await?;
    let sqlx = eager_sqlx(backend, db)
        .await
        .map_err(|e| om::Error::InvalidQuery {
            reason: format!("the sqlx side of eager_3: {e}"),
        })?;
    assert_eq!(blog_len(&om), 11_100, "eager_3: users, posts and comments");
    assert_eq!(om.len(), 100, "eager_3: every user, in the same order");
    assert!(
        sorted(om) == sorted(sqlx),
        "eager_3: om and sqlx loaded different results"
    );
    Ok(())
}

/// Runs one operation of `workload` with om; returns how many objects it saw.
pub async fn run_om(db: &Database, workload: Workload, i: usize) -> om::Result<usize> {
    Ok(match workload {
        Workload::Trivial(_) => db.query::<User>().all().await?.len(),
        Workload::Medium => db
            .query::<User>()
            .filter(|u| u.hair_color.eq("black"))
            .left_join::<Post>(|u, p| p.user_id.eq_column(u.id))
            .all()
            .await?
            .len(),
        Workload::Get => {
            let id = (i % 1_000) as i64 + 1;
            db.query::<User>().get(id).await?.map_or(0, |_| 1)
        }
        Workload::Insert(1) | Workload::InsertToEnd => {
            let mut user = new_user(i);
            db.add(&mut user).await?;
            user.id.map_or(0, |_| 1)
        }
        Workload::Insert(n) | Workload::InsertPlain(n) => {
            let mut users: Vec<User> = (0..n).map(new_user).collect();
            db.add_all(&mut users).await?;
            users.len()
        }
        Workload::InsertInt(1) | Workload::InsertIntToEnd => {
            let mut user = new_int_user(i);
            db.add(&mut user).await?;
            user.id.map_or(0, |_| 1)
        }
        Workload::InsertInt(n) => {
            let mut users: Vec<IntUser> = (0..n).map(new_int_user).collect();
            db.add_all(&mut users).await?;
            users.len()
        }
        Workload::InsertEach(n) => {
            for k in 0..n {
                let mut user = new_user(k);
                db.add(&mut user).await?;
            }
            n
        }
        Workload::Inherit(_) => db.query::<Employee>().all().await?.len(),
        Workload::Eager3 => blog_len(&eager_om(db).await?),
        Workload::Stream(_) => {
            let mut stream = db.query::<User>().stream();
            let mut seen = 0;
            while let Some(user) = stream.try_next().await? {
                seen += user.id.map_or(0, |_| 1);
            }
            seen
        }
    })
}

/// Runs one operation of `workload` with sqlx, on the pool of `db`.
pub async fn run_sqlx(
    backend: Backend,
    db: &Database,
    workload: Workload,
    side: Side,
    i: usize,
) -> sqlx::Result<usize> {
    let by_name = side == Side::SqlxAs;
    // Elsewhere than on SQLite the one-row insert already reads to its statement's end.
    let workload = match (backend, workload) {
        (Backend::Postgres | Backend::Mysql, Workload::InsertToEnd) => Workload::Insert(1),
        (Backend::Postgres | Backend::Mysql, Workload::InsertIntToEnd) => Workload::InsertInt(1),
        (_, workload) => workload,
    };
    match backend {
        Backend::Sqlite => {
            let pool = db
                .raw_pool::<om::sqlite::RawPool>()
                .ok_or(sqlx::Error::PoolClosed)?;
            match workload {
                Workload::InsertToEnd => return sqlx_side::sqlite_insert_to_end(pool, i).await,
                Workload::InsertIntToEnd => {
                    return sqlx_side::sqlite_insert_int_to_end(pool, i).await;
                }
                _ => {}
            }
            sqlx_side::sqlite::run(pool, workload, by_name, i).await
        }
        Backend::Postgres => {
            let pool = db
                .raw_pool::<om::postgres::RawPool>()
                .ok_or(sqlx::Error::PoolClosed)?;
            sqlx_side::postgres::run(pool, workload, by_name, i).await
        }
        Backend::Mysql => {
            let pool = db
                .raw_pool::<om::mysql::RawPool>()
                .ok_or(sqlx::Error::PoolClosed)?;
            sqlx_side::mysql::run(pool, workload, by_name, i).await
        }
    }
}

/// Runs one operation of `workload` by `side`.
pub async fn run(
    backend: Backend,
    db: &Database,
    workload: Workload,
    side: Side,
    i: usize,
) -> Result<usize, String> {
    match side {
        Side::Om => run_om(db, workload, i).await.map_err(|e| e.to_string()),
        _ => run_sqlx(backend, db, workload, side, i)
            .await
            .map_err(|e| e.to_string()),
    }
}
