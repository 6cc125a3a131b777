//! Every semantic check of a tool, separate from parsing and code generation: policy
//! coherence, constraint fit, and the description lint. All problems are collected.

use syn::{GenericArgument, PathArguments, Type};

use crate::ctxt::Ctxt;
use crate::lint::{self, Finding};
use crate::model::{NumLit, ParamDef, ToolDef};

pub fn check(cx: &mut Ctxt, def: &ToolDef) {
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

/// What a parameter's type is, as far as the syntax tells.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Str,
    Seq,
    Int { min: i128, max: i128 },
    Float,
    Other,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn first_type_arg(seg: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    a.args.iter().find_map(|g| match g {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn shape_of(ty: &Type) -> Shape {
    if let Type::Array(_) = ty {
        return Shape::Seq;
    }
    let Some(seg) = last_segment(ty) else {
        return Shape::Other;
    };
    let name = seg.ident.to_string();
    match name.as_str() {
        "Option" | "Box" => first_type_arg(seg).map_or(Shape::Other, shape_of),
        "String" | "str" | "Cow" => Shape::Str,
        "Vec" | "VecDeque" | "HashSet" | "BTreeSet" => Shape::Seq,
        "f32" | "f64" => Shape::Float,
        int => match int_bounds(int) {
            Some((min, max)) => Shape::Int { min, max },
            None => Shape::Other,
        },
    }
}

fn int_bounds(name: &str) -> Option<(i128, i128)> {
    Some(match name {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

fn check_constraints(cx: &mut Ctxt, p: &ParamDef) {
    let a = &p.arg;
    let shape = shape_of(&p.ty);
    let ty = &p.ty;
    let ty_text = quote::quote!(#ty).to_string().replace(' ', "");
    for (key, v) in [("min_len", a.min_len), ("max_len", a.max_len)] {
        if let Some((_, span)) = v
            && !matches!(shape, Shape::Str | Shape::Seq)
        {
            cx.error_at(
                span,
                format!(
                    "`{key}` does not fit `{}: {ty_text}`: it limits the length of a `String` or \
                     the item count of a `Vec`; for numbers use `range`, e.g. range = 1..=20",
                    p.name
                ),
            );
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
    if let Some(pattern) = &a.pattern {
        if shape != Shape::Str {
            cx.error_spanned_by(
                pattern,
                format!(
                    "`pattern` does not fit `{}: {ty_text}`: it constrains a `String`",
                    p.name
                ),
            );
        }
        if let Some(problem) = crate::pattern::problem(&pattern.value()) {
            cx.error_spanned_by(pattern, problem);
        }
    }
    if let Some(range) = &a.range {
        match shape {
            Shape::Int { min, max } => {
                for b in [range.min, range.max].into_iter().flatten() {
                    match b {
                        NumLit::Float(_) => cx.error_spanned_by(
                            &range.tokens,
                            format!("`{}: {ty_text}` is an integer: write the range with integers, e.g. range = 1..=20", p.name),
                        ),
                        NumLit::Int(i) if i < min || i > max => cx.error_spanned_by(
                            &range.tokens,
                            format!(
                                "`range` bound {i} does not fit `{}: {ty_text}`, which holds {min}..={max}",
                                p.name
                            ),
                        ),
                        NumLit::Int(_) => {}
                    }
                }
            }
            Shape::Float => {}
            _ => cx.error_spanned_by(
                &range.tokens,
                format!(
                    "`range` does not fit `{}: {ty_text}`: it bounds an integer or float; \
                     for strings and lists use `min_len`/`max_len`",
                    p.name
                ),
            ),
        }
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
    report(cx, def, lint::check_tool_name(&def.name), |cx, m| {
        cx.error_spanned_by(&ident, m);
    });
    let findings = lint::check_tool_description(
        &def.name,
        def.doc.as_ref().map(|d| d.text.as_str()),
        def.output.returns_data(),
    );
    match &def.doc {
        Some(doc) => {
            let attr = doc.first.clone();
            report(cx, def, findings, |cx, m| cx.error_spanned_by(&attr, m));
        }
        None => report(cx, def, findings, |cx, m| cx.error_spanned_by(&ident, m)),
    }
    for p in &def.params {
        let findings =
            lint::check_param_description(&p.name, p.doc.as_ref().map(|d| d.text.as_str()));
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
