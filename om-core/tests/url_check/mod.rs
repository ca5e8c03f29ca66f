//! The checks of a URL text shared by the fuzz target (`fuzz/fuzz_targets/url_parse.rs`)
//! and the corpus replay (`url_corpus.rs`): everything om-core reads from a URL runs
//! without panicking, and no secret shows in what it prints.

use std::time::Duration;

use om_core::DatabaseUrl;
use om_core::options::ConnectOptions;

/// Everything om-core prints about `input`: `Display` and `Debug` of the parsed URL,
/// or of the error that refused it, and of every error its option readers return.
pub(crate) fn outputs(input: &str) -> Vec<String> {
    let parsed = match DatabaseUrl::parse(input) {
        Ok(parsed) => parsed,
        Err(err) => return vec![err.to_string(), format!("{err:?}")],
    };
    let mut out = vec![parsed.to_string(), format!("{parsed:?}"), parsed.redacted()];
    let mut errors = vec![
        parsed.pool_options().err(),
        ConnectOptions::from_url(&parsed).err(),
        parsed.username().err(),
        parsed.password().err(),
        parsed.require_host(&["host", "socket"]).err(),
        Some(parsed.invalid("a reason")),
    ];
    let _ = parsed.scheme();
    let _ = parsed.driver_options().count();
    for (key, value) in parsed.options() {
        for (zero, max) in [(true, Duration::MAX), (false, Duration::from_secs(1))] {
            errors.push(parsed.seconds(&key, &value, zero, max).err());
        }
    }
    for err in errors.into_iter().flatten() {
        out.extend([err.to_string(), format!("{err:?}")]);
    }
    out
}

/// The words of `s`: runs of anything but ASCII punctuation, white space and control
/// characters.
pub(crate) fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_ascii_punctuation() || c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Checks `input`: no panic, and no word of the password the URL standard reads in it
/// (as written or decoded) shows in any output, when that word appears only once in
/// the input (a word that is also the host, say, may show as the host).
pub(crate) fn check(input: &str) {
    let shown = outputs(input);
    let Ok(standard) = url::Url::parse(input) else {
        return;
    };
    let Some(password) = standard.password() else {
        return;
    };
    let decoded = percent_encoding::percent_decode_str(password)
        .decode_utf8_lossy()
        .into_owned();
    // The parser drops tabs and line breaks anywhere, joining the words around them.
    let joined = join(input);
    let input_words = words(&joined);
    let decoded_input = percent_encoding::percent_decode_str(&joined)
        .decode_utf8_lossy()
        .into_owned();
    let decoded_words = words(&decoded_input);
    // The parser percent-encodes what it must (`\0` becomes `%00`): the words of its
    // text count only when the input holds that text as given.
    let as_given = if joined.contains(password) {
        words(password)
    } else {
        Vec::new()
    };
    for word in as_given.into_iter().chain(words(&decoded)) {
        // Once in the input, as written and percent-decoded (`%40ss` holds `ss`).
        let once = |ws: &[&str]| ws.iter().filter(|w| **w == word).count() == 1;
        if !once(&input_words) || !once(&decoded_words) {
            continue;
        }
        // The outputs hold fixed words too (`invalid database URL`, `reason:`): the
        // word leaks if it shows more often than when the input holds another word of
        // the same shape in its place.
        let other: String = word
            .chars()
            .map(|_| if word.starts_with('Q') { 'Z' } else { 'Q' })
            .collect();
        let count = |shown: &[String]| {
            shown
                .iter()
                .map(|out| {
                    let out = join(&unescape(out));
                    words(&out).iter().filter(|w| **w == word).count()
                })
                .sum::<usize>()
        };
        let reference = outputs(&replace_word(input, word, &other));
        assert!(
            count(&shown) <= count(&reference),
            "{input:?}: the password's word {word:?} shows in {shown:?}"
        );
    }
}

/// `s` with the whole word `word` replaced by `other`.
fn replace_word(s: &str, word: &str, other: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut current = String::new();
    let is_word = |c: char| !(c.is_ascii_punctuation() || c.is_whitespace() || c.is_control());
    for c in s.chars().chain(std::iter::once('\0')) {
        if is_word(c) {
            current.push(c);
            continue;
        }
        out.push_str(if current == word { other } else { &current });
        current.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// `s` without the tabs and line breaks the URL parser drops.
fn join(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// `s` with `Debug`'s escapes (`\t`, `\0`, `\u{1}`, `\"`, ...) undone, so that they
/// add no words of their own.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(code.unwrap_or(' '));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Checks `input`, which holds `secrets` (unique marker words in a password or a
/// password option): none of them shows anywhere, even inside another word.
pub(crate) fn check_secrets(input: &str, secrets: &[&str]) {
    check(input);
    for out in outputs(input) {
        for secret in secrets {
            assert!(
                !out.contains(secret),
                "{input:?}: the secret {secret:?} shows in {out:?}"
            );
        }
    }
}
