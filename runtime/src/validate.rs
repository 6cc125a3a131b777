//! Argument validation: parse into the tool's argument struct, then check the declared
//! `#[arg(...)]` constraints. The fast path parses straight into the typed struct; only when
//! that fails is the input walked field by field, so every error is reported at once.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet, VecDeque};

use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::decl::{Bound, ParamDecl, ToolDecl};
use crate::tool::RawArgs;
use crate::{FieldError, ToolError};

/// The compiled constraints of one tool (regexes compiled once, at registration).
#[derive(Debug)]
pub struct ArgRules {
    params: &'static [ParamDecl],
    patterns: Vec<Option<Regex>>,
}

impl ArgRules {
    /// Compiles the declared constraints of `decl`.
    ///
    /// # Errors
    /// A message naming the parameter whose `pattern` does not compile (the macro checks
    /// patterns at compile time, so this only fires for hand-written declarations).
    pub fn compile(decl: &'static ToolDecl) -> Result<Self, String> {
        let patterns = decl
            .params
            .iter()
            .map(|p| {
                p.constraints
                    .pattern
                    .map(|pat| {
                        Regex::new(pat).map_err(|e| {
                            format!("parameter `{}` has an invalid pattern: {e}", p.name)
                        })
                    })
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            params: decl.params,
            patterns,
        })
    }

    /// A fresh validator that collects errors.
    pub fn validator(&self) -> Validator<'_> {
        Validator {
            rules: self,
            errors: Vec::new(),
        }
    }
}

/// A value a constraint can look at.
#[doc(hidden)]
pub enum ArgView<'a> {
    Str(&'a str),
    Items(usize),
    Int(i128),
    Float(f64),
    Absent,
}

/// Types a `#[arg(min_len, max_len, range, pattern)]` constraint applies to.
#[diagnostic::on_unimplemented(
    message = "`#[arg(...)]` length, range and pattern constraints do not apply to `{Self}`",
    label = "this parameter's type cannot be checked against the declared constraint",
    note = "`min_len`/`max_len`/`pattern` fit `String` and `Vec<T>`; `range` fits integers and floats (each also inside `Option`)"
)]
pub trait ArgValue {
    #[doc(hidden)]
    fn view(&self) -> ArgView<'_>;
}

impl ArgValue for String {
    fn view(&self) -> ArgView<'_> {
        ArgView::Str(self)
    }
}
impl ArgValue for str {
    fn view(&self) -> ArgView<'_> {
        ArgView::Str(self)
    }
}
impl ArgValue for Cow<'_, str> {
    fn view(&self) -> ArgView<'_> {
        ArgView::Str(self)
    }
}
impl<T> ArgValue for Vec<T> {
    fn view(&self) -> ArgView<'_> {
        ArgView::Items(self.len())
    }
}
impl<T> ArgValue for VecDeque<T> {
    fn view(&self) -> ArgView<'_> {
        ArgView::Items(self.len())
    }
}
impl<T> ArgValue for BTreeSet<T> {
    fn view(&self) -> ArgView<'_> {
        ArgView::Items(self.len())
    }
}
impl<T, S> ArgValue for HashSet<T, S> {
    fn view(&self) -> ArgView<'_> {
        ArgView::Items(self.len())
    }
}
impl<T: ArgValue> ArgValue for Option<T> {
    fn view(&self) -> ArgView<'_> {
        self.as_ref().map_or(ArgView::Absent, ArgValue::view)
    }
}
impl<T: ArgValue + ?Sized> ArgValue for Box<T> {
    fn view(&self) -> ArgView<'_> {
        (**self).view()
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ArgValue for $t {
            fn view(&self) -> ArgView<'_> { ArgView::Int(i128::from(*self)) }
        }
    )*};
}
int_arg!(u8, u16, u32, u64, i8, i16, i32, i64);
impl ArgValue for usize {
    fn view(&self) -> ArgView<'_> {
        ArgView::Int(*self as i128)
    }
}
impl ArgValue for isize {
    fn view(&self) -> ArgView<'_> {
        ArgView::Int(*self as i128)
    }
}
impl ArgValue for f32 {
    fn view(&self) -> ArgView<'_> {
        ArgView::Float(f64::from(*self))
    }
}
impl ArgValue for f64 {
    fn view(&self) -> ArgView<'_> {
        ArgView::Float(*self)
    }
}

/// Collects every argument error of one call.
pub struct Validator<'r> {
    rules: &'r ArgRules,
    errors: Vec<FieldError>,
}

impl Validator<'_> {
    /// Checks parameter `index`'s value against its declared constraints.
    pub fn check<T: ArgValue + ?Sized>(&mut self, index: usize, value: &T) {
        let Some(param) = self.rules.params.get(index) else {
            return;
        };
        let c = &param.constraints;
        let pointer = || pointer_for(param.name);
        match value.view() {
            ArgView::Absent => {}
            ArgView::Str(s) => {
                // A UTF-8 string of n bytes holds between n/4 and n characters: count them only
                // when a bound falls inside that range.
                let bytes = s.len() as u64;
                let clearly_ok = c.min_len.is_none_or(|m| bytes.div_ceil(4) >= m)
                    && c.max_len.is_none_or(|m| bytes <= m);
                let chars = if clearly_ok {
                    0
                } else {
                    s.chars().count() as u64
                };
                if let Some(min) = c.min_len
                    && !clearly_ok
                    && chars < min
                {
                    self.errors.push(FieldError::new(
                        pointer(),
                        format!(
                            "must be at least {} long, got {chars}",
                            plural(min, "character")
                        ),
                    ));
                }
                if let Some(max) = c.max_len
                    && !clearly_ok
                    && chars > max
                {
                    self.errors.push(FieldError::new(
                        pointer(),
                        format!(
                            "must be at most {} long, got {chars}",
                            plural(max, "character")
                        ),
                    ));
                }
                if let Some(Some(re)) = self.rules.patterns.get(index)
                    && !re.is_match(s)
                {
                    self.errors.push(FieldError::new(
                        pointer(),
                        format!("must match the pattern `{}`", re.as_str()),
                    ));
                }
            }
            ArgView::Items(n) => {
                let n = n as u64;
                if let Some(min) = c.min_len
                    && n < min
                {
                    self.errors.push(FieldError::new(
                        pointer(),
                        format!("must have at least {}, got {n}", plural(min, "item")),
                    ));
                }
                if let Some(max) = c.max_len
                    && n > max
                {
                    self.errors.push(FieldError::new(
                        pointer(),
                        format!("must have at most {}, got {n}", plural(max, "item")),
                    ));
                }
            }
            ArgView::Int(v) => self.check_range(index, param, Num::Int(v)),
            ArgView::Float(v) => self.check_range(index, param, Num::Float(v)),
        }
    }

    fn check_range(&mut self, _index: usize, param: &ParamDecl, v: Num) {
        let c = &param.constraints;
        if let Num::Float(f) = v
            && !f.is_finite()
        {
            self.errors.push(FieldError::new(
                pointer_for(param.name),
                "must be a finite number",
            ));
            return;
        }
        let shown = if c.secret {
            String::from("a different value")
        } else {
            v.to_string()
        };
        if let Some(min) = c.min {
            let (ok, words) = match min {
                Bound::Inclusive(b) => (v.cmp_bound(b) >= 0, format!("at least {b}")),
                Bound::Exclusive(b) => (v.cmp_bound(b) > 0, format!("greater than {b}")),
            };
            if !ok {
                self.errors.push(FieldError::new(
                    pointer_for(param.name),
                    format!("must be {words}, got {shown}"),
                ));
            }
        }
        if let Some(max) = c.max {
            let (ok, words) = match max {
                Bound::Inclusive(b) => (v.cmp_bound(b) <= 0, format!("at most {b}")),
                Bound::Exclusive(b) => (v.cmp_bound(b) < 0, format!("less than {b}")),
            };
            if !ok {
                self.errors.push(FieldError::new(
                    pointer_for(param.name),
                    format!("must be {words}, got {shown}"),
                ));
            }
        }
    }

    /// Slow path: parameter `index` taken from a JSON object, type-checked on its own and then
    /// checked against its constraints.
    pub fn field_checked<T: DeserializeOwned + ArgValue>(
        &mut self,
        obj: &Map<String, Value>,
        index: usize,
    ) {
        if let Some(v) = self.field::<T>(obj, index) {
            self.check(index, &v);
        }
    }

    /// Slow path: parameter `index` taken from a JSON object and type-checked on its own.
    pub fn field<T: DeserializeOwned>(
        &mut self,
        obj: &Map<String, Value>,
        index: usize,
    ) -> Option<T> {
        let param = self.rules.params.get(index)?;
        let value = match obj.get(param.name) {
            // `null` for a parameter with a default means "use the default".
            Some(Value::Null) if param.constraints.default.is_some() => None,
            other => other,
        };
        match value {
            None => {
                // Missing is fine exactly when serde would accept it: a declared default, or
                // a type (an `Option`, or an alias of one) that deserializes from null.
                if param.constraints.default.is_none() && T::deserialize(&Value::Null).is_err() {
                    self.errors.push(FieldError::new(
                        pointer_for(param.name),
                        "missing required argument",
                    ));
                }
                None
            }
            Some(value) => match serde_path_to_error::deserialize::<_, T>(value) {
                Ok(v) => Some(v),
                Err(err) => {
                    let mut pointer = pointer_for(param.name);
                    for seg in err.path().iter() {
                        use serde_path_to_error::Segment;
                        match seg {
                            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                            Segment::Map { key } | Segment::Enum { variant: key } => {
                                push_token(&mut pointer, key);
                            }
                            Segment::Unknown => {}
                        }
                    }
                    let message = describe_serde_error(&err.into_inner(), param.constraints.secret);
                    self.errors.push(FieldError::new(pointer, message));
                    None
                }
            },
        }
    }

    /// Slow path: reports every key of `obj` that is not a parameter.
    pub fn unknown_fields(&mut self, obj: &Map<String, Value>) {
        for key in obj.keys() {
            if !self.rules.params.iter().any(|p| p.name == key) {
                let expected = if self.rules.params.is_empty() {
                    "this tool takes no arguments".to_owned()
                } else {
                    let names: Vec<_> = self.rules.params.iter().map(|p| p.name).collect();
                    format!("expected one of: {}", names.join(", "))
                };
                let mut pointer = String::new();
                push_token(&mut pointer, key);
                self.errors.push(FieldError::new(
                    pointer,
                    format!("unknown argument; {expected}"),
                ));
            }
        }
    }

    /// Ends validation: `Ok` when nothing was found.
    ///
    /// # Errors
    /// `invalid_arguments` with every collected error.
    pub fn finish(self) -> Result<(), ToolError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ToolError::invalid_arguments(self.errors))
        }
    }

    /// Adds an error found outside the declared constraints.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Whether nothing was found so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    /// Sign of `self - bound`.
    fn cmp_bound(self, bound: crate::decl::Number) -> i8 {
        use crate::decl::Number;
        let ord = match (self, bound) {
            (Num::Int(a), Number::Int(b)) => a.partial_cmp(&b),
            (Num::Int(a), Number::Float(b)) => (a as f64).partial_cmp(&b),
            (Num::Float(a), b) => a.partial_cmp(&b.as_f64()),
        };
        match ord {
            Some(std::cmp::Ordering::Less) => -1,
            Some(std::cmp::Ordering::Equal) => 0,
            Some(std::cmp::Ordering::Greater) => 1,
            // NaN satisfies no bound: report it as outside whichever bound is checked.
            None => i8::MIN,
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x}"),
        }
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn pointer_for(name: &str) -> String {
    let mut p = String::with_capacity(name.len() + 1);
    push_token(&mut p, name);
    p
}

/// Appends one RFC 6901 reference token.
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for ch in token.chars() {
        match ch {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// serde_json's messages end in " at line 1 column 7" and may quote the offending value;
/// keep the useful part and never echo a secret.
fn describe_serde_error(err: &serde_json::Error, secret: bool) -> String {
    let text = err.to_string();
    let text = match text.rfind(" at line ") {
        Some(pos) => text[..pos].to_owned(),
        None => text,
    };
    if secret {
        match err.classify() {
            serde_json::error::Category::Data => "has the wrong type or format".to_owned(),
            _ => "is not valid".to_owned(),
        }
    } else {
        text
    }
}

/// Parses the whole argument object into `T` (the fast path).
///
/// # Errors
/// The input, kept for [`SlowPath::diagnose`], which finds every problem at once.
#[doc(hidden)]
pub fn parse_fast<T: DeserializeOwned>(args: RawArgs<'_>) -> Result<T, SlowPath<'_>> {
    let parsed = match args {
        RawArgs::Text(text) if text.trim().is_empty() => serde_json::from_str::<T>("{}"),
        RawArgs::Text(text) => serde_json::from_str::<T>(text),
        RawArgs::Json(value) => T::deserialize(value),
    };
    match parsed {
        Ok(v) => Ok(v),
        Err(error) => integral_floats_as_integers(args)
            .and_then(|v| T::deserialize(&v).ok())
            .ok_or(SlowPath { args, error }),
    }
}

/// JSON Schema counts `5.0` as an integer and models do send it; serde does not. The
/// arguments with every integral float rewritten as an integer, if there was any.
fn integral_floats_as_integers(args: RawArgs<'_>) -> Option<Value> {
    fn fix(v: &mut Value) -> bool {
        match v {
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => {
                    *v = Value::from(f as i64);
                    true
                }
                _ => false,
            },
            Value::Array(items) => {
                let mut changed = false;
                for v in items {
                    changed |= fix(v);
                }
                changed
            }
            Value::Object(m) => {
                let mut changed = false;
                for v in m.values_mut() {
                    changed |= fix(v);
                }
                changed
            }
            _ => false,
        }
    }
    let mut value = match args {
        RawArgs::Text(text) => serde_json::from_str::<Value>(text).ok()?,
        RawArgs::Json(value) => value.clone(),
    };
    fix(&mut value).then_some(value)
}

/// Arguments that failed the fast path, kept to diagnose field by field.
#[doc(hidden)]
pub struct SlowPath<'a> {
    args: RawArgs<'a>,
    error: serde_json::Error,
}

impl SlowPath<'_> {
    /// Runs `per_field` (generated: one type check per parameter) over the arguments object and
    /// returns every problem found. When the fields look fine one by one (e.g. a duplicate key),
    /// the fast path's own error is reported.
    pub fn diagnose(
        self,
        rules: &ArgRules,
        per_field: impl FnOnce(&Map<String, Value>, &mut Validator<'_>),
    ) -> ToolError {
        let parsed;
        let value = match self.args {
            RawArgs::Text(text) => match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(e) => {
                    return ToolError::invalid_arguments(vec![FieldError::new(
                        "",
                        format!("the arguments are not valid JSON: {e}"),
                    )]);
                }
            },
            RawArgs::Json(value) => value,
        };
        let Value::Object(obj) = value else {
            return ToolError::invalid_arguments(vec![FieldError::new(
                "",
                format!(
                    "the arguments must be a JSON object, got {}",
                    json_type_name(value)
                ),
            )]);
        };
        let normalized = integral_floats_as_integers(RawArgs::Json(value));
        let obj = match &normalized {
            Some(Value::Object(o)) => o,
            _ => obj,
        };
        let mut v = rules.validator();
        v.unknown_fields(obj);
        per_field(obj, &mut v);
        if v.is_clean() {
            let secret = rules.params.iter().any(|p| p.constraints.secret);
            v.push(FieldError::new(
                "",
                describe_serde_error(&self.error, secret),
            ));
        }
        v.finish()
            .err()
            .unwrap_or_else(|| ToolError::invalid_arguments(Vec::new()))
    }
}

/// "a string", "an array", …: a JSON value's type in words.
pub(crate) fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
