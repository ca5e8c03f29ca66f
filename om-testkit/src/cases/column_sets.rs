//! Column sets: columns declared once and flattened into several tables.

use om::{Database, Model, Result};

use crate::models::{Audit, Contractor, Document, Invoice, Person};

fn names(columns: &[om::ColumnMeta]) -> Vec<&str> {
    columns.iter().map(|c| c.name).collect()
}

/// Each model's table gets the set's columns in the field's place; rows round-trip;
/// filters, orderings, defaults and on-update values of the set work.
pub async fn column_set_columns_in_each_table(db: &Database) -> Result<()> {
    assert_eq!(
        names(Document::table().columns),
        ["id", "title", "revision", "changed_by", "body"]
    );
    assert_eq!(
        names(Invoice::table().columns),
        ["number", "revision", "changed_by", "total"]
    );
    assert_eq!(Invoice::table().primary_key, [0]);
    db.create_all(&[Document::table(), Invoice::table()])
        .await?;
    let mut docs = vec![
        Document {
            id: None,
            title: "a".into(),
            audit: Audit::by("ann"),
            body: Some("text".into()),
        },
        Document {
            id: None,
            title: "b".into(),
            audit: Audit::by("bob"),
            body: None,
        },
    ];
    db.add_all(&mut docs).await?;
    let first_revision = docs[0].audit.revision.expect("a default revision");
    let back = db
        .query::<Document>()
        .get(docs[0].id.expect("a key"))
        .await?;
    assert_eq!(back.as_ref(), Some(&docs[0]));
    let by_bob = db
        .query::<Document>()
        .filter(|c| c.audit.changed_by.eq("bob"))
        .all()
        .await?;
    assert_eq!(by_bob, [docs[1].clone()]);
    let ordered = db
        .query::<Document>()
        .order_by(|c| c.audit.changed_by.desc())
        .all()
        .await?;
    assert_eq!(ordered[0].title, "b");
    docs[0].title = "a2".into();
    db.update(&mut docs[0]).await?;
    assert_ne!(docs[0].audit.revision, Some(first_revision));
    assert_eq!(
        db.query::<Document>()
            .get(docs[0].id.expect("a key"))
            .await?
            .as_ref(),
        Some(&docs[0])
    );
    let mut invoice = Invoice {
        number: "INV-1".into(),
        audit: Audit::by("cy"),
        total: 10,
    };
    db.add(&mut invoice).await?;
    assert!(invoice.audit.revision.is_some());
    assert_eq!(db.query::<Invoice>().get("INV-1").await?, Some(invoice));
    Ok(())
}

/// A child model can carry a column set too.
pub async fn column_set_in_a_child_model(db: &Database) -> Result<()> {
    assert_eq!(
        names(Contractor::table().columns),
        ["id", "revision", "changed_by", "rate"]
    );
    db.create_all(&[Person::table(), Contractor::table()])
        .await?;
    let mut c = Contractor {
        person: Person::new("dee"),
        audit: Audit::by("hr"),
        rate: 50,
    };
    db.add(&mut c).await?;
    assert!(c.audit.revision.is_some());
    let key = c.person.id.expect("a key");
    assert_eq!(db.query::<Contractor>().get(key).await?.as_ref(), Some(&c));
    c.rate = 60;
    c.person.name = "d".into();
    db.update(&mut c).await?;
    let found = db
        .query::<Contractor>()
        .filter(|x| x.audit.changed_by.eq("hr") & x.name.eq("d"))
        .all()
        .await?;
    assert_eq!(found, [c]);
    Ok(())
}
