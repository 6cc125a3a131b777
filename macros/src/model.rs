//! The tool as plain data: what `parse` read and `check` judged, what `expand` generates from.

use proc_macro2::Span;
use syn::{Attribute, Expr, GenericArgument, Ident, LitStr, PathArguments, Type};

/// One `#[tool]` function or method.
pub struct ToolDef {
    /// The function's identifier.
    pub ident: Ident,
    /// The tool name the model calls (the identifier, unraw).
    pub name: String,
    /// The joined doc comment, with the attribute it came from (for spans).
    pub doc: Option<Doc>,
    /// `async fn`.
    pub is_async: bool,
    /// `&self` receiver (a method in a `#[tools]` block).
    pub has_receiver: bool,
    /// Every parameter in order.
    pub inputs: Vec<Input>,
    /// The model-visible parameters, in order.
    pub params: Vec<ParamDef>,
    /// What the body returns.
    pub output: Output,
    /// The declared policy.
    pub policy: PolicyAttr,
}

/// A doc comment joined into one description.
pub struct Doc {
    pub text: String,
    pub first: Attribute,
}

/// One parameter of the function, in call order.
pub enum Input {
    /// A model-visible parameter: index into `ToolDef::params`.
    Param(usize),
    /// `&ToolContext`, injected.
    Context,
}

/// A model-visible parameter.
pub struct ParamDef {
    pub ident: Ident,
    pub name: String,
    pub ty: Type,
    pub doc: Option<Doc>,
    pub arg: ArgAttr,
    /// `Option<…>` written in the signature.
    pub is_option: bool,
    /// The parameter ident's span, for errors about the parameter as a whole.
    pub span: Span,
}

/// `#[arg(...)]`.
#[derive(Default)]
pub struct ArgAttr {
    pub min_len: Option<(u64, Span)>,
    pub max_len: Option<(u64, Span)>,
    pub range: Option<RangeAttr>,
    pub pattern: Option<LitStr>,
    pub default: Option<Expr>,
    pub secret: bool,
}

/// `range = a..=b`, `a..b`, `a..`, `..=b`.
pub struct RangeAttr {
    pub min: Option<NumLit>,
    pub max: Option<NumLit>,
    pub max_exclusive: bool,
    /// The written range, for errors spanning all of it.
    pub tokens: proc_macro2::TokenStream,
}

/// A numeric literal, possibly negative.
#[derive(Clone, Copy)]
pub enum NumLit {
    Int(i128),
    Float(f64),
}

impl NumLit {
    pub fn as_f64(self) -> f64 {
        match self {
            NumLit::Int(i) => i as f64,
            NumLit::Float(f) => f,
        }
    }
}

/// The function's return.
pub struct Output {
    /// The written return type (`None` for `()`). What it is (a `Result`, serializable, with a
    /// schema) is for the compiler to judge: the generated code asks it through trait bounds.
    pub ty: Option<Type>,
}

impl Output {
    /// Whether the tool seems to return data, for the `missing_returns` lint only: the macro
    /// runs before types exist, so `()` and `…Result<()>` (any alias whose name ends in
    /// `Result`) are read as "no data", everything else as data.
    pub fn seems_to_return_data(&self) -> bool {
        fn is_unit(ty: &Type) -> bool {
            match ty {
                Type::Tuple(t) => t.elems.is_empty(),
                Type::Paren(p) => is_unit(&p.elem),
                Type::Group(g) => is_unit(&g.elem),
                _ => false,
            }
        }
        let Some(ty) = &self.ty else {
            return false;
        };
        if is_unit(ty) {
            return false;
        }
        if let Type::Path(p) = ty
            && let Some(last) = p.path.segments.last()
            && last.ident.to_string().ends_with("Result")
            && let PathArguments::AngleBracketed(args) = &last.arguments
            && let Some(GenericArgument::Type(ok)) = args.args.first()
        {
            return !is_unit(ok);
        }
        true
    }
}

/// `#[tool(...)]`.
#[derive(Default)]
pub struct PolicyAttr {
    pub permissions: Vec<LitStr>,
    pub permissions_span: Option<Span>,
    pub read_only: Option<Span>,
    pub destructive: Option<Span>,
    pub idempotent: Option<Span>,
    pub open_world: Option<Span>,
    pub timeout_ms: Option<u64>,
    pub retries: Option<(u32, Span)>,
    pub rate_limit: Option<(u32, u64)>,
    pub allow: Vec<(crate::lint::Rule, Span)>,
    /// `example = r#"{…}"#`, any number of times: example arguments, checked against the
    /// schema when the registry is built.
    pub examples: Vec<LitStr>,
    /// `title = "…"`: the display name hosts show (MCP `title`).
    pub title: Option<LitStr>,
    /// `icons = ["https://…/x.svg", "data:image/png;base64,…"]`, each with its media type.
    pub icons: Vec<(LitStr, String)>,
}

impl PolicyAttr {
    pub fn allows(&self, rule: crate::lint::Rule) -> bool {
        self.allow.iter().any(|(r, _)| *r == rule)
    }
}

/// The values of a type spelled as a primitive integer (`u8`, not an alias of it).
pub fn spelled_int_bounds(ty: &syn::Type) -> Option<(i128, i128)> {
    let syn::Type::Path(p) = ty else { return None };
    let name = p.path.get_ident()?.to_string();
    Some(match name.as_str() {
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
