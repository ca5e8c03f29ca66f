//! JSON columns: `Json<T>` round-trips, and the JSON filters on every backend.

use om::{Database, Error, Json, Model, Result};
use serde_json::json;

use crate::models::{JsonDoc, JsonDocAsOther, Settings};

fn settings(theme: &str, volume: u8) -> Json<Settings> {
    Json(Settings {
        theme: theme.into(),
        volume,
        tags: vec!["a".into(), "b \"quoted\"".into()],
    })
}

fn document(doc: serde_json::Value) -> JsonDoc {
    JsonDoc {
        id: None,
        doc,
        settings: settings("dark", 3),
        extra: None,
        maybe_settings: None,
    }
}

/// Three documents the filter cases share.
async fn three_documents(db: &Database) -> Result<Vec<JsonDoc>> {
    db.create_all(&[JsonDoc::table()]).await?;
    let mut rows = vec![
        document(json!({"a": {"b": "x"}, "n": 1, "name": "ünï ✓", "tags": ["red", "blue"]})),
        document(json!({"a": {"b": "y", "c": null}, "n": 2.5, "key.with dots": "he said \"hi\""})),
        document(json!({"z": true, "a": "flat", "we\"ird\\key '$": "odd"})),
    ];
    rows[2].settings = settings("light", 200);
    db.add_all(&mut rows).await?;
    Ok(rows)
}

/// `Json<T>` stores any serde type, nullable or not, and reads it back equal; a stored
/// document that does not fit the type is a decode error naming it.
pub async fn json_typed_round_trip(db: &Database) -> Result<()> {
    db.create_all(&[JsonDoc::table()]).await?;
    let mut rows = vec![
        JsonDoc {
            id: None,
            doc: json!({"k": [1, 2, 3], "s": "😀 \\ \" '"}),
            settings: settings("dark", 0),
            extra: Some(json!(null)),
            maybe_settings: Some(settings("", 255)),
        },
        document(json!("just a string")),
    ];
    db.add_all(&mut rows).await?;
    let back = db.query::<JsonDoc>().order_by(|c| c.id.asc()).all().await?;
    assert_eq!(back.len(), 2);
    assert_eq!(back[0].settings, rows[0].settings);
    assert_eq!(back[0].maybe_settings, rows[0].maybe_settings);
    assert_eq!(back[0].doc, rows[0].doc);
    assert_eq!(back[1], rows[1]);
    // JSON `null` in a nullable column: PostgreSQL and MySQL keep the document `null`,
    // SQLite reads it as SQL NULL; both are accepted as "no value".
    assert!(matches!(
        back[0].extra,
        Some(serde_json::Value::Null) | None
    ));
    let err = db.query::<JsonDocAsOther>().all().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                column: "settings",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("OtherShape"), "{err}");
    Ok(())
}

/// `json_text(path).eq(text)` compares the text at a path: nested keys, a key with dots
/// and spaces, quotes and non-ASCII text, numbers by their digits; a missing path or a
/// non-matching text matches nothing. Works on a `Json<T>` column too, and combines.
pub async fn json_text_at_path(db: &Database) -> Result<()> {
    let rows = three_documents(db).await?;
    let q = || db.query::<JsonDoc>();
    let ids = |found: Vec<JsonDoc>| found.into_iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(
        ids(q()
            .filter(|c| c.doc.json_text(["a", "b"]).eq("x"))
            .all()
            .await?),
        vec![rows[0].id]
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text(["a", "b"]).eq("nope"))
            .count()
            .await?,
        0
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text("a").eq("flat"))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text(["missing", "b"]).eq("x"))
            .count()
            .await?,
        0
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text("name").eq("ünï ✓"))
            .count()
            .await?,
        1
    );
    assert_eq!(
        ids(q()
            .filter(|c| c.doc.json_text("key.with dots").eq("he said \"hi\""))
            .all()
            .await?),
        vec![rows[1].id]
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text("n").eq("1")).count().await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text("we\"ird\\key '$").eq("odd"))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.doc.json_text("n").eq("2.5"))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.settings.json_text("theme").eq("light"))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(
            |c| c.settings.json_text("theme").eq("dark") & !c.doc.json_text(["a", "b"]).eq("x")
        )
        .count()
        .await?,
        1
    );
    // The same shape twice (a statement-cache hit elsewhere), with other values.
    for (text, n) in [("x", 1), ("y", 1), ("w", 0)] {
        assert_eq!(
            q().filter(|c| c.doc.json_text(["a", "b"]).eq(text))
                .count()
                .await?,
            n
        );
    }
    Ok(())
}

/// `has_key(k)` and `has_path([..])`: a key exists, even when it holds JSON `null`.
pub async fn json_has_key(db: &Database) -> Result<()> {
    let rows = three_documents(db).await?;
    let q = || db.query::<JsonDoc>();
    assert_eq!(q().filter(|c| c.doc.has_key("a")).count().await?, 3);
    assert_eq!(q().filter(|c| c.doc.has_key("z")).count().await?, 1);
    assert_eq!(q().filter(|c| c.doc.has_key("nope")).count().await?, 0);
    assert_eq!(
        q().filter(|c| c.doc.has_key("we\"ird\\key '$"))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.doc.has_key("key.with dots"))
            .count()
            .await?,
        1
    );
    assert_eq!(q().filter(|c| c.doc.has_path(["a", "b"])).count().await?, 2);
    let with_null = q().filter(|c| c.doc.has_path(["a", "c"])).all().await?;
    assert_eq!(with_null.len(), 1);
    assert_eq!(with_null[0].id, rows[1].id);
    assert_eq!(
        q().filter(|c| c.settings.has_key("volume")).count().await?,
        3
    );
    // In a bulk delete too.
    assert_eq!(q().filter(|c| c.doc.has_key("z")).delete().await?, 1);
    assert_eq!(q().count().await?, 2);
    Ok(())
}

/// `contains(doc)`: nested objects and array elements, where the backend declares
/// `json_contains`; elsewhere queries and bulk deletes with it fail with `Unsupported`
/// and change nothing.
pub async fn json_contains(db: &Database) -> Result<()> {
    let rows = three_documents(db).await?;
    let q = || db.query::<JsonDoc>();
    let found = q()
        .filter(|c| c.doc.contains(json!({"a": {"b": "x"}})))
        .all()
        .await;
    let by_tag = q()
        .filter(|c| c.doc.contains(json!({"tags": ["blue"]})))
        .count()
        .await;
    let none = q()
        .filter(|c| c.doc.contains(json!({"a": {"b": "q"}})))
        .count()
        .await;
    let typed = q()
        .filter(|c| c.settings.contains(json!({"theme": "light"})) | c.doc.has_key("n"))
        .count()
        .await;
    let delete = q()
        .filter(|c| c.doc.contains(json!({"z": true})))
        .delete()
        .await;
    if db.capabilities().json_contains {
        let found = found?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, rows[0].id);
        assert_eq!(by_tag?, 1);
        assert_eq!(none?, 0);
        assert_eq!(typed?, 3);
        assert_eq!(delete?, 1);
        assert_eq!(q().count().await?, 2);
    } else {
        for err in [
            found.unwrap_err(),
            by_tag.unwrap_err(),
            none.unwrap_err(),
            typed.unwrap_err(),
            delete.unwrap_err(),
        ] {
            assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        }
        assert_eq!(q().count().await?, 3, "nothing was deleted");
    }
    Ok(())
}
