//! Every Rust block of README.md, compiled: the README's examples cannot drift from
//! the API. `build.rs` writes them out (see `readme_snippets` there); a block that no
//! longer compiles fails this test target's build, naming its line in the README.

#![allow(
    unused,
    missing_docs,
    unreachable_pub,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used
)]

include!(concat!(env!("OUT_DIR"), "/readme_snippets.rs"));

#[test]
fn every_rust_block_of_the_readme_is_compiled() {
    let readme = include_str!("../../README.md");
    let fences = readme.lines().filter(|l| l.trim_end() == "```rust").count();
    assert_eq!(fences, BLOCKS, "each ```rust block becomes one module");
    assert!(BLOCKS >= 25, "the README has its examples");
}
