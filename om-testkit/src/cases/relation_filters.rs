//! Relation filters: rows whose related rows match, as `EXISTS` subqueries.

use om::{Database, Result};

use crate::cases::relations::blog;
use crate::relation_models::{Bookmark, Car, Comment, Garage, Inspection, Post, User, Vehicle};

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

/// `u.posts().any(..)` keeps the users with a matching post; `!u.posts().exists()`
/// those without any; both count, page and delete like any filter.
pub async fn any_keeps_rows_with_a_matching_related_row(db: &Database) -> Result<()> {
    let (ann, _) = blog(db).await?;
    let mut carl = User {
        id: None,
        name: "carl".into(),
    };
    db.add(&mut carl).await?;
    let drafting = db
        .query::<User>()
        .filter(|u| u.posts().any(|p| p.published.eq(false)))
        .all()
        .await?;
    assert_eq!(names(&drafting), ["ann"]);
    let publishing = db
        .query::<User>()
        .filter(|u| u.posts().any(|p| p.published.eq(true)))
        .order_by(|u| u.name.asc())
        .all()
        .await?;
    assert_eq!(names(&publishing), ["ann", "bob"]);
    let silent = db
        .query::<User>()
        .filter(|u| !u.posts().exists())
        .all()
        .await?;
    assert_eq!(names(&silent), ["carl"]);
    assert_eq!(
        db.query::<User>()
            .filter(|u| u.posts().exists() & u.name.ne("bob"))
            .count()
            .await?,
        1
    );
    // The relation's own filter counts too.
    let with_live = db
        .query::<User>()
        .filter(|u| u.posts().filter(|p| p.title.like("%live")).exists())
        .count()
        .await?;
    assert_eq!(with_live, 2);
    // Has one, and belongs to.
    let profiled = db
        .query::<User>()
        .filter(|u| u.profile().exists())
        .all()
        .await?;
    assert_eq!(names(&profiled), ["ann"]);
    let by_ann = db
        .query::<Post>()
        .filter(|p| p.user().any(|u| u.name.eq("ann")))
        .count()
        .await?;
    assert_eq!(by_ann, 2);
    // A bulk delete by a relation filter.
    let gone = db
        .query::<User>()
        .filter(|u| !u.posts().exists())
        .delete()
        .await?;
    assert_eq!(gone, 1);
    assert_eq!(db.query::<User>().count().await?, 2);
    let _ = ann;
    Ok(())
}

/// Through a join model, nested two levels deep, and combined with joins.
pub async fn any_through_join_models_and_nested(db: &Database) -> Result<()> {
    blog(db).await?;
    let rusty = db
        .query::<Bookmark>()
        .filter(|b| b.tags().any(|t| t.name.eq("rust")))
        .count()
        .await?;
    assert_eq!(rusty, 1);
    let untagged = db
        .query::<Bookmark>()
        .filter(|b| b.tags().any(|t| t.name.eq("unused")))
        .count()
        .await?;
    assert_eq!(untagged, 0);
    // Users with a post that has a comment by bob.
    let commented = db
        .query::<User>()
        .filter(|u| {
            u.posts()
                .any(|p| p.comments().any(|c| c.author().any(|a| a.name.eq("bob"))))
        })
        .all()
        .await?;
    assert_eq!(names(&commented), ["ann"]);
    // Tags used by ann's bookmarks.
    let tags = db
        .query::<crate::relation_models::Tag>()
        .filter(|t| t.bookmarks().any(|b| b.user().any(|u| u.name.eq("ann"))))
        .count()
        .await?;
    assert_eq!(tags, 2);
    Ok(())
}

/// A relation of a table to itself filters right: comments with replies, comments
/// without a parent (a NULL key), replies to replies.
pub async fn self_relation_filters_read_right(db: &Database) -> Result<()> {
    blog(db).await?;
    let root = db
        .query::<Comment>()
        .filter(|c| c.body.eq("on a-live"))
        .one()
        .await?;
    let mut reply = crate::cases::relations::comment(root.post_id, None, "reply");
    reply.parent_id = root.id;
    db.add(&mut reply).await?;
    let mut deeper = crate::cases::relations::comment(root.post_id, None, "deeper");
    deeper.parent_id = reply.id;
    db.add(&mut deeper).await?;
    let bodies = |comments: Vec<Comment>| {
        let mut b: Vec<String> = comments.into_iter().map(|c| c.body).collect();
        b.sort();
        b
    };
    let answered = db
        .query::<Comment>()
        .filter(|c| c.replies().exists())
        .all()
        .await?;
    assert_eq!(bodies(answered), ["on a-live", "reply"]);
    let top = db
        .query::<Comment>()
        .filter(|c| !c.parent().exists())
        .all()
        .await?;
    assert_eq!(bodies(top), ["on a-draft", "on a-live"]);
    let unanswered = db
        .query::<Comment>()
        .filter(|c| !c.replies().exists())
        .all()
        .await?;
    assert_eq!(bodies(unanswered), ["deeper", "on a-draft"]);
    let grand = db
        .query::<Comment>()
        .filter(|c| c.replies().any(|r| r.replies().exists()))
        .all()
        .await?;
    assert_eq!(bodies(grand), ["on a-live"]);
    Ok(())
}

/// Relation filters across inheritance: garages with a car of 4 seats, vehicles
/// with a passed inspection, cars (a child model) filtered by their parent's relation.
pub async fn any_across_inheritance(db: &Database) -> Result<()> {
    db.create_all(&crate::relation_models::tables()).await?;
    let mut garage = Garage {
        id: None,
        name: "south".into(),
    };
    db.add(&mut garage).await?;
    let mut car = Car {
        vehicle: Vehicle {
            id: None,
            plate: "C-3".into(),
        },
        garage_id: garage.id.expect("a key"),
        seats: 4,
    };
    db.add(&mut car).await?;
    db.add(&mut Inspection {
        id: None,
        vehicle_id: car.vehicle.id.expect("a key"),
        passed: true,
    })
    .await?;
    let with_four = db
        .query::<Garage>()
        .filter(|g| g.cars().any(|c| c.seats.eq(4) & c.plate.eq("C-3")))
        .count()
        .await?;
    assert_eq!(with_four, 1);
    let inspected = db
        .query::<Car>()
        .filter(|c| {
            c.inspections()
                .inherited::<Car>()
                .any(|i| i.passed.eq(true))
        })
        .all()
        .await?;
    assert_eq!(inspected, vec![car.clone()]);
    assert_eq!(car.garage(db).await?, Some(garage.clone()));
    assert_eq!(garage.cars(db).all().await?, vec![car.clone()]);
    assert_eq!(car.vehicle.inspections(db).count().await?, 1);
    Ok(())
}
