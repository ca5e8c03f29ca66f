//! Replays the fuzz corpus of the URL parser (`fuzz/corpus/url_parse/`) through the
//! fuzz target's checks, then a few thousand generated malformed URLs with known
//! secrets: `cargo test` exercises the property without nightly or cargo-fuzz.
#![allow(clippy::unwrap_used)]

mod url_check;

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn corpus_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/url_parse");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        // The fuzz target skips what is not UTF-8 too.
        if let Ok(input) = std::str::from_utf8(&bytes) {
            url_check::check(input);
            count += 1;
        }
    }
    assert!(count >= 10, "{count} corpus files in {}", dir.display());
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A marker word no fixed text holds: `QZ` and six letters of a rare set.
fn marker(rng: &mut Rng) -> String {
    let letters = b"JKQXZVW";
    let mut s = String::from("QZ");
    for _ in 0..6 {
        s.push(letters[rng.below(letters.len())] as char);
    }
    s
}

/// `word` with a few characters a password may hold unencoded put inside it; the
/// pieces of three letters or more are the secrets to look for.
fn mangle(rng: &mut Rng, word: &str, odd: &[&str]) -> (String, Vec<String>) {
    let mut chars: Vec<String> = word.chars().map(String::from).collect();
    for _ in 0..rng.below(4) {
        let at = rng.below(chars.len() + 1);
        chars.insert(at, rng.pick(odd).to_string());
    }
    let text: String = chars.concat();
    let secrets = url_check::words(&text)
        .into_iter()
        .filter(|w| w.len() >= 3)
        .map(String::from)
        .collect();
    (text, secrets)
}

#[test]
fn generated_urls_hide_their_secrets() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let started = Instant::now();
    let odd = [
        "@", "/", "?", "#", ":", "&", "=", "%", "%4", "%40", "[", "]", "\\", " ", "+", ";", "é",
    ];
    let odd_in_option = [
        "@", "/", "?", "#", ":", "=", "%", "[", "]", " ", "+", ";", "é",
    ];
    for _ in 0..5000 {
        let scheme = rng.pick(&[
            "postgres",
            "postgresql",
            "mysql",
            "mariadb",
            "sqlite",
            "PoStGrEs",
            "x-y",
        ]);
        let sep = rng.pick(&["://", ":/", ":", ":///", ":\\\\", "://\t"]);
        let user = rng.pick(&["u", "", "us%40er", "root", "a.b"]);
        let word = marker(&mut rng);
        let (password, mut secrets) = mangle(&mut rng, &word, &odd);
        let host = rng.pick(&[
            "h",
            "127.0.0.1",
            "[::1]",
            "",
            "h:1",
            "h:x",
            "h:99999",
            "[::1",
        ]);
        let path = rng.pick(&["/db", "", "/a/b", "/d@b", "/db#frag", "/%zz"]);
        let mut url = format!("{scheme}{sep}{user}:{password}@{host}{path}");
        for i in 0..rng.below(4) {
            let sep = if i == 0 { "?" } else { "&" };
            let option = match rng.below(4) {
                0 => {
                    let word = marker(&mut rng);
                    let (value, more) = mangle(&mut rng, &word, &odd_in_option);
                    secrets.extend(more);
                    let key =
                        rng.pick(&["password", "Password", "pass%77ord", "sslpassword", "PWD"]);
                    format!("{key}={value}")
                }
                _ => {
                    let key = rng.pick(&[
                        "acquire_timeout",
                        "busy_timeout",
                        "max_connections",
                        "min_connections",
                        "slow_statement_ms",
                        "sslmode",
                        "ssl",
                        "host",
                        "application_name",
                    ]);
                    let value = rng.pick(&[
                        "1e300",
                        "18446744073709551616",
                        "1e19",
                        "NaN",
                        "inf",
                        "-0",
                        "-1",
                        "0",
                        "2.5",
                        "4294967295",
                        "",
                        "require",
                        "a@b",
                        "%",
                        "%ff",
                    ]);
                    format!("{key}={value}")
                }
            };
            url.push_str(sep);
            url.push_str(&option);
        }
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        url_check::check_secrets(&url, &secrets);
        // Mutations that may break the URL's shape: only the panic-free property and
        // the standard reading's password are checked.
        let mut bytes = url.clone().into_bytes();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, b"@:/?#&=%[]\\\t\x00 "[rng.below(14)]),
                _ => bytes.insert(at, rng.below(256) as u8),
            }
        }
        url_check::check(&String::from_utf8_lossy(&bytes));
        if started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
}
