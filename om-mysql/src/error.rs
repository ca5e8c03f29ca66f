//! sqlx errors → om errors, with MySQL's and MariaDB's error numbers.

use om_core::{Error, TableMeta};
use om_sqlx::Classified;

use sqlx::mysql::MySqlDatabaseError;

/// `ER_NO_SUCH_TABLE`: "Table 'db.t' doesn't exist".
const ER_NO_SUCH_TABLE: u16 = 1146;
/// `ER_BAD_TABLE_ERROR`: "Unknown table 'db.t'" (a `DROP TABLE` without `IF EXISTS`).
const ER_BAD_TABLE_ERROR: u16 = 1051;
/// `ER_DATA_TOO_LONG`: "Data too long for column 'c' at row 1" (in strict mode, which
/// every om connection is in).
const ER_DATA_TOO_LONG: u16 = 1406;

/// Maps an error of a statement on `table` (when it is about one).
///
/// Constraint errors keep their kind (1062 duplicate key → unique, 1451/1452 → foreign
/// key, 1048 → not null, 3819 or MariaDB's 4025 → check, 1406 → value too long); a
/// missing table is
/// [`Error::TableNotFound`]; any other database error keeps its MySQL error number.
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    om_sqlx::map_error(e, table, |db| {
        let number = db
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(MySqlDatabaseError::number);
        match number {
            Some(ER_DATA_TOO_LONG) => Classified::ValueTooLong,
            Some(ER_NO_SUCH_TABLE | ER_BAD_TABLE_ERROR) => {
                Classified::TableNotFound(missing_table(db.message()))
            }
            _ => Classified::Other(
                number
                    .map(|n| n.to_string())
                    .or_else(|| db.code().map(|c| c.into_owned())),
            ),
        }
    })
}

/// The table named in "Table 'db.t' doesn't exist", without its database.
fn missing_table(message: &str) -> String {
    let quoted = message.split('\'').nth(1).unwrap_or(message);
    quoted.rsplit('.').next().unwrap_or(quoted).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_table_name() {
        assert_eq!(
            missing_table("Table 'om_test_1.orm_test' doesn't exist"),
            "orm_test"
        );
        assert_eq!(missing_table("Unknown table 'db.t'"), "t");
    }
}
