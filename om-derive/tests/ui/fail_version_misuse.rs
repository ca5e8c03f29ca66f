use om::prelude::*;

// A version is a plain `i64` or `i32`: om always sets it.
#[derive(Model)]
struct Text {
    #[om(primary_key)]
    id: i64,
    #[om(version)]
    version: String,
}

#[derive(Model)]
struct Maybe {
    #[om(primary_key)]
    id: i64,
    #[om(version)]
    version: Option<i64>,
}

// One version column per model.
#[derive(Model)]
struct Twice {
    #[om(primary_key)]
    id: i64,
    #[om(version)]
    a: i64,
    #[om(version)]
    b: i64,
}

// om sets the version: no key, no default, no on-update value.
#[derive(Model)]
struct Keyed {
    #[om(primary_key, version)]
    id: i64,
}

#[derive(Model)]
struct Defaulted {
    #[om(primary_key)]
    id: i64,
    #[om(version, on_update = 3)]
    version: i64,
}

// A column set has no version: the model declares it.
#[derive(ColumnSet)]
struct Set {
    #[om(version)]
    version: i64,
}

// A child of a versioned model shares its parent's version.
#[derive(Model)]
struct Parent {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(version)]
    version: i64,
}

#[derive(Model)]
struct Child {
    #[om(parent)]
    parent: Parent,
    #[om(version)]
    version: i64,
}

fn main() {}
