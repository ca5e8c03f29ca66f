//! Money moved between accounts by concurrent tasks, each transfer a transaction that
//! runs again when the database reports a conflict (a busy lock on SQLite, a
//! serialization failure or a deadlock on PostgreSQL and MySQL), and rolls back for good
//! on the application's own error.
//!
//! `cargo run --example transactions` (SQLite in a temporary file: concurrent writers
//! need a file). Give it another URL to run the same code elsewhere:
//! `cargo run --example transactions --features postgres -- postgres://postgres@127.0.0.1/test`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use om::prelude::*;
use om::{RetryPolicy, Retryable};

/// An account: its balance never goes below zero.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "example_accounts")]
pub struct Account {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The holder's name.
    #[om(size = 40)]
    pub owner: String,
    /// In cents.
    pub balance: i64,
}

/// What a transfer can fail with: the application's own refusal, or the database's error.
#[derive(Debug)]
enum TransferError {
    /// The source account does not hold the amount: rolled back, not retried.
    InsufficientFunds {
        account: i64,
        balance: i64,
        amount: i64,
    },
    /// An account that does not exist.
    NoAccount(i64),
    /// From om: retried when it is a conflict.
    Db(om::Error),
}

impl From<om::Error> for TransferError {
    fn from(e: om::Error) -> Self {
        TransferError::Db(e)
    }
}

impl std::fmt::Display for TransferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransferError::InsufficientFunds {
                account,
                balance,
                amount,
            } => {
                write!(f, "account {account} holds {balance}, cannot send {amount}")
            }
            TransferError::NoAccount(id) => write!(f, "no account {id}"),
            TransferError::Db(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TransferError {}

/// Only the database's conflicts are worth running the transfer again.
impl Retryable for TransferError {
    fn is_retryable(&self) -> bool {
        matches!(self, TransferError::Db(e) if e.is_retryable())
    }
}

/// Moves `amount` from one account to another, atomically; `attempts` counts the runs.
async fn transfer(
    db: &Database,
    from: i64,
    to: i64,
    amount: i64,
    attempts: &AtomicU32,
) -> Result<(), TransferError> {
    db.transaction_with_retry(RetryPolicy::new().max_attempts(20), || {
        attempts.fetch_add(1, Ordering::Relaxed);
        async move |tx: &mut Transaction<'_>| {
            let mut source = tx
                .query::<Account>()
                .get(from)
                .await?
                .ok_or(TransferError::NoAccount(from))?;
            if source.balance < amount {
                return Err(TransferError::InsufficientFunds {
                    account: from,
                    balance: source.balance,
                    amount,
                });
            }
            let mut target = tx
                .query::<Account>()
                .get(to)
                .await?
                .ok_or(TransferError::NoAccount(to))?;
            source.balance -= amount;
            target.balance += amount;
            tx.update(&mut source).await?;
            tx.update(&mut target).await?;
            Ok(())
        }
    })
    .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::temp_dir().join(format!("om-transactions-{}.db", std::process::id()));
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", file.display()));
    let db = Database::connect(&url).await?;
    db.drop_all(&[Account::table()]).await?;
    db.create_all(&[Account::table()]).await?;

    let mut accounts = vec![
        Account {
            id: None,
            owner: "ada".into(),
            balance: 1_000,
        },
        Account {
            id: None,
            owner: "grace".into(),
            balance: 1_000,
        },
        Account {
            id: None,
            owner: "edsger".into(),
            balance: 50,
        },
    ];
    db.add_all(&mut accounts).await?;
    let ids: Vec<i64> = accounts.iter().filter_map(|a| a.id).collect();
    let total_before: i64 = accounts.iter().map(|a| a.balance).sum();

    // Eight tasks move money around the three accounts at once.
    let attempts = Arc::new(AtomicU32::new(0));
    let mut tasks = Vec::new();
    for task in 0..8usize {
        let (db, ids, attempts) = (db.clone(), ids.clone(), Arc::clone(&attempts));
        tasks.push(tokio::spawn(async move {
            let (mut done, mut refused) = (0, 0);
            for round in 0..10usize {
                let from = ids[(task + round) % ids.len()];
                let to = ids[(task + round + 1) % ids.len()];
                match transfer(&db, from, to, 30, &attempts).await {
                    Ok(()) => done += 1,
                    Err(TransferError::InsufficientFunds { .. }) => refused += 1,
                    Err(e) => return Err(e),
                }
            }
            Ok::<_, TransferError>((done, refused))
        }));
    }
    let (mut done, mut refused) = (0, 0);
    for task in tasks {
        let (d, r) = task.await??;
        done += d;
        refused += r;
    }

    let after = db.query::<Account>().order_by(|a| a.id.asc()).all().await?;
    let total_after: i64 = after.iter().map(|a| a.balance).sum();
    for account in &after {
        println!("{:>7}: {:>5}", account.owner, account.balance);
    }
    let runs = attempts.load(Ordering::Relaxed);
    println!(
        "{done} transfers made, {refused} refused for want of funds, {runs} runs of the \
         transaction ({} run again after a conflict)",
        runs - (done + refused)
    );
    assert_eq!(
        done + refused,
        80,
        "every transfer ended one way or the other"
    );
    assert_eq!(total_before, total_after, "no money made or lost");
    assert!(
        after.iter().all(|a| a.balance >= 0),
        "no balance below zero"
    );

    db.drop_all(&[Account::table()]).await?;
    db.close().await;
    let _ = std::fs::remove_file(&file);
    Ok(())
}
