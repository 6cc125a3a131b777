//! Argument validation: parse into the tool's argument struct, then check the declared
//! `#[arg(...)]` constraints. The fast path parses straight into the typed struct; only when
//! that fails is the input walked field by field, so every error is reported at once. Only a
//! JSON object is accepted, a key may appear once, and no message repeats an argument's value.

mod message;
mod nested;
mod nulls;
mod pattern;
mod strict;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashSet, VecDeque};

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde_json::{Map, Value};

pub(crate) use nested::NestedRules;
pub(crate) use strict::{StrictError, parse as parse_strict};

use crate::call::CallArguments;
use crate::decl::{Bound, Number, ParamDecl, ToolDecl};
use crate::error::MAX_LISTED_ERRORS;
use crate::tool::{Tool, ToolFuture};
use crate::{ErrorKind, FieldError, ToolContext, ToolError};

/// The compiled constraints of one tool (regexes compiled once, at registration). The
/// registry compiles them for every tool and hands them to [`Tool::prepare`]; compile them
/// yourself to prepare a tool without a registry, or in a hand-written [`Tool`] (see its
/// example) that delegates to another.
///
/// ```
/// use toolwright::{ArgRules, CallArguments, Principal, Tool, ToolContext, ToolError, tool};
///
/// /// Look up a customer record by id in the CRM. Returns the record's display name.
/// #[tool(read_only)]
/// async fn lookup_customer_record(
///     /// Customer id, e.g. "cus_1042"
///     #[arg(min_len = 1, max_len = 64)]
///     id: String,
/// ) -> Result<String, ToolError> {
///     Ok(format!("Customer {id}"))
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let rules = ArgRules::compile(lookup_customer_record.decl()).unwrap();
/// let ctx = ToolContext::for_test(Principal::new("tester"));
///
/// let empty = CallArguments::Text(r#"{"id": ""}"#.into());
/// let Err(refused) = lookup_customer_record.prepare(&empty, &rules, ctx.clone()) else {
///     panic!("an empty id breaks min_len");
/// };
/// assert_eq!(refused.details()["errors"][0], "/id: must be at least 1 character long, got 0");
///
/// let args = CallArguments::Text(r#"{"id": "cus_1042"}"#.into());
/// let body = lookup_customer_record.prepare(&args, &rules, ctx)?;
/// assert_eq!(body.await?, "Customer cus_1042");
/// # Ok::<(), ToolError>(()) }).unwrap();
/// ```
#[derive(Debug)]
pub struct ArgRules {
    params: &'static [ParamDecl],
    patterns: Vec<Option<pattern::Pattern>>,
    /// The tool's input schema, built on the first error that needs it: it says what a value
    /// at a pointer accepts where serde's message does not (formats, untagged enums).
    input_schema: fn() -> Value,
    schema: std::sync::OnceLock<Value>,
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
                        pattern::Pattern::compile(pat)
                            .map_err(|e| format!("the pattern of parameter `{}` {e}", p.name))
                    })
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            params: decl.params,
            patterns,
            input_schema: decl.input_schema,
            schema: std::sync::OnceLock::new(),
        })
    }

    /// A fresh validator that collects errors (for generated code).
    #[doc(hidden)]
    pub fn validator(&self) -> Validator<'_> {
        Validator {
            rules: self,
            errors: Vec::new(),
            unlisted: 0,
        }
    }
}

/// What a tool's exported input schema checks beyond its typed parse and `#[arg]`
/// constraints, compiled once at registration.
#[derive(Debug)]
pub(crate) struct SchemaRules {
    /// The compiled validator, for tools whose nested types carry constraints.
    nested: Option<nested::NestedRules>,
    /// Whether strict mode's `null` can stand for an absent property below the top level
    /// (only ever with `nested`: a nested object is a reason to check).
    optional_nested: bool,
}

impl SchemaRules {
    /// Nothing to check beyond what the tool's own `prepare` does (a tool declared at runtime
    /// validates its whole schema itself).
    pub(crate) fn none() -> Self {
        Self {
            nested: None,
            optional_nested: false,
        }
    }

    /// Reads `schema`, the input schema of a tool whose parameters are `params`.
    ///
    /// # Errors
    /// The schema does not compile (only hand-written schemas can get here).
    pub(crate) fn compile(schema: &Value, params: &[ParamDecl]) -> Result<Self, String> {
        Ok(Self {
            nested: nested::NestedRules::compile(schema, params)?,
            optional_nested: nulls::has_optional_nested_properties(schema),
        })
    }
}

/// Parses and validates one call: the tool's typed parse and `#[arg]` checks (the fast path,
/// alone for tools without nested objects); when that fails, once more without the `null`s
/// strict mode sends for optional nested properties; then whatever the schema forbids below
/// the top level.
pub(crate) fn prepare(
    tool: &dyn Tool,
    rules: &ArgRules,
    schema: &Value,
    checks: &SchemaRules,
    args: &CallArguments,
    ctx: ToolContext,
) -> Result<ToolFuture, ToolError> {
    let Some(nested) = &checks.nested else {
        // No object below the top level: serde and the `#[arg]` checks see everything, and a
        // top-level `null` already means "absent" or "the default".
        return tool.prepare(args, rules, ctx);
    };
    // Text is parsed once, strictly: the typed parse and the nested checks read this value.
    let parsed;
    let args = match object_of(args) {
        Ok(Cow::Owned(value)) => {
            parsed = CallArguments::Json(value);
            &parsed
        }
        Ok(Cow::Borrowed(_)) | Err(_) => args,
    };
    let spare = checks.optional_nested.then(|| ctx.clone());
    let (body, checked) = match tool.prepare(args, rules, ctx) {
        Ok(body) => (body, Cow::Borrowed(args)),
        Err(e) => {
            let pruned = spare
                .filter(|_| e.kind() == ErrorKind::InvalidArguments)
                .and_then(|ctx| {
                    let value = object_of(args).ok()?;
                    Some((nulls::without_optional_nulls(schema, &value)?, ctx))
                });
            let Some((pruned, ctx)) = pruned else {
                return Err(e);
            };
            let pruned = CallArguments::Json(pruned);
            (tool.prepare(&pruned, rules, ctx)?, Cow::Owned(pruned))
        }
    };
    // Dropping `body` runs nothing: `prepare` has no side effects.
    nested.check(&*object_of(&checked)?)?;
    Ok(body)
}

/// The `invalid_arguments` error for arguments whose root is not a JSON object, judged
/// without parsing (text by its first byte); `None` when it is one, or text that may be one.
/// Every tool, generated or hand-written, is only ever prepared with arguments that pass this.
pub(crate) fn refused_root(args: &CallArguments) -> Option<ToolError> {
    let kind = match args {
        CallArguments::Text(text) => match root_of(text) {
            Root::Other(kind) => kind,
            Root::Empty | Root::Object => return None,
        },
        CallArguments::Json(value) if value.is_object() => return None,
        CallArguments::Json(value) => json_type_name(value),
        CallArguments::Invalid { error, .. } => return Some(unusable(error)),
    };
    Some(not_an_object(kind))
}

/// Arguments a provider parser already found unusable ([`CallArguments::Invalid`]).
fn unusable(error: &str) -> ToolError {
    whole_arguments_error(format!("the arguments are not a JSON object: {error}"))
}

fn not_an_object(kind: &str) -> ToolError {
    whole_arguments_error(format!("the arguments must be a JSON object, got {kind}"))
}

/// An `invalid_arguments` error about the arguments as a whole (field path `""`).
pub(crate) fn whole_arguments_error(message: String) -> ToolError {
    ToolError::invalid_arguments(vec![FieldError::new("", message)])
}

/// The arguments as one JSON object value (text parsed strictly: no key twice; no text at all
/// is `{}`), or the `invalid_arguments` error a typed tool gives for the same input.
pub(crate) fn object_of(args: &CallArguments) -> Result<Cow<'_, Value>, ToolError> {
    if let Some(refused) = refused_root(args) {
        return Err(refused);
    }
    let text = match args {
        CallArguments::Json(value) => return Ok(Cow::Borrowed(value)),
        CallArguments::Text(text) if root_of(text) == Root::Empty => {
            return Ok(Cow::Owned(Value::Object(Map::new())));
        }
        CallArguments::Text(text) => text,
        // Refused above; answered the same way here rather than trusted.
        CallArguments::Invalid { error, .. } => return Err(unusable(error)),
    };
    match strict::parse(text) {
        Ok(value) if value.is_object() => Ok(Cow::Owned(value)),
        Ok(value) => Err(not_an_object(json_type_name(&value))),
        Err(strict::StrictError::Syntax(e)) => Err(whole_arguments_error(format!(
            "the arguments are not valid JSON: {e}"
        ))),
        Err(strict::StrictError::Duplicate { pointer, key }) => Err(ToolError::invalid_arguments(
            vec![FieldError::new(pointer, duplicate_key_message(&key))],
        )),
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

/// Collects every argument error of one call: the first 20 in full, the rest only counted
/// (96 000 unknown keys must not become a 7 MB error).
pub struct Validator<'r> {
    rules: &'r ArgRules,
    errors: Vec<FieldError>,
    unlisted: usize,
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
                    self.push(FieldError::new(
                        pointer(),
                        format!("{}, got {chars}", Counted::Characters.at_least(min)),
                    ));
                }
                if let Some(max) = c.max_len
                    && !clearly_ok
                    && chars > max
                {
                    self.push(FieldError::new(
                        pointer(),
                        format!("{}, got {chars}", Counted::Characters.at_most(max)),
                    ));
                }
                if let Some(Some(re)) = self.rules.patterns.get(index)
                    && !re.is_match(s)
                {
                    self.push(FieldError::new(
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
                    self.push(FieldError::new(
                        pointer(),
                        format!("{}, got {n}", Counted::Items.at_least(min)),
                    ));
                }
                if let Some(max) = c.max_len
                    && n > max
                {
                    self.push(FieldError::new(
                        pointer(),
                        format!("{}, got {n}", Counted::Items.at_most(max)),
                    ));
                }
            }
            ArgView::Int(v) => self.check_range(param, Number::Int(v)),
            ArgView::Float(v) => self.check_range(param, Number::Float(v)),
        }
    }

    fn check_range(&mut self, param: &ParamDecl, v: Number) {
        let c = &param.constraints;
        if let Number::Float(f) = v
            && !f.is_finite()
        {
            self.push(FieldError::new(
                pointer_for(param.name),
                "must be a finite number",
            ));
            return;
        }
        // Words are made only for a value out of range: an accepted value costs two comparisons.
        let below = match c.min {
            Some(Bound::Inclusive(b)) if cmp_bound(v, b) < 0 => Some(format!("at least {b}")),
            Some(Bound::Exclusive(b)) if cmp_bound(v, b) <= 0 => Some(format!("greater than {b}")),
            _ => None,
        };
        let above = match c.max {
            Some(Bound::Inclusive(b)) if cmp_bound(v, b) > 0 => Some(format!("at most {b}")),
            Some(Bound::Exclusive(b)) if cmp_bound(v, b) >= 0 => Some(format!("less than {b}")),
            _ => None,
        };
        for words in [below, above].into_iter().flatten() {
            let shown = if c.secret || crate::policy::audit::is_default_secret_key(param.name) {
                String::from("a different value")
            } else {
                v.to_string()
            };
            self.push(FieldError::new(
                pointer_for(param.name),
                format!("must be {words}, got {shown}"),
            ));
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
                    self.push(FieldError::new(
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
                    let schema = self.rules.schema.get_or_init(self.rules.input_schema);
                    let root = message::At {
                        node: schema,
                        root: schema,
                    };
                    let message = message::describe_at(
                        err.inner(),
                        param.constraints.secret,
                        Some(value),
                        message::schema_at(root, &pointer),
                    );
                    self.push(FieldError::new(pointer, message));
                    None
                }
            },
        }
    }

    /// Slow path: reports every key of `obj` that is not a parameter.
    pub fn unknown_fields(&mut self, obj: &Map<String, Value>) {
        let message = if self.rules.params.is_empty() {
            "unknown argument; this tool takes no arguments".to_owned()
        } else {
            let names: Vec<_> = self.rules.params.iter().map(|p| p.name).collect();
            format!("unknown argument; expected one of: {}", names.join(", "))
        };
        for key in obj.keys() {
            if self.rules.params.iter().any(|p| p.name == key) {
                continue;
            }
            if self.errors.len() >= MAX_LISTED_ERRORS {
                // Counted only: building the pointer of a huge key list costs for nothing.
                self.unlisted += 1;
                continue;
            }
            self.push(FieldError::new(pointer_for(key), message.clone()));
        }
    }

    /// Ends validation: `Ok` when nothing was found.
    ///
    /// # Errors
    /// `invalid_arguments` with every collected error.
    pub fn finish(self) -> Result<(), ToolError> {
        if self.is_clean() {
            Ok(())
        } else {
            Err(ToolError::invalid_arguments_bounded(
                self.errors,
                self.unlisted,
            ))
        }
    }

    /// Adds an error found outside the declared constraints.
    pub fn push(&mut self, error: FieldError) {
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(error);
        } else {
            self.unlisted += 1;
        }
    }

    /// Whether nothing was found so far.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.unlisted == 0
    }
}

/// Sign of `value - bound`; `i8::MIN` when either is NaN, which satisfies no bound.
fn cmp_bound(value: Number, bound: Number) -> i8 {
    let ord = match (value, bound) {
        (Number::Int(a), Number::Int(b)) => a.partial_cmp(&b),
        (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
    };
    match ord {
        Some(std::cmp::Ordering::Less) => -1,
        Some(std::cmp::Ordering::Equal) => 0,
        Some(std::cmp::Ordering::Greater) => 1,
        // NaN satisfies no bound: report it as outside whichever bound is checked.
        None => i8::MIN,
    }
}

/// What a size bound counts: a string's characters, an array's items or an object's fields.
/// Its words are the same from the flat checks and from the nested validator.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counted {
    Characters,
    Items,
    Fields,
}

impl Counted {
    /// `must be at least 3 characters long`, `must have at least 1 item`.
    pub(crate) fn at_least(self, n: u64) -> String {
        self.bound("at least", n)
    }

    /// `must be at most 3 characters long`, `must have at most 1 item`.
    pub(crate) fn at_most(self, n: u64) -> String {
        self.bound("at most", n)
    }

    fn bound(self, relation: &str, n: u64) -> String {
        match self {
            Self::Characters => format!("must be {relation} {} long", plural(n, "character")),
            Self::Items => format!("must have {relation} {}", plural(n, "item")),
            Self::Fields => format!("must have {relation} {}", plural(n, "field")),
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

/// Parses the whole argument object into `T` (the fast path).
///
/// # Errors
/// The input, kept for [`SlowPath::diagnose`], which finds every problem at once. Anything but
/// a JSON object is refused here: a derived struct would also accept its fields as a
/// positional array, which no schema allows and which key-based redaction cannot see into.
#[doc(hidden)]
pub fn parse_fast<T: DeserializeOwned>(args: &CallArguments) -> Result<T, SlowPath<'_>> {
    parse_fast_seed(args, std::marker::PhantomData::<T>)
}

/// [`parse_fast`] through a seed (the generated code's parameter list, which knows the names).
///
/// # Errors
/// As [`parse_fast`].
#[doc(hidden)]
pub fn parse_fast_seed<S, V>(args: &CallArguments, seed: S) -> Result<V, SlowPath<'_>>
where
    S: for<'de> DeserializeSeed<'de, Value = V> + Copy,
{
    fn from_str<S: for<'de> DeserializeSeed<'de, Value = V>, V>(
        text: &str,
        seed: S,
    ) -> Result<V, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = seed.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
    let refused = SlowPath { args, error: None };
    let parsed = match args {
        CallArguments::Text(text) => match root_of(text) {
            Root::Empty => from_str("{}", seed),
            Root::Object => {
                let parsed = from_str(text, seed);
                // A derived struct refuses a repeated field itself; a map or `Value` inside it
                // keeps the last one silently. Only text with a nested object can hold those.
                if parsed.is_ok()
                    && memchr::memchr_iter(b'{', text.as_bytes()).nth(1).is_some()
                    && strict::parse(text).is_err()
                {
                    return Err(refused);
                }
                parsed
            }
            Root::Other(_) => return Err(refused),
        },
        CallArguments::Json(value) if value.is_object() => seed.deserialize(value),
        CallArguments::Json(_) | CallArguments::Invalid { .. } => return Err(refused),
    };
    match parsed {
        Ok(v) => Ok(v),
        Err(error) => object_of(args)
            .ok()
            .and_then(|value| integral_floats_as_integers(&value))
            .and_then(|v| seed.deserialize(&v).ok())
            .ok_or(SlowPath {
                args,
                error: Some(error),
            }),
    }
}

/// What argument text holds at its root, judged by its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Root {
    /// Nothing (or only whitespace): no arguments, read as `{}`.
    Empty,
    /// An object, or text that is not JSON at all.
    Object,
    /// A JSON value of another type: "an array", "a string", …
    Other(&'static str),
}

/// Looks at the first byte of `text` after JSON whitespace; no parsing.
pub(crate) fn root_of(text: &str) -> Root {
    if text.trim().is_empty() {
        return Root::Empty;
    }
    let first = text
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    match first {
        Some(b'[') => Root::Other("an array"),
        Some(b'"') => Root::Other("a string"),
        Some(b't' | b'f') => Root::Other("a boolean"),
        Some(b'n') => Root::Other("null"),
        Some(b'-' | b'0'..=b'9') => Root::Other("a number"),
        _ => Root::Object,
    }
}

/// JSON Schema counts `5.0` as an integer and models do send it; serde does not. The
/// arguments with every integral float rewritten as an integer, if there was any.
fn integral_floats_as_integers(value: &Value) -> Option<Value> {
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
    let mut value = value.clone();
    fix(&mut value).then_some(value)
}

/// Arguments that failed the fast path, kept to diagnose field by field.
#[doc(hidden)]
pub struct SlowPath<'a> {
    args: &'a CallArguments,
    /// The fast path's own error; `None` when the input was refused before parsing.
    error: Option<serde_json::Error>,
}

impl SlowPath<'_> {
    /// Runs `per_field` (generated: one type check per parameter) over the arguments object and
    /// returns every problem found. When the fields look fine one by one, the fast path's own
    /// error is reported.
    pub fn diagnose(
        self,
        rules: &ArgRules,
        per_field: impl FnOnce(&Map<String, Value>, &mut Validator<'_>),
    ) -> ToolError {
        let value = match object_of(self.args) {
            Ok(value) => value,
            Err(refused) => return refused,
        };
        let Value::Object(obj) = value.as_ref() else {
            return not_an_object(json_type_name(&value));
        };
        let normalized = integral_floats_as_integers(&value);
        let obj = match &normalized {
            Some(Value::Object(o)) => o,
            _ => obj,
        };
        let mut v = rules.validator();
        v.unknown_fields(obj);
        per_field(obj, &mut v);
        if v.is_clean() {
            let secret = rules.params.iter().any(|p| p.constraints.secret);
            let message = match &self.error {
                Some(e) => message::describe(e, secret, Some(&value)),
                None => "the arguments are not valid".to_owned(),
            };
            v.push(FieldError::new("", message));
        }
        v.finish()
            .err()
            .unwrap_or_else(|| ToolError::invalid_arguments(Vec::new()))
    }
}

/// Names the repeated key unless it looks like it holds a secret.
fn duplicate_key_message(key: &str) -> String {
    if crate::policy::audit::is_default_secret_key(key) {
        "a key appears more than once in this object; send each key once".to_owned()
    } else {
        format!("the key `{key}` appears more than once in this object; send each key once")
    }
}

/// A serde_json error in words, without any value it quoted.
pub(crate) fn describe_json_error(err: &serde_json::Error) -> String {
    message::describe(err, false, None)
}

/// The schemas one level below an object schema's root: each property's and each definition's
/// (`$defs`, or draft-7 `definitions`).
fn top_level_subschemas(root: &Map<String, Value>) -> impl Iterator<Item = &Value> {
    let properties = root
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::values);
    let definitions = ["$defs", "definitions"]
        .into_iter()
        .filter_map(|k| root.get(k).and_then(Value::as_object))
        .flat_map(Map::values);
    properties.chain(definitions)
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
