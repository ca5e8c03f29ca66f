//! The concurrency ledger: many tasks writing at once through a small pool lose nothing
//! and invent nothing.

use std::collections::BTreeMap;

use om::{Database, Error, ErrorKind, Model, Result};

use crate::rt::Rng;

/// One entry of the ledger, owned by one task.
#[derive(om::Model, Debug, Clone, PartialEq)]
#[om(table = "om_ledger")]
pub struct Entry {
    /// Its key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// The task that owns it.
    #[om(index)]
    pub owner: i64,
    /// Its amount.
    pub amount: i64,
}

/// What one task did: the entries it should find, and its failures.
struct Outcome {
    owner: i64,
    expected: BTreeMap<i64, i64>,
    failures: Vec<ErrorKind>,
}

/// One task: `ops` random operations (add, add_all, update, delete, a transfer between
/// two of its entries in a transaction, a read checked against what it wrote), keeping
/// in memory what the successful ones wrote.
async fn task(db: &Database, owner: i64, ops: usize) -> Result<Outcome> {
    let mut rng = Rng::new(0x1ed9_e000 + owner as u64);
    let mut expected: BTreeMap<i64, i64> = BTreeMap::new();
    let mut failures = Vec::new();
    let pick = |rng: &mut Rng, expected: &BTreeMap<i64, i64>| {
        let n = expected.len() as u64;
        (n > 0).then(|| {
            let (&id, &amount) = expected
                .iter()
                .nth(rng.below(n) as usize)
                .expect("in range");
            Entry {
                id: Some(id),
                owner,
                amount,
            }
        })
    };
    for _ in 0..ops {
        let amount = rng.below(1000) as i64;
        let outcome: Result<()> = match rng.below(6) {
            0 => {
                let mut e = Entry {
                    id: None,
                    owner,
                    amount,
                };
                db.add(&mut e).await.map(|()| {
                    expected.insert(e.id.expect("a key"), amount);
                })
            }
            1 => {
                let mut batch: Vec<Entry> = (0..3)
                    .map(|i| Entry {
                        id: None,
                        owner,
                        amount: amount + i,
                    })
                    .collect();
                db.add_all(&mut batch).await.map(|()| {
                    for e in &batch {
                        expected.insert(e.id.expect("a key"), e.amount);
                    }
                })
            }
            2 => match pick(&mut rng, &expected) {
                Some(mut e) => {
                    e.amount += amount;
                    db.update(&mut e).await.map(|()| {
                        expected.insert(e.id.expect("a key"), e.amount);
                    })
                }
                None => Ok(()),
            },
            3 => match pick(&mut rng, &expected) {
                Some(e) => db.delete(&e).await.map(|deleted| {
                    assert!(deleted, "entry {:?} of task {owner} was gone", e.id);
                    expected.remove(&e.id.expect("a key"));
                }),
                None => Ok(()),
            },
            4 => match (pick(&mut rng, &expected), pick(&mut rng, &expected)) {
                (Some(mut from), Some(mut to)) if from.id != to.id => {
                    from.amount -= amount;
                    to.amount += amount;
                    db.transaction(async |tx| {
                        tx.update(&mut from).await?;
                        tx.update(&mut to).await?;
                        Ok::<_, Error>(())
                    })
                    .await
                    .map(|()| {
                        expected.insert(from.id.expect("a key"), from.amount);
                        expected.insert(to.id.expect("a key"), to.amount);
                    })
                }
                _ => Ok(()),
            },
            _ => match pick(&mut rng, &expected) {
                Some(e) => db
                    .query::<Entry>()
                    .get(e.id.expect("a key"))
                    .await
                    .map(|found| {
                        assert_eq!(found.as_ref(), Some(&e), "task {owner} read another value");
                    }),
                None => Ok(()),
            },
        };
        if let Err(e) = outcome {
            failures.push(e.kind());
        }
    }
    Ok(Outcome {
        owner,
        expected,
        failures,
    })
}

/// 32 tasks × 500 operations through a pool of 5: the rows in the database are exactly
/// what the successful operations wrote, per task. No operation fails, except that
/// where one transaction at a time may write (SQLite, declared) a writer may give up
/// with `Busy`, which then wrote nothing.
pub async fn concurrency_ledger(db: &Database) -> Result<()> {
    let url = crate::cases::isolation::with_options(db, "max_connections=5");
    let db = &Database::connect(&url).await?;
    db.create_all(&[Entry::table()]).await?;
    let tasks: Vec<_> = (0..32).map(|owner| task(db, owner, 500)).collect();
    let outcomes = futures::future::join_all(tasks).await;
    let mut stored: BTreeMap<i64, BTreeMap<i64, i64>> = BTreeMap::new();
    for e in db.query::<Entry>().all().await? {
        stored
            .entry(e.owner)
            .or_default()
            .insert(e.id.expect("a key"), e.amount);
    }
    let mut total_failures = 0;
    for outcome in outcomes {
        let outcome = outcome?;
        for kind in &outcome.failures {
            assert!(
                *kind == ErrorKind::Busy && !db.capabilities().concurrent_write_transactions,
                "task {} failed with {kind:?}",
                outcome.owner
            );
        }
        total_failures += outcome.failures.len();
        let found = stored.remove(&outcome.owner).unwrap_or_default();
        assert_eq!(found, outcome.expected, "task {}'s entries", outcome.owner);
    }
    assert!(stored.is_empty(), "entries of no task: {stored:?}");
    assert!(total_failures < 32 * 500 / 10, "{total_failures} failures");
    db.close().await;
    Ok(())
}
