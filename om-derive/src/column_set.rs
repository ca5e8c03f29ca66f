//! Code generation for `#[derive(ColumnSet)]`: columns declared once and flattened
//! into several models' tables with `#[om(flatten)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::expand::{Field, column_meta, named_fields, parse_fields, validate_column, value_steps};

pub(crate) fn column_set(input: &DeriveInput) -> syn::Result<TokenStream> {
    let named = named_fields(input, "ColumnSet")?;
    if let Some(attr) = input.attrs.iter().find(|a| a.path().is_ident("om")) {
        return Err(syn::Error::new(
            attr.span(),
            "a column set has no table of its own: `#[om(...)]` goes on its fields",
        ));
    }
    let fields = parse_fields(named)?;
    validate(&fields)?;

    let name = &input.ident;
    let vis = &input.vis;
    let columns_ident = format_ident!("{}Columns", name);
    let core = quote!(::om::__core);

    let metas = fields.iter().map(|f| column_meta(f, &core, false));
    let handle_fields = fields.iter().map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        let doc = format!("The `{}` column.", f.column);
        quote! {
            #[doc = #doc]
            pub #ident: #core::Column<<#ty as #core::Field>::Base>
        }
    });
    let handle_values = fields.iter().map(|f| {
        let ident = f.ident;
        let column = &f.column;
        quote!(#ident: #core::Column::new(table, #column))
    });
    let decoders = fields.iter().enumerate().map(|(i, f)| {
        let (ident, ty) = (f.ident, f.ty);
        let column = &f.column;
        quote! {
            #ident: <#ty as #core::Field>::decode(row, offset + #i)
                .map_err(|e| #core::Error::decode(table, #column, e))?
        }
    });
    let writers = fields.iter().map(|f| {
        let ident = f.ident;
        quote!(out.push(#core::Field::to_value(&self.#ident));)
    });
    let ref_writers = fields.iter().map(|f| {
        let ident = f.ident;
        quote!(out.push(#core::Field::to_value_ref(&self.#ident));)
    });
    let on_update_values = fields.iter().filter_map(|f| {
        let (_, source) = f.attrs.on_update.as_ref()?;
        let value = crate::expand::value_tokens(source);
        let ty = f.ty;
        let column = &f.column;
        let converted = if f.optional {
            quote!(::core::option::Option::Some(::core::convert::Into::into(#value)))
        } else {
            quote!(::core::convert::Into::into(#value))
        };
        Some(quote! {
            let __om_value: #ty = #converted;
            out.push((table, #column, #core::Field::to_value(&__om_value)));
        })
    });
    let all: Vec<&Field> = fields.iter().collect();
    let defaults = value_steps(&all, false, &core);
    let on_updates = value_steps(&all, true, &core);
    let checks = fields.iter().map(|f| {
        let ty = f.ty;
        let mut out = quote_spanned! {ty.span()=>
            const _: () = #core::__private::__assert::field::<#ty>();
        };
        if f.attrs.size.is_some() {
            out.extend(quote_spanned! {ty.span()=>
                const _: () = #core::__private::__assert::text_field::<#ty>();
            });
        }
        out
    });

    let columns_doc = format!("Typed column handles of the [`{name}`] set, on one model's table.");
    Ok(quote! {
        #[doc = #columns_doc]
        #[derive(Debug, Clone, Copy)]
        #[allow(dead_code)]
        #vis struct #columns_ident {
            #(#handle_fields,)*
        }

        #(#checks)*

        impl #core::ColumnSet for #name {
            type Columns = #columns_ident;

            fn columns() -> &'static [#core::ColumnMeta] {
                static COLUMNS: &[#core::ColumnMeta] = &[#(#metas,)*];
                COLUMNS
            }

            fn handles(table: &'static str) -> #columns_ident {
                #columns_ident { #(#handle_values,)* }
            }

            #[inline]
            fn from_row(
                row: &dyn #core::Row,
                offset: usize,
                table: &'static str,
            ) -> #core::Result<Self> {
                ::core::result::Result::Ok(Self { #(#decoders,)* })
            }

            #[inline]
            fn write_values(&self, out: &mut ::std::vec::Vec<#core::Value>) {
                #(#writers)*
            }

            #[inline]
            fn write_value_refs<'__om_a>(
                &'__om_a self,
                out: &mut ::std::vec::Vec<#core::ValueRef<'__om_a>>,
            ) {
                #(#ref_writers)*
            }

            fn apply_defaults(&mut self) -> #core::Undo<Self> {
                #defaults
                undo
            }

            fn apply_on_update(&mut self) -> #core::Undo<Self> {
                #on_updates
                undo
            }

            #[allow(unused_variables)]
            fn on_update_values(
                table: &'static str,
                out: &mut ::std::vec::Vec<(&'static str, &'static str, #core::Value)>,
            ) {
                #(#on_update_values)*
            }
        }
    })
}

fn validate(fields: &[Field<'_>]) -> syn::Result<()> {
    if fields.is_empty() {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "a column set needs at least one field",
        ));
    }
    let earlier: Vec<&Field> = fields.iter().collect();
    for (i, f) in fields.iter().enumerate() {
        let a = &f.attrs;
        if let Some(span) = a.primary_key.or(a.parent).or(a.flatten) {
            return Err(syn::Error::new(
                span,
                "a column set's field cannot be a key, a parent or another set: keys belong \
                 to models",
            ));
        }
        if let Some(span) = a.version {
            return Err(syn::Error::new(
                span,
                "a version column belongs to a model: declare `#[om(version)]` on the model's \
                 own field",
            ));
        }
        validate_column(f, &earlier[..i])?;
        crate::relations::reject_in_set(f)?;
    }
    Ok(())
}
