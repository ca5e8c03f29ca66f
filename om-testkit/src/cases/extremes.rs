//! Extreme and hostile values: texts, integer and float limits, dates at the ends of
//! the common range, decimals that floats would round.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use om::{Database, Error, Model, Result};
use rust_decimal::Decimal;

use crate::models::{AllTypes, NullableTypes};

fn base() -> AllTypes {
    AllTypes {
        id: None,
        flag: false,
        small: 0,
        int: 0,
        big: 0,
        real: 0.0,
        double: 0.0,
        short_text: String::new(),
        long_text: String::new(),
        bytes: Vec::new(),
        date: NaiveDate::default(),
        time: NaiveTime::default(),
        datetime: NaiveDate::default().and_time(NaiveTime::default()),
        timestamp: Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        uuid: uuid::Uuid::nil(),
        decimal: Decimal::ZERO,
        json: serde_json::json!({}),
    }
}

/// Empty texts, quotes, backslashes, SQL-looking text, emoji and other non-BMP text,
/// a 1 MiB text and every byte value round-trip unchanged, and filter exactly.
pub async fn hostile_texts_round_trip(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table()]).await?;
    let hostile = [
        "",
        "'",
        "\"",
        "\\",
        "\\'; DROP TABLE x;--",
        "%_\\%",
        "😀🎉 𝄞 𠜎",
        "tab\tnew\nline\r",
        "ﬃ ß İ",
    ];
    let mut rows: Vec<AllTypes> = hostile
        .iter()
        .map(|t| AllTypes {
            short_text: (*t).into(),
            long_text: format!("{t}{t}"),
            json: serde_json::json!({ "text": t }),
            ..base()
        })
        .collect();
    rows.push(AllTypes {
        long_text: "é😀".repeat((1 << 20) / 6),
        bytes: (0..=255u8).cycle().take(1 << 20).collect(),
        ..base()
    });
    db.add_all(&mut rows).await?;
    let back = db
        .query::<AllTypes>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert!(back == rows, "hostile texts changed on the way back");
    for t in hostile {
        let found = db
            .query::<AllTypes>()
            .filter(|c| c.short_text.eq(t) & c.json.json_text("text").eq(t))
            .all()
            .await?;
        // (The 1 MiB row has an empty short text too, but no `text` key.)
        assert_eq!(found.len(), 1, "{t:?}");
    }
    Ok(())
}

/// Floats: limits and the smallest normal values round-trip; NaN and the infinities
/// where the backend declares them (`float_nan`, `float_infinity`), and elsewhere a
/// typed `InvalidValue` that leaves the table as it was.
pub async fn float_limits_and_specials(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table(), NullableTypes::table()])
        .await?;
    let mut rows = vec![
        AllTypes {
            real: f32::MAX,
            double: f64::MAX,
            ..base()
        },
        AllTypes {
            real: f32::MIN_POSITIVE,
            double: -f64::MIN_POSITIVE,
            ..base()
        },
        AllTypes {
            real: -0.0,
            double: 0.1 + 0.2,
            ..base()
        },
    ];
    db.add_all(&mut rows).await?;
    let back = db
        .query::<AllTypes>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    assert_eq!(back, rows);
    let caps = db.capabilities().clone();
    for (value, allowed) in [
        (f64::NAN, caps.float_nan),
        (f64::INFINITY, caps.float_infinity),
        (f64::NEG_INFINITY, caps.float_infinity),
    ] {
        let mut row = NullableTypes {
            double: Some(value),
            real: Some(value as f32),
            ..NullableTypes::default()
        };
        let added = db.add(&mut row).await;
        if allowed {
            added?;
            let back = db
                .query::<NullableTypes>()
                .get(row.id.unwrap_or_default())
                .await?
                .expect("the row just added");
            let (d, r) = (back.double.expect("a double"), back.real.expect("a real"));
            if value.is_nan() {
                assert!(d.is_nan() && r.is_nan(), "{d} {r}");
            } else {
                assert_eq!((d, r), (value, value as f32));
            }
        } else {
            let err = added.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidValue {
                        column: "real" | "double",
                        ..
                    }
                ),
                "{value}: {err:?}"
            );
            assert!(row.id.is_none(), "the object is unchanged");
        }
    }
    let stored = db.query::<NullableTypes>().count().await?;
    let expected = usize::from(caps.float_nan) + 2 * usize::from(caps.float_infinity);
    assert_eq!(stored, expected as u64);
    Ok(())
}

/// Dates, times and timestamps at the ends of the range every backend stores
/// (1000-01-01 to 9999-12-31, MySQL's documented range), with microseconds kept.
pub async fn date_range_ends(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table()]).await?;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
    let first = day(1000, 1, 1);
    let last = day(9999, 12, 31);
    let midnight = NaiveTime::from_hms_micro_opt(0, 0, 0, 0).expect("a valid time");
    let end_of_day = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("a valid time");
    let mut rows = vec![
        AllTypes {
            date: first,
            time: midnight,
            datetime: first.and_time(midnight),
            timestamp: first.and_time(midnight).and_utc(),
            ..base()
        },
        AllTypes {
            date: last,
            time: end_of_day,
            datetime: last.and_time(end_of_day),
            timestamp: last.and_time(end_of_day).and_utc(),
            ..base()
        },
        AllTypes {
            date: day(2000, 2, 29),
            time: NaiveTime::from_hms_micro_opt(12, 0, 0, 1).expect("a valid time"),
            datetime: day(1970, 1, 1)
                .and_time(NaiveTime::from_hms_micro_opt(0, 0, 0, 1).expect("a valid time")),
            timestamp: Utc
                .with_ymd_and_hms(2038, 1, 19, 3, 14, 8)
                .single()
                .expect("a valid timestamp")
                + chrono::Duration::microseconds(654_321),
            ..base()
        },
    ];
    db.add_all(&mut rows).await?;
    let back = db
        .query::<AllTypes>()
        .order_by(|c| c.date.asc())
        .all()
        .await?;
    assert_eq!(back, [rows[0].clone(), rows[2].clone(), rows[1].clone()]);
    for row in &rows {
        assert_eq!(
            db.query::<AllTypes>()
                .filter(|c| c.timestamp.eq(row.timestamp) & c.datetime.eq(row.datetime))
                .count()
                .await?,
            1
        );
    }
    Ok(())
}

/// Decimals keep every digit: values a float would round, 28 decimal places, the
/// largest and smallest `rust_decimal` values, negative zero's scale.
pub async fn decimals_stay_exact(db: &Database) -> Result<()> {
    db.create_all(&[AllTypes::table()]).await?;
    let values = [
        "0.700000000000001",
        "0.1",
        "-123456789012345678.9012345678",
        "0.0000000000000000000000000001",
        "79228162514264337593543950335",
        "-79228162514264337593543950335",
    ];
    let mut rows: Vec<AllTypes> = values
        .iter()
        .map(|d| AllTypes {
            decimal: d.parse().expect("a decimal"),
            ..base()
        })
        .collect();
    db.add_all(&mut rows).await?;
    let back = db
        .query::<AllTypes>()
        .order_by(|c| c.id.asc())
        .all()
        .await?;
    let back: Vec<String> = back
        .iter()
        .map(|r| r.decimal.normalize().to_string())
        .collect();
    assert_eq!(back, values);
    for d in values {
        let d: Decimal = d.parse().expect("a decimal");
        assert_eq!(
            db.query::<AllTypes>()
                .filter(|c| c.decimal.eq(d))
                .count()
                .await?,
            1,
            "{d}"
        );
    }
    Ok(())
}
