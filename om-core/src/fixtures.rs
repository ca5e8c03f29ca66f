//! Shared test fixtures: the `orm_test` table of asyncom's example, as metadata, for the
//! drivers' exact-SQL tests. Behind the `fixtures` feature; not a public API.

use crate::expr::{CmpOp, ColumnRef, Expr};
use crate::model::{ColumnMeta, ColumnType, TableMeta};

/// The columns of `orm_test`: a generated `id`, an indexed `name VARCHAR(100)`, a
/// nullable `value TEXT`.
pub static COLUMNS: [ColumnMeta; 3] = {
    let mut id = ColumnMeta::new("id", "id", ColumnType::BigInt);
    id.primary_key = true;
    id.generated = true;
    id.nullable = true;
    let mut name = ColumnMeta::new("name", "name", ColumnType::Text(Some(100)));
    name.index = true;
    let mut value = ColumnMeta::new("value", "value", ColumnType::Text(None));
    value.nullable = true;
    [id, name, value]
};
/// `orm_test`.
pub static TABLE: TableMeta = TableMeta {
    name: "orm_test",
    model: "OrmTest",
    columns: &COLUMNS,
    primary_key: &[0],
    parent: None,
};

/// `orm_test.name = v`.
pub fn name_eq(v: &str) -> Expr {
    Expr::Compare {
        column: ColumnRef {
            table: "orm_test",
            column: "name",
        },
        op: CmpOp::Eq,
        value: v.into(),
    }
}

/// The JSON filters on `orm_test.value`, for exact-SQL tests: the text at `a.b` equals
/// `"x"`, the key `k` exists, the document contains `{"a": 1}`.
#[cfg(feature = "json")]
pub fn json_filters() -> [Expr; 3] {
    use crate::json::JsonFilter;
    let column = ColumnRef {
        table: "orm_test",
        column: "value",
    };
    [
        Expr::Json {
            column,
            filter: JsonFilter::TextEq {
                path: vec!["a".into(), "b".into()],
                value: "x".into(),
            },
        },
        Expr::Json {
            column,
            filter: JsonFilter::HasKey {
                path: vec!["k".into()],
            },
        },
        Expr::Json {
            column,
            filter: JsonFilter::Contains {
                document: serde_json::json!({"a": 1}),
            },
        },
    ]
}
