//! JSON filters in MySQL's and MariaDB's dialect: `JSON_EXTRACT`, `JSON_UNQUOTE`,
//! `JSON_CONTAINS_PATH` and `JSON_CONTAINS`, the path bound as one `$."a"."b"` text.

use om_core::Value;
use om_core::json::{JsonFilter, JsonSyntax, dollar_path};
use sea_query::{Expr, ExprTrait};

/// MySQL's (and MariaDB's) JSON filters.
#[derive(Debug)]
pub(crate) struct MysqlJson;

impl JsonSyntax for MysqlJson {
    fn backend(&self) -> &'static str {
        "mysql"
    }

    fn json(&self, column: Expr, filter: &JsonFilter) -> Option<Expr> {
        match filter {
            JsonFilter::TextEq { path, value } => Some(
                Expr::cust_with_exprs(
                    "JSON_UNQUOTE(JSON_EXTRACT(?, ?))",
                    [column, Expr::val(dollar_path(path))],
                )
                .eq(Expr::val(value.as_str())),
            ),
            JsonFilter::HasKey { path } => Some(Expr::cust_with_exprs(
                "JSON_CONTAINS_PATH(?, 'one', ?)",
                [column, Expr::val(dollar_path(path))],
            )),
            // Bound as text, which both MySQL and MariaDB (JSON as LONGTEXT) parse.
            #[cfg(feature = "json")]
            JsonFilter::Contains { document } => Some(Expr::cust_with_exprs(
                "JSON_CONTAINS(?, ?)",
                [column, Expr::val(document.to_string())],
            )),
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
            #[cfg(feature = "json")]
            JsonFilter::Contains { document } => {
                out.push(Value::from(document.to_string()));
                true
            }
            _ => false,
        }
    }
}
