//! Replication positions and the [`ReadToken`] that carries one between handles and
//! processes.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// A point in a primary's replication stream, in a form every backend maps to: for each
/// replication domain (PostgreSQL has one, its WAL; MariaDB one per GTID domain), the
/// sequence number reached in it. A replica has replayed a position when it has reached
/// at least its number in every one of its domains.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Position {
    /// `(domain, sequence)` pairs, sorted by domain, one per domain.
    domains: Vec<(u32, u64)>,
}

impl Position {
    /// The position of one domain's sequence number (PostgreSQL: an LSN as a number).
    pub fn single(sequence: u64) -> Self {
        Position {
            domains: vec![(0, sequence)],
        }
    }

    /// The position of several domains (MariaDB: a GTID list's domains and sequence
    /// numbers). A domain given twice keeps its highest number.
    pub fn from_domains(pairs: impl IntoIterator<Item = (u32, u64)>) -> Self {
        let mut p = Position::default();
        for (domain, seq) in pairs {
            p.raise(domain, seq);
        }
        p
    }

    /// The `(domain, sequence)` pairs, sorted by domain.
    pub fn domains(&self) -> &[(u32, u64)] {
        &self.domains
    }

    /// Whether this position (a replica's) has reached `needed` in every domain.
    pub fn reaches(&self, needed: &Position) -> bool {
        needed.domains.iter().all(|&(domain, seq)| {
            self.domains
                .binary_search_by_key(&domain, |&(d, _)| d)
                .is_ok_and(|i| self.domains[i].1 >= seq)
        })
    }

    /// Raises this position to `other` where `other` is further, domain by domain.
    pub fn merge(&mut self, other: &Position) {
        for &(domain, seq) in &other.domains {
            self.raise(domain, seq);
        }
    }

    fn raise(&mut self, domain: u32, seq: u64) {
        match self.domains.binary_search_by_key(&domain, |&(d, _)| d) {
            Ok(i) => self.domains[i].1 = self.domains[i].1.max(seq),
            Err(i) => self.domains.insert(i, (domain, seq)),
        }
    }
}

/// What a read must see: a write's replication position on the primary (where the
/// backend has positions) and the time it was made (for the time window of backends
/// that have none). Give it to [`Database::read_after`](crate::Database::read_after) and
/// that handle's reads see the write, whichever process made it.
///
/// It travels as text (`Display` / `FromStr`), safe in a cookie or a URL:
/// `om1.<unix ms>.<domain>-<seq>_<domain>-<seq>`.
///
/// ```
/// # use om_core::ReadToken;
/// let token: ReadToken = "om1.1700000000000.0-23600544".parse()?;
/// assert_eq!(token.to_string().parse::<ReadToken>()?, token);
/// # Ok::<(), om_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ReadToken {
    pub(crate) position: Position,
    /// Milliseconds since the Unix epoch at the write; 0 for none.
    pub(crate) written_at_ms: u64,
}

impl ReadToken {
    /// A token for `position`, written now.
    pub fn new(position: Position) -> Self {
        ReadToken {
            position,
            written_at_ms: now_ms(),
        }
    }

    /// The replication position the read must see (empty on backends without one).
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// When the write was made.
    pub fn written_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.written_at_ms)
    }

    /// Raises this token to also cover `other`.
    pub fn merge(&mut self, other: &ReadToken) {
        self.position.merge(&other.position);
        self.written_at_ms = self.written_at_ms.max(other.written_at_ms);
    }

    /// Whether a read made now is still inside `window` after the write.
    pub(crate) fn within(&self, window: Duration) -> bool {
        self.written_at_ms > 0
            && now_ms() < self.written_at_ms.saturating_add(window.as_millis() as u64)
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl fmt::Display for ReadToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "om1.{}.", self.written_at_ms)?;
        for (i, (domain, seq)) in self.position.domains.iter().enumerate() {
            if i > 0 {
                f.write_str("_")?;
            }
            write!(f, "{domain}-{seq}")?;
        }
        Ok(())
    }
}

impl FromStr for ReadToken {
    type Err = Error;

    /// Reads a token written by `Display`; anything else is
    /// [`Error::InvalidValue`].
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidValue {
            table: "",
            column: "read token",
            reason: format!("`{s}` is not a read token (om1.<ms>.<domain>-<seq>_...)"),
        };
        let rest = s.strip_prefix("om1.").ok_or_else(bad)?;
        let (ms, positions) = rest.split_once('.').ok_or_else(bad)?;
        let written_at_ms = ms.parse().map_err(|_| bad())?;
        let mut pairs = Vec::new();
        for pair in positions.split('_').filter(|p| !p.is_empty()) {
            let (domain, seq) = pair.split_once('-').ok_or_else(bad)?;
            pairs.push((
                domain.parse().map_err(|_| bad())?,
                seq.parse().map_err(|_| bad())?,
            ));
        }
        Ok(ReadToken {
            position: Position::from_domains(pairs),
            written_at_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_domain_by_domain() {
        let replica = Position::from_domains([(0, 10), (1, 5)]);
        assert!(replica.reaches(&Position::from_domains([(0, 10)])));
        assert!(replica.reaches(&Position::default()));
        assert!(!replica.reaches(&Position::from_domains([(0, 11)])));
        assert!(!replica.reaches(&Position::from_domains([(2, 1)])));
        let mut p = Position::from_domains([(1, 7)]);
        p.merge(&replica);
        assert_eq!(p.domains(), [(0, 10), (1, 7)]);
    }

    #[test]
    fn tokens_round_trip_as_text() {
        let t = ReadToken {
            position: Position::from_domains([(3, 9), (0, 23600544)]),
            written_at_ms: 1_700_000_000_000,
        };
        let s = t.to_string();
        assert_eq!(s, "om1.1700000000000.0-23600544_3-9");
        assert_eq!(s.parse::<ReadToken>().unwrap(), t);
        assert_eq!("om1.5.".parse::<ReadToken>().unwrap().written_at_ms, 5);
        for bad in ["", "om2.1.0-1", "om1.x.0-1", "om1.1.0:1", "om1.1.a-1"] {
            assert!(bad.parse::<ReadToken>().is_err(), "{bad}");
        }
    }
}
