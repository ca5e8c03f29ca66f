use om::prelude::*;

#[derive(Enum, Clone)]
#[om(rename_all = "Title Case")]
enum BadCase {
    A,
}

#[derive(Enum, Clone)]
enum SameName {
    Open,
    #[om(rename = "Open")]
    Reopened,
}

#[derive(Enum, Clone)]
#[om(size = 2)]
enum TooShort {
    Long,
}

#[derive(Enum, Clone)]
struct NotAnEnum {
    a: i64,
}

#[derive(Model)]
struct Ticket {
    #[om(primary_key)]
    id: Option<i64>,
    status: Status,
}

#[derive(Enum, Clone, Copy)]
enum Status {
    Open,
}

fn compare(c: &TicketColumns) -> Expr {
    c.status.eq("Open")
}

fn main() {}
