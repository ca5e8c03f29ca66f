//! The conformance suite on PostgreSQL, at `OM_TEST_POSTGRES_URL`.

om_testkit::suite!(
    om_testkit::Backend::Postgres,
    #[cfg_attr(
        not(any(om_test_postgres, om_require_all)),
        ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL suite needs a server"
    )]
);
