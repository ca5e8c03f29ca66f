//! sqlx errors → om errors, with MySQL's and MariaDB's error numbers.

use om_core::{Error, ErrorKind, TableMeta};
use om_sqlx::Classified;

use sqlx::mysql::MySqlDatabaseError;

/// `ER_BAD_FIELD_ERROR`: "Unknown column 't.c' in 'field list'".
const ER_BAD_FIELD_ERROR: u16 = 1054;
/// `ER_NO_SUCH_TABLE`: "Table 'db.t' doesn't exist".
const ER_NO_SUCH_TABLE: u16 = 1146;
/// `ER_BAD_TABLE_ERROR`: "Unknown table 'db.t'" (a `DROP TABLE` without `IF EXISTS`).
const ER_BAD_TABLE_ERROR: u16 = 1051;
/// `ER_DATA_TOO_LONG`: "Data too long for column 'c' at row 1" (in strict mode, which
/// every om connection is in).
const ER_DATA_TOO_LONG: u16 = 1406;

/// `ER_LOCK_WAIT_TIMEOUT`: "Lock wait timeout exceeded; try restarting transaction".
const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;
/// `ER_LOCK_DEADLOCK`: "Deadlock found when trying to get lock; try restarting
/// transaction"; also Galera's certification failure ("WSREP detected deadlock/conflict").
const ER_LOCK_DEADLOCK: u16 = 1213;
/// Errors of a connection the server ended: `ER_SERVER_SHUTDOWN`, `ER_CONNECTION_KILLED`
/// (`KILL`), `ER_NET_READ_INTERRUPTED`, `ER_NET_WRITE_INTERRUPTED`, MySQL 8's
/// `ER_CLIENT_INTERACTION_TIMEOUT` (4031), and the client's "server has gone away" /
/// "lost connection".
const CONNECTION_ENDED: [u16; 7] = [1053, 1927, 1159, 1161, 2006, 2013, 4031];
/// Errors of a value that does not fit its column: out of range (1264), incorrect value
/// (1366, 1292), truncated (1265).
const BAD_VALUE: [u16; 4] = [1264, 1265, 1292, 1366];

/// Maps an error of a statement on `table` (when it is about one).
///
/// Constraint errors keep their kind (1062 duplicate key → unique, 1451/1452 → foreign
/// key, 1048 → not null, 3819 or MariaDB's 4025 → check, 1406 → value too long); a
/// missing table is [`Error::TableNotFound`], a missing column (1054)
/// [`Error::ColumnNotFound`]; 1213 is a deadlock (Galera's
/// certification failures included), 1205 a lock wait that timed out (busy), a killed
/// or shut-down connection a lost connection. The code of any database error is its
/// MySQL error number. A wrong number of bound values that reached the server is
/// [`Error::Driver`] (kind `Other`; the connection is closed, as it no longer answers).
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    if let sqlx::Error::Protocol(message) = &e
        && message.starts_with("prepared statement expected")
    {
        // Raw SQL's count is checked before it is sent (`Error::BindCount`); a count
        // the check could not see (MySQL's `/*! */` comments) lands here, after which
        // the connection does not answer: a driver error, so that it is closed.
        return Error::Driver(message.clone().into());
    }
    om_sqlx::map_error(e, table, |db, report| {
        let number = db
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(MySqlDatabaseError::number);
        let classified = match number {
            Some(ER_DATA_TOO_LONG) => Classified::ValueTooLong,
            Some(ER_NO_SUCH_TABLE | ER_BAD_TABLE_ERROR) => {
                Classified::TableNotFound(missing_table(db.message()))
            }
            Some(ER_BAD_FIELD_ERROR) => match missing_column(db.message()) {
                Some((table, column)) => Classified::ColumnNotFound(table, column),
                None => Classified::Kind(ErrorKind::Other),
            },
            Some(ER_LOCK_DEADLOCK) => Classified::Kind(ErrorKind::Deadlock),
            Some(ER_LOCK_WAIT_TIMEOUT) => Classified::Busy,
            Some(n) if CONNECTION_ENDED.contains(&n) => Classified::Kind(ErrorKind::Connection),
            Some(n) if BAD_VALUE.contains(&n) => Classified::Kind(ErrorKind::Value),
            _ => Classified::Kind(ErrorKind::Other),
        };
        let code = number
            .map(|n| n.to_string())
            .or_else(|| report.code().map(str::to_string));
        (classified, report.with_code(code))
    })
}

/// The table named in "Table 'db.t' doesn't exist" (or "Unknown table 'db.t'"),
/// without its database, if the message quotes one.
fn missing_table(message: &str) -> Option<String> {
    let quoted = message.split('\'').nth(1)?;
    quoted.rsplit('.').next().map(str::to_string)
}

/// The table (when the name is qualified) and the column of "Unknown column 't.c' in
/// 'field list'".
fn missing_column(message: &str) -> Option<(Option<String>, String)> {
    let quoted = message
        .strip_prefix("Unknown column ")?
        .split('\'')
        .nth(1)?;
    let mut parts = quoted.rsplit('.');
    let column = parts.next()?.to_string();
    Some((parts.next().map(str::to_string), column))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_name() {
        assert_eq!(
            missing_column("Unknown column 'orm_test.extra' in 'field list'"),
            Some((Some("orm_test".to_string()), "extra".to_string()))
        );
        assert_eq!(
            missing_column("Unknown column 'extra' in 'field list'"),
            Some((None, "extra".to_string()))
        );
        assert_eq!(missing_column("no quotes"), None);
    }

    #[test]
    fn missing_table_name() {
        assert_eq!(
            missing_table("Table 'om_test_1.orm_test' doesn't exist").as_deref(),
            Some("orm_test")
        );
        assert_eq!(missing_table("Unknown table 'db.t'").as_deref(), Some("t"));
        assert_eq!(missing_table("no quotes"), None);
    }
}
