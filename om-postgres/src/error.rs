//! sqlx errors → om errors, by PostgreSQL's SQLSTATE codes.

use om_core::{Error, ErrorKind, TableMeta};
use om_sqlx::Classified;
use sqlx::postgres::PgDatabaseError;

pub(crate) use om_sqlx::connect_error;

/// SQLSTATE of `relation "..." does not exist`.
const UNDEFINED_TABLE: &str = "42P01";
/// `undefined_column`: `column t.c does not exist`, `column "c" of relation "t" does not
/// exist`.
const UNDEFINED_COLUMN: &str = "42703";
/// SQLSTATE of `current transaction is aborted, commands ignored until end of
/// transaction block`.
const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
/// SQLSTATE of `value too long for type character varying(n)`.
const STRING_DATA_RIGHT_TRUNCATION: &str = "22001";

/// SQLSTATE of `could not serialize access due to ...`.
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE of `deadlock detected`.
const DEADLOCK_DETECTED: &str = "40P01";
/// SQLSTATE of `could not obtain lock` (`NOWAIT`, `lock_timeout`).
const LOCK_NOT_AVAILABLE: &str = "55P03";
/// SQLSTATE of `protocol_violation` (as for `bind message supplies 0 parameters, but
/// prepared statement requires 1`).
const PROTOCOL_VIOLATION: &str = "08P01";
/// SQLSTATEs of a server going away: `admin_shutdown` (`pg_terminate_backend`),
/// `crash_shutdown`, `cannot_connect_now`;
/// `idle_in_transaction_session_timeout` and `idle_session_timeout` (the server ended
/// the session) too.
const CONNECTION_ENDED: [&str; 5] = ["57P01", "57P02", "57P03", "57P05", "25P03"];

/// Maps an error of a statement on `table` (when it is about one).
///
/// Beyond sqlx's constraint kinds: 42P01 is [`Error::TableNotFound`], 42703
/// [`Error::ColumnNotFound`], 22001 a value too
/// long, 25P02 an aborted transaction, 40001 a serialization failure, 40P01 a deadlock,
/// 55P03 a lock not obtained (busy), class 08 (but 08P01, a protocol violation such as
/// a wrong number of bound values) and 57P01–57P03 a lost connection, and
/// the rest of class 22 (data exceptions: a NUL in text, a number out of range) a bad
/// value.
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    om_sqlx::map_error(e, table, |db, report| {
        let column = db
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(PgDatabaseError::column)
            .map(str::to_string);
        let report = report.with_column(column);
        let classified = match report.code().unwrap_or_default() {
            UNDEFINED_TABLE => Classified::TableNotFound(missing_relation(db.message())),
            UNDEFINED_COLUMN => match missing_column(db.message()) {
                Some((table, column)) => Classified::ColumnNotFound(table, column),
                None => Classified::Kind(ErrorKind::Other),
            },
            STRING_DATA_RIGHT_TRUNCATION => Classified::ValueTooLong,
            IN_FAILED_SQL_TRANSACTION => Classified::TransactionAborted,
            SERIALIZATION_FAILURE => Classified::Kind(ErrorKind::SerializationFailure),
            DEADLOCK_DETECTED => Classified::Kind(ErrorKind::Deadlock),
            LOCK_NOT_AVAILABLE => Classified::Busy,
            // 08P01 is also a statement's wrong number of bound values: the
            // connection is fine, the statement is wrong.
            PROTOCOL_VIOLATION => Classified::Kind(ErrorKind::Other),
            code if code.starts_with("08") || CONNECTION_ENDED.contains(&code) => {
                Classified::Kind(ErrorKind::Connection)
            }
            code if code.starts_with("22") => Classified::Kind(ErrorKind::Value),
            _ => Classified::Kind(ErrorKind::Other),
        };
        (classified, report)
    })
}

/// The relation named by `relation "name" does not exist`, if the message names one.
fn missing_relation(message: &str) -> Option<String> {
    message
        .strip_prefix("relation \"")
        .and_then(|rest| rest.split_once('"'))
        .map(|(name, _)| name.to_string())
}

/// The table (when named) and the column of `column t.c does not exist`,
/// `column "c" does not exist` or `column "c" of relation "t" does not exist`.
fn missing_column(message: &str) -> Option<(Option<String>, String)> {
    let rest = message.strip_prefix("column ")?;
    if let Some(quoted) = rest.strip_prefix('"') {
        let (column, rest) = quoted.split_once('"')?;
        let table = rest
            .strip_prefix(" of relation \"")
            .and_then(|r| r.split_once('"'))
            .map(|(t, _)| t.to_string());
        return Some((table, column.to_string()));
    }
    let (name, _) = rest.split_once(" does not exist")?;
    Some(match name.rsplit_once('.') {
        Some((table, column)) => (Some(table.to_string()), column.to_string()),
        None => (None, name.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_name_from_message() {
        let both = |t: &str, c: &str| Some((Some(t.to_string()), c.to_string()));
        assert_eq!(
            missing_column("column orm_test.extra does not exist"),
            both("orm_test", "extra")
        );
        assert_eq!(
            missing_column(r#"column "extra" of relation "orm_test" does not exist"#),
            both("orm_test", "extra")
        );
        assert_eq!(
            missing_column(r#"column "extra" does not exist"#),
            Some((None, "extra".to_string()))
        );
        assert_eq!(missing_column("something else"), None);
    }

    #[test]
    fn relation_name_from_message() {
        assert_eq!(
            missing_relation(r#"relation "orm_test" does not exist"#).as_deref(),
            Some("orm_test")
        );
        assert_eq!(missing_relation("something else"), None);
    }
}
