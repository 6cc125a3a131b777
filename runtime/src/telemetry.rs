//! What a call tells an observer, per the OpenTelemetry GenAI semantic conventions: the
//! `execute_tool {gen_ai.tool.name}` span (plain `tracing`, no OpenTelemetry dependency) and,
//! with the `otel` feature, the `gen_ai.execute_tool.duration` histogram.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::policy::audit::CallAudit;
use crate::{Registry, ToolCall, ToolError};

/// `gen_ai.tool.type` of every tool a registry holds: code the application runs.
const TOOL_TYPE: &str = "function";

/// Ends the value of an opt-in content attribute that was cut at its size bound.
const CUT: &str = "…";

/// The executor's telemetry settings, and its instrument when the `otel` feature is on.
#[derive(Clone, Default)]
pub(crate) struct Telemetry {
    /// The size bound of the opt-in `gen_ai.tool.call.arguments` / `.result`; `None`: off.
    pub(crate) content: Option<usize>,
    #[cfg(feature = "otel")]
    pub(crate) duration: Option<otel::Duration>,
}

impl Telemetry {
    /// The settings an executor runs with: with the `otel` feature, the global meter's
    /// histogram unless the builder was given a meter.
    pub(crate) fn build(self) -> Self {
        #[cfg(feature = "otel")]
        if self.duration.is_none() {
            return Self {
                duration: Some(otel::Duration::global()),
                ..self
            };
        }
        self
    }

    /// The span and the duration measurement of one call.
    pub(crate) fn start<'a>(
        &'a self,
        registry: &'a Registry,
        call: &'a ToolCall,
        audit: &'a CallAudit<'a>,
    ) -> CallTelemetry<'a> {
        // Names and ids are the model's text: escaped and capped before they reach text logs.
        let span = tracing::info_span!(
            "execute_tool",
            "otel.name" = %format_args!("execute_tool {}", Printable(&call.name)),
            "otel.kind" = "internal",
            "otel.status_code" = tracing::field::Empty,
            "gen_ai.operation.name" = "execute_tool",
            "gen_ai.tool.name" = %Printable(&call.name),
            "gen_ai.tool.call.id" = %Printable(&call.id),
            "gen_ai.tool.type" = TOOL_TYPE,
            "gen_ai.tool.description" = tracing::field::Empty,
            "gen_ai.tool.call.arguments" = tracing::field::Empty,
            "gen_ai.tool.call.result" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
        );
        // Looked up only for someone who listens: the pipeline does its own lookup anyway.
        #[cfg(feature = "otel")]
        let listened = !span.is_disabled() || self.duration.is_some();
        #[cfg(not(feature = "otel"))]
        let listened = !span.is_disabled();
        let entry = listened.then(|| registry.get(&call.name)).flatten();
        let tool = entry.map(crate::ToolEntry::name);
        if !span.is_disabled() {
            if let Some(entry) = entry {
                span.record("gen_ai.tool.description", entry.description());
            }
            if let Some(max) = self.content {
                // JSON text, bounded as `bounded_json` bounds the value it holds.
                let arguments = crate::error::capped(audit.arguments().as_str(), max);
                span.record("gen_ai.tool.call.arguments", arguments.as_str());
            }
        }
        CallTelemetry {
            settings: self,
            audit,
            span,
            tool,
        }
    }
}

/// The telemetry of one call: its span, and what the duration histogram needs.
pub(crate) struct CallTelemetry<'a> {
    settings: &'a Telemetry,
    audit: &'a CallAudit<'a>,
    span: tracing::Span,
    /// The registered tool the call named, if any.
    #[cfg_attr(not(feature = "otel"), allow(dead_code))]
    tool: Option<&'static str>,
}

impl CallTelemetry<'_> {
    /// The call's `execute_tool` span.
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Records how the call ended, `took` after it started: on the span (status, `error.type`,
    /// the opt-in result) and in the duration histogram.
    pub(crate) fn finish(&self, outcome: &Result<Value, ToolError>, took: Duration) {
        let error_type = outcome.as_ref().err().map(|e| e.kind().as_str());
        if !self.span.is_disabled() {
            match (outcome, self.settings.content) {
                (Err(_), _) => {
                    self.span.record("otel.status_code", "error");
                    self.span.record("error.type", error_type);
                }
                (Ok(value), Some(max)) => {
                    let result = bounded_json(&self.audit.redacted_output(value), max);
                    self.span.record("gen_ai.tool.call.result", result.as_str());
                }
                (Ok(_), None) => {}
            }
        }
        #[cfg(feature = "otel")]
        if let Some(duration) = &self.settings.duration {
            duration.record(self.tool, error_type, took);
        }
        #[cfg(not(feature = "otel"))]
        let _ = took;
    }
}

/// `value` as JSON text of at most `max` bytes (cut on a character boundary and ended with
/// `…` when longer). Serialization stops at the bound, so a large result costs no more than
/// `max` bytes of output.
fn bounded_json(value: &impl Serialize, max: usize) -> String {
    struct Bounded {
        buf: Vec<u8>,
        max: usize,
    }
    impl Write for Bounded {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let room = self.max - self.buf.len();
            if bytes.len() > room {
                self.buf.extend_from_slice(&bytes[..room]);
                return Err(std::io::Error::other("size bound reached"));
            }
            self.buf.extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // One byte past the bound tells a value of exactly `max` bytes from a longer one.
    let mut out = Bounded {
        buf: Vec::new(),
        max: max.saturating_add(1),
    };
    let complete = serde_json::to_writer(&mut out, value).is_ok();
    let text = match String::from_utf8(out.buf) {
        Ok(text) => text,
        // Cut inside a character: keep the valid prefix.
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    cut(text, complete, max)
}

/// `text` ended with `…` at `max` bytes, on a character boundary, when it is longer or was not
/// `complete`.
fn cut(mut text: String, complete: bool, max: usize) -> String {
    if !complete || text.len() > max {
        text.truncate(crate::error::floor_char_boundary(&text, max));
        text.push_str(CUT);
    }
    text
}

/// The model's text for a text log: control characters escaped, at most 128 characters.
struct Printable<'a>(&'a str);

impl std::fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        for (i, c) in self.0.chars().enumerate() {
            if i == 128 {
                return f.write_char('…');
            }
            if c.is_control() || c == '\\' {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(feature = "otel")]
pub(crate) mod otel {
    //! The `gen_ai.execute_tool.duration` histogram.

    use opentelemetry::KeyValue;
    use opentelemetry::metrics::{Histogram, Meter};

    /// The semantic conventions' bucket boundaries for GenAI durations, in seconds.
    const BOUNDARIES: [f64; 14] = [
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ];

    /// What a name that is not a registered tool is recorded as: the model chooses names, and
    /// each distinct value would be a new series.
    pub(crate) const OTHER_TOOL: &str = "_OTHER";

    /// The histogram, made once per executor.
    #[derive(Clone)]
    pub(crate) struct Duration(Histogram<f64>);

    impl Duration {
        pub(crate) fn new(meter: &Meter) -> Self {
            Self(
                meter
                    .f64_histogram("gen_ai.execute_tool.duration")
                    .with_unit("s")
                    .with_description("Duration of tool execution operations.")
                    .with_boundaries(BOUNDARIES.to_vec())
                    .build(),
            )
        }

        /// The meter toolwright uses unless the builder is given one: the global provider's,
        /// as it is when the executor is built.
        pub(crate) fn global() -> Self {
            let scope = opentelemetry::InstrumentationScope::builder("toolwright")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build();
            Self::new(&opentelemetry::global::meter_with_scope(scope))
        }

        pub(crate) fn record(
            &self,
            tool: Option<&'static str>,
            error_type: Option<&'static str>,
            took: std::time::Duration,
        ) {
            let attributes = [
                KeyValue::new("gen_ai.operation.name", "execute_tool"),
                KeyValue::new("gen_ai.tool.name", tool.unwrap_or(OTHER_TOOL)),
                KeyValue::new("gen_ai.tool.type", super::TOOL_TYPE),
                KeyValue::new("error.type", error_type.unwrap_or_default()),
            ];
            let n = if error_type.is_some() { 4 } else { 3 };
            self.0.record(took.as_secs_f64(), &attributes[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bounded_json;
    use crate::error::capped;
    use serde_json::json;

    #[test]
    fn content_is_cut_at_its_bound_on_a_character_boundary() {
        let v = json!({"q": "ééééé"});
        let full = v.to_string();
        assert_eq!(
            bounded_json(&v, full.len()),
            full,
            "exactly the bound: whole"
        );
        assert_eq!(bounded_json(&v, 100), full);
        for max in 0..full.len() {
            let cut = bounded_json(&v, max);
            let kept = cut.strip_suffix(super::CUT).unwrap();
            assert!(kept.len() <= max, "{max}: {cut}");
            assert!(full.starts_with(kept));
            assert!(
                kept.len() + 1 >= max,
                "{max}: at most one character dropped"
            );
        }
    }

    #[test]
    fn text_is_bounded_as_the_value_it_holds() {
        let v = json!({"q": "ééééé", "n": 1});
        let full = v.to_string();
        for max in 0..full.len() + 3 {
            assert_eq!(capped(&full, max), bounded_json(&v, max), "{max}");
        }
    }
}
