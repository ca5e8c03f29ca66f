//! JSON columns: [`Json<T>`] for any serde type, and the filters JSON columns offer.
//!
//! A column of type `serde_json::Value` or `Json<T>` gets, besides the comparisons every
//! column has, three filters that each backend renders in its own dialect:
//!
//! - `c.data.json_text(["a", "b"]).eq("x")`: the text at a path equals a string;
//! - `c.data.has_key("k")` / `c.data.has_path(["a", "k"])`: a key exists (at a path);
//! - `c.data.contains(json!({"a": 1}))`: the document contains another one, where the
//!   backend declares [`Capabilities::json_contains`](crate::Capabilities::json_contains)
//!   (SQLite cannot: `Error::Unsupported`).

use crate::column::Column;
use crate::expr::{ColumnRef, Expr};
use crate::value::{SqlType, Value};

#[cfg(feature = "json")]
mod document;
#[cfg(feature = "json")]
pub use document::Json;

/// The Rust types stored in a JSON column, whose handles offer the JSON filters
/// (`serde_json::Value` and [`Json<T>`], under the `json` feature).
pub trait JsonType: SqlType {}

/// A filter on a JSON column, rendered by each backend in its own dialect.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JsonFilter {
    /// The value at `path`, as text, equals `value` (a string's text is the string
    /// itself, without quotes; a number's is its digits).
    TextEq {
        /// The keys leading to the value, outermost first (never empty).
        path: Vec<String>,
        /// The text it must equal.
        value: String,
    },
    /// The object at `path[..len - 1]` has the key `path[len - 1]`.
    HasKey {
        /// The keys leading to the key, then the key (never empty).
        path: Vec<String>,
    },
    /// The document contains `document` (PostgreSQL's `@>`, MySQL's `JSON_CONTAINS`):
    /// an object contains the keys of another with contained values, an array the
    /// elements of another.
    #[cfg(feature = "json")]
    Contains {
        /// The contained document.
        document: serde_json::Value,
    },
}

impl JsonFilter {
    /// The filter's path (empty for `Contains`).
    pub fn path(&self) -> &[String] {
        match self {
            JsonFilter::TextEq { path, .. } | JsonFilter::HasKey { path } => path,
            #[cfg(feature = "json")]
            JsonFilter::Contains { .. } => &[],
        }
    }
}

/// Keys into a JSON document: `["a", "b"]`, `vec![..]`, or one key.
pub trait JsonPath {
    /// The keys, outermost first.
    fn into_keys(self) -> Vec<String>;
}

impl JsonPath for &str {
    fn into_keys(self) -> Vec<String> {
        vec![self.to_owned()]
    }
}

impl JsonPath for String {
    fn into_keys(self) -> Vec<String> {
        vec![self]
    }
}

impl<S: Into<String>, const N: usize> JsonPath for [S; N] {
    fn into_keys(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<S: Into<String>> JsonPath for Vec<S> {
    fn into_keys(self) -> Vec<String> {
        self.into_iter().map(Into::into).collect()
    }
}

/// The text at a path of a JSON column, from [`Column::json_text`].
#[derive(Debug, Clone)]
#[must_use = "compare it: `.eq(\"text\")`"]
pub struct JsonText {
    column: ColumnRef,
    path: Vec<String>,
}

impl JsonText {
    /// The text at the path equals `value`. A path that is missing, or holds JSON
    /// `null`, matches no text on PostgreSQL and SQLite; MySQL reads `null` as the text
    /// `"null"`.
    pub fn eq(self, value: impl Into<String>) -> Expr {
        Expr::Json {
            column: self.column,
            filter: JsonFilter::TextEq {
                path: self.path,
                value: value.into(),
            },
        }
    }
}

impl<T: JsonType> Column<T> {
    /// The text at `path` (keys, outermost first; an empty path means the document
    /// itself and matches nothing), to compare: `c.data.json_text(["a", "b"]).eq("x")`.
    pub fn json_text(self, path: impl JsonPath) -> JsonText {
        JsonText {
            column: self.column_ref(),
            path: path.into_keys(),
        }
    }

    /// The document is an object with the key `key`.
    pub fn has_key(self, key: impl Into<String>) -> Expr {
        self.has_path([key.into()])
    }

    /// The document has a value at `path` (keys, outermost first): `["a", "k"]` holds
    /// when `a` is an object with the key `k`.
    pub fn has_path(self, path: impl JsonPath) -> Expr {
        Expr::Json {
            column: self.column_ref(),
            filter: JsonFilter::HasKey {
                path: path.into_keys(),
            },
        }
    }

    /// The document contains `document` (`@>` on PostgreSQL, `JSON_CONTAINS` on
    /// MySQL/MariaDB). Where the backend cannot ([`Capabilities::json_contains`](
    /// crate::Capabilities::json_contains) is false: SQLite), the query fails with
    /// `Error::Unsupported`.
    #[cfg(feature = "json")]
    pub fn contains(self, document: impl Into<serde_json::Value>) -> Expr {
        Expr::Json {
            column: self.column_ref(),
            filter: JsonFilter::Contains {
                document: document.into(),
            },
        }
    }
}

/// How a dialect writes JSON filters. Each driver implements it and hands it to the
/// lowering functions of [`sql`](crate::sql).
pub trait JsonSyntax: Sync + std::fmt::Debug {
    /// The backend's name, for `Unsupported` errors.
    fn backend(&self) -> &'static str;
    /// The SQL for `filter` on `column`, or `None` when the dialect cannot express it
    /// (the query then fails with `Error::Unsupported` before it is rendered).
    fn json(&self, column: sea_query::Expr, filter: &JsonFilter) -> Option<sea_query::Expr>;
    /// Appends the values [`json`](Self::json) binds for `filter`, in order, and
    /// returns true; or returns false (the default) to keep statements with this filter
    /// out of the [`StatementCache`](crate::sql::StatementCache). The cache checks them
    /// against the rendered ones before keeping a text.
    fn bound_values(&self, filter: &JsonFilter, out: &mut Vec<Value>) -> bool {
        let _ = (filter, out);
        false
    }
}

/// A path as MySQL and SQLite read it: `$."a"."b"`, each key quoted, `"` and `\`
/// escaped with `\`.
pub fn dollar_path(keys: &[String]) -> String {
    let mut out = String::with_capacity(2 + keys.iter().map(|k| k.len() + 3).sum::<usize>());
    out.push('$');
    for key in keys {
        out.push_str(".\"");
        for ch in key.chars() {
            if matches!(ch, '"' | '\\') {
                out.push('\\');
            }
            out.push(ch);
        }
        out.push('"');
    }
    out
}
