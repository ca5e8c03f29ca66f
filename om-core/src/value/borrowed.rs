//! Values borrowed from the objects being written, so that a batch binds text and
//! bytes where they are rather than copying them into owned [`Value`]s first.

use std::fmt;

use super::Value;

/// One value of a row being written, borrowed from its field where that saves a copy.
///
/// Text and bytes are borrowed; every other value (and NULL) is owned, as
/// [`Field::to_value`](super::Field::to_value) makes it. A driver binds it as it would
/// bind [`into_owned`](Self::into_owned)'s value: the same SQL type, the same bytes.
#[derive(Clone, PartialEq)]
pub enum ValueRef<'a> {
    /// A text value (never NULL).
    Text(&'a str),
    /// A bytes value (never NULL).
    Bytes(&'a [u8]),
    /// Any other value, owned.
    Owned(Value),
}

impl ValueRef<'_> {
    /// The owned value.
    pub fn into_owned(self) -> Value {
        match self {
            ValueRef::Text(s) => Value::String(Some(s.to_owned())),
            ValueRef::Bytes(b) => Value::Bytes(Some(b.to_vec())),
            ValueRef::Owned(v) => v,
        }
    }

    /// Whether this is SQL NULL (text and bytes never are).
    pub fn is_null(&self) -> bool {
        match self {
            ValueRef::Owned(v) => crate::value::is_null(v),
            ValueRef::Text(_) | ValueRef::Bytes(_) => false,
        }
    }

    /// Whether this is the same value as `value` (what [`into_owned`](Self::into_owned)
    /// would give), without copying it.
    pub fn same_as(&self, value: &Value) -> bool {
        match (self, value) {
            (ValueRef::Text(s), Value::String(Some(v))) => *s == v.as_str(),
            (ValueRef::Bytes(b), Value::Bytes(Some(v))) => *b == v.as_slice(),
            (ValueRef::Owned(own), v) => own == v,
            _ => false,
        }
    }
}

/// Shown as the owned value is, so that a statement's logged values read the same
/// whichever way they were bound.
impl fmt::Debug for ValueRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRef::Text(s) => f.debug_tuple("String").field(&Some(s)).finish(),
            ValueRef::Bytes(b) => f.debug_tuple("Bytes").field(&Some(b)).finish(),
            ValueRef::Owned(v) => v.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_borrowed_value_is_shown_and_compared_as_its_owned_value() {
        let cases = [
            ValueRef::Text("ann"),
            ValueRef::Bytes(&[1, 2]),
            ValueRef::Owned(Value::BigInt(Some(7))),
            ValueRef::Owned(Value::String(None)),
        ];
        for value in cases {
            let owned = value.clone().into_owned();
            assert!(value.same_as(&owned), "{value:?}");
            assert_eq!(format!("{value:?}"), format!("{owned:?}"));
        }
        assert!(!ValueRef::Text("ann").same_as(&Value::String(Some("bob".into()))));
        assert!(!ValueRef::Text("1").same_as(&Value::BigInt(Some(1))));
    }
}
