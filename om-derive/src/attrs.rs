//! Parsing of `#[om(...)]` attributes on the struct and its fields.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitInt, LitStr, Path, Type};

/// `#[om(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ModelAttrs {
    pub(crate) table: Option<LitStr>,
}

/// A default or on-update value.
pub(crate) enum ValueSource {
    /// `default = <expr>`.
    Constant(Expr),
    /// `default_fn = path`.
    Function(Path),
}

/// `#[om(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) primary_key: Option<Span>,
    pub(crate) size: Option<LitInt>,
    pub(crate) index: bool,
    pub(crate) unique: bool,
    pub(crate) column: Option<LitStr>,
    pub(crate) default: Option<(Span, ValueSource)>,
    pub(crate) on_update: Option<(Span, ValueSource)>,
    /// `parent`: the field holds the model this one extends.
    pub(crate) parent: Option<Span>,
    /// `flatten`: the field holds a column set, whose columns are the model's.
    pub(crate) flatten: Option<Span>,
    /// `version`: the field is the model's version column (optimistic locking).
    pub(crate) version: Option<Span>,
}

pub(crate) fn model_attrs(attrs: &[Attribute]) -> syn::Result<ModelAttrs> {
    let mut out = ModelAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("om")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                let lit: LitStr = meta.value()?.parse()?;
                check_identifier(&lit)?;
                out.table = Some(lit);
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown model attribute `{}`: expected `table = \"name\"`",
                    path_name(&meta.path)
                )))
            }
        })?;
    }
    Ok(out)
}

pub(crate) fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    let mut seen: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("om")) {
        attr.parse_nested_meta(|meta| {
            let name = path_name(&meta.path);
            // `default`/`default_fn` (and `on_update`/`on_update_fn`) set one value.
            let slot = match name.as_str() {
                "default_fn" => "default",
                "on_update_fn" => "on_update",
                "rename" => "column",
                other => other,
            }
            .to_string();
            if seen.contains(&slot) {
                return Err(meta.error(format!(
                    "`{name}` repeats the field's `{slot}`: give it once"
                )));
            }
            seen.push(slot);
            match name.as_str() {
                "primary_key" => out.primary_key = Some(meta.path.span()),
                "parent" => out.parent = Some(meta.path.span()),
                "flatten" => out.flatten = Some(meta.path.span()),
                "version" => out.version = Some(meta.path.span()),
                "index" => out.index = true,
                "unique" => out.unique = true,
                "size" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    let n: u32 = lit.base10_parse()?;
                    if n == 0 {
                        return Err(syn::Error::new(lit.span(), "`size` must be at least 1"));
                    }
                    out.size = Some(lit);
                }
                "column" | "rename" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    check_identifier(&lit)?;
                    out.column = Some(lit);
                }
                "default" | "default_fn" | "on_update" | "on_update_fn" => {
                    let span = meta.path.span();
                    let source = if name.ends_with("_fn") {
                        ValueSource::Function(meta.value()?.parse()?)
                    } else {
                        ValueSource::Constant(meta.value()?.parse()?)
                    };
                    let slot = if name.starts_with("default") {
                        &mut out.default
                    } else {
                        &mut out.on_update
                    };
                    *slot = Some((span, source));
                }
                _ => {
                    return Err(meta.error(format!(
                        "unknown field attribute `{name}`: expected one of primary_key, size, \
                         index, unique, column, default, default_fn, on_update, on_update_fn, \
                         parent, flatten, version"
                    )));
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

fn path_name(path: &Path) -> String {
    path.get_ident()
        .map(Ident::to_string)
        .unwrap_or_else(|| "?".into())
}

fn check_identifier(lit: &LitStr) -> syn::Result<()> {
    if crate::expand::is_identifier(&lit.value()) {
        Ok(())
    } else {
        Err(syn::Error::new(
            lit.span(),
            "a table or column name must be 1 to 63 ASCII letters, digits or `_`, not starting with a digit",
        ))
    }
}

/// The `T` of `Option<T>`, if `ty` is written as an `Option`.
pub(crate) fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}
