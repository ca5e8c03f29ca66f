//! String-backed Rust enums, stored as text: what `#[derive(om::Enum)]` implements.

use crate::error::DecodeError;

/// A fieldless enum stored as the text of its variant's name.
///
/// `#[derive(om::Enum)]` implements it, together with [`SqlType`](crate::SqlType), so
/// that the enum and an `Option` of it are model fields and filter values
/// (`c.status.eq(Status::Active)`, `c.status.is_in([..])`). The column is a
/// `VARCHAR` as long as the longest name (or the enum's `#[om(size = n)]`). A stored
/// text that names no variant is a [`DecodeError::Mismatch`] naming the enum.
pub trait StringEnum: Sized + 'static {
    /// The stored names, in declaration order.
    const NAMES: &'static [&'static str];
    /// The stored name of this variant.
    fn as_str(&self) -> &'static str;
    /// The variant stored as `name`, if any.
    fn from_name(name: &str) -> Option<Self>;
}

/// Decodes a stored name into `E`, or a decode error naming `E` and the text.
pub fn decode_name<E: StringEnum>(type_name: &'static str, name: &str) -> Result<E, DecodeError> {
    E::from_name(name).ok_or_else(|| DecodeError::Mismatch {
        expected: type_name,
        found: format!("the text {name:?}, which names none of its variants"),
    })
}
