//! Fuzzes om-core's URL handling: `DatabaseUrl::parse`, the option readers, `Display`,
//! `Debug` and redaction never panic, and no word of the password shows in them.
//! `om-core/tests/url_corpus.rs` replays the corpus through the same checks.
#![no_main]

#[path = "../../om-core/tests/url_check/mod.rs"]
#[allow(dead_code)] // `check_secrets` serves the replay test only
mod url_check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(input) = std::str::from_utf8(data) {
        url_check::check(input);
    }
});
