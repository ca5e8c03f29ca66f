//! JSON filters in SQLite's dialect: `json_extract` and `json_type`; containment has no
//! SQLite form and is refused.

use om_core::Value;
use om_core::json::{JsonFilter, JsonSyntax, dollar_path};
use sea_query::{Expr, ExprTrait};

/// SQLite's JSON filters.
#[derive(Debug)]
pub(crate) struct SqliteJson;

impl JsonSyntax for SqliteJson {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn json(&self, column: Expr, filter: &JsonFilter) -> Option<Expr> {
        match filter {
            // `json_extract` returns SQL values (a number as a number): the text form
            // is compared, as PostgreSQL's `->>` and MySQL's `JSON_UNQUOTE` do.
            JsonFilter::TextEq { path, value } => Some(
                Expr::cust_with_exprs(
                    "CAST(json_extract(?, ?) AS TEXT)",
                    [column, Expr::val(dollar_path(path))],
                )
                .eq(Expr::val(value.as_str())),
            ),
            // `json_type` is NULL exactly when the path is missing (`'null'` for a
            // JSON null).
            JsonFilter::HasKey { path } => Some(
                Expr::cust_with_exprs("json_type(?, ?)", [column, Expr::val(dollar_path(path))])
                    .is_not_null(),
            ),
            _ => None,
        }
    }

    fn bound_values(&self, filter: &JsonFilter, out: &mut Vec<Value>) -> bool {
        match filter {
            JsonFilter::TextEq { path, value } => {
                out.push(Value::from(dollar_path(path)));
                out.push(Value::from(value.as_str()));
                true
            }
            JsonFilter::HasKey { path } => {
                out.push(Value::from(dollar_path(path)));
                true
            }
            _ => false,
        }
    }
}
