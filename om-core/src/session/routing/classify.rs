//! Which statements a replica may run: reads, told from writes and from reads that
//! depend on the server they run on.

use crate::ir::{Built, Statement};

/// Whether a statement only reads, so that a replica may run it. Raw SQL is judged by
/// its first word; one that writes after all is refused by the read-only replica and
/// run again on the primary.
pub(crate) fn reads_only(stmt: &Statement) -> bool {
    match stmt {
        Statement::Select(_) => true,
        Statement::Built(b) => matches!(**b, Built::Select(_)),
        Statement::Raw { sql, .. } => {
            let word: String = sql
                .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .take(8)
                .collect();
            ["select", "with", "show", "values", "table"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
                && !touches_server_state(sql)
        }
        _ => false,
    }
}

/// Words of raw SQL whose result depends on the server it runs on, or that act on
/// it: the connection's id, sessions, locks, sequences, the last insert, the
/// primary's position. A read naming one goes to the primary. A column that happens to
/// bear such a name only sends its read to the primary too.
const SERVER_STATE: &[&str] = &[
    // PostgreSQL
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_backend_pid",
    "pg_stat_activity",
    "pg_advisory",
    "pg_try_advisory",
    "pg_notify",
    "pg_current_wal",
    "txid_current",
    "pg_current_xact_id",
    "set_config",
    "nextval",
    "setval",
    "currval",
    "lastval",
    " for update",
    " for share",
    " for no key update",
    " for key share",
    // MySQL, MariaDB
    "connection_id",
    "last_insert_id",
    "get_lock",
    "release_lock",
    "is_used_lock",
    "is_free_lock",
    "processlist",
    "found_rows",
    "row_count",
    "@@gtid",
    "lock in share mode",
    // SQLite
    "last_insert_rowid",
    "changes(",
];

fn touches_server_state(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    SERVER_STATE.iter().any(|word| lower.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(sql: &str) -> Statement {
        Statement::Raw {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    #[test]
    fn reads_are_told_from_writes() {
        for sql in [
            "SELECT 1",
            "  select * from t",
            "(SELECT 1) UNION (SELECT 2)",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "show tables",
            "VALUES (1)",
        ] {
            assert!(reads_only(&raw(sql)), "{sql}");
        }
        for sql in [
            "SELECT pg_terminate_backend(1)",
            "SELECT nextval('s')",
            "SELECT CONNECTION_ID()",
            "select * from t FOR UPDATE",
            "SELECT pid FROM pg_stat_activity",
            "INSERT INTO t VALUES (1)",
            "update t set a = 1",
            "DELETE FROM t",
            "CREATE TABLE t (a int)",
            "selectx",
            "SET x = 1",
            "",
        ] {
            assert!(!reads_only(&raw(sql)), "{sql}");
        }
    }
}
