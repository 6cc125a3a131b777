//! Parsing `#[tool(...)]` and `#[arg(...)]` into the model. Syntax only: whether the values
//! make sense together is `check`'s job.

use std::time::Duration;

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Token, UnOp};

use crate::ctxt::Ctxt;
use crate::lint::Rule;
use crate::model::{ArgAttr, NumLit, PolicyAttr, RangeAttr};
use crate::symbol::*;

/// The most retries a tool may declare; more hides an outage from everyone.
const MAX_RETRIES: u32 = 10;

fn did_you_mean<'a>(key: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let best = known
        .into_iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), k))
        .min();
    match best {
        Some((d, k)) if d <= 2 || (d <= 4 && k.starts_with(&key[..key.len().min(3)])) => {
            format!(" (did you mean `{k}`?)")
        }
        _ => String::new(),
    }
}

fn key_of(meta: &Meta) -> String {
    meta.path()
        .get_ident()
        .map_or_else(|| quote::quote!(#meta).to_string(), ToString::to_string)
}

/// The keys of one attribute seen so far: a key given twice is an error on its second
/// occurrence (serde_derive's `Attr::set`), even across several `#[arg(...)]` on one parameter.
struct Seen {
    attr: &'static str,
    keys: Vec<Symbol>,
}

impl Seen {
    fn new(attr: &'static str) -> Self {
        Self {
            attr,
            keys: Vec::new(),
        }
    }

    /// Records `sym`; `false` (after reporting it) when it was given before.
    fn set(&mut self, cx: &mut Ctxt, sym: Symbol, key: &syn::Path) -> bool {
        if self.keys.contains(&sym) {
            cx.error_spanned_by(
                key,
                format!(
                    "`{sym}` is given twice in `#[{}]`; keep one (which one applies would be a guess)",
                    self.attr
                ),
            );
            return false;
        }
        self.keys.push(sym);
        true
    }
}

/// Parses the arguments of `#[tool(...)]`.
pub fn parse_tool_attr(cx: &mut Ctxt, args: TokenStream) -> PolicyAttr {
    let mut policy = PolicyAttr::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(m) => m,
        Err(e) => {
            cx.push(syn::Error::new(
                e.span(),
                format!(
                    "{e}; `#[tool]` takes comma-separated settings, e.g. \
                     #[tool(permissions = [\"kb:read\"], read_only, timeout = \"5s\")]"
                ),
            ));
            return policy;
        }
    };
    let mut seen = Seen::new("tool");
    for meta in metas {
        let sym = Symbol::find(TOOL_KEYS, meta.path());
        // `example` may be given once per example.
        if let Some(sym) = sym
            && sym != EXAMPLE
            && !seen.set(cx, sym, meta.path())
        {
            continue;
        }
        match (sym, &meta) {
            (Some(READ_ONLY), Meta::Path(p)) => policy.read_only = Some(p.span()),
            (Some(DESTRUCTIVE), Meta::Path(p)) => policy.destructive = Some(p.span()),
            (Some(IDEMPOTENT), Meta::Path(p)) => policy.idempotent = Some(p.span()),
            (Some(OPEN_WORLD), Meta::Path(p)) => policy.open_world = Some(p.span()),
            (Some(PERMISSIONS), Meta::NameValue(nv)) => {
                policy.permissions_span = Some(nv.path.span());
                parse_permissions(cx, &nv.value, &mut policy.permissions);
            }
            (Some(TIMEOUT), Meta::NameValue(nv)) => {
                if let Some(lit) = str_lit(cx, &nv.value, "timeout", "\"5s\"") {
                    match parse_duration_ms(&lit.value()) {
                        Ok(ms) => policy.timeout_ms = Some(ms),
                        Err(why) => cx.error_spanned_by(
                            &lit,
                            format!(
                                "invalid timeout {:?}: {why}; write a number and a unit \
                                 (ms, s, m, h), e.g. timeout = \"5s\" or timeout = \"500ms\"",
                                lit.value()
                            ),
                        ),
                    }
                }
            }
            (Some(RETRIES), Meta::NameValue(nv)) => match int_lit(&nv.value) {
                Some(n) if (0..=i128::from(MAX_RETRIES)).contains(&n) => {
                    policy.retries = Some((n as u32, nv.value.span()));
                }
                _ => cx.error_spanned_by(
                    &nv.value,
                    format!(
                        "`retries` takes a whole number from 0 to {MAX_RETRIES}, e.g. retries = 2"
                    ),
                ),
            },
            (Some(RATE_LIMIT), Meta::NameValue(nv)) => {
                if let Some(lit) = str_lit(cx, &nv.value, "rate_limit", "\"30/min\"") {
                    match parse_rate(&lit.value()) {
                        Ok(rate) => policy.rate_limit = Some(rate),
                        Err(why) => cx.error_spanned_by(
                            &lit,
                            format!(
                                "invalid rate_limit {:?}: {why}; write calls per period, \
                                 e.g. rate_limit = \"30/min\" (also \"/s\", \"/h\")",
                                lit.value()
                            ),
                        ),
                    }
                }
            }
            (Some(ALLOW), Meta::List(list)) => {
                let parsed =
                    list.parse_args_with(Punctuated::<syn::Ident, Token![,]>::parse_terminated);
                match parsed {
                    Ok(idents) => {
                        for ident in idents {
                            let name = ident.to_string();
                            match Rule::from_name(&name) {
                                Some(rule) if rule.allowable() => {
                                    policy.allow.push((rule, ident.span()));
                                }
                                Some(_) => cx.error_spanned_by(
                                    &ident,
                                    format!("the `{name}` rule cannot be allowed: the model cannot use a tool that breaks it"),
                                ),
                                None => {
                                    let names: Vec<&str> = Rule::ALL
                                        .iter()
                                        .filter(|r| r.allowable())
                                        .map(|r| r.name())
                                        .collect();
                                    cx.error_spanned_by(
                                        &ident,
                                        format!(
                                            "unknown lint rule `{name}`{}; rules that can be allowed: {}",
                                            did_you_mean(&name, names.iter().copied()),
                                            names.join(", ")
                                        ),
                                    );
                                }
                            }
                        }
                    }
                    Err(e) => cx.push(e),
                }
            }
            (Some(EXAMPLE), Meta::NameValue(nv)) => {
                if let Some(lit) =
                    str_lit(cx, &nv.value, "example", "r#\"{\"query\": \"refund\"}\"#")
                {
                    let text = lit.value();
                    let text = text.trim();
                    if text.starts_with('{') && text.ends_with('}') {
                        policy.examples.push(lit);
                    } else {
                        cx.error_spanned_by(
                            &lit,
                            "an example is the arguments as one JSON object, e.g. example = r#\"{\"query\": \"refund\"}\"#",
                        );
                    }
                }
            }
            (Some(TITLE), Meta::NameValue(nv)) => {
                if let Some(lit) = str_lit(cx, &nv.value, "title", "\"Search the knowledge base\"")
                {
                    match check_title(&lit.value()) {
                        Ok(()) => policy.title = Some(lit),
                        Err(why) => cx.error_spanned_by(
                            &lit,
                            format!("{why}, e.g. title = \"Search the knowledge base\""),
                        ),
                    }
                }
            }
            (Some(ICONS), Meta::NameValue(nv)) => parse_icons(cx, &nv.value, &mut policy.icons),
            (Some(sym), _) => cx.error_spanned_by(&meta, sym.usage),
            (None, _) => {
                let k = key_of(&meta);
                cx.error_spanned_by(
                    meta.path(),
                    format!(
                        "unknown `#[tool]` setting `{k}`{}; known settings: {}",
                        did_you_mean(&k, TOOL_KEYS.iter().map(|s| s.name)),
                        Symbol::names(TOOL_KEYS)
                    ),
                );
            }
        }
    }
    policy
}

/// The longest title hosts are asked to show; longer text belongs in the description.
const MAX_TITLE: usize = 80;

fn check_title(title: &str) -> Result<(), String> {
    if title.trim().is_empty() {
        Err("a title is a short display name and cannot be empty".into())
    } else if title.contains(['\n', '\r']) {
        Err("a title is one line; put details in the doc comment".into())
    } else if title.trim() != title {
        Err("a title has no leading or trailing spaces".into())
    } else if title.chars().count() > MAX_TITLE {
        Err(format!(
            "a title is at most {MAX_TITLE} characters (this one has {}); put details in the doc comment",
            title.chars().count()
        ))
    } else {
        Ok(())
    }
}

fn parse_icons(cx: &mut Ctxt, value: &Expr, out: &mut Vec<(LitStr, String)>) {
    const USAGE: &str = "e.g. icons = [\"https://cdn.example.com/search.svg\"]";
    let Expr::Array(array) = value else {
        cx.error_spanned_by(
            value,
            format!("`icons` takes a list of image URLs, {USAGE}"),
        );
        return;
    };
    for elem in &array.elems {
        match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => match icon_media_type(&s.value()) {
                Ok(mime) => out.push((s.clone(), mime)),
                Err(why) => cx.error_spanned_by(s, format!("{why}; {USAGE}")),
            },
            other => cx.error_spanned_by(other, format!("each icon is a string literal, {USAGE}")),
        }
    }
}

/// The media type of an icon: from a `data:image/…` URI's header, or from an `https:` URL's
/// file extension. Other schemes (`http:`, `file:`, `javascript:`) are refused: hosts fetch
/// icons, and the specification asks them to accept only these two.
fn icon_media_type(src: &str) -> Result<String, String> {
    if let Some(rest) = src.strip_prefix("data:") {
        let header = rest.split_once(',').map(|(h, _)| h).ok_or_else(|| {
            format!("icon {src:.40?} is a data URI without a `,` before its data")
        })?;
        let mime = header.split(';').next().unwrap_or_default();
        return if mime.starts_with("image/") && mime.len() > "image/".len() {
            Ok(mime.to_ascii_lowercase())
        } else {
            Err(format!(
                "icon data URI has media type {mime:?}; an icon is an image (data:image/png;base64,…)"
            ))
        };
    }
    let Some(rest) = src.strip_prefix("https://") else {
        return Err(format!(
            "icon {src:.60?} is not an https: URL or a data:image/… URI; hosts load only those"
        ));
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let (host, path) = path.split_once('/').unwrap_or((path, ""));
    if host.is_empty() || host.contains(char::is_whitespace) || src.contains(char::is_whitespace) {
        return Err(format!("icon {src:.60?} is not a valid URL"));
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let mime = match ext.as_deref() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("ico") => "image/x-icon",
        _ => {
            return Err(format!(
                "cannot tell the image type of icon {src:.60?}; use a URL ending in .svg, .png, .jpg, .webp, .gif or .ico, or a data:image/… URI"
            ));
        }
    };
    Ok(mime.to_owned())
}

fn parse_permissions(cx: &mut Ctxt, value: &Expr, out: &mut Vec<LitStr>) {
    let Expr::Array(array) = value else {
        cx.error_spanned_by(
            value,
            "`permissions` takes a list of strings, e.g. permissions = [\"kb:read\", \"kb:write\"]",
        );
        return;
    };
    for elem in &array.elems {
        match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => {
                let v = s.value();
                if v.is_empty() || v.chars().any(char::is_whitespace) {
                    cx.error_spanned_by(
                        s,
                        "a permission is a non-empty string without spaces, e.g. \"kb:read\"",
                    );
                } else {
                    out.push(s.clone());
                }
            }
            other => cx.error_spanned_by(
                other,
                "each permission is a string literal, e.g. permissions = [\"kb:read\"]",
            ),
        }
    }
}

fn str_lit(cx: &mut Ctxt, value: &Expr, key: &str, example: &str) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        other => {
            cx.error_spanned_by(
                other,
                format!("`{key}` takes a string, e.g. {key} = {example}"),
            );
            None
        }
    }
}

fn int_lit(value: &Expr) -> Option<i128> {
    match num_lit(value)? {
        NumLit::Int(i) => Some(i),
        NumLit::Float(_) => None,
    }
}

fn num_lit(value: &Expr) -> Option<NumLit> {
    match value {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(i) => i.base10_parse::<i128>().ok().map(NumLit::Int),
            Lit::Float(f) => f.base10_parse::<f64>().ok().map(NumLit::Float),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match num_lit(&u.expr)? {
            NumLit::Int(i) => Some(NumLit::Int(-i)),
            NumLit::Float(f) => Some(NumLit::Float(-f)),
        },
        Expr::Group(g) => num_lit(&g.expr),
        Expr::Paren(p) => num_lit(&p.expr),
        _ => None,
    }
}

/// Parses every `#[arg(...)]` on one parameter.
pub fn parse_arg_attrs(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> ArgAttr {
    let mut arg = ArgAttr::default();
    let mut seen = Seen::new("arg");
    for attr in attrs.iter().filter(|a| a.path().is_ident("arg")) {
        let metas = match attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
            Ok(m) => m,
            Err(e) => {
                cx.push(syn::Error::new(
                    e.span(),
                    format!(
                        "{e}; `#[arg]` takes settings such as #[arg(min_len = 1, max_len = 200)]"
                    ),
                ));
                continue;
            }
        };
        for meta in metas {
            let sym = Symbol::find(ARG_KEYS, meta.path());
            if let Some(sym) = sym
                && !seen.set(cx, sym, meta.path())
            {
                continue;
            }
            match (sym, &meta) {
                (Some(SECRET), Meta::Path(_)) => arg.secret = true,
                (Some(key @ (MIN_LEN | MAX_LEN)), Meta::NameValue(nv)) => {
                    match int_lit(&nv.value) {
                        Some(n) if n >= 0 => {
                            let v = Some((n as u64, nv.value.span()));
                            if key == MIN_LEN {
                                arg.min_len = v;
                            } else {
                                arg.max_len = v;
                            }
                        }
                        _ => cx.error_spanned_by(
                            &nv.value,
                            format!("`{key}` takes a non-negative integer, e.g. {key} = 200"),
                        ),
                    }
                }
                (Some(RANGE), Meta::NameValue(nv)) => {
                    if let Some(r) = parse_range(cx, &nv.value) {
                        arg.range = Some(r);
                    }
                }
                (Some(PATTERN), Meta::NameValue(nv)) => {
                    if let Some(lit) = str_lit(cx, &nv.value, "pattern", "\"^[A-Z]{2}-[0-9]+$\"") {
                        arg.pattern = Some(lit);
                    }
                }
                (Some(DEFAULT), Meta::NameValue(nv)) => arg.default = Some(nv.value.clone()),
                (Some(sym), _) => cx.error_spanned_by(&meta, sym.usage),
                (None, _) => {
                    let k = key_of(&meta);
                    cx.error_spanned_by(
                        meta.path(),
                        format!(
                            "unknown `#[arg]` setting `{k}`{}; known settings: {}",
                            did_you_mean(&k, ARG_KEYS.iter().map(|s| s.name)),
                            Symbol::names(ARG_KEYS)
                        ),
                    );
                }
            }
        }
    }
    arg
}

fn parse_range(cx: &mut Ctxt, value: &Expr) -> Option<RangeAttr> {
    const USAGE: &str = "`range` takes a range of number literals, e.g. range = 1..=20, range = 0.0..1.0 or range = 1..";
    let Expr::Range(r) = value else {
        cx.error_spanned_by(value, USAGE);
        return None;
    };
    let mut bound = |e: &Option<Box<Expr>>| -> Result<Option<NumLit>, ()> {
        match e {
            None => Ok(None),
            Some(e) => num_lit(e)
                .map(Some)
                .ok_or_else(|| cx.error_spanned_by(e, USAGE)),
        }
    };
    let min = bound(&r.start).ok()?;
    let max = bound(&r.end).ok()?;
    let max_exclusive = matches!(r.limits, syn::RangeLimits::HalfOpen(_));
    if min.is_none() && max.is_none() {
        cx.error_spanned_by(value, USAGE);
        return None;
    }
    if let (Some(a), Some(b)) = (min, max) {
        let empty = if max_exclusive {
            a.as_f64() >= b.as_f64()
        } else {
            a.as_f64() > b.as_f64()
        };
        if empty {
            cx.error_spanned_by(value, "this range is empty: no value can satisfy it");
            return None;
        }
    }
    Some(RangeAttr {
        min,
        max,
        max_exclusive,
        tokens: quote::quote!(#value),
    })
}

/// `"5s"`, `"500ms"`, `"2m"`, `"1h"`, `"1m30s"`, `"1.5s"` → milliseconds (the grammar is
/// `toolwright_grammar::duration`, shared with the runtime), from 1 ms to one day.
pub fn parse_duration_ms(text: &str) -> Result<u64, &'static str> {
    let duration = toolwright_grammar::duration(text).map_err(|e| e.reason())?;
    if duration < Duration::from_millis(1) {
        return Err("a timeout must be at least 1ms");
    }
    if duration > Duration::from_secs(86_400) {
        return Err("a timeout longer than a day is not a timeout");
    }
    // At most a day: the rounded milliseconds fit in a u64.
    Ok(((duration.as_nanos() + 500_000) / 1_000_000) as u64)
}

/// `"30/min"` → (30, 60 seconds), read by `toolwright_grammar::rate` as the runtime's
/// `Rate::from_str` reads it.
pub fn parse_rate(text: &str) -> Result<(u32, u64), &'static str> {
    let rate = toolwright_grammar::rate(text).map_err(|e| e.reason())?;
    Ok((rate.count.get(), rate.per.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration_ms("5s"), Ok(5_000));
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("2m"), Ok(120_000));
        assert_eq!(parse_duration_ms("1h"), Ok(3_600_000));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms("1.5s"), Ok(1_500));
        assert!(parse_duration_ms("soon").is_err());
        assert!(parse_duration_ms("5").is_err());
        assert!(parse_duration_ms("5 parsecs").is_err());
        assert!(parse_duration_ms("0s").is_err());
        assert!(parse_duration_ms("").is_err());
    }

    #[test]
    fn rates_parse_per_period() {
        assert_eq!(parse_rate("30/min"), Ok((30, 60)));
        assert_eq!(parse_rate("5/s"), Ok((5, 1)));
        assert_eq!(parse_rate("100/h"), Ok((100, 3_600)));
        assert_eq!(parse_rate(" 7 / minute "), Ok((7, 60)));
        assert!(parse_rate("lots").is_err());
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("5/fortnight").is_err());
    }

    proptest::proptest! {
        /// The macro emits `Rate { count: NonZeroU32::MIN.saturating_add(count - 1), per:
        /// Duration::from_secs(secs) }` for a `rate_limit` the runtime's `Rate::from_str` reads
        /// as the same rate, and both refuse the same texts for the same reason.
        #[test]
        fn the_macro_and_the_runtime_read_every_rate_alike(
            text in "[ +0-9]{0,12}/? ?(s|sec|second|m|min|minute|h|hr|hour|d|day|ms|x|)[ a-z]{0,2}",
        ) {
            let by_macro = parse_rate(&text)
                .map(|(count, secs)| toolwright_runtime::Rate {
                    count: std::num::NonZeroU32::MIN.saturating_add(count - 1),
                    per: Duration::from_secs(secs),
                });
            let by_runtime = text.parse::<toolwright_runtime::Rate>();
            match (by_macro, by_runtime) {
                (Ok(a), Ok(b)) => proptest::prop_assert_eq!(a, b),
                (Err(why), Err(e)) => proptest::prop_assert!(e.to_string().contains(why), "{why} / {e}"),
                (a, b) => proptest::prop_assert!(false, "{text:?}: macro {a:?}, runtime {b:?}"),
            }
        }

        /// Whatever the macro accepts as a timeout is the grammar's duration to the millisecond.
        #[test]
        fn timeouts_are_the_shared_duration_in_milliseconds(
            text in "[0-9]{1,6}(\\.[0-9]{0,4})? ?(ms|s|m|h|min)( [0-9]{1,3}(ms|s))?",
        ) {
            let grammar = toolwright_grammar::duration(&text).map_err(|e| e.reason());
            match parse_duration_ms(&text) {
                Ok(ms) => {
                    // In whole nanoseconds: a float here is off by one ulp at exactly half a
                    // millisecond ("500.5ms"), which the rounding rounds up.
                    let exact = grammar.map(|d| d.as_nanos());
                    proptest::prop_assert!(
                        exact.is_ok_and(|e| (u128::from(ms) * 1_000_000).abs_diff(e) <= 500_000),
                        "{text}: {ms}"
                    );
                }
                Err(why) => proptest::prop_assert!(
                    grammar.is_err_and(|g| g == why)
                        || why.starts_with("a timeout")
                ),
            }
        }
    }

    #[test]
    fn half_a_millisecond_rounds_up() {
        assert_eq!(parse_duration_ms("500.5ms"), Ok(501));
        assert_eq!(parse_duration_ms("1.5ms"), Ok(2));
    }

    #[test]
    fn near_keys_are_suggested() {
        assert_eq!(
            did_you_mean("timout", TOOL_KEYS.iter().map(|s| s.name)),
            " (did you mean `timeout`?)"
        );
        assert_eq!(
            did_you_mean("readonly", TOOL_KEYS.iter().map(|s| s.name)),
            " (did you mean `read_only`?)"
        );
        assert_eq!(did_you_mean("zzzzzz", TOOL_KEYS.iter().map(|s| s.name)), "");
    }
}
