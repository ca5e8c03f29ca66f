//! Hiding secrets in a URL's text, parsed or not, and in what is said about it.
//!
//! A URL may be malformed in a way that moves part of its password elsewhere: an
//! unencoded `#`, `?` or `/` in a password ends the authority early, and what follows
//! becomes a fragment, a query or a path. So redaction works on the text as given, not
//! on what a parser made of it, and errs towards hiding too much:
//!
//! - after the scheme (and its slashes, one, two or none), everything from the first
//!   `:` to the **last** `@` of the whole text is a password;
//! - the value of every option whose name looks secret (`password`, `pwd`, ...) runs
//!   to the next `&`, whatever it holds (`?`, `#`, `@`, ...);
//! - both are found on the original text and hidden together, so that one cannot
//!   shift the other.
//!
//! An error's reason may quote a piece of the URL (an unknown option, a database name):
//! [`scrub`] hides every word of the hidden spans that it finds there.

use std::ops::Range;

/// What a hidden span becomes.
pub(super) const MASK: &str = "***";

/// `text` with its secrets replaced by `***`.
pub(super) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in secret_spans(text) {
        out.push_str(&text[at..span.start]);
        out.push_str(MASK);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `reason` (something said about the URL `text`) with every word of `text`'s secrets
/// replaced by `***`: where it is a whole word of `reason` (a parser splits a text at
/// punctuation, never inside a word), and a long one (eight characters or more) also
/// inside a longer word.
pub(super) fn scrub(reason: &str, text: &str) -> String {
    let words = secret_words(text);
    if words.is_empty() {
        return reason.to_string();
    }
    let mut out = String::with_capacity(reason.len());
    for (is_word, piece) in pieces(reason) {
        let hide = is_word
            && words
                .iter()
                .any(|w| piece == w || (w.chars().count() >= 8 && piece.contains(w.as_str())));
        out.push_str(if hide { MASK } else { piece });
    }
    out
}

/// The words of `text`'s secrets, as written and percent-decoded.
pub(super) fn secret_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for span in secret_spans(text) {
        let raw = &text[span];
        let decoded = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        for source in [raw, decoded.as_str()] {
            for (is_word, piece) in pieces(source) {
                if is_word && !words.iter().any(|w| w == piece) {
                    words.push(piece.to_string());
                }
            }
        }
    }
    words
}

/// Whether `c` is part of a word: anything but ASCII punctuation, white space and
/// control characters (which a parser may split a text at).
fn is_word_char(c: char) -> bool {
    !(c.is_ascii_punctuation() || c.is_whitespace() || c.is_control())
}

/// `s` cut into alternating words and separators, each flagged.
fn pieces(s: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let word = is_word_char(first);
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_word_char(c) != word)
            .map_or(rest.len(), |(i, _)| i);
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some((word, piece))
    })
}

/// The byte ranges of `text` to hide, sorted and disjoint.
pub(super) fn secret_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let start = authority_start(text);
    if let Some(at) = text[start..].rfind('@').map(|i| start + i)
        && let Some(colon) = text[start..at].find(':').map(|i| start + i)
        && colon + 1 < at
    {
        spans.push(colon + 1..at);
    }
    for (eq, _) in text.match_indices('=') {
        let key_start = text[..eq]
            .rfind(|c: char| "?&;#/@:".contains(c) || c.is_whitespace())
            .map_or(0, |i| i + 1);
        if is_secret_option(&text[key_start..eq]) {
            let end = text[eq + 1..].find('&').map_or(text.len(), |i| eq + 1 + i);
            if eq + 1 < end {
                spans.push(eq + 1..end);
            }
        }
    }
    spans.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// Where the authority would start: after `scheme:` and any slashes when the text
/// opens with a scheme, else at the start.
fn authority_start(text: &str) -> usize {
    let Some(colon) = text.find(':') else {
        return 0;
    };
    let scheme = &text[..colon];
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return 0;
    }
    let rest = &text[colon + 1..];
    colon + 1 + (rest.len() - rest.trim_start_matches(['/', '\\']).len())
}

/// Whether an option of this name holds a secret, whatever its case, its
/// percent-encoding or the punctuation in it (`password`, `sslpassword`, `PWD`,
/// `pass%77ord`, `db_pass`, `secret`, `token`, ...).
pub(super) fn is_secret_option(key: &str) -> bool {
    let key: String = percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    ["pass", "pwd", "secret", "token"]
        .iter()
        .any(|s| key.contains(s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_runs_to_the_last_at() {
        for (url, shown) in [
            ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
            ("postgres://u:p@ss?word@h:1/db", "postgres://u:***@h:1/db"),
            ("postgres://u:#secret@h/db", "postgres://u:***@h/db"),
            ("mysql://u:?secret@h/db", "mysql://u:***@h/db"),
            (
                "postgres:/u:secret@10.9.9.9/db",
                "postgres:/u:***@10.9.9.9/db",
            ),
            (
                "mysql:///root:secret@h/db/extra",
                "mysql:///root:***@h/db/extra",
            ),
            ("postgres://:secret@h", "postgres://:***@h"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("sqlite::memory:", "sqlite::memory:"),
            ("sqlite://a@b.db", "sqlite://a@b.db"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
    }

    #[test]
    fn secret_options_run_to_the_next_ampersand() {
        assert_eq!(
            redact("postgres://h/db?x=1&Password=se@cr?et#x&y=2"),
            "postgres://h/db?x=1&Password=***&y=2"
        );
        // The userinfo span and the option's value overlap: both are hidden.
        assert_eq!(
            redact("postgres://u@h:x/db?x=1&Password=se@cret"),
            "postgres://u@h:***"
        );
        assert_eq!(redact("?pass%77ord=x"), "?pass%77ord=***");
    }

    #[test]
    fn reasons_lose_the_words_of_secrets() {
        let url = "postgres://u:p@ss?word@h:1/db";
        assert_eq!(
            scrub("unknown option `word@h:1/db`", url),
            "unknown option `***@h:1/db`"
        );
        assert_eq!(
            scrub("nothing secret", "postgres://u@h/db"),
            "nothing secret"
        );
        let url = "mysql://u:p%41ss@h/db";
        assert_eq!(scrub("got pAss and p%41ss", url), "got *** and ***%***");
    }
}
