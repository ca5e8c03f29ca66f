//! Statements as `tracing` spans with OpenTelemetry's database attributes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use om::{Database, Model, Result};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Instrument, Metadata, Subscriber};

use crate::cases::isolation::with_options;
use crate::models::{Ghost, OrmTest};

/// A span as recorded: name, target, parent and fields (`name` → `Debug` text).
#[derive(Debug, Clone, Default)]
struct SpanRecord {
    name: String,
    target: String,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

/// An event as recorded: its target, the span it happened in, and its fields.
#[derive(Debug, Clone)]
struct EventRecord {
    target: String,
    span: Option<u64>,
    text: String,
}

#[derive(Default)]
struct State {
    spans: Vec<SpanRecord>,
    events: Vec<EventRecord>,
    /// The entered spans of this (single-threaded) test, innermost last.
    stack: Vec<u64>,
}

/// A subscriber that records every span and event, with their parents.
#[derive(Clone, Default)]
struct SpanRecorder(Arc<Mutex<State>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for SpanRecorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut state = self.0.lock().unwrap();
        let parent = if let Some(p) = attrs.parent() {
            Some(p.into_u64())
        } else if attrs.is_contextual() {
            state.stack.last().copied()
        } else {
            None
        };
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        state.spans.push(SpanRecord {
            name: attrs.metadata().name().to_string(),
            target: attrs.metadata().target().to_string(),
            parent,
            fields,
        });
        Id::from_u64(state.spans.len() as u64)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut state = self.0.lock().unwrap();
        if let Some(span) = state.spans.get_mut(id.into_u64() as usize - 1) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let mut text = String::new();
        for (k, v) in &fields {
            let _ = write!(text, "{k}={v} ");
        }
        let mut state = self.0.lock().unwrap();
        let span = state.stack.last().copied();
        state.events.push(EventRecord {
            target: event.metadata().target().to_string(),
            span,
            text,
        });
    }
    fn enter(&self, id: &Id) {
        self.0.lock().unwrap().stack.push(id.into_u64());
    }
    fn exit(&self, id: &Id) {
        let mut state = self.0.lock().unwrap();
        if let Some(at) = state.stack.iter().rposition(|&s| s == id.into_u64()) {
            state.stack.remove(at);
        }
    }
}

impl SpanRecorder {
    /// The spans and events so far, emptied, with each span's id.
    fn take(&self) -> (Vec<(u64, SpanRecord)>, Vec<EventRecord>) {
        let mut state = self.0.lock().unwrap();
        let spans = state
            .spans
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u64 + 1, s.clone()))
            .collect();
        // Ids stay valid: spans are kept, only reported once.
        for s in state.spans.iter_mut() {
            s.name.clear();
        }
        (spans, std::mem::take(&mut state.events))
    }
}

/// The statement spans among `spans` whose operation is `op` and table `table`.
fn statements<'a>(
    spans: &'a [(u64, SpanRecord)],
    op: &str,
    table: &str,
) -> Vec<&'a (u64, SpanRecord)> {
    spans
        .iter()
        .filter(|(_, s)| {
            s.name == "statement"
                && s.target == "om::statement"
                && s.fields.get("db.operation").map(String::as_str) == Some(op)
                && s.fields.get("db.sql.table").map(String::as_str) == Some(table)
        })
        .collect()
}

/// Runs a raw insert, a model insert and a query under a span of the caller's.
async fn work(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let p = crate::cases::raw::placeholder(db.backend(), 1);
    db.execute(
        format!("INSERT INTO orm_test (name) VALUES ({p})"),
        ("s3cret-value",),
    )
    .await?;
    db.add(&mut OrmTest::new("s3cret-added", None)).await?;
    // One row in the first round; a server database keeps the rows of earlier ones.
    let found = db
        .query::<OrmTest>()
        .filter(|c| c.name.eq("s3cret-value"))
        .all()
        .await?;
    assert!(!found.is_empty());
    Ok(())
}

/// Each statement is one span of target `om::statement`, a child of the caller's span,
/// with OpenTelemetry's database attributes: `db.system`, `db.operation`,
/// `db.sql.table`, `db.statement` (the SQL the driver sent), rows, `elapsed_ms`, and the
/// error of a failed one. Values appear only with `log_values`, as the values bound
/// (not om's internal description); sqlx's own statement log is off unless
/// `sqlx_logging=true`.
pub async fn statements_are_spans(db: &Database) -> Result<()> {
    let recorder = SpanRecorder::default();
    // As in `logging`: a second dispatcher keeps callsite interest from being cached.
    let _second = tracing::Dispatch::new(recorder.clone());
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(recorder.clone()));
    let system = match db.backend() {
        "postgres" => "postgresql",
        other => other,
    };

    let plain = Database::connect(&with_options(db, "log_values=false")).await?;
    let caller = tracing::info_span!("caller");
    work(&plain).instrument(caller).await?;
    let (spans, events) = recorder.take();
    let caller_id = spans
        .iter()
        .find(|(_, s)| s.name == "caller")
        .map(|(id, _)| *id)
        .expect("the caller's span");

    let selects = statements(&spans, "SELECT", "orm_test");
    assert_eq!(selects.len(), 1, "one span for the query: {selects:#?}");
    let (select_id, select) = selects[0];
    assert_eq!(
        select.parent,
        Some(caller_id),
        "parented to the caller: {select:?}"
    );
    assert_eq!(
        select.fields.get("db.system").map(String::as_str),
        Some(system)
    );
    let sql = &select.fields["db.statement"];
    assert!(
        sql.starts_with("SELECT") && sql.contains("orm_test"),
        "{sql}"
    );
    assert_eq!(
        select
            .fields
            .get("db.response.returned_rows")
            .map(String::as_str),
        Some("1"),
        "{select:?}"
    );
    assert!(select.fields.contains_key("elapsed_ms"), "{select:?}");
    // The event of the statement is in its span.
    assert!(
        events
            .iter()
            .any(|e| e.target == "om::statement" && e.span == Some(*select_id)),
        "{events:#?}"
    );

    let raw = spans
        .iter()
        .find(|(_, s)| {
            s.fields.get("db.operation").map(String::as_str) == Some("INSERT")
                && s.fields
                    .get("db.statement")
                    .is_some_and(|sql| sql.starts_with("INSERT INTO orm_test (name) VALUES"))
        })
        .unwrap_or_else(|| panic!("a span for the raw insert in {spans:#?}"));
    assert_eq!(raw.1.parent, Some(caller_id));
    assert_eq!(
        raw.1
            .fields
            .get("db.response.rows_affected")
            .map(String::as_str),
        Some("1")
    );
    let inserts = statements(&spans, "INSERT", "orm_test");
    assert!(
        inserts
            .iter()
            .any(|(_, s)| s.fields["db.statement"].contains("orm_test")),
        "the model's insert shows the SQL sent: {inserts:#?}"
    );

    // No values, anywhere, unless asked; sqlx does not log the statements again.
    for (_, s) in &spans {
        assert!(!s.fields.contains_key("db.values"), "{s:?}");
        assert!(s.fields.values().all(|v| !v.contains("s3cret")), "{s:?}");
    }
    assert!(
        events.iter().all(|e| !e.text.contains("s3cret")),
        "{events:#?}"
    );
    assert!(
        events.iter().all(|e| !e.target.starts_with("sqlx::query")),
        "sqlx's statement log is off by default: {events:#?}"
    );

    // A failed statement's span carries the error.
    let _ = plain.query::<Ghost>().count().await;
    let (spans, _) = recorder.take();
    let failed = statements(&spans, "SELECT", "never_created");
    assert_eq!(failed.len(), 1, "{spans:#?}");
    assert!(failed[0].1.fields.contains_key("error"), "{failed:?}");
    assert_eq!(
        failed[0]
            .1
            .fields
            .get("otel.status_code")
            .map(String::as_str),
        Some("ERROR")
    );
    plain.close().await;

    // With log_values: the values bound, not om's description of the query.
    let verbose = Database::connect(&with_options(db, "log_values=true")).await?;
    work(&verbose).await?;
    let (spans, events) = recorder.take();
    let select = statements(&spans, "SELECT", "orm_test");
    let values = &select[0].1.fields["db.values"];
    assert!(values.contains("s3cret-value"), "{values}");
    let event = events
        .iter()
        .find(|e| e.span == Some(select[0].0) && e.target == "om::statement")
        .unwrap_or_else(|| panic!("{events:#?}"));
    assert!(event.text.contains("s3cret-value"), "{event:?}");
    assert!(
        !event.text.contains("Select {") && !event.text.contains("columns:"),
        "not the IR's Debug: {event:?}"
    );
    verbose.close().await;

    // sqlx_logging=true turns sqlx's own statement log back on. SQLite's statements
    // run on sqlx's worker thread, outside this test's thread-local subscriber, so
    // sqlx's events (on or off) are seen on the server backends only; the setting is
    // applied by the code all three share (`om_sqlx::open_pool`).
    let sqlx_logged = Database::connect(&with_options(db, "sqlx_logging=true")).await?;
    work(&sqlx_logged).await?;
    let (_, events) = recorder.take();
    if db.backend() != "sqlite" {
        assert!(
            events.iter().any(|e| e.target.starts_with("sqlx::query")),
            "{events:#?}"
        );
    }
    sqlx_logged.close().await;
    Ok(())
}
