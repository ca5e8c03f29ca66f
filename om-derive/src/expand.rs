//! Code generation for `#[derive(Model)]`.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attrs::{FieldAttrs, ValueSource, field_attrs, model_attrs, option_inner};

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) column: String,
    pub(crate) attrs: FieldAttrs,
    pub(crate) optional: bool,
}

/// The named fields of the non-generic struct `#[derive(<derive>)]` is on.
pub(crate) fn named_fields<'a>(
    input: &'a DeriveInput,
    derive: &str,
) -> syn::Result<&'a syn::FieldsNamed> {
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            format!("#[derive({derive})] does not support generic structs"),
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            format!("#[derive({derive})] applies to structs with named fields"),
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            data.fields.span(),
            format!("#[derive({derive})] needs named fields: each field is a column"),
        ));
    };
    Ok(named)
}

pub(crate) fn model(input: &DeriveInput) -> syn::Result<TokenStream> {
    let named = named_fields(input, "Model")?;

    let model_attrs = model_attrs(&input.attrs)?;
    let table = match model_attrs.table {
        Some(lit) => lit.value(),
        None => {
            let name = input.ident.to_string().to_snake_case();
            if !is_identifier(&name) {
                return Err(syn::Error::new(
                    input.ident.span(),
                    format!(
                        "the default table name `{name}` is not 1 to 63 ASCII letters, digits or `_`: \
                         give one with #[om(table = \"...\")]"
                    ),
                ));
            }
            name
        }
    };

    let fields = parse_fields(named)?;

    let (mut parents, fields): (Vec<Field>, Vec<Field>) =
        fields.into_iter().partition(|f| f.attrs.parent.is_some());
    if parents.len() > 1 {
        return Err(syn::Error::new(
            parents[1].ident.span(),
            "a model extends at most one parent: only one field can be `#[om(parent)]`",
        ));
    }
    let parent = parents.pop();
    if let Some(p) = &parent {
        validate_parent(p, &fields)?;
    }
    for f in fields.iter().filter(|f| f.attrs.flatten.is_some()) {
        validate_flatten(f)?;
    }
    // The fields that are columns of their own (not column sets).
    let own: Vec<&Field> = fields
        .iter()
        .filter(|f| f.attrs.flatten.is_none())
        .collect();
    let has_sets = own.len() != fields.len();
    validate(input, &own, parent.is_some())?;

    let name = &input.ident;
    let vis = &input.vis;
    let columns_ident = format_ident!("{}Columns", name);
    let core = quote!(::om::__core);
    let key_fields: Vec<&Field> = own
        .iter()
        .copied()
        .filter(|f| f.attrs.primary_key.is_some())
        .collect();
    let generated = key_fields.len() == 1 && key_fields[0].optional && parent.is_none();

    // Metadata.
    let column_metas = own.iter().map(|f| column_meta(f, &core, generated));
    let key_positions = own
        .iter()
        .enumerate()
        .filter(|(_, f)| f.attrs.primary_key.is_some())
        .map(|(i, _)| i);
    let model_name = name.to_string();

    // Column handles.
    let handle_fields = fields.iter().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        if f.attrs.flatten.is_some() {
            let doc = format!("The columns of the `{}` set.", f.ident);
            return quote! {
                #[doc = #doc]
                pub #ident: <#ty as #core::ColumnSet>::Columns
            };
        }
        let doc = format!("The `{}` column.", f.column);
        quote! {
            #[doc = #doc]
            pub #ident: #core::Column<<#ty as #core::Field>::Base>
        }
    });
    let handle_values = fields.iter().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        if f.attrs.flatten.is_some() {
            return quote!(#ident: <#ty as #core::ColumnSet>::handles(#table));
        }
        let column = &f.column;
        quote!(#ident: #core::Column::new(#table, #column))
    });

    // Row decoding, by position: after the parent's columns for a model that extends
    // another (its own key columns repeat the root's and are not read).
    let base = match &parent {
        None => quote!(offset),
        Some(p) => {
            let ty = p.ty;
            quote!(offset + <#ty as #core::Model>::table().row_width())
        }
    };
    // Each field decodes at the running position `__om_at`: one column for a field,
    // the set's width for a column set.
    let decode_steps = fields.iter().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        if f.attrs.flatten.is_some() {
            return quote! {
                let #ident = <#ty as #core::ColumnSet>::from_row(row, __om_at, #table)?;
                __om_at += <#ty as #core::ColumnSet>::columns().len();
            };
        }
        let column = &f.column;
        quote! {
            let #ident = <#ty as #core::Field>::decode(row, __om_at)
                .map_err(|e| #core::Error::decode(#table, #column, e))?;
            __om_at += 1;
        }
    });
    let mut decoders: Vec<TokenStream> = fields
        .iter()
        .map(|f| {
            let ident = f.ident;
            quote!(#ident)
        })
        .collect();
    let mut writers: Vec<TokenStream> = Vec::new();
    let mut key_writers: Vec<TokenStream> = key_fields
        .iter()
        .map(|f| {
            let ident = f.ident;
            quote!(out.push(#core::Field::to_value(&self.#ident));)
        })
        .collect();
    if let Some(p) = &parent {
        let (ident, ty) = (p.ident, p.ty);
        decoders.push(quote!(#ident: <#ty as #core::Model>::from_row(row, offset)?));
        writers.push(quote! {
            <#ty as #core::Model>::write_values(&self.#ident, out);
            <#ty as #core::Model>::write_key(&self.#ident, out);
        });
        key_writers.push(quote!(<#ty as #core::Model>::write_key(&self.#ident, out);));
    }
    writers.extend(fields.iter().map(|f| {
        let ident = f.ident;
        let ty = f.ty;
        if f.attrs.flatten.is_some() {
            return quote!(<#ty as #core::ColumnSet>::write_values(&self.#ident, out););
        }
        quote!(out.push(#core::Field::to_value(&self.#ident));)
    }));
    // The same values borrowed, for a model without a parent (a child's rows are
    // written per table, from its owned values).
    let ref_writers = if parent.is_some() {
        quote!()
    } else {
        let each = fields.iter().map(|f| {
            let ident = f.ident;
            let ty = f.ty;
            if f.attrs.flatten.is_some() {
                return quote!(<#ty as #core::ColumnSet>::write_value_refs(&self.#ident, out););
            }
            quote!(out.push(#core::Field::to_value_ref(&self.#ident));)
        });
        quote! {
            #[inline]
            fn write_value_refs<'__om_a>(
                &'__om_a self,
                out: &mut ::std::vec::Vec<#core::ValueRef<'__om_a>>,
            ) {
                #(#each)*
            }
        }
    };
    let key_type = if let Some(p) = &parent {
        let ty = p.ty;
        quote!(<#ty as #core::Model>::Key)
    } else if key_fields.len() == 1 {
        let ty = key_fields[0].ty;
        quote!(<#ty as #core::Field>::Base)
    } else {
        let tys = key_fields.iter().map(|f| {
            let ty = f.ty;
            quote!(<#ty as #core::Field>::Base)
        });
        quote!((#(#tys,)*))
    };

    let (set_key, needs_key) = if let Some(p) = &parent {
        let (ident, ty) = (p.ident, p.ty);
        (
            quote!(<#ty as #core::Model>::set_generated_key(&mut self.#ident, key)),
            quote!(<#ty as #core::Model>::needs_generated_key(&self.#ident)),
        )
    } else if generated {
        let f = key_fields[0];
        let ident = f.ident;
        let ty = f.ty;
        let column = &f.column;
        (
            assign_converted(
                &core,
                ident,
                &table,
                column,
                quote!(<#ty as #core::__private::__assert::GeneratedKey>::from_generated(key)),
                quote!(key),
                "the generated key",
            ),
            quote!(self.#ident.is_none()),
        )
    } else {
        (
            quote! {
                let _ = key;
                ::core::result::Result::Ok(())
            },
            quote!(false),
        )
    };

    // Optimistic locking: the model's own version column, or its parent's.
    let version_items = if let Some(f) = own.iter().find(|f| f.attrs.version.is_some()) {
        let (ident, ty, column) = (f.ident, f.ty, &f.column);
        let version_field =
            quote_spanned!(ty.span()=> <#ty as #core::__private::__assert::VersionField>);
        let set_version = assign_converted(
            &core,
            ident,
            &table,
            column,
            quote!(#version_field::from_version(version)),
            quote!(version),
            "the version",
        );
        quote! {
            const VERSIONED: bool = true;

            #[inline]
            fn version(&self) -> ::core::option::Option<i64> {
                ::core::option::Option::Some(#version_field::version(self.#ident))
            }

            fn set_version(&mut self, version: i64) -> #core::Result<()> {
                #set_version
            }
        }
    } else if let Some(p) = &parent {
        let (ident, ty) = (p.ident, p.ty);
        quote! {
            const VERSIONED: bool = <#ty as #core::Model>::VERSIONED;

            #[inline]
            fn version(&self) -> ::core::option::Option<i64> {
                <#ty as #core::Model>::version(&self.#ident)
            }

            fn set_version(&mut self, version: i64) -> #core::Result<()> {
                <#ty as #core::Model>::set_version(&mut self.#ident, version)
            }
        }
    } else {
        TokenStream::new()
    };

    // The on-update values alone, for a bulk update: the parent's, then the fields'.
    let parent_on_update_values = parent.as_ref().map(|p| {
        let ty = p.ty;
        quote!(<#ty as #core::Model>::on_update_values(out);)
    });
    let own_on_update_values = fields.iter().filter_map(|f| {
        let ty = f.ty;
        if f.attrs.flatten.is_some() {
            return Some(quote!(<#ty as #core::ColumnSet>::on_update_values(#table, out);));
        }
        let (_, source) = f.attrs.on_update.as_ref()?;
        let value = value_tokens(source);
        let column = &f.column;
        let converted = if f.optional {
            quote!(::core::option::Option::Some(::core::convert::Into::into(#value)))
        } else {
            quote!(::core::convert::Into::into(#value))
        };
        Some(quote! {
            let __om_value: #ty = #converted;
            out.push((#table, #column, #core::Field::to_value(&__om_value)));
        })
    });
    let own_defaults = value_steps(&own, false, &core);
    let own_updates = value_steps(&own, true, &core);

    // Compile-time checks, spanned at the offending field.
    let checks = own.iter().map(|f| {
        let ty = f.ty;
        let mut out = quote_spanned! {ty.span()=>
            const _: () = #core::__private::__assert::field::<#ty>();
        };
        if f.attrs.size.is_some() {
            out.extend(quote_spanned! {ty.span()=>
                const _: () = #core::__private::__assert::text_field::<#ty>();
            });
        }
        if generated && f.attrs.primary_key.is_some() {
            out.extend(quote_spanned! {ty.span()=>
                const _: () = #core::__private::__assert::generated_key::<#ty>();
            });
        }
        if f.attrs.version.is_some() {
            // The field's type is checked where the model's impl uses it as a
            // `VersionField`, spanned at the type (one error, not two).
            if let Some(p) = &parent {
                let parent_ty = p.ty;
                let message = format!(
                    "`{name}` extends a versioned model, whose version column is also \
                     `{name}`'s: remove `#[om(version)]` from `{}`",
                    f.ident
                );
                out.extend(quote_spanned! {f.ident.span()=>
                    const _: () = if <#parent_ty as #core::Model>::VERSIONED {
                        ::core::panic!(#message)
                    };
                });
            }
        }
        out
    });

    let assembled = fields.iter().map(|f| {
        let ty = f.ty;
        if f.attrs.flatten.is_some() {
            quote!(columns.extend_from_slice(<#ty as #core::ColumnSet>::columns());)
        } else {
            quote!(columns.extend(own.next().copied());)
        }
    });
    let parent_table = match &parent {
        None => quote!(::core::option::Option::None),
        Some(p) => {
            let ty = p.ty;
            quote!(::core::option::Option::Some(<#ty as #core::Model>::table()))
        }
    };
    let table_body = match &parent {
        _ if has_sets => quote! {
            static OWN: &[#core::ColumnMeta] = &[#(#column_metas,)*];
            static TABLE: ::std::sync::LazyLock<#core::TableMeta> =
                ::std::sync::LazyLock::new(|| {
                    let mut columns = ::std::vec::Vec::new();
                    let mut own = OWN.iter();
                    #(#assembled)*
                    #core::TableMeta::assemble(#table, #model_name, columns, #parent_table)
                });
            &TABLE
        },
        None => quote! {
            static TABLE: #core::TableMeta = #core::TableMeta {
                name: #table,
                model: #model_name,
                columns: &[#(#column_metas,)*],
                primary_key: &[#(#key_positions,)*],
                parent: ::core::option::Option::None,
            };
            &TABLE
        },
        Some(p) => {
            let ty = p.ty;
            quote! {
                static OWN: &[#core::ColumnMeta] = &[#(#column_metas,)*];
                static TABLE: ::std::sync::LazyLock<#core::TableMeta> =
                    ::std::sync::LazyLock::new(|| {
                        #core::TableMeta::extending(
                            <#ty as #core::Model>::table(),
                            #table,
                            #model_name,
                            OWN,
                        )
                    });
                &TABLE
            }
        }
    };
    let deref_parent = parent.as_ref().map(|p| {
        let ty = p.ty;
        quote! {
            impl #core::relation::Extends<#ty> for #name {}

            impl ::core::ops::Deref for #columns_ident {
                type Target = <#ty as #core::Model>::Columns;
                fn deref(&self) -> &Self::Target {
                    <#ty as #core::Model>::columns()
                }
            }
        }
    });
    // A parent applies its own defaults and on-update values, undone with the rest.
    let parent_steps = |method: TokenStream| {
        parent.as_ref().map(|p| {
            let (ident, ty) = (p.ident, p.ty);
            let saved = format_ident!("__om_parent_undo");
            (
                quote!(let #saved = <#ty as #core::Model>::#method(&mut self.#ident);),
                chain_undo(&core, &saved, ident),
            )
        })
    };
    let parent_defaults = parent_steps(quote!(apply_defaults));
    let parent_on_update = parent_steps(quote!(apply_on_update));
    let (defaults_before, defaults_after) = parent_defaults.unzip();
    let (updates_before, updates_after) = parent_on_update.unzip();
    // Column sets apply their own defaults and on-update values, undone with the rest.
    let set_fields: Vec<&Field> = fields
        .iter()
        .filter(|f| f.attrs.flatten.is_some())
        .collect();
    let set_steps = |method: TokenStream| {
        let before = set_fields.iter().enumerate().map(|(i, f)| {
            let (ident, ty) = (f.ident, f.ty);
            let saved = format_ident!("__om_set_undo_{}", i);
            quote!(let #saved = <#ty as #core::ColumnSet>::#method(&mut self.#ident);)
        });
        let after = set_fields
            .iter()
            .enumerate()
            .map(|(i, f)| chain_undo(&core, &format_ident!("__om_set_undo_{}", i), f.ident));
        (quote!(#(#before)*), quote!(#(#after)*))
    };
    let (sets_defaults_before, sets_defaults_after) = set_steps(quote!(apply_defaults));
    let (sets_updates_before, sets_updates_after) = set_steps(quote!(apply_on_update));
    let columns_body = if has_sets {
        quote! {
            static COLUMNS: ::std::sync::LazyLock<#columns_ident> =
                ::std::sync::LazyLock::new(|| #columns_ident { #(#handle_values,)* });
            &COLUMNS
        }
    } else {
        quote! {
            static COLUMNS: #columns_ident = #columns_ident { #(#handle_values,)* };
            &COLUMNS
        }
    };

    let fk_checks = own
        .iter()
        .map(|f| crate::relations::foreign_key_checks(f, &core))
        .collect::<syn::Result<Vec<_>>>()?;
    let access =
        crate::relations::column_access(&fields, parent.as_ref(), &table, &model_name, &core);
    let relations = crate::relations::relation_items(
        name,
        &columns_ident,
        &table,
        &own,
        &model_attrs.relations,
        &core,
    )?;

    let columns_doc = format!("Typed column handles of [`{name}`], for `filter` and `order_by`.");
    Ok(quote! {
        #[doc = #columns_doc]
        #[derive(Debug, Clone, Copy)]
        #[allow(dead_code)]
        #vis struct #columns_ident {
            #(#handle_fields,)*
        }

        #(#checks)*
        #(#fk_checks)*

        impl #core::Model for #name {
            type Columns = #columns_ident;
            type Key = #key_type;

            fn table() -> &'static #core::TableMeta {
                #table_body
            }

            fn columns() -> &'static #columns_ident {
                #columns_body
            }

            #[inline]
            fn from_row(row: &dyn #core::Row, offset: usize) -> #core::Result<Self> {
                #[allow(unused_mut, unused_assignments)]
                let mut __om_at = #base;
                #(#decode_steps)*
                ::core::result::Result::Ok(Self { #(#decoders,)* })
            }

            #[inline]
            fn write_values(&self, out: &mut ::std::vec::Vec<#core::Value>) {
                #(#writers)*
            }

            #[inline]
            fn write_key(&self, out: &mut ::std::vec::Vec<#core::Value>) {
                #(#key_writers)*
            }

            #ref_writers

            fn set_generated_key(&mut self, key: ::core::option::Option<i64>) -> #core::Result<()> {
                #set_key
            }

            #[inline]
            fn needs_generated_key(&self) -> bool {
                #needs_key
            }

            fn on_update_values(
                out: &mut ::std::vec::Vec<(&'static str, &'static str, #core::Value)>,
            ) {
                #parent_on_update_values
                #(#own_on_update_values)*
            }

            fn apply_defaults(&mut self) -> #core::Undo<Self> {
                #defaults_before
                #sets_defaults_before
                #own_defaults
                #sets_defaults_after
                #defaults_after
                undo
            }

            fn apply_on_update(&mut self) -> #core::Undo<Self> {
                #updates_before
                #sets_updates_before
                #own_updates
                #sets_updates_after
                #updates_after
                undo
            }

            #version_items

            #access
        }

        #deref_parent
        #relations
    })
}

/// The named fields of a struct with their `#[om(...)]` attributes; every attribute
/// error is reported, not only the first.
pub(crate) fn parse_fields(named: &syn::FieldsNamed) -> syn::Result<Vec<Field<'_>>> {
    let mut fields = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_error = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    for f in &named.named {
        let ident = f
            .ident
            .as_ref()
            .ok_or_else(|| syn::Error::new(f.span(), "unnamed field"))?;
        match field_attrs(&f.attrs) {
            Ok(attrs) => {
                let column = attrs
                    .column
                    .as_ref()
                    .map(|l| l.value())
                    .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_string());
                fields.push(Field {
                    ident,
                    ty: &f.ty,
                    column,
                    optional: option_inner(&f.ty).is_some(),
                    attrs,
                });
            }
            Err(e) => push_error(e),
        }
    }
    if let Some(e) = errors.take() {
        return Err(e);
    }

    Ok(fields)
}

/// The `ColumnMeta` of a field's column.
pub(crate) fn column_meta(f: &Field<'_>, core: &TokenStream, generated: bool) -> TokenStream {
    let column = &f.column;
    let field_name = f.ident.to_string();
    let ty = f.ty;
    let mut column_type = quote!(<<#ty as #core::Field>::Base as #core::SqlType>::COLUMN_TYPE);
    if let Some(size) = &f.attrs.size {
        column_type = quote!(#column_type.with_size(#size));
    }
    let primary_key = f.attrs.primary_key.is_some();
    let is_generated = primary_key && generated;
    let index = f.attrs.index;
    let unique = f.attrs.unique;
    let source = |s: &Option<(proc_macro2::Span, ValueSource)>| match s {
        None => quote!(#core::DefaultValue::None),
        Some((_, ValueSource::Constant(_))) => quote!(#core::DefaultValue::Constant),
        Some((_, ValueSource::Function(_))) => quote!(#core::DefaultValue::Function),
    };
    let default = source(&f.attrs.default);
    let on_update = source(&f.attrs.on_update);
    let version = f.attrs.version.is_some();
    let references = crate::relations::foreign_key_meta(f, core);
    // A constant default is also the column's database DEFAULT.
    let db_default = match &f.attrs.default {
        Some((_, ValueSource::Constant(expr))) => quote! {
            ::core::option::Option::Some(#core::DatabaseDefault(|| {
                let value: <#ty as #core::Field>::Base = ::core::convert::Into::into(#expr);
                #core::SqlType::into_value(value)
            }))
        },
        _ => quote!(::core::option::Option::None),
    };
    let renamed_from = match &f.attrs.renamed_from {
        Some(old) => quote!(::core::option::Option::Some(#old)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #core::ColumnMeta {
            name: #column,
            field: #field_name,
            ty: #column_type,
            nullable: <#ty as #core::Field>::NULLABLE,
            primary_key: #primary_key,
            generated: #is_generated,
            index: #index,
            unique: #unique,
            default: #default,
            on_update: #on_update,
            version: #version,
            references: #references,
            db_default: #db_default,
            renamed_from: #renamed_from,
        }
    }
}

/// Whether `name` is a portable identifier: 1 to 63 ASCII letters, digits or `_`, not
/// starting with a digit (PostgreSQL truncates longer names, MySQL refuses them).
pub(crate) fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// The start of `apply_defaults` (or, with `on_update`, of `apply_on_update`) over
/// `fields`: `let undo = ...;` that puts back what it changes, then the changes.
pub(crate) fn value_steps(
    fields: &[&Field<'_>],
    on_update: bool,
    core: &TokenStream,
) -> TokenStream {
    fn source<'f>(f: &'f Field<'_>, on_update: bool) -> Option<&'f ValueSource> {
        let slot = if on_update {
            &f.attrs.on_update
        } else {
            &f.attrs.default
        };
        slot.as_ref().map(|(_, s)| s)
    }
    // `add` starts a version column at 1, whatever the field held.
    let starts_version = |f: &Field<'_>| !on_update && f.attrs.version.is_some();
    // A constant default on a field that is not an `Option` is the database's DEFAULT
    // only: the field always holds a value, written as given.
    let database_only = |f: &Field<'_>| {
        !on_update && !f.optional && matches!(source(f, false), Some(ValueSource::Constant(_)))
    };
    let chosen: Vec<&Field> = fields
        .iter()
        .copied()
        .filter(|f| (source(f, on_update).is_some() && !database_only(f)) || starts_version(f))
        .collect();
    let changes = chosen.iter().filter_map(|f| {
        let ident = f.ident;
        if starts_version(f) {
            let ty = f.ty;
            return Some(quote_spanned! {ty.span()=>
                self.#ident = <#ty as #core::__private::__assert::VersionField>::FIRST;
            });
        }
        let value = value_tokens(source(f, on_update)?);
        Some(if !on_update && !f.optional {
            // A function default on a plain field is called at every `add` (an insert
            // timestamp).
            quote!(self.#ident = ::core::convert::Into::into(#value);)
        } else if !on_update {
            // A default fills a field that is `None`.
            quote! {
                if self.#ident.is_none() {
                    self.#ident = ::core::option::Option::Some(::core::convert::Into::into(#value));
                }
            }
        } else if f.optional {
            quote!(self.#ident = ::core::option::Option::Some(::core::convert::Into::into(#value));)
        } else {
            quote!(self.#ident = ::core::convert::Into::into(#value);)
        })
    });
    let undo = undo_tokens(&chosen, core);
    quote!(#undo #(#changes)*)
}

/// `let undo = ...;` that first runs the `undo` before it, then `saved` on `field` (the
/// undo of a parent's or a column set's defaults).
fn chain_undo(core: &TokenStream, saved: &Ident, field: &Ident) -> TokenStream {
    quote! {
        let undo: #core::Undo<Self> = ::std::boxed::Box::new(move |this: &mut Self| {
            undo(this);
            #saved(&mut this.#field);
        });
    }
}

/// `let undo = ...;`: a closure that puts `fields` back as they are now.
fn undo_tokens(fields: &[&Field<'_>], core: &TokenStream) -> TokenStream {
    let idents: Vec<&Ident> = fields.iter().map(|f| f.ident).collect();
    let saved: Vec<Ident> = (0..idents.len())
        .map(|i| format_ident!("__om_saved_{}", i))
        .collect();
    quote! {
        #(let #saved = ::core::clone::Clone::clone(&self.#idents);)*
        let undo: #core::Undo<Self> = ::std::boxed::Box::new(move |this: &mut Self| {
            #(this.#idents = #saved;)*
            let _ = this;
        });
    }
}

pub(crate) fn value_tokens(source: &ValueSource) -> TokenStream {
    match source {
        ValueSource::Constant(expr) => quote!(#expr),
        ValueSource::Function(path) => quote!(#path()),
    }
}

/// Whether a field has any attribute of a column (which a parent or a column set,
/// holding columns of their own, cannot take).
fn has_column_attrs(a: &FieldAttrs) -> bool {
    a.primary_key.is_some()
        || a.size.is_some()
        || a.index
        || a.unique
        || a.column.is_some()
        || a.default.is_some()
        || a.on_update.is_some()
        || a.version.is_some()
        || a.references.is_some()
}

/// A `#[om(parent)]` field holds the whole parent model, and brings the key.
fn validate_parent(parent: &Field<'_>, fields: &[Field<'_>]) -> syn::Result<()> {
    if has_column_attrs(&parent.attrs) {
        return Err(syn::Error::new(
            parent.ident.span(),
            "a `#[om(parent)]` field holds the parent model: it takes no other attribute",
        ));
    }
    if parent.optional {
        return Err(syn::Error::new(
            parent.ty.span(),
            "a `#[om(parent)]` field holds the parent model itself, not an Option of it",
        ));
    }
    if let Some(f) = fields.iter().find(|f| f.attrs.primary_key.is_some()) {
        return Err(syn::Error::new(
            f.ident.span(),
            "a model that extends another has its parent's key: remove `#[om(primary_key)]`",
        ));
    }
    Ok(())
}

/// A `#[om(flatten)]` field holds a column set, whose fields carry the attributes.
fn validate_flatten(field: &Field<'_>) -> syn::Result<()> {
    if has_column_attrs(&field.attrs) || field.attrs.parent.is_some() {
        return Err(syn::Error::new(
            field.ident.span(),
            "a `#[om(flatten)]` field holds a column set: it takes no other attribute (give \
             them to the set's fields)",
        ));
    }
    if field.optional {
        return Err(syn::Error::new(
            field.ty.span(),
            "a `#[om(flatten)]` field holds the column set itself, not an Option of it",
        ));
    }
    Ok(())
}

/// The checks every column field takes, in a model or a column set: a portable name,
/// unique among `earlier` fields (ignoring case), and a default only on an `Option`.
pub(crate) fn validate_column(f: &Field<'_>, earlier: &[&Field<'_>]) -> syn::Result<()> {
    if f.attrs.column.is_none() && !is_identifier(&f.column) {
        return Err(syn::Error::new(
            f.ident.span(),
            format!(
                "the column name `{}` is not 1 to 63 ASCII letters, digits or `_`: \
                     give one with #[om(column = \"...\")]",
                f.column
            ),
        ));
    }
    if let Some(other) = earlier
        .iter()
        .find(|o| o.column.eq_ignore_ascii_case(&f.column))
    {
        return Err(syn::Error::new(
            f.ident.span(),
            format!(
                "column `{}` is already the column of field `{}` (names are compared \
                     ignoring case, as MySQL and SQLite do)",
                f.column, other.ident
            ),
        ));
    }
    Ok(())
}

fn validate(input: &DeriveInput, fields: &[&Field<'_>], has_parent: bool) -> syn::Result<()> {
    let keys: Vec<&Field> = fields
        .iter()
        .copied()
        .filter(|f| f.attrs.primary_key.is_some())
        .collect();
    if keys.is_empty() && !has_parent {
        return Err(syn::Error::new(
            input.ident.span(),
            "a model needs a primary key: mark one or more fields `#[om(primary_key)]`",
        ));
    }
    if keys.len() > 4 {
        return Err(syn::Error::new(
            keys[4].ident.span(),
            "a primary key may have at most 4 columns",
        ));
    }
    if let Some(f) = keys.iter().find(|f| f.optional && keys.len() > 1) {
        return Err(syn::Error::new(
            f.ty.span(),
            "a column of a composite primary key cannot be an Option: only a single integer key is generated by the database",
        ));
    }
    let mut versions = fields.iter().filter(|f| f.attrs.version.is_some());
    if let (Some(_), Some(second)) = (versions.next(), versions.next()) {
        return Err(syn::Error::new(
            second.ident.span(),
            "a model has at most one version column: only one field can be `#[om(version)]`",
        ));
    }
    for (i, f) in fields.iter().enumerate() {
        validate_column(f, &fields[..i])?;
        if let Some(span) = f.attrs.version {
            if f.attrs.primary_key.is_some() {
                return Err(syn::Error::new(
                    span,
                    "a version column cannot be part of the primary key",
                ));
            }
            if f.attrs.default.is_some() || f.attrs.on_update.is_some() {
                return Err(syn::Error::new(
                    span,
                    "om sets a version column (1 at `add`, the next at each `update`): it \
                     takes no default or on-update value",
                ));
            }
        }
        if let (Some(span), Some(_)) = (f.attrs.primary_key, &f.attrs.default) {
            return Err(syn::Error::new(span, "a primary key cannot have a default"));
        }
        if f.attrs.primary_key.is_some() && f.attrs.on_update.is_some() {
            return Err(syn::Error::new(
                f.ident.span(),
                "a primary key cannot have an on-update value",
            ));
        }
    }
    Ok(())
}

/// `self.<ident> = converted?`, where `converted` is an `Option` of the field's type and
/// `None` means `value` (called `what` in the error) does not fit the field:
/// `Error::InvalidValue` naming the table and column.
fn assign_converted(
    core: &TokenStream,
    ident: &syn::Ident,
    table: &str,
    column: &str,
    converted: TokenStream,
    value: TokenStream,
    what: &str,
) -> TokenStream {
    let reason = format!("{what} {{:?}} does not fit the field's type");
    quote! {
        match #converted {
            ::core::option::Option::Some(v) => {
                self.#ident = v;
                ::core::result::Result::Ok(())
            }
            ::core::option::Option::None => ::core::result::Result::Err(#core::Error::InvalidValue {
                table: #table,
                column: #column,
                reason: ::std::format!(#reason, #value),
            }),
        }
    }
}
