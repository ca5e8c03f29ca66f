use om::prelude::*;

#[derive(om::ColumnSet, Debug, Clone, PartialEq)]
struct Stamps {
    #[om(default = 1)]
    created: Option<i64>,
    #[om(column = "touched_at")]
    touched: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct Doc {
    #[om(primary_key)]
    id: i64,
    #[om(flatten)]
    stamps: Stamps,
    title: String,
}

fn main() {
    let names: Vec<&str> = Doc::table().columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "created", "touched_at", "title"]);
    let c = Doc::columns();
    let _ = c.stamps.touched.gt(3) & c.title.eq("x");
}
