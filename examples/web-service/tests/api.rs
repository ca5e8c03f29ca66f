//! The API end to end, through the router, each test on a database of its own in test
//! mode (`connect_test`: everything it writes is rolled back). On SQLite by default;
//! `WEB_SERVICE_TEST_URL` points them at another server.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use om::Database;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn service() -> axum::Router {
    let url = std::env::var("WEB_SERVICE_TEST_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let db = Database::connect_test(&url).await.expect("a test database");
    db.create_all(&om_example_web_service::tables())
        .await
        .expect("the tables");
    om_example_web_service::app(db)
}

/// Sends one request; returns the status and the JSON body (`null` when empty).
async fn call(
    app: &axum::Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("a request");
    let response = app.clone().oneshot(request).await.expect("a response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("a JSON body")
    };
    (status, json)
}

#[tokio::test]
async fn a_user_is_created_read_and_unique() {
    let app = service().await;
    let (status, user) = call(
        &app,
        Method::POST,
        "/users",
        Some(json!({"email": "ada@example.org"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = user["id"].as_i64().expect("a generated id");
    assert_eq!(user["email"], "ada@example.org");

    let (status, read) = call(&app, Method::GET, &format!("/users/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, user);

    let (status, body) = call(
        &app,
        Method::POST,
        "/users",
        Some(json!({"email": "ada@example.org"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "ada@example.org is already registered");

    let (status, body) = call(&app, Method::GET, "/users/999999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "no user 999999");
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = service().await;
    let (status, _) = call(
        &app,
        Method::POST,
        "/users",
        Some(json!({"email": "no-at-sign"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, user) = call(
        &app,
        Method::POST,
        "/users",
        Some(json!({"email": "b@example.org"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = user["id"].as_i64().expect("an id");

    let uri = format!("/users/{id}/bookmarks");
    let (status, _) = call(
        &app,
        Method::POST,
        &uri,
        Some(json!({"url": "ftp://x", "title": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = "t".repeat(500);
    let (status, _) = call(
        &app,
        Method::POST,
        &uri,
        Some(json!({"url": "https://x.org", "title": long})),
    )
    .await;
    // A text longer than its column is refused by the database where it enforces sizes
    // (PostgreSQL, MySQL) and stored whole by SQLite.
    assert!(
        matches!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CREATED
        ),
        "{status}"
    );
    let (status, _) = call(
        &app,
        Method::POST,
        "/users/424242/bookmarks",
        Some(json!({"url": "https://x.org", "title": "x"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a bookmark of a user that does not exist"
    );
    let (status, _) = call(&app, Method::GET, &format!("{uri}?page=0"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bookmarks_are_paged_newest_first_and_deleted() {
    let app = service().await;
    let (_, user) = call(
        &app,
        Method::POST,
        "/users",
        Some(json!({"email": "c@example.org"})),
    )
    .await;
    let id = user["id"].as_i64().expect("an id");
    let uri = format!("/users/{id}/bookmarks");
    let mut ids = Vec::new();
    for n in 1..=5 {
        let (status, b) = call(
            &app,
            Method::POST,
            &uri,
            Some(json!({"url": format!("https://example.org/{n}"), "title": format!("page {n}")})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(b["user_id"].as_i64(), Some(id));
        ids.push(b["id"].as_i64().expect("an id"));
    }

    let (status, page) = call(&app, Method::GET, &format!("{uri}?page=1&size=2"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 5);
    assert_eq!(page["pages"], 3);
    let titles: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|b| b["title"].as_str())
        .collect();
    assert_eq!(titles, ["page 5", "page 4"]);
    let (_, last) = call(&app, Method::GET, &format!("{uri}?page=3&size=2"), None).await;
    assert_eq!(last["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(last["items"][0]["title"], "page 1");

    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/bookmarks/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/bookmarks/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = call(&app, Method::GET, &uri, None).await;
    assert_eq!(page["total"], 4);
}
