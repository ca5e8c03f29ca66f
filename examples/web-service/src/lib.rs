//! A small JSON API over om: users and their bookmarks, served by axum.
//!
//! - `POST /users` `{"email": ..}` → 201 and the user; 409 if the email is taken.
//! - `GET /users/{id}` → the user, or 404.
//! - `POST /users/{id}/bookmarks` `{"url": .., "title": ..}` → 201 and the bookmark; 404
//!   if there is no such user.
//! - `GET /users/{id}/bookmarks?page=1&size=20` → a page of the user's bookmarks, newest
//!   first, with the total.
//! - `DELETE /bookmarks/{id}` → 204, or 404.
//!
//! Errors are `{"error": "..."}` with the status that fits; the database's own messages
//! never reach the client (they are logged instead). The same code serves SQLite,
//! PostgreSQL and MySQL: the URL picks.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use om::prelude::*;
use serde::{Deserialize, Serialize};

/// A user of the service.
#[derive(Model, Debug, Clone, PartialEq, Serialize)]
#[om(table = "api_users", has_many(bookmarks = Bookmark))]
pub struct User {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// Unique.
    #[om(size = 200, unique)]
    pub email: String,
}

/// A bookmark, deleted with its user.
#[derive(Model, Debug, Clone, PartialEq, Serialize)]
#[om(table = "api_bookmarks")]
pub struct Bookmark {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The owner.
    #[om(references(User, on_delete = cascade), index)]
    pub user_id: i64,
    /// The address.
    #[om(size = 2000)]
    pub url: String,
    /// What the user called it.
    #[om(size = 200)]
    pub title: String,
}

/// The tables of the service, for `create_all`.
pub fn tables() -> [&'static om::TableMeta; 2] {
    [User::table(), Bookmark::table()]
}

/// The service's routes over `db`.
pub fn app(db: Database) -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user))
        .route(
            "/users/{id}/bookmarks",
            post(add_bookmark).get(list_bookmarks),
        )
        .route("/bookmarks/{id}", delete(delete_bookmark))
        .with_state(db)
}

/// What a handler can answer instead of its result.
#[derive(Debug)]
pub enum ApiError {
    /// 404.
    NotFound(String),
    /// 409.
    Conflict(String),
    /// 422: the request's content is not acceptable.
    Invalid(String),
    /// 500: the database failed; the details are logged, not sent.
    Internal(om::Error),
}

impl From<om::Error> for ApiError {
    fn from(e: om::Error) -> Self {
        ApiError::Internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, m),
            ApiError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            ApiError::Internal(e) => {
                eprintln!("web-service: database error: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_owned(),
                )
            }
        };
        (status, Json(ErrorBody { error: message })).into_response()
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

/// The body of `POST /users`.
#[derive(Debug, Deserialize)]
pub struct NewUser {
    /// The new user's email.
    pub email: String,
}

/// The body of `POST /users/{id}/bookmarks`.
#[derive(Debug, Deserialize)]
pub struct NewBookmark {
    /// The address.
    pub url: String,
    /// Its title.
    pub title: String,
}

/// The query of `GET /users/{id}/bookmarks`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// From 1 (the default).
    pub page: Option<u64>,
    /// Rows per page: 20 by default, at most 100.
    pub size: Option<u64>,
}

/// A page of bookmarks.
#[derive(Debug, Serialize)]
pub struct BookmarkPage {
    /// The page's bookmarks.
    pub items: Vec<Bookmark>,
    /// How many the user has in all.
    pub total: u64,
    /// The page's number.
    pub page: u64,
    /// How many pages there are.
    pub pages: u64,
}

async fn create_user(
    State(db): State<Database>,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let email = body.email.trim().to_owned();
    if !email.contains('@') || email.len() > 200 {
        return Err(ApiError::Invalid(format!(
            "not an email address: {email:?}"
        )));
    }
    let mut user = User { id: None, email };
    match db.add(&mut user).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(user))),
        Err(e) if e.kind() == om::ErrorKind::UniqueViolation => Err(ApiError::Conflict(format!(
            "{} is already registered",
            user.email
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn get_user(State(db): State<Database>, Path(id): Path<i64>) -> Result<Json<User>, ApiError> {
    db.query::<User>()
        .get(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no user {id}")))
}

async fn add_bookmark(
    State(db): State<Database>,
    Path(user_id): Path<i64>,
    Json(body): Json<NewBookmark>,
) -> Result<(StatusCode, Json<Bookmark>), ApiError> {
    if !(body.url.starts_with("http://") || body.url.starts_with("https://")) {
        return Err(ApiError::Invalid(format!(
            "not a web address: {:?}",
            body.url
        )));
    }
    let mut bookmark = Bookmark {
        id: None,
        user_id,
        url: body.url,
        title: body.title,
    };
    // The foreign key answers whether the user exists, in the same statement.
    match db.add(&mut bookmark).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(bookmark))),
        Err(e) if e.kind() == om::ErrorKind::ForeignKeyViolation => {
            Err(ApiError::NotFound(format!("no user {user_id}")))
        }
        Err(e) if e.kind() == om::ErrorKind::ValueTooLong => Err(ApiError::Invalid(
            "the url or the title is too long".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn list_bookmarks(
    State(db): State<Database>,
    Path(user_id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Json<BookmarkPage>, ApiError> {
    let (number, size) = (q.page.unwrap_or(1), q.size.unwrap_or(20));
    if number == 0 || !(1..=100).contains(&size) {
        return Err(ApiError::Invalid(
            "page counts from 1; size is between 1 and 100".to_owned(),
        ));
    }
    if db.query::<User>().get(user_id).await?.is_none() {
        return Err(ApiError::NotFound(format!("no user {user_id}")));
    }
    let page = db
        .query::<Bookmark>()
        .filter(|b| b.user_id.eq(user_id))
        .order_by(|b| b.id.desc())
        .page(number, size)
        .await?;
    let pages = page.pages();
    Ok(Json(BookmarkPage {
        items: page.items,
        total: page.total,
        page: number,
        pages,
    }))
}

async fn delete_bookmark(
    State(db): State<Database>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    match db
        .query::<Bookmark>()
        .filter(|b| b.id.eq(id))
        .delete()
        .await?
    {
        0 => Err(ApiError::NotFound(format!("no bookmark {id}"))),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}
