//! Parsing of `#[om(...)]` attributes on the struct and its fields.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitInt, LitStr, Path, Type};

/// `#[om(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ModelAttrs {
    pub(crate) table: Option<LitStr>,
    /// `has_many(..)`, `has_one(..)`, `many_to_many(..)`.
    pub(crate) relations: Vec<RelationAttr>,
}

/// Which side of a foreign key a declared relation is on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelationKind {
    HasMany,
    HasOne,
    ManyToMany,
}

/// `has_many(posts = Post, by = user_id)`, `has_one(..)`,
/// `many_to_many(tags = Tag, through = BookmarkTag, from = bookmark_id, to = tag_id)`.
pub(crate) struct RelationAttr {
    pub(crate) kind: RelationKind,
    pub(crate) name: Ident,
    pub(crate) target: Path,
    pub(crate) by: Option<Ident>,
    pub(crate) through: Option<Path>,
    pub(crate) from: Option<Ident>,
    pub(crate) to: Option<Ident>,
}

/// `references(Target, field = column_field, on_delete = cascade, on_update = cascade,
/// name = relation)` on a field.
pub(crate) struct ReferencesAttr {
    pub(crate) span: Span,
    pub(crate) target: Path,
    pub(crate) field: Option<Ident>,
    pub(crate) on_delete: Option<(Span, String)>,
    pub(crate) on_update: Option<(Span, String)>,
    pub(crate) name: Option<Ident>,
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
    /// `renamed_from = "old"`: the column's previous name, for generated migrations.
    pub(crate) renamed_from: Option<LitStr>,
    /// `parent`: the field holds the model this one extends.
    pub(crate) parent: Option<Span>,
    /// `flatten`: the field holds a column set, whose columns are the model's.
    pub(crate) flatten: Option<Span>,
    /// `version`: the field is the model's version column (optimistic locking).
    pub(crate) version: Option<Span>,
    /// `references(..)`: the field is a foreign key.
    pub(crate) references: Option<ReferencesAttr>,
}

fn relation_attr(
    kind: RelationKind,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<RelationAttr> {
    let mut named: Option<(Ident, Path)> = None;
    let (mut by, mut through, mut from, mut to) = (None, None, None, None);
    let outer = meta.path.span();
    meta.parse_nested_meta(|inner| {
        let key = path_name(&inner.path);
        match key.as_str() {
            "by" if kind != RelationKind::ManyToMany => by = Some(inner.value()?.parse()?),
            "through" if kind == RelationKind::ManyToMany => {
                through = Some(inner.value()?.parse()?)
            }
            "from" if kind == RelationKind::ManyToMany => from = Some(inner.value()?.parse()?),
            "to" if kind == RelationKind::ManyToMany => to = Some(inner.value()?.parse()?),
            _ => {
                let Some(name) = inner.path.get_ident().cloned() else {
                    return Err(inner.error("expected `name = Model`"));
                };
                if named.is_some() {
                    return Err(inner.error(format!(
                        "unknown relation option `{name}`: a relation is `name = Model`, then \
                         {}",
                        if kind == RelationKind::ManyToMany {
                            "`through = JoinModel` and optionally `from = field, to = field`"
                        } else {
                            "optionally `by = foreign_key_field`"
                        }
                    )));
                }
                named = Some((name, inner.value()?.parse()?));
            }
        }
        Ok(())
    })?;
    let Some((name, target)) = named else {
        return Err(syn::Error::new(outer, "a relation needs `name = Model`"));
    };
    if kind == RelationKind::ManyToMany && through.is_none() {
        return Err(syn::Error::new(
            name.span(),
            "a many-to-many relation needs its join model: `through = JoinModel`",
        ));
    }
    if from.is_some() != to.is_some() {
        return Err(syn::Error::new(
            name.span(),
            "give both `from` and `to` (the join model's two foreign keys), or neither",
        ));
    }
    Ok(RelationAttr {
        kind,
        name,
        target,
        by,
        through,
        from,
        to,
    })
}

fn references_attr(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<ReferencesAttr> {
    let span = meta.path.span();
    let (mut target, mut field, mut on_delete, mut on_update, mut name) =
        (None, None, None, None, None);
    meta.parse_nested_meta(|inner| {
        let key = path_name(&inner.path);
        let action = |inner: &syn::meta::ParseNestedMeta<'_>| -> syn::Result<(Span, String)> {
            let value = inner.value()?;
            let (span, text) = if value.peek(LitStr) {
                let lit: LitStr = value.parse()?;
                (lit.span(), lit.value())
            } else {
                let ident: Ident = value.parse()?;
                (ident.span(), ident.to_string())
            };
            let text = text.to_ascii_lowercase().replace(' ', "_");
            if !["cascade", "set_null", "restrict", "no_action"].contains(&text.as_str()) {
                return Err(syn::Error::new(
                    span,
                    "expected `cascade`, `set_null`, `restrict` or `no_action`",
                ));
            }
            Ok((span, text))
        };
        match key.as_str() {
            "field" if inner.input.peek(syn::Token![=]) => field = Some(inner.value()?.parse()?),
            "on_delete" if inner.input.peek(syn::Token![=]) => on_delete = Some(action(&inner)?),
            "on_update" if inner.input.peek(syn::Token![=]) => on_update = Some(action(&inner)?),
            "name" if inner.input.peek(syn::Token![=]) => name = Some(inner.value()?.parse()?),
            _ if inner.input.peek(syn::Token![=]) => {
                return Err(inner.error(format!(
                    "unknown `references` option `{key}`: expected field, on_delete, on_update \
                     or name"
                )));
            }
            _ => {
                if target.is_some() {
                    return Err(inner.error("`references` names one model"));
                }
                target = Some(inner.path.clone());
            }
        }
        Ok(())
    })?;
    let Some(target) = target else {
        return Err(syn::Error::new(
            span,
            "`references` names the model the field points to: `references(User)`",
        ));
    };
    Ok(ReferencesAttr {
        span,
        target,
        field,
        on_delete,
        on_update,
        name,
    })
}

pub(crate) fn model_attrs(attrs: &[Attribute]) -> syn::Result<ModelAttrs> {
    let mut out = ModelAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("om")) {
        attr.parse_nested_meta(|meta| {
            let kind = match path_name(&meta.path).as_str() {
                "table" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    check_identifier(&lit)?;
                    out.table = Some(lit);
                    return Ok(());
                }
                "has_many" => RelationKind::HasMany,
                "has_one" => RelationKind::HasOne,
                "many_to_many" => RelationKind::ManyToMany,
                other => {
                    return Err(meta.error(format!(
                        "unknown model attribute `{other}`: expected `table = \"name\"`, \
                         `has_many(..)`, `has_one(..)` or `many_to_many(..)`"
                    )));
                }
            };
            out.relations.push(relation_attr(kind, &meta)?);
            Ok(())
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
                "references" => out.references = Some(references_attr(&meta)?),
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
                "renamed_from" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    check_identifier(&lit)?;
                    out.renamed_from = Some(lit);
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
                         parent, flatten, version, references, renamed_from"
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
