use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    name: String,
}

async fn misuse(db: &Database) -> om::Result<()> {
    let mut tx = db.begin().await?;
    let savepoint = tx.begin().await?;
    // The outer transaction is borrowed by its savepoint until the savepoint ends.
    tx.add(&mut User { id: None, name: "lost on rollback".into() }).await?;
    savepoint.rollback().await?;
    tx.commit().await
}

fn main() {
    let _ = misuse;
}
