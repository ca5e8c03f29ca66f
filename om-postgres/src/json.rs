//! JSON filters in PostgreSQL's dialect, on `jsonb`: `->`/`->>` with each key bound,
//! `?` for a key (sqlx's placeholders are `$n`, so `?` is an operator here) and `@>`.

use std::fmt::Write;

use om_core::Value;
use om_core::json::{JsonFilter, JsonSyntax};
use sea_query::{Expr, ExprTrait};

/// PostgreSQL's JSON filters.
#[derive(Debug)]
pub(crate) struct PostgresJson;

/// `$1 -> $2 -> ... <last> $n`: the column, then each key (bound) behind `->`, the
/// last behind `last`. `keys` is never empty.
fn chain(column: Expr, keys: &[String], last: &str) -> Expr {
    let mut template = String::from("($1");
    let mut exprs = Vec::with_capacity(keys.len() + 1);
    exprs.push(column);
    for (i, key) in keys.iter().enumerate() {
        let op = if i + 1 == keys.len() { last } else { "->" };
        // Writing to a String cannot fail.
        let _ = write!(template, " {op} ${}", i + 2);
        exprs.push(Expr::val(key.as_str()));
    }
    template.push(')');
    Expr::cust_with_exprs(template, exprs)
}

impl JsonSyntax for PostgresJson {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn json(&self, column: Expr, filter: &JsonFilter) -> Option<Expr> {
        match filter {
            JsonFilter::TextEq { path, value } => {
                let text = if path.is_empty() {
                    Expr::cust_with_expr("($1 #>> '{}')", column)
                } else {
                    chain(column, path, "->>")
                };
                Some(text.eq(Expr::val(value.as_str())))
            }
            JsonFilter::HasKey { path } => Some(if path.is_empty() {
                column.is_not_null()
            } else {
                chain(column, path, "?")
            }),
            #[cfg(feature = "json")]
            JsonFilter::Contains { document } => Some(Expr::cust_with_exprs(
                "($1 @> $2)",
                [column, Expr::val(document.clone())],
            )),
            _ => None,
        }
    }

    fn bound_values(&self, filter: &JsonFilter, out: &mut Vec<Value>) -> bool {
        match filter {
            JsonFilter::TextEq { path, value } => {
                out.extend(path.iter().map(|k| Value::from(k.as_str())));
                out.push(Value::from(value.as_str()));
                true
            }
            JsonFilter::HasKey { path } => {
                out.extend(path.iter().map(|k| Value::from(k.as_str())));
                true
            }
            #[cfg(feature = "json")]
            JsonFilter::Contains { document } => {
                out.push(Value::from(document.clone()));
                true
            }
            _ => false,
        }
    }
}
