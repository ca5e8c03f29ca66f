//! sqlx errors → om errors, by PostgreSQL's SQLSTATE codes.

use om_core::{Error, TableMeta};
use om_sqlx::Classified;

pub(crate) use om_sqlx::connect_error;

/// SQLSTATE of `relation "..." does not exist`.
const UNDEFINED_TABLE: &str = "42P01";
/// SQLSTATE of `current transaction is aborted, commands ignored until end of
/// transaction block`.
const IN_FAILED_SQL_TRANSACTION: &str = "25P02";
/// SQLSTATE of `value too long for type character varying(n)`.
const STRING_DATA_RIGHT_TRUNCATION: &str = "22001";

/// Maps an error of a statement on `table` (when it is about one).
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    om_sqlx::map_error(e, table, |db| {
        let code = db.code().map(|c| c.into_owned());
        match code.as_deref() {
            Some(UNDEFINED_TABLE) => Classified::TableNotFound(missing_relation(db.message())),
            Some(STRING_DATA_RIGHT_TRUNCATION) => Classified::ValueTooLong,
            Some(IN_FAILED_SQL_TRANSACTION) => Classified::TransactionAborted,
            _ => Classified::Other(code),
        }
    })
}

/// The relation named by `relation "name" does not exist`, or the whole message.
fn missing_relation(message: &str) -> String {
    message
        .strip_prefix("relation \"")
        .and_then(|rest| rest.split_once('"'))
        .map_or_else(|| message.to_string(), |(name, _)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_name_from_message() {
        assert_eq!(
            missing_relation(r#"relation "orm_test" does not exist"#),
            "orm_test"
        );
        assert_eq!(missing_relation("something else"), "something else");
    }
}
