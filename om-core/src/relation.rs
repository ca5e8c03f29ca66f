//! Relations between models: foreign keys, the relations they make (belongs to, has
//! many, has one, many to many through a join model), and loading related rows in
//! batches.
//!
//! A foreign key is declared on a field, `#[om(references(User))]`; the other side
//! declares what it has, `#[om(has_many(posts = Post))]`. `#[derive(Model)]` then gives
//! each model's column struct a method per relation, returning a [`Relation`], which:
//!
//! - loads the related rows of many parents at once, one statement per level
//!   (`query.with(|u| u.posts().with(|p| p.comments()))`);
//! - filters parents by their related rows (`u.posts().any(|p| p.published.eq(true))`);
//! - and, on one object, queries its related rows (`user.posts(&db)`).

pub mod foreign_key;
mod group;
pub mod link;
pub mod load;

pub use foreign_key::{ForeignKey, ReferentialAction, key_of};
pub use link::{Extends, ForeignKeyTo, Link, Many, One, Relation, Through};
pub use load::{Leaf, Load, Loaded, Nested, With};
