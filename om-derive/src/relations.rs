//! What `#[derive(Model)]` generates for relations: foreign keys in the metadata, their
//! compile-time type checks, and the relation methods of the column struct and of the
//! model.

use std::collections::HashMap;

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::attrs::{ReferencesAttr, RelationAttr, RelationKind};
use crate::expand::Field;

/// The `references:` value of a column's metadata.
pub(crate) fn foreign_key_meta(f: &Field<'_>, core: &TokenStream) -> TokenStream {
    let Some(r) = &f.attrs.references else {
        return quote!(::core::option::Option::None);
    };
    let target = &r.target;
    let column = match &r.field {
        None => quote!(#core::relation::key_of::<#target>),
        Some(field) => {
            quote!(|| #core::Column::column_ref(&<#target as #core::Model>::columns().#field))
        }
    };
    let action = |a: &Option<(proc_macro2::Span, String)>| {
        let variant = match a.as_ref().map(|(_, s)| s.as_str()) {
            Some("cascade") => quote!(Cascade),
            Some("set_null") => quote!(SetNull),
            Some("restrict") => quote!(Restrict),
            _ => quote!(NoAction),
        };
        quote!(#core::relation::ReferentialAction::#variant)
    };
    let on_delete = action(&r.on_delete);
    let on_update = action(&r.on_update);
    quote! {
        ::core::option::Option::Some(#core::relation::ForeignKey {
            target: <#target as #core::Model>::table,
            column: #column,
            on_delete: #on_delete,
            on_update: #on_update,
        })
    }
}

/// Checks that a foreign key's type is the type of the column it references, and that
/// `set_null` is on an `Option`.
pub(crate) fn foreign_key_checks(f: &Field<'_>, core: &TokenStream) -> syn::Result<TokenStream> {
    let Some(r) = &f.attrs.references else {
        return Ok(TokenStream::new());
    };
    for (span, action) in [&r.on_delete, &r.on_update].into_iter().flatten() {
        if action == "set_null" && !f.optional {
            return Err(syn::Error::new(
                *span,
                "`set_null` needs a nullable foreign key: make the field an Option",
            ));
        }
    }
    let ty = f.ty;
    let target = &r.target;
    let assert = quote!(#core::__private::__assert);
    Ok(match &r.field {
        None => quote_spanned! {ty.span()=>
            const _: () = #assert::references::<<#ty as #core::Field>::Base, <#target as #core::Model>::Key>();
        },
        Some(field) => quote_spanned! {ty.span()=>
            const _: fn(&<#target as #core::Model>::Columns) = |c| {
                #assert::Referenced::of(&c.#field).by::<<#ty as #core::Field>::Base>()
            };
        },
    })
}

/// The name of a foreign key's belongs-to relation: `name = ..`, or the field without
/// its `_id`.
fn belongs_to_name(f: &Field<'_>, r: &ReferencesAttr) -> syn::Result<Ident> {
    if let Some(name) = &r.name {
        return Ok(name.clone());
    }
    let field = f.ident.to_string();
    match field.trim_start_matches("r#").strip_suffix("_id") {
        Some(stem) if !stem.is_empty() => Ok(format_ident!("{}", stem, span = f.ident.span())),
        _ => Err(syn::Error::new(
            r.span,
            format!(
                "name the relation this foreign key makes: `references(.., name = {})` (the \
                 name is the field's without `_id` when it ends so)",
                field.to_snake_case()
            ),
        )),
    }
}

/// The relation items of a model: `ForeignKeyTo` for each model it references once,
/// and a method per relation on the column struct (the relation) and on the model
/// (its rows for one object).
pub(crate) fn relation_items(
    name: &Ident,
    columns_ident: &Ident,
    table: &str,
    own: &[&Field<'_>],
    declared: &[RelationAttr],
    core: &TokenStream,
) -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    let column_ref = |table: &str, column: &str| quote!(#core::expr::ColumnRef { table: #table, column: #column });
    // One `ForeignKeyTo` per model referenced by exactly one field.
    let mut targets: HashMap<String, Vec<&Field>> = HashMap::new();
    for f in own.iter().filter(|f| f.attrs.references.is_some()) {
        if let Some(r) = &f.attrs.references {
            let target = &r.target;
            targets
                .entry(quote!(#target).to_string())
                .or_default()
                .push(f);
        }
    }
    let mut single: Vec<&Field> = targets
        .into_values()
        .filter(|fields| fields.len() == 1)
        .flatten()
        .collect();
    single.sort_by_key(|f| f.ident.to_string());
    for f in single {
        if let Some(r) = &f.attrs.references {
            let target = &r.target;
            let fk = column_ref(table, &f.column);
            out.extend(quote! {
                impl #core::relation::ForeignKeyTo<#target> for #name {
                    fn foreign_key() -> #core::expr::ColumnRef {
                        #fk
                    }
                }
            });
        }
    }

    let mut column_methods = Vec::new();
    let mut model_methods = Vec::new();
    let session = quote!(impl #core::Session);
    // Belongs to, from each foreign key.
    for f in own {
        let Some(r) = &f.attrs.references else {
            continue;
        };
        let rel = belongs_to_name(f, r)?;
        let target = &r.target;
        let fk = column_ref(table, &f.column);
        let doc = format!(
            "The `{}` this row's `{}` references (belongs to).",
            quote!(#target),
            f.column
        );
        column_methods.push(quote! {
            #[doc = #doc]
            pub fn #rel(&self) -> #core::Relation<#name, #target, #core::relation::One> {
                #core::Relation::new(#core::relation::Link::belongs_to::<#name, #target>(#fk))
            }
        });
        let doc = format!(
            "The `{}` this object's `{}` references; `None` when it is NULL or no row has it.",
            quote!(#target),
            f.column
        );
        model_methods.push(quote! {
            #[doc = #doc]
            pub async fn #rel(&self, session: &#session) -> #core::Result<::core::option::Option<#target>> {
                let relation = <#name as #core::Model>::columns().#rel();
                relation.query_of(#core::Session::executor(session), self).one_or_none().await
            }
        });
    }
    // Has many, has one, many to many, as declared on the struct.
    for d in declared {
        let rel = &d.name;
        let target = &d.target;
        let span = target.span();
        let (link, cardinality) = match d.kind {
            RelationKind::HasMany | RelationKind::HasOne => {
                let fk = match &d.by {
                    Some(by) => quote_spanned! {by.span()=>
                        #core::Column::column_ref(&<#target as #core::Model>::columns().#by)
                    },
                    None => quote_spanned! {span=>
                        <#target as #core::relation::ForeignKeyTo<#name>>::foreign_key()
                    },
                };
                let cardinality = if d.kind == RelationKind::HasMany {
                    quote!(Many)
                } else {
                    quote!(One)
                };
                (
                    quote!(#core::relation::Link::has::<#name, #target>(#fk)),
                    cardinality,
                )
            }
            RelationKind::ManyToMany => {
                let Some(through) = &d.through else { continue };
                let tspan = through.span();
                let (from, to) = match (&d.from, &d.to) {
                    (Some(from), Some(to)) => (
                        quote!(#core::Column::column_ref(&<#through as #core::Model>::columns().#from)),
                        quote!(#core::Column::column_ref(&<#through as #core::Model>::columns().#to)),
                    ),
                    _ => (
                        quote_spanned! {tspan=> <#through as #core::relation::ForeignKeyTo<#name>>::foreign_key()},
                        quote_spanned! {tspan=> <#through as #core::relation::ForeignKeyTo<#target>>::foreign_key()},
                    ),
                };
                (
                    quote!(#core::relation::Link::through::<#name, #through, #target>(#from, #to)),
                    quote!(Many),
                )
            }
        };
        let what = match d.kind {
            RelationKind::HasMany => "has many",
            RelationKind::HasOne => "has one",
            RelationKind::ManyToMany => "many to many",
        };
        let doc = format!(
            "The `{}` rows related to this row ({what}).",
            quote!(#target)
        );
        column_methods.push(quote! {
            #[doc = #doc]
            pub fn #rel(&self) -> #core::Relation<#name, #target, #core::relation::#cardinality> {
                #core::Relation::new(#link)
            }
        });
        if d.kind == RelationKind::HasOne {
            let doc = format!(
                "This object's `{}` (has one), `None` when it has none.",
                quote!(#target)
            );
            model_methods.push(quote! {
                #[doc = #doc]
                pub async fn #rel(&self, session: &#session) -> #core::Result<::core::option::Option<#target>> {
                    let relation = <#name as #core::Model>::columns().#rel();
                    relation.query_of(#core::Session::executor(session), self).one_or_none().await
                }
            });
        } else {
            let doc = format!(
                "This object's `{}` rows ({what}), as a query to narrow, count, page or stream.",
                quote!(#target)
            );
            model_methods.push(quote! {
                #[doc = #doc]
                pub fn #rel<'s>(&self, session: &'s #session) -> #core::Query<'s, #target> {
                    let relation = <#name as #core::Model>::columns().#rel();
                    relation.query_of(#core::Session::executor(session), self)
                }
            });
        }
    }
    if !column_methods.is_empty() {
        out.extend(quote! {
            #[allow(dead_code)]
            impl #columns_ident {
                #(#column_methods)*
            }

            #[allow(dead_code)]
            impl #name {
                #(#model_methods)*
            }
        });
    }
    Ok(out)
}

/// `Model::column_value` and `Model::set_column_value`: a field by its column's name.
pub(crate) fn column_access(
    fields: &[Field<'_>],
    parent: Option<&Field<'_>>,
    table: &str,
    model_name: &str,
    core: &TokenStream,
) -> TokenStream {
    let own: Vec<&Field> = fields
        .iter()
        .filter(|f| f.attrs.flatten.is_none())
        .collect();
    let sets: Vec<&Field> = fields
        .iter()
        .filter(|f| f.attrs.flatten.is_some())
        .collect();
    let names: Vec<&String> = own.iter().map(|f| &f.column).collect();
    let idents: Vec<&Ident> = own.iter().map(|f| f.ident).collect();
    let tys: Vec<&syn::Type> = own.iter().map(|f| f.ty).collect();
    let set_reads = sets.iter().map(|f| {
        let (ident, ty) = (f.ident, f.ty);
        quote! {
            let set = <#ty as #core::ColumnSet>::columns();
            if let ::core::option::Option::Some(i) = set.iter().position(|c| c.name == column) {
                let mut values = ::std::vec::Vec::with_capacity(set.len());
                <#ty as #core::ColumnSet>::write_values(&self.#ident, &mut values);
                return values.into_iter().nth(i);
            }
        }
    });
    let is_root = parent.is_none();
    let (read_parent, write_parent) = match parent {
        None => (
            quote!(::core::option::Option::None),
            quote! {
                ::core::result::Result::Err(#core::Error::InvalidQuery {
                    reason: ::std::format!("`{}` has no column `{}` to set", #model_name, column),
                })
            },
        ),
        Some(p) => {
            let (ident, ty) = (p.ident, p.ty);
            (
                quote!(<#ty as #core::Model>::column_value(&self.#ident, table, column)),
                quote!(<#ty as #core::Model>::set_column_value(&mut self.#ident, column, value)),
            )
        }
    };
    quote! {
        fn column_value(&self, table: &str, column: &str) -> ::core::option::Option<#core::Value> {
            if #is_root || table == #table {
                match column {
                    #(#names => return ::core::option::Option::Some(#core::Field::to_value(&self.#idents)),)*
                    _ => {}
                }
                #(#set_reads)*
            }
            #read_parent
        }

        fn set_column_value(&mut self, column: &str, value: #core::Value) -> #core::Result<()> {
            let _ = &value;
            match column {
                #(#names => {
                    return match <#tys as #core::Field>::from_value(::core::clone::Clone::clone(&value)) {
                        ::core::option::Option::Some(v) => {
                            self.#idents = v;
                            ::core::result::Result::Ok(())
                        }
                        ::core::option::Option::None => ::core::result::Result::Err(#core::Error::InvalidValue {
                            table: #table,
                            column: #names,
                            reason: ::std::format!("{:?} does not fit the field's type", value),
                        }),
                    };
                })*
                _ => {}
            }
            #write_parent
        }
    }
}

/// Column sets hold no foreign keys: they are declared on a model's own fields.
pub(crate) fn reject_in_set(f: &Field<'_>) -> syn::Result<()> {
    match &f.attrs.references {
        Some(r) => Err(syn::Error::new(
            r.span,
            "a column set cannot hold a foreign key: declare it on the model's field",
        )),
        None => Ok(()),
    }
}
