use om::prelude::*;

#[derive(Model)]
struct Person {
    #[om(primary_key)]
    id: Option<i64>,
}

// A child takes its key from its parent.
#[derive(Model)]
struct Employee {
    #[om(parent)]
    person: Person,
    #[om(primary_key)]
    badge: i64,
}

// At most one parent.
#[derive(Model)]
struct Twice {
    #[om(parent)]
    a: Person,
    #[om(parent)]
    b: Person,
}

// The parent itself, not an Option of it.
#[derive(Model)]
struct Maybe {
    #[om(parent)]
    person: Option<Person>,
}

// A parent field takes no column attribute.
#[derive(Model)]
struct Sized {
    #[om(parent, size = 3)]
    person: Person,
}

fn main() {}
