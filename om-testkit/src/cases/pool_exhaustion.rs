//! An exhausted pool: every entry point that needs a connection fails with
//! `Error::PoolTimedOut` after `acquire_timeout`, never hangs, and works again once the
//! connection is back.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use futures::future::{Either, select};
use om::{Database, Error, Model, Result};

use crate::cases::raw::placeholder;
use crate::models::OrmTest;

/// How long an acquire waits in this case.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(300);
/// How long an entry point may take to give up, at most: far less than a hang.
const GIVE_UP_WITHIN: Duration = Duration::from_secs(5);

/// A timer on its own thread, so that it works on any runtime.
struct Deadline(Arc<Mutex<(bool, Option<Waker>)>>);

impl Deadline {
    fn after(duration: Duration) -> Deadline {
        let shared = Arc::new(Mutex::new((false, None::<Waker>)));
        let timer = Arc::clone(&shared);
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            let mut state = timer.lock().unwrap_or_else(|e| e.into_inner());
            state.0 = true;
            if let Some(waker) = state.1.take() {
                waker.wake();
            }
        });
        Deadline(shared)
    }
}

impl Future for Deadline {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if state.0 {
            Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// `future`'s output, or `None` when it is still running after `limit`.
async fn within<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    match select(Box::pin(future), Deadline::after(limit)).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
    }
}

type Attempt<'a> = Pin<Box<dyn Future<Output = Result<String>> + Send + 'a>>;

/// Every entry point that takes a connection from the pool, each as a future that
/// describes what it got. In this order they all succeed one after the other on a
/// table holding `a` (name "a") and a row named "b".
fn entry_points<'a>(
    db: &'a Database,
    a: &'a OrmTest,
    closure_ran: &'a AtomicBool,
) -> Vec<(&'static str, Attempt<'a>)> {
    let id = a.id.expect("a stored row");
    let p = |n| placeholder(db.backend(), n);
    let by_name = format!("SELECT id, name FROM orm_test WHERE name = {}", p(1));
    let q = move || db.query::<OrmTest>();
    let mut all: Vec<(&'static str, Attempt<'a>)> = vec![
        (
            "query all",
            Box::pin(async move { Ok(format!("{} rows", q().all().await?.len())) }),
        ),
        (
            "get",
            Box::pin(async move { Ok(format!("{:?}", q().get(id).await?)) }),
        ),
        (
            "first",
            Box::pin(async move { Ok(format!("{:?}", q().first().await?)) }),
        ),
        (
            "one",
            Box::pin(
                async move { Ok(format!("{:?}", q().filter(|c| c.name.eq("a")).one().await?)) },
            ),
        ),
        (
            "one_or_none",
            Box::pin(async move {
                let row = q().filter(|c| c.name.eq("b")).one_or_none().await?;
                Ok(format!("{row:?}"))
            }),
        ),
        (
            "count",
            Box::pin(async move { Ok(format!("{}", q().count().await?)) }),
        ),
        (
            "exists",
            Box::pin(async move { Ok(format!("{}", q().exists().await?)) }),
        ),
        (
            "stream",
            Box::pin(async move {
                let mut stream = q().stream();
                Ok(format!("{:?}", stream.try_next().await?))
            }),
        ),
        (
            "raw fetch_all",
            Box::pin(async move {
                let rows = db.fetch_all("SELECT name FROM orm_test", ()).await?;
                Ok(format!("{} rows", rows.len()))
            }),
        ),
        ("raw fetch_one", {
            let sql = by_name.clone();
            Box::pin(async move {
                let row = db.fetch_one(sql.as_str(), ("a",)).await?;
                Ok(format!("{:?}", row.get::<String>("name")?))
            })
        }),
        ("raw fetch_optional", {
            let sql = by_name.clone();
            Box::pin(async move {
                let row = db.fetch_optional(sql.as_str(), ("zz",)).await?;
                Ok(format!("{}", row.is_some()))
            })
        }),
        (
            "raw fetch_val",
            Box::pin(async move {
                let n: i64 = db.fetch_val("SELECT count(*) FROM orm_test", ()).await?;
                Ok(format!("{n}"))
            }),
        ),
        ("raw fetch_all_as", {
            let sql = by_name.clone();
            Box::pin(async move {
                let rows: Vec<(i64, String)> = db.fetch_all_as(sql.as_str(), ("b",)).await?;
                Ok(format!("{rows:?}"))
            })
        }),
        (
            "raw iterate",
            Box::pin(async move {
                let mut rows = db.iterate("SELECT name FROM orm_test", ());
                Ok(format!("{}", rows.try_next().await?.is_some()))
            }),
        ),
        (
            "begin",
            Box::pin(async move {
                let tx = db.begin().await?;
                tx.rollback().await?;
                Ok("a transaction".into())
            }),
        ),
        (
            "begin_owned",
            Box::pin(async move {
                let tx = db.begin_owned().await?;
                tx.rollback().await?;
                Ok("an owned transaction".into())
            }),
        ),
        (
            "transaction",
            Box::pin(async move {
                db.transaction(async |_tx| {
                    closure_ran.store(true, Ordering::SeqCst);
                    Ok::<_, Error>(())
                })
                .await?;
                Ok("a committed transaction".into())
            }),
        ),
        (
            "create_all",
            Box::pin(async move {
                db.create_all(&[OrmTest::table()]).await?;
                Ok("tables".into())
            }),
        ),
    ];
    let writes: Vec<(&'static str, Attempt<'a>)> = vec![
        (
            "add",
            Box::pin(async move {
                let mut row = OrmTest::new("c", None);
                let done = db.add(&mut row).await;
                assert_eq!(done.is_ok(), row.id.is_some(), "add: {done:?} {row:?}");
                done?;
                Ok(format!("{row:?}"))
            }),
        ),
        (
            "add_all",
            Box::pin(async move {
                let mut rows = [OrmTest::new("d", None), OrmTest::new("e", None)];
                let done = db.add_all(&mut rows).await;
                for row in &rows {
                    assert_eq!(done.is_ok(), row.id.is_some(), "add_all: {done:?} {row:?}");
                }
                done?;
                Ok(format!("{rows:?}"))
            }),
        ),
        (
            "update",
            Box::pin(async move {
                let mut row = a.clone();
                row.value = Some("changed".into());
                db.update(&mut row).await?;
                Ok(format!("{row:?}"))
            }),
        ),
        ("raw execute", {
            let sql = format!("UPDATE orm_test SET value = {} WHERE name = {}", p(1), p(2));
            Box::pin(async move {
                let done = db.execute(sql.as_str(), ("raw", "b")).await?;
                Ok(format!("{} rows", done.rows_affected))
            })
        }),
        (
            "delete",
            Box::pin(async move { Ok(format!("{}", db.delete(a).await?)) }),
        ),
        (
            "bulk delete",
            Box::pin(async move {
                let gone = q().filter(|c| c.name.is_in(["c", "d"])).delete().await?;
                Ok(format!("{gone} rows"))
            }),
        ),
    ];
    all.extend(writes);
    all
}

/// With `max_connections=1` and the one connection held by an open transaction, every
/// entry point (query `all`, `get`, `first`, `one`, `one_or_none`, `count`, `exists`,
/// `stream`; raw `fetch_all`, `fetch_one`, `fetch_optional`, `fetch_val`,
/// `fetch_all_as`, `iterate`, `execute`; `begin`, `begin_owned`, `transaction`,
/// `create_all`; `add`, `add_all`, `update`, `delete`, bulk delete) fails with
/// `Error::PoolTimedOut` after `acquire_timeout`, not sooner and not much later, writes
/// nothing and leaves its objects unchanged. The transaction keeps working meanwhile,
/// and once it ends every entry point succeeds again.
pub async fn every_entry_point_times_out_on_an_exhausted_pool(db: &Database) -> Result<()> {
    let base = db.url().expose_str().to_string();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!(
        "{base}{sep}max_connections=1&acquire_timeout={}",
        ACQUIRE_TIMEOUT.as_secs_f64()
    );
    let small = Database::connect(&url).await?;
    small.create_all(&[OrmTest::table()]).await?;
    let mut a = OrmTest::new("a", Some("1"));
    small.add(&mut a).await?;
    small.add(&mut OrmTest::new("b", None)).await?;
    let closure_ran = AtomicBool::new(false);

    let tx = small.begin().await?;
    assert_eq!(tx.query::<OrmTest>().count().await?, 2);
    let attempts = entry_points(&small, &a, &closure_ran);
    let count = attempts.len();
    let timed = attempts.into_iter().map(|(name, attempt)| async move {
        let started = Instant::now();
        let outcome = attempt.await;
        (name, outcome, started.elapsed())
    });
    // All at once: each waits for the one connection on its own.
    let outcomes = within(GIVE_UP_WITHIN * 2, futures::future::join_all(timed))
        .await
        .unwrap_or_else(|| panic!("an entry point hung on an exhausted pool"));
    assert_eq!(outcomes.len(), count);
    for (name, outcome, waited) in outcomes {
        match outcome {
            Err(Error::PoolTimedOut) => {}
            Err(other) => panic!("{name}: expected PoolTimedOut, got {other:?}"),
            Ok(got) => panic!("{name}: succeeded on an exhausted pool: {got}"),
        }
        assert!(
            waited >= ACQUIRE_TIMEOUT.mul_f64(0.8) && waited < GIVE_UP_WITHIN,
            "{name}: gave up after {waited:?}, acquire_timeout is {ACQUIRE_TIMEOUT:?}"
        );
    }
    assert!(
        !closure_ran.load(Ordering::SeqCst),
        "a transaction's closure ran without a connection"
    );
    // The holder's connection still works, and nothing was written.
    let names: Vec<String> = tx
        .query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .all()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b"]);
    tx.commit().await?;

    // The connection is back: each entry point works, one after the other.
    for (name, attempt) in entry_points(&small, &a, &closure_ran) {
        let got = within(GIVE_UP_WITHIN, attempt)
            .await
            .unwrap_or_else(|| panic!("{name}: hung with the connection back"));
        if let Err(e) = got {
            panic!("{name}: failed with the connection back: {e:?}");
        }
    }
    assert!(closure_ran.load(Ordering::SeqCst));
    let rows = small
        .query::<OrmTest>()
        .order_by(|c| c.name.asc())
        .all()
        .await?;
    let rows: Vec<(String, Option<String>)> = rows.into_iter().map(|r| (r.name, r.value)).collect();
    assert_eq!(
        rows,
        [("b".into(), Some("raw".into())), ("e".into(), None)],
        "the writes all happened"
    );
    small.close().await;
    Ok(())
}
