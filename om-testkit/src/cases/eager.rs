//! Eager loading: related rows of many parents, one statement per level, nested.

use om::{Database, Model, Result};

use crate::cases::relations::{blog, comment, post};
use crate::relation_models::{
    Bookmark, Car, Comment, Garage, Inspection, Post, Profile, Tag, Trip, User, Vehicle,
};

/// Users' names, each with its posts' titles, each with its comments' bodies.
type Shape<'a> = Vec<(&'a str, Vec<(&'a str, Vec<&'a str>)>)>;

/// Users → posts → comments, three levels in three statements, each level in order.
pub async fn eager_load_three_levels(db: &Database) -> Result<()> {
    blog(db).await?;
    let capture = db.capture_statements();
    let users = db
        .query::<User>()
        .order_by(|u| u.name.asc())
        .with(|u| {
            u.posts()
                .order_by(|p| p.title.asc())
                .with(|p| p.comments().order_by(|c| c.body.asc()))
        })
        .all()
        .await?;
    assert_eq!(capture.count(), 3, "{:?}", capture.statements());
    let shape: Shape<'_> = users
        .iter()
        .map(|(u, posts)| {
            (
                u.name.as_str(),
                posts
                    .iter()
                    .map(|(p, comments)| {
                        (
                            p.title.as_str(),
                            comments.iter().map(|c| c.body.as_str()).collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (
                "ann",
                vec![
                    ("a-draft", vec!["on a-draft"]),
                    ("a-live", vec!["on a-live"])
                ]
            ),
            ("bob", vec![("b-live", vec![])]),
        ]
    );
    Ok(())
}

/// Bookmarks → tags through the join model, in two statements; a tag loads its
/// bookmarks back.
pub async fn eager_load_many_to_many(db: &Database) -> Result<()> {
    let (ann, _) = blog(db).await?;
    let mut second = Bookmark {
        id: None,
        user_id: ann.id.expect("a key"),
        url: "https://example.com".into(),
    };
    db.add(&mut second).await?;
    let capture = db.capture_statements();
    let bookmarks = db
        .query::<Bookmark>()
        .order_by(|b| b.url.asc())
        .with(|b| b.tags().order_by(|t| t.name.asc()))
        .all()
        .await?;
    assert_eq!(capture.count(), 2, "{:?}", capture.statements());
    let names: Vec<(&str, Vec<&str>)> = bookmarks
        .iter()
        .map(|(b, tags)| {
            (
                b.url.as_str(),
                tags.iter().map(|t| t.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("https://example.com", vec![]),
            ("https://example.org", vec!["db", "rust"]),
        ]
    );
    capture.clear();
    let tags = db
        .query::<Tag>()
        .order_by(|t| t.name.asc())
        .with(|t| t.bookmarks().with(|b| b.user()))
        .all()
        .await?;
    assert_eq!(capture.count(), 3, "{:?}", capture.statements());
    let seen: Vec<(&str, usize, Vec<Option<&str>>)> = tags
        .iter()
        .map(|(t, bookmarks)| {
            (
                t.name.as_str(),
                bookmarks.len(),
                bookmarks
                    .iter()
                    .map(|(_, user)| user.as_ref().map(|u| u.name.as_str()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("db", 1, vec![Some("ann")]),
            ("rust", 1, vec![Some("ann")]),
            ("unused", 0, vec![]),
        ]
    );
    Ok(())
}

/// Each level takes a filter, an order, and a limit and an offset that apply to each
/// parent's rows, still in one statement per level.
pub async fn eager_load_per_parent_filter_order_limit(db: &Database) -> Result<()> {
    let (ann, bob) = blog(db).await?;
    let (a, b) = (ann.id.expect("a key"), bob.id.expect("a key"));
    let mut more: Vec<Post> = (0..5)
        .flat_map(|i| {
            [
                post(a, &format!("a-{i}"), i % 2 == 0),
                post(b, &format!("b-{i}"), true),
            ]
        })
        .collect();
    db.add_all(&mut more).await?;
    let mut comments: Vec<Comment> = more
        .iter()
        .flat_map(|p| {
            (0..4).map(|j| comment(p.id.expect("a key"), None, &format!("{}#{j}", p.title)))
        })
        .collect();
    db.add_all(&mut comments).await?;
    let capture = db.capture_statements();
    let users = db
        .query::<User>()
        .order_by(|u| u.name.asc())
        .with(|u| {
            u.posts()
                .filter(|p| p.published.eq(true) & p.title.like("_-_"))
                .order_by(|p| p.title.desc())
                .offset(1)
                .limit(2)
                .with(|p| p.comments().order_by(|c| c.body.desc()).limit(1))
        })
        .all()
        .await?;
    assert_eq!(capture.count(), 3, "{:?}", capture.statements());
    let shape: Shape<'_> = users
        .iter()
        .map(|(u, posts)| {
            (
                u.name.as_str(),
                posts
                    .iter()
                    .map(|(p, c)| {
                        (
                            p.title.as_str(),
                            c.iter().map(|c| c.body.as_str()).collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    // ann's published a-N are a-0, a-2, a-4: skip a-4, take a-2 and a-0.
    assert_eq!(
        shape,
        [
            ("ann", vec![("a-2", vec!["a-2#3"]), ("a-0", vec!["a-0#3"])]),
            ("bob", vec![("b-3", vec!["b-3#3"]), ("b-2", vec!["b-2#3"])]),
        ]
    );
    Ok(())
}

/// Belongs-to and has-one load as `Option`s, several relations load as a tuple, and
/// a NULL foreign key loads as `None` without a statement of its own.
pub async fn eager_load_to_one_and_several(db: &Database) -> Result<()> {
    let (ann, bob) = blog(db).await?;
    let capture = db.capture_statements();
    let users = db
        .query::<User>()
        .order_by(|u| u.name.asc())
        .with(|u| (u.profile(), u.posts(), u.bookmarks().with(|b| b.tags())))
        .all()
        .await?;
    assert_eq!(capture.count(), 5, "{:?}", capture.statements());
    let (_, (profile, posts, bookmarks)) = &users[0];
    assert_eq!(profile.as_ref().map(|p| p.bio.as_str()), Some("ann's"));
    assert_eq!(posts.len(), 2);
    assert_eq!(bookmarks[0].1.len(), 2);
    let (_, (profile, posts, bookmarks)) = &users[1];
    assert_eq!(*profile, None);
    assert_eq!(posts.len(), 1);
    assert!(bookmarks.is_empty());

    // Every comment with its post's author and its own author (NULL for one).
    let b_live = db
        .query::<Post>()
        .filter(|p| p.title.eq("b-live"))
        .one()
        .await?;
    let mut orphan = comment(b_live.id.expect("a key"), None, "no author");
    db.add(&mut orphan).await?;
    capture.clear();
    let comments = db
        .query::<Comment>()
        .order_by(|c| c.body.asc())
        .with(|c| (c.author(), c.post().with(|p| p.user())))
        .all()
        .await?;
    assert_eq!(capture.count(), 4, "{:?}", capture.statements());
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = comments
        .iter()
        .map(|(c, (author, post))| {
            (
                c.body.as_str(),
                author.as_ref().map(|a| a.name.as_str()),
                post.as_ref()
                    .and_then(|(_, u)| u.as_ref())
                    .map(|u| u.name.as_str()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("no author", None, Some("bob")),
            ("on a-draft", Some("bob"), Some("ann")),
            ("on a-live", Some("ann"), Some("ann")),
        ]
    );
    // One object, and no match at all.
    capture.clear();
    let one = db
        .query::<User>()
        .with(|u| u.posts())
        .get(bob.id.expect("a key"))
        .await?
        .expect("bob");
    assert_eq!(one.1.len(), 1);
    let none = db
        .query::<User>()
        .filter(|u| u.name.eq("nobody"))
        .with(|u| u.posts().with(|p| p.comments()))
        .all()
        .await?;
    assert!(none.is_empty());
    assert_eq!(
        capture.count(),
        3,
        "no statement for no parents: {:?}",
        capture.statements()
    );
    let _ = ann;
    Ok(())
}

/// A relation of a model to itself (replies to a comment) loads level by level.
pub async fn eager_load_self_relation(db: &Database) -> Result<()> {
    blog(db).await?;
    let root = db
        .query::<Comment>()
        .filter(|c| c.body.eq("on a-live"))
        .one()
        .await?;
    let mut reply = comment(root.post_id, None, "reply");
    reply.parent_id = root.id;
    db.add(&mut reply).await?;
    let mut deeper = comment(root.post_id, None, "reply to reply");
    deeper.parent_id = reply.id;
    db.add(&mut deeper).await?;
    let capture = db.capture_statements();
    let tree = db
        .query::<Comment>()
        .filter(|c| c.parent_id.is_null())
        .order_by(|c| c.body.asc())
        .with(|c| c.replies().with(|r| r.replies()))
        .all()
        .await?;
    assert_eq!(capture.count(), 3);
    let live = tree
        .iter()
        .find(|(c, _)| c.body == "on a-live")
        .expect("the root");
    assert_eq!(live.1.len(), 1);
    assert_eq!(live.1[0].0.body, "reply");
    assert_eq!(live.1[0].1[0].body, "reply to reply");
    Ok(())
}

/// More parents than one statement binds keys for: the keys are split in chunks, one
/// statement each, and every parent gets its rows.
pub async fn eager_load_chunks_long_key_lists(db: &Database) -> Result<()> {
    db.create_all(&crate::relation_models::tables()).await?;
    const USERS: usize = 10_050;
    let mut users: Vec<User> = (0..USERS)
        .map(|i| User {
            id: None,
            name: format!("u{i:05}"),
        })
        .collect();
    db.add_all(&mut users).await?;
    let last = users.last().and_then(|u| u.id).expect("a key");
    db.add(&mut post(last, "last", true)).await?;
    let capture = db.capture_statements();
    let loaded = db
        .query::<User>()
        .order_by(|u| u.name.asc())
        .with(|u| u.posts())
        .all()
        .await?;
    let per_statement = db.capabilities().max_parameters.min(10_000);
    let chunks = USERS.div_ceil(per_statement.saturating_sub(10).max(1));
    assert!(
        chunks >= 2,
        "the case needs more keys than one statement takes"
    );
    assert_eq!(capture.count(), 1 + chunks, "{:?}", capture.statements());
    assert_eq!(loaded.len(), USERS);
    assert_eq!(loaded.iter().filter(|(_, p)| !p.is_empty()).count(), 1);
    assert_eq!(loaded[USERS - 1].1[0].title, "last");
    Ok(())
}

/// Relations to and from models that extend another: a garage's cars (a child
/// model), each car's trips (by the child's key) and inspections (by the parent's).
pub async fn eager_load_across_inheritance(db: &Database) -> Result<()> {
    db.create_all(&crate::relation_models::tables()).await?;
    let mut garage = Garage {
        id: None,
        name: "north".into(),
    };
    db.add(&mut garage).await?;
    let g = garage.id.expect("a key");
    let mut cars: Vec<Car> = ["A-1", "B-2"]
        .into_iter()
        .map(|plate| Car {
            vehicle: Vehicle {
                id: None,
                plate: plate.into(),
            },
            garage_id: g,
            seats: 4,
        })
        .collect();
    for car in &mut cars {
        db.add(car).await?;
    }
    let first = cars[0].vehicle.id.expect("a key");
    db.add(&mut Trip {
        id: None,
        car_id: first,
        km: 12,
    })
    .await?;
    db.add(&mut Inspection {
        id: None,
        vehicle_id: first,
        passed: true,
    })
    .await?;
    let capture = db.capture_statements();
    let garages = db
        .query::<Garage>()
        .with(|g| {
            g.cars()
                .order_by(|c| c.plate.asc())
                .with(|c| (c.trips(), c.inspections().inherited()))
        })
        .all()
        .await?;
    assert_eq!(capture.count(), 4, "{:?}", capture.statements());
    let (_, cars_loaded) = &garages[0];
    assert_eq!(cars_loaded.len(), 2);
    let (car, (trips, inspections)) = &cars_loaded[0];
    assert_eq!(car.vehicle.plate, "A-1");
    assert_eq!(trips.len(), 1);
    assert_eq!(inspections.len(), 1);
    assert!(cars_loaded[1].1.0.is_empty());
    // Back up: a trip's car (a child model) and that car's garage.
    let trips = db
        .query::<Trip>()
        .with(|t| t.car().with(|c| c.garage()))
        .all()
        .await?;
    let (_, car) = &trips[0];
    let (car, garage_loaded) = car.as_ref().expect("the car");
    assert_eq!(car.vehicle.plate, "A-1");
    assert_eq!(
        garage_loaded.as_ref().map(|g| g.name.as_str()),
        Some("north")
    );
    let _ = Profile::table();
    Ok(())
}
