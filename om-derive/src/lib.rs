//! `#[derive(Model)]` for om: turns a plain struct into table metadata, typed column
//! handles and a positional row decoder.
//!
//! See the `om` crate for the attributes it reads.
#![warn(missing_docs)]

mod attrs;
mod expand;

use proc_macro::TokenStream;

/// Maps a struct to a table. See the `om` crate's documentation for the attributes.
#[proc_macro_derive(Model, attributes(om))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::model(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
