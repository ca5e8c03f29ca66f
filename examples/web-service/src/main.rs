//! Serves the API on `127.0.0.1:3000` (or `BIND`), over `DATABASE_URL` (default: a
//! SQLite file `web-service.db`): `cargo run -p om-example-web-service`.

use om::Database;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://web-service.db?mode=rwc".to_owned());
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let db = Database::connect(&url).await?;
    db.create_all(&om_example_web_service::tables()).await?;

    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{bind} ({} database)", db.backend());
    axum::serve(listener, om_example_web_service::app(db.clone()))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    db.close().await;
    Ok(())
}
