//! The conformance suite on SQLite, in memory.

om_testkit::suite!(om_testkit::Backend::Sqlite);
