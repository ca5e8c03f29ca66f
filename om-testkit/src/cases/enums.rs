//! String-backed enums through `#[derive(om::Enum)]`.

use om::{ColumnType, Database, Error, Model, Result, SqlType, StringEnum};

use crate::models::{Priority, Status, Ticket, TicketAsText};

/// Enums round-trip as their names, nullable or not, filter with `eq`/`is_in`/`is_null`;
/// the column is sized to the longest name; a stored name no variant has is a decode
/// error naming the enum.
pub async fn string_enums_round_trip(db: &Database) -> Result<()> {
    assert_eq!(Status::COLUMN_TYPE, ColumnType::Text(Some(7)));
    assert_eq!(Priority::COLUMN_TYPE, ColumnType::Text(Some(40)));
    assert_eq!(Status::NAMES, ["active", "on_hold", "gone"]);
    assert_eq!(Status::Deleted.as_str(), "gone");
    db.create_all(&[Ticket::table()]).await?;
    let mut rows = vec![
        Ticket {
            id: None,
            status: Status::Active,
            previous: None,
            priority: Some(Priority::High),
        },
        Ticket {
            id: None,
            status: Status::OnHold,
            previous: Some(Status::Active),
            priority: None,
        },
        Ticket {
            id: None,
            status: Status::Deleted,
            previous: Some(Status::OnHold),
            priority: Some(Priority::Low),
        },
    ];
    db.add_all(&mut rows).await?;
    let q = || db.query::<Ticket>();
    assert_eq!(q().order_by(|c| c.id.asc()).all().await?, rows);
    assert_eq!(
        q().filter(|c| c.status.eq(Status::Deleted)).all().await?,
        [rows[2].clone()]
    );
    assert_eq!(
        q().filter(|c| c.status.is_in([Status::Active, Status::OnHold]))
            .count()
            .await?,
        2
    );
    assert_eq!(q().filter(|c| c.previous.is_null()).count().await?, 1);
    assert_eq!(
        q().filter(|c| c.previous.eq(Status::Active))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.priority.ne(Priority::High))
            .count()
            .await?,
        1
    );
    // Stored as the names: the same table read as text.
    let texts = db
        .query::<TicketAsText>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    let stored: Vec<&str> = texts.iter().map(|t| t.status.as_str()).collect();
    assert_eq!(stored, ["active", "on_hold", "gone"]);
    assert_eq!(texts[2].priority.as_deref(), Some("Low"));
    // A name no variant has.
    let mut odd = TicketAsText {
        id: None,
        status: "paused".into(),
        previous: Some("Active".into()),
        priority: None,
    };
    db.add(&mut odd).await?;
    let err = q().all().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                column: "status",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("Status"), "{err}");
    assert!(err.to_string().contains("paused"), "{err}");
    // Names are case-sensitive: `Active` is not `active`.
    db.query::<TicketAsText>()
        .filter(|c| c.previous.eq("Active"))
        .delete()
        .await?;
    assert_eq!(q().count().await?, 3);
    Ok(())
}
