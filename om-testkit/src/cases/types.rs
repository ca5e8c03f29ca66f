//! Every column type round-trips exactly, NULL included.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use om::{Database, Model, Result};
use rust_decimal::Decimal;

use crate::models::{AllTypes, NullableTypes};

fn sample() -> AllTypes {
    AllTypes {
        id: None,
        flag: true,
        small: -12_345,
        int: 2_000_000_000,
        big: -9_000_000_000_000,
        real: 1.5,
        double: -2.25e100,
        short_text: "ünïcödé ✓".into(),
        long_text: "x".repeat(5000),
        bytes: vec![0, 1, 2, 255, 0],
        date: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default(),
        time: NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).unwrap_or_default(),
        datetime: NaiveDate::from_ymd_opt(1999, 12, 31)
            .and_then(|d| d.and_hms_micro_opt(12, 34, 56, 789_012))
            .unwrap_or_default(),
        timestamp: Utc
            .with_ymd_and_hms(2030, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default(),
        uuid: uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
        decimal: Decimal::new(-1_234_567_890_123, 4),
        json: serde_json::json!({"a": [1, 2, {"b": null}], "c": "d"}),
    }
}

/// Every type is written and read back unchanged, and can be filtered on.
pub async fn all_types_round_trip(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table()]).await?;
    let mut row = sample();
    db.add(&mut row).await?;
    let back = db
        .query::<AllTypes>()
        .get(row.id.unwrap_or_default())
        .await?;
    assert_eq!(back.as_ref(), Some(&row));
    let q = || db.query::<AllTypes>();
    assert_eq!(q().filter(|c| c.flag.eq(true)).count().await?, 1);
    assert_eq!(q().filter(|c| c.small.eq(-12_345i16)).count().await?, 1);
    assert_eq!(q().filter(|c| c.big.lt(0)).count().await?, 1);
    assert_eq!(
        q().filter(|c| c.short_text.eq("ünïcödé ✓")).count().await?,
        1
    );
    assert_eq!(q().filter(|c| c.date.eq(row.date)).count().await?, 1);
    assert_eq!(
        q().filter(|c| c.datetime.eq(row.datetime)).count().await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.timestamp.eq(row.timestamp))
            .count()
            .await?,
        1
    );
    assert_eq!(q().filter(|c| c.uuid.eq(row.uuid)).count().await?, 1);
    assert_eq!(q().filter(|c| c.decimal.eq(row.decimal)).count().await?, 1);
    assert_eq!(
        q().filter(|c| c.bytes.eq(&[0u8, 1, 2, 255, 0][..]))
            .count()
            .await?,
        1
    );
    Ok(())
}

/// Extreme values of each integer width survive.
pub async fn integer_limits(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table()]).await?;
    let mut rows = vec![sample(), sample()];
    rows[0].small = i16::MIN;
    rows[0].int = i32::MIN;
    rows[0].big = i64::MIN;
    rows[1].small = i16::MAX;
    rows[1].int = i32::MAX;
    rows[1].big = i64::MAX;
    db.add_all(&mut rows).await?;
    let back = db
        .query::<AllTypes>()
        .order_by(|c| c.big.asc())
        .all()
        .await?;
    assert_eq!(back, rows);
    Ok(())
}

/// Every nullable type stores NULL as `None`, and values as `Some`.
pub async fn nullable_types_round_trip(db: &Database) -> Result<()> {
    db.create_all(&[NullableTypes::table()]).await?;
    let mut empty = NullableTypes::default();
    db.add(&mut empty).await?;
    let s = sample();
    let mut full = NullableTypes {
        id: None,
        flag: Some(false),
        small: Some(0),
        int: Some(0),
        big: Some(0),
        real: Some(0.0),
        double: Some(0.0),
        text: Some(String::new()),
        bytes: Some(Vec::new()),
        date: Some(s.date),
        time: Some(s.time),
        datetime: Some(s.datetime),
        timestamp: Some(s.timestamp),
        uuid: Some(s.uuid),
        decimal: Some(Decimal::ZERO),
        json: Some(serde_json::json!([])),
    };
    db.add(&mut full).await?;
    let back = db
        .query::<NullableTypes>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(back, vec![empty, full]);
    assert_eq!(
        db.query::<NullableTypes>()
            .filter(|c| c.text.is_null())
            .count()
            .await?,
        1
    );
    assert_eq!(
        db.query::<NullableTypes>()
            .filter(|c| c.text.eq(""))
            .count()
            .await?,
        1
    );
    Ok(())
}

/// Decimals compare by value: equal across scales everywhere; `<`/`>` and ordering where
/// the backend declares `decimal_ordering`, and a clear `Unsupported` elsewhere.
pub async fn decimal_comparisons(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table()]).await?;
    let mut rows: Vec<AllTypes> = ["9.5", "10.0", "2"]
        .iter()
        .map(|d| AllTypes {
            decimal: d.parse().expect("a decimal"),
            ..sample()
        })
        .collect();
    db.add_all(&mut rows).await?;
    let q = || db.query::<AllTypes>();
    assert_eq!(
        q().filter(|c| c.decimal.eq(Decimal::new(10, 0)))
            .count()
            .await?,
        1
    );
    assert_eq!(
        q().filter(|c| c.decimal.ne(Decimal::new(100, 1)))
            .count()
            .await?,
        2
    );
    assert_eq!(
        q().filter(|c| c.decimal.is_in([Decimal::new(20, 1), Decimal::new(95, 1)]))
            .count()
            .await?,
        2
    );
    let gt = q()
        .filter(|c| c.decimal.gt(Decimal::new(99, 1)))
        .all()
        .await;
    let ordered = q().order_by(|c| c.decimal.asc()).all().await;
    if db.capabilities().decimal_ordering {
        let gt = gt?;
        assert_eq!(gt.len(), 1);
        assert_eq!(gt[0].decimal, Decimal::new(10, 0));
        let ordered: Vec<Decimal> = ordered?.into_iter().map(|r| r.decimal).collect();
        assert_eq!(
            ordered,
            [Decimal::new(2, 0), Decimal::new(95, 1), Decimal::new(10, 0)]
        );
    } else {
        let nested = q()
            .filter(|c| c.flag.eq(true) & !c.decimal.le(Decimal::ONE))
            .all()
            .await;
        let ge = q().filter(|c| c.decimal.ge(Decimal::ONE)).count().await;
        let delete = q().filter(|c| c.decimal.lt(Decimal::ONE)).delete().await;
        for err in [
            gt.unwrap_err(),
            ordered.unwrap_err(),
            nested.unwrap_err(),
            ge.unwrap_err(),
            delete.unwrap_err(),
        ] {
            assert!(matches!(err, om::Error::Unsupported { .. }), "{err:?}");
        }
        assert_eq!(q().count().await?, 3, "nothing was deleted");
    }
    Ok(())
}

/// `u8`, `i8`, `u16` and `u32` round-trip at their limits and filter; a stored value out
/// of the field's range is a decode error naming both.
pub async fn narrow_and_unsigned_integers(db: &Database) -> Result<()> {
    use crate::models::{Unsigned, UnsignedAsWide};
    db.create_all(&[Unsigned::table()]).await?;
    let mut rows = vec![
        Unsigned {
            id: 1,
            tiny: u8::MAX,
            signed_tiny: i8::MIN,
            medium: u16::MAX,
            large: u32::MAX,
            maybe: Some(u32::MAX),
        },
        Unsigned {
            id: 2,
            tiny: 0,
            signed_tiny: i8::MAX,
            medium: 0,
            large: 0,
            maybe: None,
        },
    ];
    db.add_all(&mut rows).await?;
    assert_eq!(
        db.query::<Unsigned>()
            .order_by(|c| c.id.asc())
            .all()
            .await?,
        rows
    );
    assert_eq!(
        db.query::<Unsigned>()
            .filter(|c| c.large.eq(u32::MAX))
            .count()
            .await?,
        1
    );
    assert_eq!(
        db.query::<Unsigned>()
            .filter(|c| c.tiny.gt(200u8))
            .count()
            .await?,
        1
    );
    assert_eq!(
        db.query::<Unsigned>()
            .filter(|c| c.medium.lt(7u8))
            .count()
            .await?,
        1
    );
    db.add(&mut UnsignedAsWide {
        id: 3,
        tiny: -1,
        signed_tiny: 0,
        medium: 0,
        large: 0,
        maybe: None,
    })
    .await?;
    let err = db
        .query::<Unsigned>()
        .filter(|c| c.id.eq(3))
        .one()
        .await
        .unwrap_err();
    assert!(
        matches!(err, om::Error::Decode { column: "tiny", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("u8"), "{err}");
    Ok(())
}

/// `Option` of a narrow or unsigned integer and of a sized text: NULL and the limits.
pub async fn nullable_narrow_integers(db: &Database) -> Result<()> {
    use crate::models::NullableNarrow;
    db.create_all(&[NullableNarrow::table()]).await?;
    let mut rows = vec![
        NullableNarrow::default(),
        NullableNarrow {
            id: None,
            signed_tiny: Some(i8::MIN),
            tiny: Some(u8::MAX),
            medium: Some(u16::MAX),
            short_text: Some("😀😀😀😀😀".into()),
        },
        NullableNarrow {
            id: None,
            signed_tiny: Some(i8::MAX),
            tiny: Some(0),
            medium: Some(0),
            short_text: Some(String::new()),
        },
    ];
    db.add_all(&mut rows).await?;
    let q = || db.query::<NullableNarrow>();
    assert_eq!(q().order_by(|c| c.id.asc()).all().await?, rows);
    assert_eq!(q().filter(|c| c.tiny.is_null()).count().await?, 1);
    assert_eq!(q().filter(|c| c.tiny.eq(u8::MAX)).count().await?, 1);
    assert_eq!(q().filter(|c| c.signed_tiny.lt(0i8)).count().await?, 1);
    Ok(())
}
