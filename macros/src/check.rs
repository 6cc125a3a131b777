//! Every semantic check of a tool, separate from parsing and code generation: policy
//! coherence, constraint fit, and the description lint. All problems are collected.

use crate::ctxt::Ctxt;
use crate::lint::{self, Finding};
use crate::model::{NumLit, ParamDef, ToolDef, spelled_int_bounds};

/// The most parameters a tool takes: the runtime parses parameter lists up to this length
/// (`toolwright_runtime::__private::MAX_PARAMS`).
pub const MAX_PARAMS: usize = 24;

pub fn check(cx: &mut Ctxt, def: &ToolDef) {
    if let Some(p) = def.params.get(MAX_PARAMS) {
        cx.error_at(
            p.span,
            format!(
                "a tool takes at most {MAX_PARAMS} parameters, and models choose arguments \
                 poorly long before that: group related ones into a struct parameter"
            ),
        );
    }
    check_policy(cx, def);
    for p in &def.params {
        check_constraints(cx, p);
    }
    check_descriptions(cx, def);
}

fn check_policy(cx: &mut Ctxt, def: &ToolDef) {
    let p = &def.policy;
    if let (Some(destructive), Some(_)) = (p.destructive, p.read_only) {
        cx.error_at(
            destructive,
            "a tool cannot be both `destructive` and `read_only`: keep `read_only` if it only \
             reads, or `destructive` if it deletes or overwrites",
        );
    }
    if let Some(destructive) = p.destructive
        && p.permissions.is_empty()
    {
        cx.error_at(
            destructive,
            "a destructive tool must declare at least one permission, so that only principals \
             granted it can call it, e.g. #[tool(destructive, permissions = [\"kb:write\"])]",
        );
    }
    if let Some((n, span)) = p.retries
        && n > 0
        && p.idempotent.is_none()
        && p.read_only.is_none()
    {
        cx.error_at(
            span,
            "`retries` needs an `idempotent` (or `read_only`) tool: retrying a call that may \
             already have taken effect could do it twice; add `idempotent` if repeating the \
             call is safe",
        );
    }
    if let (Some((n, span)), Some(_)) = (p.retries, p.destructive)
        && n > 0
    {
        cx.error_at(
            span,
            "a destructive tool cannot declare `retries`: a human approved one run, not several; \
             remove `retries` and let the model ask again if the call fails",
        );
    }
}

/// Whether the constraints agree with each other. Whether they fit the parameter's type is the
/// compiler's call: the generated code bounds the type by `HasLength`, `HasPattern` or `HasRange`
/// on the written type, and checks `range` bounds against `HasRange::MIN/MAX` in a constant, so
/// aliases and paths are judged by what they are. Only a `range` on a type spelled as a primitive
/// integer is also checked here, for the sharper message (the constant then never runs).
fn check_constraints(cx: &mut Ctxt, p: &ParamDef) {
    let a = &p.arg;
    if let Some(range) = &a.range
        && let Some((min, max)) = spelled_int_bounds(&p.ty)
    {
        let ty = &p.ty;
        let ty_text = quote::quote!(#ty).to_string().replace(' ', "");
        for b in [range.min, range.max].into_iter().flatten() {
            match b {
                NumLit::Int(i) if i < min || i > max => cx.error_spanned_by(
                    &range.tokens,
                    format!(
                        "`range` bound {i} does not fit `{}: {ty_text}`, which holds {min}..={max}",
                        p.name
                    ),
                ),
                NumLit::Float(f) if f.fract() != 0.0 => cx.error_spanned_by(
                    &range.tokens,
                    format!(
                        "`{}: {ty_text}` is an integer: write the range with integers, e.g. range = 1..=20",
                        p.name
                    ),
                ),
                _ => {}
            }
        }
    }
    if let (Some((min, span)), Some((max, _))) = (a.min_len, a.max_len)
        && min > max
    {
        cx.error_at(
            span,
            format!(
                "`min_len = {min}` is greater than `max_len = {max}`: no value can satisfy both"
            ),
        );
    }
    if let Some(pattern) = &a.pattern
        && let Some(problem) = crate::pattern::problem(&pattern.value())
    {
        cx.error_spanned_by(pattern, problem);
    }
}

fn report(cx: &mut Ctxt, def: &ToolDef, findings: Vec<Finding>, at: impl Fn(&mut Ctxt, String)) {
    for f in findings {
        if !def.policy.allows(f.rule) {
            at(cx, f.message);
        }
    }
}

fn check_descriptions(cx: &mut Ctxt, def: &ToolDef) {
    let ident = def.ident.clone();
    let doc = def.doc.as_ref().map(|d| d.text.as_str());
    report(
        cx,
        def,
        lint::check_tool_name_in(&def.name, doc),
        |cx, m| {
            cx.error_spanned_by(&ident, m);
        },
    );
    let findings = lint::check_tool_description(&def.name, doc, def.output.seems_to_return_data());
    match &def.doc {
        Some(doc) => {
            let attr = doc.first.clone();
            report(cx, def, findings, |cx, m| cx.error_spanned_by(&attr, m));
        }
        None => report(cx, def, findings, |cx, m| cx.error_spanned_by(&ident, m)),
    }
    for p in &def.params {
        let param = lint::ParamText::new(&p.name, p.doc.as_ref().map(|d| d.text.as_str()))
            .kind(kind_of(&p.ty));
        let findings = lint::check_param_of(&def.name, &param);
        match &p.doc {
            Some(doc) => {
                let attr = doc.first.clone();
                report(cx, def, findings, |cx, m| cx.error_spanned_by(&attr, m));
            }
            None => {
                let span = p.span;
                report(cx, def, findings, |cx, m| cx.error_at(span, m));
            }
        }
    }
}

/// What a parameter's Rust type says it holds, for the fix a finding suggests: read from the
/// type as written (`Option<T>` and references peeled), `Unknown` for a type of the user's own.
fn kind_of(ty: &syn::Type) -> lint::ParamKind {
    use lint::ParamKind;
    match ty {
        syn::Type::Reference(r) => kind_of(&r.elem),
        syn::Type::Paren(p) => kind_of(&p.elem),
        syn::Type::Slice(_) | syn::Type::Array(_) => ParamKind::List,
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return ParamKind::Unknown;
            };
            let ident = last.ident.to_string();
            match ident.as_str() {
                "Option" | "Box" => match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => args
                        .args
                        .iter()
                        .find_map(|a| match a {
                            syn::GenericArgument::Type(t) => Some(kind_of(t)),
                            _ => None,
                        })
                        .unwrap_or_default(),
                    _ => ParamKind::Unknown,
                },
                "bool" => ParamKind::Boolean,
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64"
                | "i128" | "isize" | "f32" | "f64" => ParamKind::Number,
                n if n.starts_with("NonZero") => ParamKind::Number,
                "String" | "str" | "Cow" => ParamKind::Text,
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" => ParamKind::List,
                "HashMap" | "BTreeMap" | "IndexMap" => ParamKind::Object,
                _ => ParamKind::Unknown,
            }
        }
        _ => ParamKind::Unknown,
    }
}
