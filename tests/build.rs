//! Marks which server suites can run: `om_test_postgres` / `om_test_mysql` when their
//! URL is set, `om_require_all` when `OM_TEST_REQUIRE_ALL=1` (then an unset URL fails
//! the suite instead of ignoring it), `om_test_replica_scripts` when
//! `OM_TEST_REPLICA_SCRIPTS` names the folder of `pg-replica.sh` (the failover test
//! stops and starts that replica).

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
}
