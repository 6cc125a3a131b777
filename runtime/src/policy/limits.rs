//! Caps on what a model may send and return: argument size and nesting depth are checked
//! before any parsing, output size after the tool returns.

use serde_json::Value;

use crate::call::CallArguments;
use crate::validate::whole_arguments_error;
use crate::{ErrorKind, ToolError};

/// The caps. Defaults: 1 MiB of arguments, 64 levels of nesting, 4 MiB of output. Set them
/// with [`ExecutorBuilder::limits`](crate::ExecutorBuilder::limits).
///
/// ```
/// use toolwright::{ErrorKind, Executor, Limits, Principal, Registry, ToolCall, tool};
///
/// /// Save a short note to the caller's scratchpad. Returns the note's length in characters.
/// #[tool(idempotent)]
/// fn save_scratchpad_note(
///     /// The note's text, plain words, e.g. "call the supplier on Monday"
///     text: String,
/// ) -> usize {
///     text.chars().count()
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let executor = Executor::builder(Registry::builder().tool(save_scratchpad_note).build()?)
///     .limits(Limits { max_argument_bytes: 64, ..Limits::default() })
///     .build();
/// let anyone = Principal::anonymous();
///
/// let short = ToolCall::new("c1", "save_scratchpad_note", r#"{"text": "call the supplier"}"#);
/// assert_eq!(executor.call(&anyone, &short).await.outcome.unwrap(), 17);
///
/// let long = format!(r#"{{"text": "{}"}}"#, "x".repeat(100));
/// let expected = format!("/: the arguments are {} bytes; the limit is 64 bytes", long.len());
/// let refused = executor.call(&anyone, &ToolCall::new("c2", "save_scratchpad_note", long)).await;
/// assert_eq!(refused.error().unwrap().kind(), ErrorKind::InvalidArguments);
/// assert_eq!(refused.to_model_json()["errors"][0], expected);
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest argument text, in bytes.
    pub max_argument_bytes: usize,
    /// Deepest nesting of arrays and objects in the arguments.
    pub max_depth: usize,
    /// Largest tool output, serialized, in bytes.
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_argument_bytes: 1 << 20,
            max_depth: 64,
            max_output_bytes: 4 << 20,
        }
    }
}

impl Limits {
    /// Checks the arguments' size and depth without parsing them.
    ///
    /// # Errors
    /// `invalid_arguments` naming the cap that was exceeded.
    pub fn check_arguments(&self, args: &CallArguments) -> Result<(), ToolError> {
        let (bytes, depth) = match args {
            CallArguments::Text(t) => (t.len(), text_depth(t.as_bytes(), self.max_depth + 1)),
            CallArguments::Json(v) => value_size_depth(v, self.max_argument_bytes, self.max_depth),
            CallArguments::Invalid { raw, .. } => (raw.len(), 0),
        };
        if bytes > self.max_argument_bytes {
            return Err(whole_arguments_error(format!(
                "the arguments are {bytes} bytes; the limit is {} bytes",
                self.max_argument_bytes
            ))
            .with_suggestion("send smaller arguments, e.g. fewer or shorter values"));
        }
        if depth > self.max_depth {
            return Err(whole_arguments_error(format!(
                "the arguments nest deeper than {} levels of arrays and objects",
                self.max_depth
            )));
        }
        Ok(())
    }

    /// Checks the output's serialized size.
    ///
    /// # Errors
    /// `output_too_large` when the tool returned more than the cap.
    pub fn check_output(&self, value: &Value) -> Result<(), ToolError> {
        // Most outputs are a scalar or a flat list or record, far below the cap: their size
        // is bounded without writing them out.
        if written_size_bound(value).is_some_and(|bound| bound <= self.max_output_bytes) {
            return Ok(());
        }
        let mut counter = Counter {
            n: 0,
            limit: self.max_output_bytes,
        };
        // The counter refuses to grow past the cap, so this stops early on huge outputs.
        if serde_json::to_writer(&mut counter, value).is_err() || counter.n > self.max_output_bytes
        {
            return Err(ToolError::new(
                ErrorKind::OutputTooLarge,
                format!(
                    "the tool returned more than {} bytes, the output limit",
                    self.max_output_bytes
                ),
            )
            .with_suggestion("ask for less, e.g. a smaller limit or a narrower query"));
        }
        Ok(())
    }
}

impl Limits {
    /// The policy's step for arguments: a refusal is recorded as invalid arguments.
    pub(crate) fn admit(
        &self,
        state: &crate::policy::CallState<'_>,
        args: &CallArguments,
    ) -> Result<(), ToolError> {
        self.check_arguments(args).inspect_err(|_| {
            state.decide(crate::policy::validation::ValidationDecision::Invalid);
        })
    }

    /// An error the tool returned, held to the output cap too: a message or details larger than
    /// the cap are cut (the kind is kept), so no error carries more than an output could.
    pub(crate) fn cap_error(&self, error: ToolError) -> ToolError {
        let cap = self.max_output_bytes;
        let details_fit = || {
            let mut counter = Counter { n: 0, limit: cap };
            serde_json::to_writer(&mut counter, error.details()).is_ok()
        };
        let size = error.message().len() + error.suggestion().map_or(0, str::len);
        if size <= cap / 2 && (error.details().is_empty() || details_fit()) {
            return error;
        }
        let end = crate::error::floor_char_boundary(error.message(), cap / 2);
        let mut capped = ToolError::new(
            error.kind(),
            format!(
                "{}… (cut: the message was {} bytes, over the output limit)",
                &error.message()[..end],
                error.message().len()
            ),
        )
        .retryable(error.is_retryable());
        if let Some(s) = error.suggestion()
            && s.len() <= cap / 4
        {
            capped = capped.with_suggestion(s);
        }
        capped
    }
}

struct Counter {
    n: usize,
    limit: usize,
}

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.n += buf.len();
        if self.n > self.limit {
            return Err(std::io::Error::other("output limit"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// At least as many bytes as `value` takes written as compact JSON, for a scalar or an array or
/// object of scalars; `None` for anything nested deeper (written out to be measured). A string
/// takes at most six bytes a byte (`\u001f`) and its quotes; a number at most 40 (an `f64` is at
/// most 24).
fn written_size_bound(value: &Value) -> Option<usize> {
    fn scalar(v: &Value) -> Option<usize> {
        match v {
            Value::String(s) => Some(s.len().saturating_mul(6).saturating_add(2)),
            Value::Number(_) => Some(40),
            Value::Bool(_) | Value::Null => Some(5),
            Value::Array(_) | Value::Object(_) => None,
        }
    }
    match value {
        Value::Array(items) => items.iter().try_fold(2usize, |total, item| {
            Some(total.saturating_add(scalar(item)?.saturating_add(1)))
        }),
        Value::Object(fields) => fields.iter().try_fold(2usize, |total, (key, v)| {
            let key = key.len().saturating_mul(6).saturating_add(3);
            Some(total.saturating_add(key.saturating_add(scalar(v)?).saturating_add(1)))
        }),
        scalar_value => scalar(scalar_value),
    }
}

/// The nesting depth of JSON text, counted outside strings; stops counting past `stop`.
fn text_depth(bytes: &[u8], stop: usize) -> usize {
    // Fast path: with fewer opening brackets than the cap, the depth cannot reach it.
    let openers = memchr::memchr2_iter(b'[', b'{', bytes).take(stop).count();
    if openers < stop {
        return openers;
    }
    exact_depth(bytes, stop)
}

fn exact_depth(bytes: &[u8], stop: usize) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    if max >= stop {
                        return max;
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// An estimate of a value's serialized size, and its depth, found without recursion; stops
/// early past the caps.
pub(crate) fn value_size_depth(v: &Value, max_bytes: usize, max_depth: usize) -> (usize, usize) {
    // Most arguments: one object of scalars, measured without a stack.
    if let Value::Object(m) = v
        && m.values().all(|v| !v.is_object() && !v.is_array())
    {
        let size = m
            .iter()
            .fold(2, |size, (k, v)| size + k.len() + 4 + scalar_size(v));
        return (size, 1);
    }
    let mut size = 0usize;
    let mut deepest = 0usize;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, d)) = stack.pop() {
        if size > max_bytes || deepest > max_depth {
            break;
        }
        match v {
            Value::Object(m) => {
                deepest = deepest.max(d);
                size += 2;
                for (k, v) in m {
                    size += k.len() + 4;
                    stack.push((v, d + 1));
                }
            }
            Value::Array(a) => {
                deepest = deepest.max(d);
                size += 2;
                for v in a {
                    size += 1;
                    stack.push((v, d + 1));
                }
            }
            scalar => size += scalar_size(scalar),
        }
    }
    (size, deepest)
}

/// The size [`value_size_depth`] estimates for a string, number, boolean or null.
fn scalar_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate, written the obvious (recursive) way.
    fn reference(v: &Value, depth: usize) -> (usize, usize) {
        match v {
            Value::Object(m) => m.iter().fold((2, depth), |(size, deepest), (k, v)| {
                let (s, d) = reference(v, depth + 1);
                (size + k.len() + 4 + s, deepest.max(d))
            }),
            Value::Array(a) => a.iter().fold((2, depth), |(size, deepest), v| {
                let (s, d) = reference(v, depth + 1);
                (size + 1 + s, deepest.max(d))
            }),
            Value::String(s) => (s.len() + 2, depth - 1),
            _ => (8, depth - 1),
        }
    }

    /// Objects, arrays and scalars, nested a few levels.
    fn value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            "[a-z]{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// The stack walk, with its quick path for flat objects, estimates what the recursive
        /// reference does, at every shape.
        #[test]
        fn size_and_depth_match_the_recursive_reference(v in value()) {
            proptest::prop_assert_eq!(value_size_depth(&v, usize::MAX, usize::MAX), reference(&v, 1));
        }

        /// The output cap's quick bound is never below the written size, whatever the strings
        /// hold (escapes, control characters, any Unicode) and whatever the numbers are.
        #[test]
        fn the_output_bound_is_never_below_the_written_size(v in output()) {
            if let Some(bound) = written_size_bound(&v) {
                let written = serde_json::to_string(&v).unwrap().len();
                proptest::prop_assert!(written <= bound, "{written} > {bound} for {v}");
            }
        }
    }

    /// Outputs: scalars with any text and any number, flat lists and records of them, and some
    /// nesting (which the bound leaves to the exact count).
    fn output() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            "[\\\"\u{0}-\u{1f}\u{7f}\u{2028}]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(2, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// The default limits with outputs capped at `bytes`.
    fn output_capped_at(bytes: usize) -> Limits {
        Limits {
            max_output_bytes: bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn a_large_flat_output_is_still_measured_exactly() {
        let limits = output_capped_at(100);
        // 60 bytes, whose bound (6 a byte) is above the cap: written out, it fits.
        assert!(limits.check_output(&Value::from("x".repeat(58))).is_ok());
        assert_eq!(
            limits
                .check_output(&Value::from("x".repeat(99)))
                .unwrap_err()
                .kind(),
            ErrorKind::OutputTooLarge
        );
        assert!(
            limits
                .check_output(&serde_json::json!(["x", "y", "z"]))
                .is_ok()
        );
    }

    #[test]
    fn depth_is_counted_outside_strings() {
        assert_eq!(exact_depth(br#"{"a":[1,{"b":"[[[["}]}"#, 100), 3);
        assert_eq!(exact_depth(br#"{"a":"\"{"}"#, 100), 1);
        // Brackets inside strings count towards the fast path's bound, never past the exact depth.
        assert_eq!(text_depth(br#"{"a":"[[[[[[[["}"#, 4), 1);
    }

    #[test]
    fn deep_and_large_arguments_are_refused_before_parsing() {
        let limits = Limits::default();
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let err = limits
            .check_arguments(&CallArguments::Text(format!("{{\"a\":{deep}}}")))
            .unwrap_err();
        assert!(
            err.to_model_json()["errors"][0]
                .as_str()
                .unwrap()
                .contains("nest deeper")
        );
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(2 << 20));
        assert!(limits.check_arguments(&CallArguments::Text(big)).is_err());
        assert!(
            limits
                .check_arguments(&CallArguments::Text("{}".into()))
                .is_ok()
        );
    }

    #[test]
    fn parsed_values_are_capped_too() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let v = serde_json::json!({"a": {"b": {"c": {"d": 1}}}});
        assert!(limits.check_arguments(&CallArguments::Json(v)).is_err());
    }

    #[test]
    fn huge_output_is_refused() {
        let limits = output_capped_at(100);
        assert!(limits.check_output(&Value::String("x".repeat(50))).is_ok());
        let err = limits
            .check_output(&Value::String("x".repeat(500)))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::OutputTooLarge);
    }

    #[test]
    fn an_error_larger_than_the_output_cap_is_cut_and_keeps_its_kind() {
        let limits = output_capped_at(1000);
        let huge = ToolError::failed("x".repeat(8 << 20)).with_detail("blob", "y".repeat(5000));
        let capped = limits.cap_error(huge);
        assert_eq!(capped.kind(), ErrorKind::Failed);
        assert!(capped.to_model_json().to_string().len() <= 1000);
        let small = ToolError::failed("not found").with_detail("id", 7);
        assert_eq!(limits.cap_error(small.clone()), small);
    }
}
