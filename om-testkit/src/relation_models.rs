//! Models with relations: users with posts, comments, a profile and bookmarks, tags
//! on bookmarks through a join model, and relations to and from models that extend
//! another.

#![allow(missing_docs)]

use om::Model;

/// A user: has many posts and bookmarks, has one profile.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_users")]
#[om(has_many(posts = Post), has_many(bookmarks = Bookmark), has_one(profile = Profile))]
#[om(has_many(remarks = Comment, by = author_id))]
pub struct User {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub name: String,
}

/// A user's post: belongs to the user (deleted with them), has many comments.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_posts", has_many(comments = Comment))]
pub struct Post {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(User, on_delete = cascade), index)]
    pub user_id: i64,
    #[om(size = 100)]
    pub title: String,
    pub published: bool,
}

/// A comment on a post, by a user (kept, without author, when the user goes), maybe
/// a reply to another comment.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_comments", has_many(replies = Comment, by = parent_id))]
pub struct Comment {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(Post, on_delete = cascade))]
    pub post_id: i64,
    #[om(references(User, name = author, on_delete = set_null))]
    pub author_id: Option<i64>,
    #[om(references(Comment, on_delete = cascade))]
    pub parent_id: Option<i64>,
    #[om(size = 200)]
    pub body: String,
}

/// A user's profile: its key is the user's.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_profiles")]
pub struct Profile {
    #[om(primary_key, references(User, on_delete = cascade))]
    pub user_id: i64,
    #[om(size = 200)]
    pub bio: String,
}

/// A user's bookmark, tagged through `BookmarkTag`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_bookmarks", many_to_many(tags = Tag, through = BookmarkTag))]
pub struct Bookmark {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(User, on_delete = cascade))]
    pub user_id: i64,
    #[om(size = 200)]
    pub url: String,
}

/// A tag, on many bookmarks.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_tags", many_to_many(bookmarks = Bookmark, through = BookmarkTag))]
pub struct Tag {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50, unique)]
    pub name: String,
}

/// The join model of bookmarks and tags.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_bookmark_tags")]
pub struct BookmarkTag {
    #[om(primary_key, references(Bookmark, on_delete = cascade))]
    pub bookmark_id: i64,
    #[om(primary_key, references(Tag, on_delete = cascade))]
    pub tag_id: i64,
}

/// A category that products reference: it cannot be deleted while they do.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_categories", has_many(products = Product))]
pub struct Category {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub name: String,
}

/// A product in a category (`ON DELETE RESTRICT`).
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_products")]
pub struct Product {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(Category, on_delete = restrict))]
    pub category_id: i64,
    #[om(size = 50)]
    pub name: String,
}

/// A stock-keeping unit, known by a unique code.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_skus", has_many(stock = Stock))]
pub struct Sku {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 20, unique)]
    pub code: String,
}

/// Stock of a SKU, referencing its code rather than its key: a new code is carried
/// over (`ON UPDATE CASCADE`).
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_stock")]
pub struct Stock {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 20, references(Sku, field = code, name = sku, on_update = cascade, on_delete = cascade))]
    pub sku_code: String,
    pub count: i32,
}

/// A garage, with vehicles of a model that extends another.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_garages", has_many(cars = Car))]
pub struct Garage {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub name: String,
}

/// Any vehicle: the parent of `Car`; inspections reference it.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_vehicles", has_many(inspections = Inspection))]
pub struct Vehicle {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub plate: String,
}

/// A car: extends `Vehicle`, belongs to a garage, has many trips.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_cars", has_many(trips = Trip))]
pub struct Car {
    #[om(parent)]
    pub vehicle: Vehicle,
    #[om(references(Garage, on_delete = cascade))]
    pub garage_id: i64,
    pub seats: i32,
}

/// A trip of a car (a foreign key to a model that extends another).
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_trips")]
pub struct Trip {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(Car, on_delete = cascade))]
    pub car_id: i64,
    pub km: i32,
}

/// An inspection of any vehicle (a foreign key to a parent model).
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_inspections")]
pub struct Inspection {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(Vehicle, on_delete = cascade))]
    pub vehicle_id: i64,
    pub passed: bool,
}

/// One half of two tables that reference each other.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_cycle_a")]
pub struct CycleA {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(CycleB))]
    pub b_id: Option<i64>,
}

/// The other half.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "rel_cycle_b")]
pub struct CycleB {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(references(CycleA))]
    pub a_id: Option<i64>,
}

/// Every table above but the cycle, listed children first (create_all orders them).
pub fn tables() -> Vec<&'static om::TableMeta> {
    vec![
        BookmarkTag::table(),
        Comment::table(),
        Trip::table(),
        Inspection::table(),
        Car::table(),
        Product::table(),
        Stock::table(),
        Sku::table(),
        Tag::table(),
        Bookmark::table(),
        Profile::table(),
        Post::table(),
        User::table(),
        Category::table(),
        Vehicle::table(),
        Garage::table(),
    ]
}
