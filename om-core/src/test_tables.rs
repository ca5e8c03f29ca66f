//! Shared test fixtures: the `orm_test` table of asyncom's example, as metadata, for the
//! drivers' exact-SQL tests. Behind the `driver-tests` feature; not a public API.

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

/// The columns of `people`: a generated `id` and a `name`.
pub static PEOPLE_COLUMNS: [ColumnMeta; 2] = {
    let mut id = ColumnMeta::new("id", "id", ColumnType::BigInt);
    id.primary_key = true;
    id.generated = true;
    id.nullable = true;
    [id, ColumnMeta::new("name", "name", ColumnType::Text(None))]
};
/// `people`, the root of an inheritance.
pub static PEOPLE: TableMeta = TableMeta {
    name: "people",
    model: "Person",
    columns: &PEOPLE_COLUMNS,
    primary_key: &[0],
    parent: None,
};
/// The columns of `employees`: the key `id` (people's) and a `salary`.
pub static EMPLOYEES_COLUMNS: [ColumnMeta; 2] = {
    let mut id = ColumnMeta::new("id", "id", ColumnType::BigInt);
    id.primary_key = true;
    [id, ColumnMeta::new("salary", "salary", ColumnType::BigInt)]
};
/// `employees`, which extends `people`.
pub static EMPLOYEES: TableMeta = TableMeta {
    name: "employees",
    model: "Employee",
    columns: &EMPLOYEES_COLUMNS,
    primary_key: &[0],
    parent: Some(&PEOPLE),
};

/// `orm_test` joined (`kind`) to the employees whose `people.id` is its `id` and whose
/// `salary` is over 100.
pub fn join_of_a_child(kind: crate::ir::JoinKind) -> crate::ir::Select {
    let mut s = crate::ir::Select::new(&TABLE);
    let on = Expr::Columns {
        left: ColumnRef {
            table: "people",
            column: "id",
        },
        op: CmpOp::Eq,
        right: ColumnRef {
            table: "orm_test",
            column: "id",
        },
    }
    .and(Expr::Compare {
        column: ColumnRef {
            table: "employees",
            column: "salary",
        },
        op: CmpOp::Gt,
        value: 100.into(),
    });
    s.join(kind, &EMPLOYEES, on);
    s
}

/// `SELECT DISTINCT name, AVG(id + 0.0), COUNT(*) FROM orm_test WHERE name = 'x' GROUP
/// BY name HAVING SUM(id) > 2 ORDER BY name LIMIT 10`: a grouped query of aggregates.
pub fn grouped() -> crate::ir::Select {
    use crate::aggregate::{AggFunc, Aggregate, Having};
    use crate::ir::{Projected, Projection, Select};
    let id = ColumnRef {
        table: "orm_test",
        column: "id",
    };
    let name = ColumnRef {
        table: "orm_test",
        column: "name",
    };
    let mut s = Select::new(&TABLE);
    s.projection = Projection::Aggregates(vec![
        Projected::Column(name),
        Projected::Aggregate(Aggregate {
            func: AggFunc::Avg,
            column: Some(id),
        }),
        Projected::Aggregate(Aggregate {
            func: AggFunc::Count,
            column: None,
        }),
    ]);
    s.and_where(name_eq("x"));
    s.group_by.push(name);
    s.having = Some(Box::new(Having::Compare {
        aggregate: Aggregate {
            func: AggFunc::Sum,
            column: Some(id),
        },
        op: CmpOp::Gt,
        value: 2.into(),
    }));
    s.order.push(crate::expr::Order {
        column: name,
        descending: false,
    });
    s.distinct = true;
    s.limit = Some(10);
    s
}

/// A column of a schema snapshot: not generated, no default, not renamed.
pub fn snapshot_column(name: &str, ty: ColumnType, nullable: bool) -> crate::schema::Column {
    crate::schema::Column {
        name: name.into(),
        ty,
        nullable,
        generated: false,
        default: None,
        renamed_from: None,
    }
}

/// A snapshot of one table, `p`, keyed by its column `a`, with `columns`.
pub fn snapshot_of_p(columns: Vec<crate::schema::Column>) -> crate::schema::Schema {
    crate::schema::Schema {
        tables: vec![crate::schema::Table {
            name: "p".into(),
            columns,
            primary_key: vec!["a".into()],
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
        }],
    }
}

/// Checks `dialect`'s migration SQL for one change and its inverse: `p (a, n text NULL)`
/// becoming `p (a, n varchar(50) NOT NULL DEFAULT 'x', k integer NOT NULL)` is `up`,
/// and the way back is `down`.
pub fn check_altered_and_added_columns(
    dialect: &dyn crate::schema::SchemaDialect,
    up: &[&str],
    down: &[&str],
) {
    use crate::ColumnType;
    let key = || snapshot_column("a", ColumnType::BigInt, false);
    let before = snapshot_of_p(vec![
        key(),
        snapshot_column("n", ColumnType::Text(None), true),
    ]);
    let mut required = snapshot_column("n", ColumnType::Text(Some(50)), false);
    required.default = Some(crate::schema::Literal::Text("x".into()));
    let after = snapshot_of_p(vec![
        key(),
        required,
        snapshot_column("k", ColumnType::Integer, false),
    ]);
    for (from, to, expected) in [(&before, &after, up), (&after, &before, down)] {
        let got = dialect
            .render(&crate::schema::diff(from, to), from)
            .unwrap_or_else(|e| panic!("{} cannot render the change: {e}", dialect.name()));
        assert_eq!(got, expected, "got:\n{}", got.join("\n"));
    }
}
