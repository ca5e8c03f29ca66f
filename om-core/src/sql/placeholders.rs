//! Raw SQL's placeholders: om's portable `$1, $2, ...` rendered into the dialect's
//! own, and the count of placeholders checked against the values before anything runs.
//!
//! A small lexer finds the placeholders and leaves alone what is not one: string
//! literals (with `''` and, where the dialect has them, backslash escapes), quoted
//! identifiers (`"..."`, `` `...` ``, `[...]`), comments (`--`, `/* */`, MySQL's `#`),
//! PostgreSQL's dollar-quoted bodies (`$fn$ ... $fn$`) and its `?` JSON operators, and
//! casts (`::`). Each driver says how its dialect writes placeholders
//! ([`PlaceholderStyle`]); this module knows no dialect.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::value::Value;

/// How a dialect writes placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlaceholderStyle {
    /// `$1, $2, ...` (PostgreSQL); a `?` is an operator.
    Dollar,
    /// `?`, each bound in order (MySQL/MariaDB): `$n` is rendered as `?`, its value
    /// repeated where `$n` repeats.
    Question,
    /// `?`, `?NNN` (SQLite): `$n` is rendered as `?n`, which binds the n-th value.
    NumberedQuestion,
}

/// What a dialect's lexer must know besides its placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexing {
    /// How placeholders are written.
    pub style: PlaceholderStyle,
    /// Whether a backslash escapes the next character in a string literal (MySQL).
    pub backslash_escapes: bool,
    /// Whether `#` starts a comment, `--` needs a space after it to start one, and
    /// `/*! ... */` holds code rather than a comment (MySQL).
    pub mysql_comments: bool,
    /// Whether `$tag$ ... $tag$` quotes a body, `E'...'` strings take backslash
    /// escapes and block comments nest (PostgreSQL).
    pub postgres_quoting: bool,
    /// Whether `:name`, `@name` and `$name` are placeholders too, each distinct name
    /// taking the next value (SQLite).
    pub named_placeholders: bool,
}

/// A placeholder found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// om's `$n` (n from 1), at `start..end`.
    Numbered { n: usize, start: usize, end: usize },
    /// SQLite's own `?NNN`: the NNN-th value.
    Native(usize),
    /// SQLite's `:name`, `@name`, `$name`: the value after the highest so far, the
    /// first time the name appears.
    Named(u64),
    /// A plain `?`: the next value.
    Plain,
}

/// Raw SQL whose placeholders are the dialect's own and whose values match them.
#[derive(Debug)]
pub struct Prepared<'a> {
    /// The SQL to run.
    pub sql: Cow<'a, str>,
    /// The values, one per placeholder of the dialect (repeated where a `$n` repeats on
    /// a dialect that binds in order).
    pub values: Cow<'a, [Value]>,
}

/// Renders `sql` for a dialect: om's `$n` placeholders become the dialect's, and the
/// number of placeholders must match `values` (else [`Error::BindCount`], before the
/// statement runs). SQL in the dialect's own placeholders passes unchanged.
///
/// Mixing `$n` with `?` in one statement is refused: which value a `?` takes would be
/// ambiguous.
pub fn prepare<'a>(sql: &'a str, values: &'a [Value], lexing: Lexing) -> Result<Prepared<'a>> {
    let found = scan(sql, lexing);
    let numbered = found
        .iter()
        .filter_map(|f| match f {
            Found::Numbered { n, .. } => Some(*n),
            _ => None,
        })
        .max();
    if numbered.is_some() && found.iter().any(|f| !matches!(f, Found::Numbered { .. })) {
        return Err(Error::InvalidQuery {
            reason: "the statement mixes `$n` and `?` placeholders: use one kind".into(),
        });
    }
    // A plain `?` takes the value after the highest one used so far (SQLite's rule; on
    // MySQL every placeholder is a plain `?`).
    let mut native: usize = 0;
    let mut names = Vec::new();
    for f in &found {
        match f {
            Found::Native(n) => native = native.max(*n),
            Found::Plain => native = native.saturating_add(1),
            Found::Named(name) => {
                if !names.contains(name) {
                    names.push(*name);
                    native = native.saturating_add(1);
                }
            }
            Found::Numbered { .. } => {}
        }
    }
    let expected = numbered.unwrap_or(native);
    if expected != values.len() {
        return Err(Error::BindCount {
            placeholders: expected,
            values: values.len(),
        });
    }
    if numbered.is_none() || lexing.style == PlaceholderStyle::Dollar {
        return Ok(Prepared {
            sql: Cow::Borrowed(sql),
            values: Cow::Borrowed(values),
        });
    }
    let mut out = String::with_capacity(sql.len());
    let mut bound = Vec::new();
    let mut last = 0;
    for f in &found {
        if let Found::Numbered { n, start, end } = *f {
            out.push_str(&sql[last..start]);
            match lexing.style {
                PlaceholderStyle::Question => {
                    out.push('?');
                    bound.push(values[n - 1].clone());
                }
                _ => {
                    out.push('?');
                    out.push_str(&n.to_string());
                }
            }
            last = end;
        }
    }
    out.push_str(&sql[last..]);
    let values = if lexing.style == PlaceholderStyle::Question {
        Cow::Owned(bound)
    } else {
        Cow::Borrowed(values)
    };
    Ok(Prepared {
        sql: Cow::Owned(out),
        values,
    })
}

/// The placeholders of `sql`, in order.
fn scan(sql: &str, lexing: Lexing) -> Vec<Found> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' => {
                let backslash = lexing.backslash_escapes
                    || (lexing.postgres_quoting && escape_prefix(bytes, i));
                i = skip_quoted(bytes, i, b'\'', backslash)
            }
            b'"' => i = skip_quoted(bytes, i, b'"', lexing.backslash_escapes),
            b'`' => i = skip_quoted(bytes, i, b'`', false),
            b'[' if lexing.style == PlaceholderStyle::NumberedQuestion => {
                i = skip_quoted(bytes, i, b']', false)
            }
            b'-' if bytes.get(i + 1) == Some(&b'-')
                && (!lexing.mysql_comments
                    || bytes.get(i + 2).is_none_or(|b| b.is_ascii_whitespace())) =>
            {
                i = skip_line(bytes, i)
            }
            b'#' if lexing.mysql_comments => i = skip_line(bytes, i),
            b'/' if lexing.mysql_comments && bytes[i + 1..].starts_with(b"*!") => {
                // MySQL runs what such a comment holds: read on inside it.
                i += 3;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i, lexing.postgres_quoting)
            }
            b':' | b'@' | b'$'
                if lexing.named_placeholders
                    && (i == 0 || (!is_word(bytes[i - 1]) && bytes[i - 1] != b':'))
                    && bytes
                        .get(i + 1)
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                let len = bytes[i + 1..].iter().take_while(|b| is_word(**b)).count();
                let end = i + 1 + len;
                found.push(Found::Named(name_hash(&bytes[i + 1..end])));
                i = end;
            }
            b'$' => {
                let after_word = i > 0 && is_word(bytes[i - 1]);
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let end = i + 1 + digits;
                let word_follows = bytes.get(end).is_some_and(|b| is_word(*b));
                if !after_word && digits > 0 && !word_follows {
                    // Digits only: a placeholder (it cannot be the tag of a dollar quote,
                    // which does not start with a digit).
                    let n = sql[i + 1..end].parse::<usize>().unwrap_or(usize::MAX);
                    if n > 0 {
                        found.push(Found::Numbered { n, start: i, end });
                    }
                    i = end;
                } else if digits > 0 {
                    // `$1abc`: not a placeholder; read past the digits.
                    i = end;
                } else if !after_word
                    && lexing.postgres_quoting
                    && let Some(end) = skip_dollar_quote(bytes, i)
                {
                    i = end;
                } else {
                    i += 1;
                }
            }
            b'?' if lexing.style != PlaceholderStyle::Dollar => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if digits > 0 && lexing.style == PlaceholderStyle::NumberedQuestion {
                    let end = i + 1 + digits;
                    let n = sql[i + 1..end].parse::<usize>().unwrap_or(usize::MAX);
                    found.push(Found::Native(n));
                    i = end;
                } else {
                    found.push(Found::Plain);
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// A name's fingerprint, to tell distinct names apart without keeping them.
fn name_hash(name: &[u8]) -> u64 {
    // FNV-1a: stable, and enough for the few names of one statement.
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Whether the quote at `i` opens PostgreSQL's `E'...'` string, where backslashes
/// escape.
fn escape_prefix(bytes: &[u8], i: usize) -> bool {
    i > 0 && matches!(bytes[i - 1], b'E' | b'e') && (i < 2 || !is_word(bytes[i - 2]))
}

/// The index after the quoted text opened at `start` by `close`'s partner; a doubled
/// closing character is part of the text.
fn skip_quoted(bytes: &[u8], start: usize, close: u8, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if backslash && b == b'\\' {
            i += 2;
            continue;
        }
        if b == close {
            if bytes.get(i + 1) == Some(&close) && close != b']' {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1)
}

fn skip_block_comment(bytes: &[u8], start: usize, nested: bool) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' && (nested || depth == 0) {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The index after a dollar-quoted body opened at `start` (`$$` or `$tag$`), or `None`
/// when the `$` opens none.
fn skip_dollar_quote(bytes: &[u8], start: usize) -> Option<usize> {
    let tag_len = bytes[start + 1..]
        .iter()
        .take_while(|&&b| is_word(b))
        .count();
    let tag_end = start + 1 + tag_len;
    if bytes.get(tag_end) != Some(&b'$') {
        return None;
    }
    let tag = &bytes[start..=tag_end];
    let body = tag_end + 1;
    let close = bytes[body..].windows(tag.len()).position(|w| w == tag)?;
    Some(body + close + tag.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PG: Lexing = Lexing {
        style: PlaceholderStyle::Dollar,
        backslash_escapes: false,
        mysql_comments: false,
        postgres_quoting: true,
        named_placeholders: false,
    };
    const MYSQL: Lexing = Lexing {
        style: PlaceholderStyle::Question,
        backslash_escapes: true,
        mysql_comments: true,
        postgres_quoting: false,
        named_placeholders: false,
    };
    const SQLITE: Lexing = Lexing {
        style: PlaceholderStyle::NumberedQuestion,
        backslash_escapes: false,
        mysql_comments: false,
        postgres_quoting: false,
        named_placeholders: true,
    };

    fn vals(n: i64) -> Vec<Value> {
        (1..=n).map(Value::from).collect()
    }

    fn sql_of(sql: &str, n: i64, lexing: Lexing) -> String {
        let values = vals(n);
        prepare(sql, &values, lexing).unwrap().sql.into_owned()
    }

    #[test]
    fn dollar_placeholders_per_dialect() {
        let sql = "SELECT a FROM t WHERE a = $1 AND b = $2 OR c = $1";
        assert_eq!(sql_of(sql, 2, PG), sql);
        assert_eq!(
            sql_of(sql, 2, SQLITE),
            "SELECT a FROM t WHERE a = ?1 AND b = ?2 OR c = ?1"
        );
        let values = vals(2);
        let mysql = prepare(sql, &values, MYSQL).unwrap();
        assert_eq!(mysql.sql, "SELECT a FROM t WHERE a = ? AND b = ? OR c = ?");
        assert_eq!(
            mysql.values.as_ref(),
            &[Value::from(1_i64), Value::from(2_i64), Value::from(1_i64)]
        );
    }

    #[test]
    fn literals_identifiers_comments_and_casts_are_left_alone() {
        let sql = "SELECT '$1 ?', \"$2\", `?`, x::text, E'\\'$1', $$ $1 ? $$, $f$ $2 $f$ \
                   -- $1 ?\n /* $1 ? /* nested */ */ $1";
        assert_eq!(sql_of(sql, 1, PG), sql);
        let sqlite = sql_of("SELECT '$1 ?', \"$2\", x, -- $9\n $1", 1, SQLITE);
        assert_eq!(sqlite, "SELECT '$1 ?', \"$2\", x, -- $9\n ?1");
        let mysql = sql_of("SELECT 'it''s \\' $2', `a?`, # $3 ?\n $1", 1, MYSQL);
        assert_eq!(mysql, "SELECT 'it''s \\' $2', `a?`, # $3 ?\n ?");
    }

    #[test]
    fn postgres_json_question_marks_are_operators() {
        let sql = "SELECT data ? 'k', data ?| array['a'], data ?& array['b'] FROM t WHERE id = $1";
        assert_eq!(sql_of(sql, 1, PG), sql);
    }

    #[test]
    fn own_placeholders_keep_working() {
        assert_eq!(sql_of("SELECT ? + ?", 2, MYSQL), "SELECT ? + ?");
        assert_eq!(sql_of("SELECT ?, ?2, ?1", 2, SQLITE), "SELECT ?, ?2, ?1");
        assert_eq!(sql_of("SELECT ?2, ?", 3, SQLITE), "SELECT ?2, ?");
    }

    #[test]
    fn wrong_counts_are_refused() {
        for (sql, n, lexing) in [
            ("SELECT $1", 0, PG),
            ("SELECT $1", 2, PG),
            ("SELECT ?", 0, MYSQL),
            ("SELECT ? + ?", 1, MYSQL),
            ("SELECT $2", 1, SQLITE),
            ("SELECT 1", 1, SQLITE),
        ] {
            let values = vals(n);
            let err = prepare(sql, &values, lexing).unwrap_err();
            assert!(matches!(err, Error::BindCount { .. }), "{sql}: {err:?}");
        }
        let err = prepare("SELECT $1, ?", &vals(1), MYSQL).unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    }

    #[test]
    fn dialect_lexing_details() {
        // SQLite's named placeholders count, each distinct name once.
        let named = "INSERT INTO t(a, b) VALUES (:a, @b)";
        assert_eq!(sql_of(named, 2, SQLITE), named);
        assert_eq!(sql_of("SELECT :a, :a, $b", 2, SQLITE), "SELECT :a, :a, $b");
        // Block comments nest only on PostgreSQL.
        assert_eq!(
            sql_of("SELECT /* a /* b */ a FROM t WHERE id = $1", 1, MYSQL),
            "SELECT /* a /* b */ a FROM t WHERE id = ?"
        );
        assert_eq!(
            sql_of("SELECT /* a /* b */ */ $1", 1, PG),
            "SELECT /* a /* b */ */ $1"
        );
        // MySQL's `--` needs a space after it; `/*! */` holds code.
        let dash = "SELECT a--1 AS x FROM t WHERE id = ?";
        assert_eq!(sql_of(dash, 1, MYSQL), dash);
        assert_eq!(
            sql_of("SELECT /*!80000 ? */ 1", 1, MYSQL),
            "SELECT /*!80000 ? */ 1"
        );
        // E-strings are PostgreSQL's.
        assert_eq!(
            sql_of("SELECT e'\\' , $1 FROM t", 1, SQLITE),
            "SELECT e'\\' , ?1 FROM t"
        );
        // `$1abc` is not a placeholder.
        assert!(prepare("SELECT $1abc", &vals(1), MYSQL).is_err());
        // Huge numbers neither panic nor wrap.
        let err = prepare("SELECT ?18446744073709551615, ?", &vals(1), SQLITE).unwrap_err();
        assert!(matches!(err, Error::BindCount { .. }), "{err:?}");
    }

    #[test]
    fn words_ending_in_dollar_digits_are_not_placeholders() {
        assert_eq!(sql_of("SELECT a$1 FROM t", 0, PG), "SELECT a$1 FROM t");
    }
}
