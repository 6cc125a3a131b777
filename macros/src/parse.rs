//! Reading a function signature into the model: parameters, doc comments, the return type.

use proc_macro2::TokenStream;
use syn::{Attribute, Expr, ExprLit, FnArg, Lit, Meta, Pat, ReturnType, Signature, Type};

use crate::attr;
use crate::ctxt::Ctxt;
use crate::lint;
use crate::model::{Doc, Input, Output, ParamDef, ToolDef};

/// Builds the model of one tool from its attributes, signature and `#[tool(...)]` arguments.
pub fn tool_def(cx: &mut Ctxt, attrs: &[Attribute], sig: &Signature, args: TokenStream) -> ToolDef {
    let policy = attr::parse_tool_attr(cx, args);
    let ident = sig.ident.clone();
    let name = {
        use syn::ext::IdentExt;
        ident.unraw().to_string()
    };

    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a tool cannot be generic: the model needs one concrete JSON Schema; \
             use concrete parameter types",
        );
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(c, "a tool cannot be a `const fn`");
    }
    if let Some(u) = &sig.unsafety {
        cx.error_spanned_by(u, "a tool cannot be `unsafe`: the model would call it");
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "a tool cannot be variadic");
    }

    let mut inputs = Vec::new();
    let mut params: Vec<ParamDef> = Vec::new();
    let mut has_receiver = false;
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                if r.reference.is_none() || r.mutability.is_some() || r.colon_token.is_some() {
                    cx.error_spanned_by(
                        r,
                        "a tool method takes `&self`: the state is shared between concurrent \
                         calls (put mutable parts behind a Mutex or use a pool)",
                    );
                }
                has_receiver = true;
            }
            FnArg::Typed(pt) => {
                if is_context(&pt.ty) {
                    if has_param_attrs(&pt.attrs) {
                        cx.error_spanned_by(
                            &pt.ty,
                            "the injected `&ToolContext` is not shown to the model: \
                             remove its doc comment and #[arg] attributes",
                        );
                    }
                    inputs.push(Input::Context);
                    continue;
                }
                if let Type::Path(tp) = &*pt.ty
                    && tp
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "ToolContext")
                {
                    cx.error_spanned_by(
                        &pt.ty,
                        "the tool context is injected by reference: write `ctx: &ToolContext`",
                    );
                    inputs.push(Input::Context);
                    continue;
                }
                let Pat::Ident(pi) = &*pt.pat else {
                    cx.error_spanned_by(
                        &pt.pat,
                        "a tool parameter must be a plain name (its name is the argument's \
                         property name), e.g. `query: String`",
                    );
                    continue;
                };
                if let Some(by_ref) = &pi.by_ref {
                    cx.error_spanned_by(by_ref, "a tool parameter cannot be bound by reference");
                }
                if let Type::Reference(r) = &*pt.ty {
                    cx.error_spanned_by(
                        r,
                        "a tool parameter must own its value (the model's JSON is parsed into \
                         it): use `String` instead of `&str`, `Vec<T>` instead of `&[T]`; \
                         only `&ToolContext` is injected by reference",
                    );
                }
                if let Type::ImplTrait(t) = &*pt.ty {
                    cx.error_spanned_by(
                        t,
                        "a tool parameter needs a concrete type, not `impl Trait`",
                    );
                }
                let name = {
                    use syn::ext::IdentExt;
                    pi.ident.unraw().to_string()
                };
                let arg = attr::parse_arg_attrs(cx, &pt.attrs);
                inputs.push(Input::Param(params.len()));
                params.push(ParamDef {
                    ident: pi.ident.clone(),
                    name,
                    ty: (*pt.ty).clone(),
                    doc: doc_of(&pt.attrs),
                    arg,
                    is_option: is_option(&pt.ty),
                    span: pi.ident.span(),
                });
            }
        }
    }

    let output = match &sig.output {
        ReturnType::Default => Output { ty: None },
        ReturnType::Type(_, ty) => {
            if let Type::ImplTrait(t) = &**ty {
                cx.error_spanned_by(
                    t,
                    "a tool returns a concrete type: `T` or `Result<T, ToolError>` with `T: Serialize`",
                );
            }
            Output {
                ty: Some((**ty).clone()),
            }
        }
    };

    ToolDef {
        ident,
        name,
        doc: doc_of(attrs),
        is_async: sig.asyncness.is_some(),
        has_receiver,
        inputs,
        params,
        output,
        policy,
    }
}

/// Whether `ty` is `&ToolContext` (any path ending in `ToolContext`).
pub fn is_context(ty: &Type) -> bool {
    let Type::Reference(r) = ty else {
        return false;
    };
    r.mutability.is_none()
        && matches!(&*r.elem, Type::Path(p) if p.qself.is_none()
            && p.path.segments.last().is_some_and(|s| s.ident == "ToolContext" && s.arguments.is_empty()))
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn has_param_attrs(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("doc") || a.path().is_ident("arg"))
}

/// The doc comment of an item or parameter, joined for the model.
pub fn doc_of(attrs: &[Attribute]) -> Option<Doc> {
    let mut lines = Vec::new();
    let mut first = None;
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            lines.push(s.value());
            first.get_or_insert_with(|| attr.clone());
        }
    }
    let first = first?;
    let text = lint::join_doc_lines(&lines);
    if text.is_empty() {
        return None;
    }
    Some(Doc { text, first })
}

/// Removes the doc comments and `#[arg]` attributes of parameters: rustc rejects doc comments
/// on parameters, and they have been read into the model.
pub fn strip_param_attrs(sig: &mut Signature) {
    for input in &mut sig.inputs {
        if let FnArg::Typed(pt) = input {
            pt.attrs
                .retain(|a| !a.path().is_ident("doc") && !a.path().is_ident("arg"));
        }
    }
}
