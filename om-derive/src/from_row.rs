//! Code generation for `#[derive(FromRow)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

/// `#[om(column = "name")]` on a field, if any.
fn column_attr(field: &syn::Field) -> syn::Result<Option<LitStr>> {
    let mut column = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("om")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("column") {
                if column.is_some() {
                    return Err(meta.error("`column` is given twice"));
                }
                column = Some(meta.value()?.parse::<LitStr>()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown attribute for #[derive(FromRow)]: expected `column = \"name\"`",
                ))
            }
        })?;
    }
    Ok(column)
}

pub(crate) fn from_row(input: &DeriveInput) -> syn::Result<TokenStream> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(FromRow)] does not support generic structs",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "#[derive(FromRow)] applies to structs",
        ));
    };
    let core = quote!(::om::__core);
    let body = match &data.fields {
        Fields::Named(named) => {
            let mut fields = Vec::new();
            for field in &named.named {
                let ident = field.ident.as_ref().ok_or_else(|| {
                    syn::Error::new(field.span(), "#[derive(FromRow)] needs named fields")
                })?;
                let ty = &field.ty;
                let column = match column_attr(field)? {
                    Some(lit) => lit.value(),
                    None => ident.to_string().trim_start_matches("r#").to_string(),
                };
                fields.push(quote_spanned! {ty.span()=>
                    #ident: row.get::<#ty>(#column)?
                });
            }
            quote!(Self { #(#fields),* })
        }
        Fields::Unnamed(unnamed) => {
            let mut fields = Vec::new();
            for (i, field) in unnamed.unnamed.iter().enumerate() {
                if column_attr(field)?.is_some() {
                    return Err(syn::Error::new(
                        field.span(),
                        "a tuple struct reads its columns by position: `column` does not apply",
                    ));
                }
                let ty = &field.ty;
                fields.push(quote_spanned! {ty.span()=> row.get::<#ty>(#i)? });
            }
            quote!(Self(#(#fields),*))
        }
        Fields::Unit => quote!(Self),
    };
    let name = &input.ident;
    Ok(quote! {
        impl #core::FromRow for #name {
            fn from_row(row: #core::raw::RowRef<'_>) -> #core::Result<Self> {
                let _ = &row;
                ::std::result::Result::Ok(#body)
            }
        }
    })
}
