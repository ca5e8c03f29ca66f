//! The one place that maps URL schemes to drivers.

use std::sync::RwLock;

use crate::driver::Driver;
use crate::error::{Error, Result};

/// Drivers linked into the program. A driver crate adds itself with
/// `#[linkme::distributed_slice(om_core::driver::DRIVERS)]`.
#[linkme::distributed_slice]
pub static DRIVERS: [&'static dyn Driver];

static REGISTERED: RwLock<Vec<&'static dyn Driver>> = RwLock::new(Vec::new());

/// The backends om ships, whether or not their feature is on: scheme → (backend, feature).
const BUILT_IN: &[(&str, &str, &str)] = &[
    ("sqlite", "sqlite", "sqlite"),
    ("postgres", "postgres", "postgres"),
    ("postgresql", "postgres", "postgres"),
    ("mysql", "mysql", "mysql"),
    ("mariadb", "mysql", "mysql"),
];

/// Registers a driver at run time; it takes precedence over linked drivers for its schemes.
pub fn register(driver: &'static dyn Driver) {
    let mut registered = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    registered.push(driver);
}

fn all() -> Vec<&'static dyn Driver> {
    let registered = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    registered
        .iter()
        .rev()
        .copied()
        .chain(DRIVERS.iter().copied())
        .collect()
}

/// The migration dialects of the drivers linked in or registered, one per backend name
/// (a registered driver first).
pub fn schema_dialects() -> Vec<&'static dyn crate::schema::SchemaDialect> {
    let mut out: Vec<&'static dyn crate::schema::SchemaDialect> = Vec::new();
    for d in all() {
        if let Some(dialect) = d.schema_dialect()
            && !out.iter().any(|o| o.name() == dialect.name())
        {
            out.push(dialect);
        }
    }
    out
}

/// The driver for `scheme`, or the error telling the user what to do.
pub fn lookup(scheme: &str) -> Result<&'static dyn Driver> {
    let drivers = all();
    if let Some(d) = drivers.iter().find(|d| d.schemes().contains(&scheme)) {
        return Ok(*d);
    }
    if let Some((_, backend, feature)) = BUILT_IN.iter().find(|(s, _, _)| *s == scheme) {
        return Err(Error::BackendNotEnabled {
            scheme: scheme.to_string(),
            backend,
            feature,
        });
    }
    let mut known: Vec<&'static str> = BUILT_IN.iter().map(|(s, _, _)| *s).collect();
    for d in &drivers {
        known.extend(d.schemes().iter().copied());
    }
    known.sort_unstable();
    known.dedup();
    Err(Error::UnknownScheme {
        scheme: scheme.to_string(),
        known,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // om-core links no driver: every built-in scheme is "not enabled".
    #[test]
    fn built_in_scheme_without_its_driver_names_the_feature() {
        for (scheme, feature) in [
            ("postgres", "postgres"),
            ("postgresql", "postgres"),
            ("mysql", "mysql"),
            ("mariadb", "mysql"),
            ("sqlite", "sqlite"),
        ] {
            let err = lookup(scheme)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains(&format!("enable the cargo feature `{feature}` of om")),
                "{scheme}: {err}"
            );
        }
    }

    #[test]
    fn unknown_scheme_lists_the_known_ones() {
        match lookup("oracle") {
            Err(Error::UnknownScheme { scheme, known }) => {
                assert_eq!(scheme, "oracle");
                assert_eq!(
                    known,
                    ["mariadb", "mysql", "postgres", "postgresql", "sqlite"]
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
