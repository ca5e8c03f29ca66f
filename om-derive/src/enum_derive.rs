//! `#[derive(Enum)]`: a fieldless enum stored as the text of its variants' names.

use heck::{ToKebabCase, ToLowerCamelCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr};

/// `#[om(...)]` on the enum.
#[derive(Default)]
struct EnumAttrs {
    rename_all: Option<LitStr>,
    size: Option<LitInt>,
}

const CASES: &str = "\"snake_case\", \"lowercase\", \"UPPERCASE\", \"SCREAMING_SNAKE_CASE\", \
                     \"kebab-case\", \"camelCase\" or \"PascalCase\"";

fn enum_attrs(input: &DeriveInput) -> syn::Result<EnumAttrs> {
    let mut out = EnumAttrs::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("om")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if out.rename_all.is_some() {
                    return Err(meta.error("`rename_all` is given twice"));
                }
                let lit: LitStr = meta.value()?.parse()?;
                if rename(&lit.value(), "X").is_none() {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!("unknown case `{}`: expected {CASES}", lit.value()),
                    ));
                }
                out.rename_all = Some(lit);
                Ok(())
            } else if meta.path.is_ident("size") {
                if out.size.is_some() {
                    return Err(meta.error("`size` is given twice"));
                }
                let lit: LitInt = meta.value()?.parse()?;
                let n: u32 = lit.base10_parse()?;
                if n == 0 {
                    return Err(syn::Error::new(lit.span(), "`size` must be at least 1"));
                }
                out.size = Some(lit);
                Ok(())
            } else {
                Err(meta
                    .error("unknown enum attribute: expected `rename_all = \"...\"` or `size = n`"))
            }
        })?;
    }
    Ok(out)
}

fn rename(case: &str, name: &str) -> Option<String> {
    Some(match case {
        "snake_case" => name.to_snake_case(),
        "lowercase" => name.to_lowercase(),
        "UPPERCASE" => name.to_uppercase(),
        "SCREAMING_SNAKE_CASE" => name.to_shouty_snake_case(),
        "kebab-case" => name.to_kebab_case(),
        "camelCase" => name.to_lower_camel_case(),
        "PascalCase" => name.to_upper_camel_case(),
        _ => return None,
    })
}

fn variant_rename(variant: &syn::Variant) -> syn::Result<Option<LitStr>> {
    let mut out: Option<LitStr> = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("om")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if out.is_some() {
                    return Err(meta.error("`rename` is given twice"));
                }
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new(lit.span(), "a stored name cannot be empty"));
                }
                out = Some(lit);
                Ok(())
            } else {
                Err(meta.error("unknown variant attribute: expected `rename = \"name\"`"))
            }
        })?;
    }
    Ok(out)
}

/// Expands `#[derive(Enum)]`.
pub(crate) fn string_enum(input: &DeriveInput) -> syn::Result<TokenStream> {
    let core = quote!(::om::__core);
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(Enum)]` applies to an enum whose variants have no fields",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "`#[derive(Enum)]` does not take generic parameters",
        ));
    }
    if data.variants.is_empty() {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(Enum)]` needs at least one variant",
        ));
    }
    let attrs = enum_attrs(input)?;
    let mut idents = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new(
                variant.fields.span(),
                format!(
                    "variant `{}` has fields: `#[derive(Enum)]` stores fieldless variants only \
                     (store data in a `Json<T>` column instead)",
                    variant.ident
                ),
            ));
        }
        let name = match variant_rename(variant)? {
            Some(lit) => lit.value(),
            None => match &attrs.rename_all {
                Some(case) => rename(&case.value(), &variant.ident.to_string())
                    .unwrap_or_else(|| variant.ident.to_string()),
                None => variant.ident.to_string(),
            },
        };
        if names.contains(&name) {
            return Err(syn::Error::new(
                variant.ident.span(),
                format!("two variants are stored as `{name}`: give one `#[om(rename = \"...\")]`"),
            ));
        }
        idents.push(&variant.ident);
        names.push(name);
    }
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(1);
    let size = match &attrs.size {
        Some(lit) => {
            let n: usize = lit.base10_parse()?;
            if n < longest {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "`size = {n}` is shorter than the longest stored name ({longest} characters)"
                    ),
                ));
            }
            n
        }
        None => longest,
    };
    let size = u32::try_from(size)
        .map_err(|_| syn::Error::new(input.ident.span(), "the stored names are too long"))?;
    let ident = &input.ident;
    let type_name = ident.to_string();
    Ok(quote! {
        impl #core::StringEnum for #ident {
            const NAMES: &'static [&'static str] = &[#(#names),*];
            #[inline]
            fn as_str(&self) -> &'static str {
                match self {
                    #(#ident::#idents => #names,)*
                }
            }
            #[inline]
            fn from_name(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#names => ::core::option::Option::Some(#ident::#idents),)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl #core::__private::__assert::TextField for #ident {}

        impl #core::SqlType for #ident {
            const COLUMN_TYPE: #core::ColumnType = #core::ColumnType::Text(::core::option::Option::Some(#size));
            const NAME: &'static str = #type_name;
            #[inline]
            fn into_value(self) -> #core::Value {
                #core::SqlType::to_value(&self)
            }
            #[inline]
            fn to_value(&self) -> #core::Value {
                #core::Value::String(::core::option::Option::Some(
                    ::std::string::String::from(#core::StringEnum::as_str(self)),
                ))
            }
            #[inline]
            fn to_value_ref(&self) -> #core::ValueRef<'_> {
                #core::ValueRef::Text(#core::StringEnum::as_str(self))
            }
            #[inline]
            fn null() -> #core::Value {
                #core::Value::String(::core::option::Option::None)
            }
            fn decode(
                row: &dyn #core::Row,
                index: usize,
            ) -> ::core::result::Result<::core::option::Option<Self>, #core::DecodeError> {
                match row.get_string(index)? {
                    ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
                    ::core::option::Option::Some(name) => {
                        #core::string_enum::decode_name::<Self>(#type_name, &name)
                            .map(::core::option::Option::Some)
                    }
                }
            }
        }
    })
}
