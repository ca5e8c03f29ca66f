//! The conformance suite on MySQL / MariaDB, at `OM_TEST_MYSQL_URL`.

om_testkit::suite!(
    om_testkit::Backend::Mysql,
    #[cfg_attr(
        not(any(om_test_mysql, om_require_all)),
        ignore = "OM_TEST_MYSQL_URL is not set: the MySQL suite needs a server"
    )]
);
