//! [`FromRow`]: a Rust type read from a row by column name or position.

use crate::error::Result;
use crate::raw::RowRef;
use crate::value::Field;

/// A type read from one row: `#[derive(FromRow)]` on a struct reads each field from the
/// column of its name (or `#[om(column = "..")]`); a tuple of column types reads the
/// row's columns by position.
///
/// ```ignore
/// #[derive(FromRow)]
/// struct Person { id: i64, #[om(column = "full_name")] name: String, email: Option<String> }
///
/// let people: Vec<Person> = db.fetch_all_as("SELECT id, full_name, email FROM people", ()).await?;
/// let pairs: Vec<(i64, String)> = db.fetch_all_as("SELECT id, full_name FROM people", ()).await?;
/// let mapped = db.query::<User>().map(Person::from_row).all().await?;
/// ```
pub trait FromRow: Sized + Send {
    /// Reads the row; an unknown column or a value of another type is
    /// [`Error::Column`](crate::Error::Column).
    fn from_row(row: RowRef<'_>) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Field),+> FromRow for ($($t,)+) {
            fn from_row(row: RowRef<'_>) -> Result<Self> {
                Ok(($(row.get::<$t>($i)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
