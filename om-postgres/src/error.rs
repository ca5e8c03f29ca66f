//! sqlx errors → om errors, by PostgreSQL's SQLSTATE codes.

use om_core::{DatabaseUrl, Error, ErrorKind, TableMeta};

/// SQLSTATE of `relation "..." does not exist`.
const UNDEFINED_TABLE: &str = "42P01";
/// SQLSTATE of `value too long for type character varying(n)`.
const STRING_DATA_RIGHT_TRUNCATION: &str = "22001";

/// Maps an error of a statement on `table` (when it is about one).
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    match e {
        sqlx::Error::Database(db) => {
            let message = db.message().to_string();
            let kind = match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Some(ErrorKind::UniqueViolation),
                sqlx::error::ErrorKind::ForeignKeyViolation => Some(ErrorKind::ForeignKeyViolation),
                sqlx::error::ErrorKind::NotNullViolation => Some(ErrorKind::NotNullViolation),
                sqlx::error::ErrorKind::CheckViolation => Some(ErrorKind::CheckViolation),
                _ => None,
            };
            if let Some(kind) = kind {
                return Error::Constraint { kind, message };
            }
            let code = db.code().map(|c| c.into_owned());
            match code.as_deref() {
                Some(UNDEFINED_TABLE) => Error::TableNotFound {
                    table: table.map_or_else(|| missing_relation(&message), |t| t.name.to_string()),
                    message,
                },
                Some(STRING_DATA_RIGHT_TRUNCATION) => Error::Constraint {
                    kind: ErrorKind::ValueTooLong,
                    message,
                },
                _ => Error::Database { code, message },
            }
        }
        sqlx::Error::PoolTimedOut => Error::PoolTimedOut,
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Error::Closed,
        other => Error::Driver(Box::new(other)),
    }
}

/// The relation named by `relation "name" does not exist`, or the whole message.
fn missing_relation(message: &str) -> String {
    message
        .strip_prefix("relation \"")
        .and_then(|rest| rest.split_once('"'))
        .map_or_else(|| message.to_string(), |(name, _)| name.to_string())
}

/// Maps an error of opening the pool. The URL in it is redacted; sqlx's own errors
/// never carry the password.
pub(crate) fn connect_error(url: &DatabaseUrl, e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Configuration(reason) => url.invalid(reason.to_string()),
        other => Error::Connection {
            url: url.redacted(),
            source: Box::new(other),
        },
    }
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
