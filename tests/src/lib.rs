//! Runs om-testkit's conformance suite on each backend: see `tests/*.rs`.
