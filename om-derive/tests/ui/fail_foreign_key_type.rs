use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(size = 50, unique)]
    email: String,
}

// A foreign key has the type of the key it references.
#[derive(Model)]
struct Post {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(references(User))]
    user_id: String,
}

// ... or of the column it names.
#[derive(Model)]
struct Login {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(references(User, field = email, name = account))]
    user_email: i64,
}

// `has_many` without `by` needs exactly one foreign key to the model.
#[derive(Model)]
#[om(has_many(messages = Message))]
struct Person {
    #[om(primary_key)]
    id: Option<i64>,
}

#[derive(Model)]
struct Message {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(references(Person, name = sender))]
    from_id: i64,
    #[om(references(Person, name = recipient))]
    to_id: i64,
}

fn main() {}
