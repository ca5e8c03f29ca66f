//! [`FromRow`]: a Rust type read from a row by column name or position.

use crate::error::Result;
use crate::raw::RowRef;
use crate::value::Field;

/// A type read from one row: `#[derive(FromRow)]` on a struct reads each field from the
/// column of its name (or `#[om(column = "..")]`); a tuple of column types reads the
/// row's columns by position.
///
/// ```
/// # use om::prelude::*;
/// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
/// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String, #[om(size = 100)] pub email: String }
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
/// # let db = Database::connect("sqlite::memory:").await?;
/// # db.create_all(&[User::table()]).await?;
/// # db.add(&mut User { id: None, name: "ann".into(), email: "ann@example.org".into() }).await?;
/// #[derive(FromRow)]
/// struct Contact { id: i64, #[om(column = "name")] full_name: String, email: Option<String> }
///
/// let contacts: Vec<Contact> = db.fetch_all_as("SELECT id, name, email FROM users", ()).await?;
/// let pairs: Vec<(i64, String)> = db.fetch_all_as("SELECT id, name FROM users", ()).await?;
/// let mapped: Vec<Contact> = db.query::<User>().map(Contact::from_row).all().await?;
/// assert_eq!((contacts[0].full_name.as_str(), pairs[0].1.as_str()), ("ann", "ann"));
/// # Ok(()) }
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
