use om::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "people")]
struct Person {
    #[om(primary_key)]
    id: Option<i64>,
    name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "employees")]
struct Employee {
    salary: i64,
    #[om(parent)]
    person: Person,
    #[om(default = 1)]
    grade: Option<i32>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "managers")]
struct Manager {
    #[om(parent)]
    employee: Employee,
    reports: i32,
}

fn main() {
    // Handles of every level, through Deref.
    let c = Manager::columns();
    let _ = c.reports.gt(1) & c.salary.gt(2) & c.name.eq("x") & c.id.eq(3);
    assert_eq!(Manager::table().lineage().len(), 3);
    assert_eq!(Manager::table().row_width(), 2 + 2 + 1);
    assert_eq!(Employee::table().columns[0].name, "id");
    assert!(!Employee::table().columns[0].generated);
    let _key: <Manager as Model>::Key = 5_i64;
}
