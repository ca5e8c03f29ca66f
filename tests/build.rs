//! Marks which server suites can run: `om_test_postgres` / `om_test_mysql` when their
//! URL is set, `om_require_all` when `OM_TEST_REQUIRE_ALL=1` (then an unset URL fails
//! the suite instead of ignoring it), `om_test_replica_scripts` when
//! `OM_TEST_REPLICA_SCRIPTS` names the folder of `pg-replica.sh` (the failover test
//! stops and starts that replica). And turns every Rust block of the README into
//! code that `tests/readme.rs` compiles.

// A build script reports its failures by panicking: a README it cannot read or a block
// it cannot place stops the build with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

fn main() {
    for (var, flag) in [
        ("OM_TEST_POSTGRES_URL", "om_test_postgres"),
        ("OM_TEST_MYSQL_URL", "om_test_mysql"),
        ("OM_TEST_REPLICA_SCRIPTS", "om_test_replica_scripts"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        println!("cargo::rustc-check-cfg=cfg({flag})");
        if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
            println!("cargo::rustc-cfg={flag}");
        }
    }
    println!("cargo::rerun-if-env-changed=OM_TEST_REQUIRE_ALL");
    println!("cargo::rustc-check-cfg=cfg(om_require_all)");
    if std::env::var("OM_TEST_REQUIRE_ALL").as_deref() == Ok("1") {
        println!("cargo::rustc-cfg=om_require_all");
    }
    readme_snippets();
}

/// The first line of the block that declares the models every other example uses.
const MODELS_MARK: &str = "// The models of the examples.";

/// Writes `$OUT_DIR/readme_snippets.rs`: the block of the models as module `models`, and
/// every other Rust block of the README as a module of its own, `block_<line>`:
/// - a block with `fn main` as it is (it must be whole);
/// - a block that declares models (`#[derive(Model` or `ColumnSet`) as the body of an
///   async function, with the prelude only (it must be whole but for its statements'
///   variables);
/// - any other block as the body of an async function that has the shared models and
///   the variables the README names (`db`, `tx`, `user`, `users`, `post`, `bookmark`,
///   `id`, `sql`, `text`) in scope.
fn readme_snippets() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    println!("cargo::rerun-if-changed={path}");
    let readme = std::fs::read_to_string(path).expect("README.md next to tests/");
    let mut blocks: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```rust" => current = Some((n + 2, String::new())),
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some((_, code)) => {
                code.push_str(line);
                code.push('\n');
            }
            None => {}
        }
    }
    assert!(
        current.is_none(),
        "README.md: a ```rust block is not closed"
    );

    let mut out = String::new();
    let mut models = 0;
    for (line, code) in &blocks {
        if code.starts_with(MODELS_MARK) {
            models += 1;
            write!(
                out,
                "/// README.md, line {line}.\npub mod models {{\n{code}}}\n\n"
            )
            .unwrap();
        } else if code.contains("fn main(") {
            write!(
                out,
                "/// README.md, line {line}.\nmod block_{line} {{\n{code}}}\n\n"
            )
            .unwrap();
        } else {
            let standalone = code.contains("#[derive(Model") || code.contains("#[derive(ColumnSet");
            let shared = if standalone {
                ""
            } else {
                "    use super::models::*;\n"
            };
            write!(
                out,
                "/// README.md, line {line}.\nmod block_{line} {{\n{shared}    use om::prelude::*;\n\n    \
                 #[allow(clippy::too_many_arguments)]\n    \
                 pub(crate) async fn snippet(\n        db: Database,\n        tx: Transaction<'static>,\n        \
                 mut user: {u},\n        mut users: Vec<{u}>,\n        mut post: {p},\n        \
                 bookmark: {b},\n        id: i64,\n        sql: &str,\n        text: &str,\n    \
                 ) -> Result<(), Box<dyn std::error::Error>> {{\n{code}\n        Ok(())\n    }}\n}}\n\n",
                u = if standalone { "()" } else { "User" },
                p = if standalone { "()" } else { "Post" },
                b = if standalone { "()" } else { "Bookmark" },
            )
            .unwrap();
        }
    }
    assert_eq!(
        models, 1,
        "README.md: one block must start with `{MODELS_MARK}`"
    );
    write!(
        out,
        "/// How many Rust blocks the README has.\npub const BLOCKS: usize = {};\n",
        blocks.len()
    )
    .unwrap();
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("readme_snippets.rs");
    std::fs::write(dest, out).unwrap();
}
