//! `#[derive(Model)]` for om: turns a plain struct into table metadata, typed column
//! handles and a positional row decoder; and `#[derive(FromRow)]`, which reads a struct
//! from a row by column name.
//!
//! See the `om` crate for the attributes it reads.
#![warn(missing_docs)]
// On docs.rs, each item behind a feature is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attrs;
mod column_set;
mod enum_derive;
mod expand;
mod from_row;
mod relations;

use proc_macro::TokenStream;

/// Maps a struct to a table. See the `om` crate's documentation for the attributes.
#[proc_macro_derive(Model, attributes(om))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::model(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Reads a struct from a row (raw SQL, `query.map`): each named field from the column of
/// its name, or of `#[om(column = "name")]`; a tuple struct's fields by position.
#[proc_macro_derive(FromRow, attributes(om))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    from_row::from_row(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares columns once, for several models to embed with `#[om(flatten)]`: the
/// set's columns become columns of each model's table. Fields take the attributes of a
/// model's fields, except `primary_key`.
#[proc_macro_derive(ColumnSet, attributes(om))]
pub fn derive_column_set(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    column_set::column_set(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Stores a fieldless enum as the text of its variants' names, in a `VARCHAR` as long
/// as the longest: `#[om(rename_all = "snake_case")]` and `#[om(size = n)]` on the
/// enum, `#[om(rename = "name")]` on a variant.
#[proc_macro_derive(Enum, attributes(om))]
pub fn derive_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    enum_derive::string_enum(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
