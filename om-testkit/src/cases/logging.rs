//! Statement logging through `tracing`.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use om::{ConnectOptions, Database, Model, Result};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::cases::isolation::with_options;
use crate::models::OrmTest;

/// One event: its level, target and fields as `name=value` text.
#[derive(Debug, Clone)]
struct Logged {
    level: Level,
    target: String,
    text: String,
}

/// A subscriber that records every event of this thread.
#[derive(Clone, Default)]
struct Recorder {
    events: Arc<Mutex<Vec<Logged>>>,
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = String::new();
        event.record(&mut Fields(&mut text));
        self.events.lock().unwrap().push(Logged {
            level: *event.metadata().level(),
            target: event.metadata().target().to_string(),
            text,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

impl Recorder {
    /// The events of target `om::statement` so far, emptied.
    fn take(&self) -> Vec<Logged> {
        std::mem::take(&mut *self.events.lock().unwrap())
            .into_iter()
            .filter(|e| e.target == "om::statement")
            .collect()
    }
}

/// Runs a raw insert of a secret and a query on a fresh table of `db`.
async fn work(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let p = crate::cases::raw::placeholder(db.backend(), 1);
    db.execute(
        format!("INSERT INTO orm_test (name) VALUES ({p})"),
        ("s3cret-value",),
    )
    .await?;
    db.query::<OrmTest>()
        .filter(|c| c.name.eq("s3cret-filter"))
        .count()
        .await?;
    let tx = db.begin().await?;
    tx.add(&mut OrmTest::new("in tx", None)).await?;
    tx.commit().await?;
    Ok(())
}

/// Every statement is a `debug` event of target `om::statement` with its duration;
/// bound values appear only with `log_values`; a statement over the slow threshold is
/// a `warn` event.
pub async fn statements_are_logged(db: &Database) -> Result<()> {
    let recorder = Recorder::default();
    // tracing caches each callsite's interest process-wide; while a single dispatcher
    // is registered, a callsite first hit on another thread (another case) is cached
    // with that thread's default, which ignores everything. A second registered
    // dispatcher makes tracing ask every registered dispatcher instead.
    let _second = tracing::Dispatch::new(recorder.clone());
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(recorder.clone()));

    let quiet = Database::connect(&with_options(db, "slow_statement_ms=0")).await?;
    assert_eq!(quiet.options().slow_statement, None);
    work(&quiet).await?;
    let events = recorder.take();
    let insert = events
        .iter()
        .find(|e| e.text.contains("INSERT INTO orm_test (name) VALUES"))
        .unwrap_or_else(|| panic!("no event for the raw insert in {events:#?}"));
    assert_eq!(insert.level, Level::DEBUG);
    assert!(insert.text.contains("elapsed_ms="), "{insert:?}");
    assert!(
        events
            .iter()
            .any(|e| e.text.contains("SELECT FROM orm_test"))
    );
    for word in ["BEGIN", "INSERT INTO orm_test (1 rows)", "COMMIT"] {
        assert!(
            events.iter().any(|e| e.text.contains(word)),
            "{word} in {events:#?}"
        );
    }
    assert!(
        events.iter().all(|e| !e.text.contains("s3cret")),
        "values are not logged unless asked: {events:#?}"
    );
    quiet.close().await;

    // Options set in code start from the URL's and override them.
    let verbose = Database::connect_with(&with_options(db, "log_values=false"), |o| {
        assert!(!o.log_values, "the URL's options come first");
        o.log_values(true)
            .slow_statement(Some(Duration::from_nanos(1)))
    })
    .await?;
    assert!(verbose.options().log_values);
    assert_eq!(
        verbose.options(),
        &ConnectOptions::default()
            .log_values(true)
            .slow_statement(Some(Duration::from_nanos(1)))
    );
    work(&verbose).await?;
    let events = recorder.take();
    assert!(
        events
            .iter()
            .any(|e| e.text.contains("s3cret-value") && e.level == Level::WARN),
        "{events:#?}"
    );
    assert!(events.iter().any(|e| e.text.contains("s3cret-filter")));
    assert!(events.iter().all(|e| e.level == Level::WARN), "all slow");
    // A failed statement is logged with its error.
    let _ = verbose.query::<crate::models::Ghost>().count().await;
    let events = recorder.take();
    assert!(
        events.iter().any(|e| e.text.contains("error=")),
        "{events:#?}"
    );
    verbose.close().await;
    let err = Database::connect(&with_options(db, "slow_statement_ms=soon"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::Configuration);
    Ok(())
}
