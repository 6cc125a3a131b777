//! OpenTelemetry (feature `otel`): the `execute_tool` spans and the `gen_ai.execute_tool.duration`
//! histogram as the SDK exports them (its in-memory exporters, behind a real
//! `tracing-opentelemetry` layer), and an MCP caller's `traceparent` parenting the spans.

use std::collections::HashMap;

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId, TracerProvider as _};
use opentelemetry::{KeyValue, Value as OtelValue};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;

use toolwright::mcp::{McpServer, SharedExecutor};
use toolwright::{
    ErrorKind, Executor, ExecutorBuilder, Principal, Registry, ToolCall, ToolError, tool,
};

/// Look up a customer's account by email and return its plan and the support notes.
#[tool(read_only)]
async fn look_up_customer_account(
    /// The customer's email address, e.g. "ada@example.com"
    email: String,
    /// The support agent's one-time access code for this lookup
    #[arg(secret)]
    access_code: String,
) -> Result<Value, ToolError> {
    let _ = access_code;
    if email.ends_with("@blocked.example") {
        return Err(ToolError::new(
            ErrorKind::Denied,
            "this customer's account is locked",
        ));
    }
    Ok(json!({
        "email": email,
        "plan": "team",
        "notes": "x".repeat(500),
        "billing": {"card_token": "tok_S3CR3T-RESULT"}
    }))
}

/// Wait until an order has shipped and return its tracking number.
#[tool(read_only)]
async fn wait_for_order_shipment(
    /// Order number, e.g. "A-1001"
    order_id: String,
) -> String {
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    format!("tracking for {order_id}")
}

/// Pack an order for shipping and return the packing slip's number.
#[tool]
async fn pack_order_for_shipping(
    /// Order number, e.g. "A-1001"
    order_id: String,
) -> String {
    // Past the first poll: the rest runs in the body's own task.
    tokio::task::yield_now().await;
    let _packing = tracing::info_span!("packing").entered();
    format!("slip for {order_id}")
}

/// One test's OpenTelemetry pipeline: a tracer provider exporting to memory behind a
/// `tracing-opentelemetry` layer (the current thread's subscriber while the guard lives), and a
/// meter provider exporting to memory.
struct Otel {
    spans: InMemorySpanExporter,
    tracer_provider: SdkTracerProvider,
    metrics: InMemoryMetricExporter,
    meter_provider: SdkMeterProvider,
    _subscriber: tracing::subscriber::DefaultGuard,
}

impl Otel {
    fn install() -> Self {
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        let spans = InMemorySpanExporter::default();
        let tracer_provider = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("it"));
        let subscriber = tracing_subscriber::registry().with(layer);
        let metrics = InMemoryMetricExporter::default();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metrics.clone()).build())
            .build();
        Self {
            spans,
            tracer_provider,
            metrics,
            meter_provider,
            _subscriber: tracing::subscriber::set_default(subscriber),
        }
    }

    /// An executor for the test's tool, recording into this pipeline's meter.
    fn executor(&self, configure: impl FnOnce(ExecutorBuilder) -> ExecutorBuilder) -> Executor {
        let registry = Registry::builder()
            .tool(look_up_customer_account)
            .tool(wait_for_order_shipment)
            .tool(pack_order_for_shipping)
            .build()
            .unwrap();
        let meter = opentelemetry::metrics::MeterProvider::meter(&self.meter_provider, "it");
        configure(Executor::builder(registry).meter(&meter)).build()
    }

    fn spans(&self) -> Vec<SpanData> {
        self.tracer_provider.force_flush().unwrap();
        self.spans.get_finished_spans().unwrap()
    }

    /// The data points of `gen_ai.execute_tool.duration`: (attributes, count, sum).
    fn durations(&self) -> Vec<(HashMap<String, String>, u64, f64)> {
        self.meter_provider.force_flush().unwrap();
        let exported = self.metrics.get_finished_metrics().unwrap();
        let last = exported.last().expect("one export");
        let mut points = Vec::new();
        for metric in last.scope_metrics().flat_map(|s| s.metrics()) {
            if metric.name() != "gen_ai.execute_tool.duration" {
                continue;
            }
            assert_eq!(metric.unit(), "s");
            let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() else {
                panic!("not an f64 histogram: {:?}", metric.data());
            };
            for p in h.data_points() {
                points.push((attributes(p.attributes()), p.count(), p.sum()));
            }
        }
        points
    }
}

fn attributes<'a>(kvs: impl IntoIterator<Item = &'a KeyValue>) -> HashMap<String, String> {
    kvs.into_iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a OtelValue> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn lookup(id: &str, email: &str) -> ToolCall {
    ToolCall::new(
        id,
        "look_up_customer_account",
        json!({"email": email, "access_code": "S3CR3T-CODE"}).to_string(),
    )
}

#[tokio::test]
async fn execute_tool_spans_follow_the_genai_conventions() {
    let otel = Otel::install();
    let executor = otel.executor(|b| b);
    let anyone = Principal::anonymous();
    assert!(
        executor
            .call(&anyone, &lookup("call_1", "ada@example.com"))
            .await
            .outcome
            .is_ok()
    );
    let denied = executor
        .call(&anyone, &lookup("call_2", "bob@blocked.example"))
        .await;
    assert_kind!(denied, Denied);
    let invalid = executor
        .call(
            &anyone,
            &ToolCall::new("call_3", "look_up_customer_account", "{}"),
        )
        .await;
    assert_kind!(invalid, InvalidArguments);

    let spans = otel.spans();
    let calls = named(&spans, "execute_tool look_up_customer_account");
    assert_eq!(calls.len(), 3, "{spans:#?}");
    let ok = calls[0];
    assert_eq!(ok.span_kind, SpanKind::Internal);
    assert_eq!(ok.status, Status::Unset);
    let expect = [
        ("gen_ai.operation.name", "execute_tool"),
        ("gen_ai.tool.name", "look_up_customer_account"),
        ("gen_ai.tool.call.id", "call_1"),
        ("gen_ai.tool.type", "function"),
        (
            "gen_ai.tool.description",
            "Look up a customer's account by email and return its plan and the support notes.",
        ),
    ];
    for (key, value) in expect {
        assert_eq!(
            attr(ok, key).map(ToString::to_string).as_deref(),
            Some(value),
            "{key}"
        );
    }
    assert!(attr(ok, "error.type").is_none());
    assert!(
        attr(ok, "gen_ai.tool.call.arguments").is_none()
            && attr(ok, "gen_ai.tool.call.result").is_none(),
        "content is opt-in"
    );

    for (span, kind) in [(calls[1], "denied"), (calls[2], "invalid_arguments")] {
        assert_eq!(attr(span, "error.type").unwrap().as_str(), kind);
        assert!(
            matches!(span.status, Status::Error { .. }),
            "{:?}",
            span.status
        );
    }
}

#[tokio::test]
async fn opt_in_arguments_and_results_are_redacted_and_bounded() {
    let otel = Otel::install();
    let executor = otel.executor(|b| b.trace_content(256));
    let anyone = Principal::anonymous();
    let call = lookup("call_1", "ada@example.com");
    assert!(executor.call(&anyone, &call).await.outcome.is_ok());

    // An argument the tool does not declare: rejected, and in the span by its name only.
    let extra = ToolCall::new(
        "call_2",
        "look_up_customer_account",
        json!({"email": "e", "access_code": "S3CR3T-CODE", "note": "S3CR3T-EXTRA"}).to_string(),
    );
    assert_kind!(executor.call(&anyone, &extra).await, InvalidArguments);

    let spans = otel.spans();
    let spans_of_calls = named(&spans, "execute_tool look_up_customer_account");
    let arguments_of = |span: &SpanData| -> Value {
        serde_json::from_str(&attr(span, "gen_ai.tool.call.arguments").unwrap().as_str()).unwrap()
    };
    assert_eq!(
        arguments_of(spans_of_calls[0]),
        json!({"email": "ada@example.com", "access_code": "[REDACTED]"}),
        "a secret parameter keeps only its name"
    );
    assert_eq!(
        arguments_of(spans_of_calls[1]),
        json!({"email": "e", "access_code": "[REDACTED]", "note": "[REDACTED]"}),
        "undeclared arguments keep only their names"
    );
    assert!(attr(spans_of_calls[1], "gen_ai.tool.call.result").is_none());
    let span = spans_of_calls[0];
    let result = attr(span, "gen_ai.tool.call.result").unwrap().as_str();
    assert!(result.len() <= 256 + '…'.len_utf8(), "{}", result.len());
    assert!(result.ends_with('…'), "a 600-byte result is cut: {result}");
    assert!(result.starts_with(r#"{"email":"ada@example.com","plan":"team","notes":"xxx"#));

    // A result small enough to keep whole: values under secret keys are redacted.
    let executor = otel.executor(|b| b.trace_content(4096));
    assert!(executor.call(&anyone, &call).await.outcome.is_ok());
    let spans = otel.spans();
    let span = named(&spans, "execute_tool look_up_customer_account")[2];
    let result: Value =
        serde_json::from_str(&attr(span, "gen_ai.tool.call.result").unwrap().as_str()).unwrap();
    assert_eq!(result["billing"]["card_token"], "[REDACTED]");
    assert_eq!(result["plan"], "team");

    // No secret reaches any exported attribute of any span.
    let all = format!("{spans:?}");
    for secret in ["S3CR3T-CODE", "S3CR3T-EXTRA", "tok_S3CR3T-RESULT"] {
        assert!(!all.contains(secret), "{secret} was exported");
    }
}

/// A body's own spans are children of its call's span, in the poll the caller made and in the
/// body's own task after it.
#[tokio::test]
async fn a_body_s_spans_are_children_of_its_call_s_span() {
    let otel = Otel::install();
    let executor = otel.executor(|b| b);
    let call = ToolCall::new("p", "pack_order_for_shipping", r#"{"order_id":"A-1"}"#);
    assert!(
        executor
            .call(&Principal::anonymous(), &call)
            .await
            .outcome
            .is_ok()
    );
    let spans = otel.spans();
    let call_span = named(&spans, "execute_tool pack_order_for_shipping")[0];
    let packing = named(&spans, "packing")[0];
    assert_eq!(packing.parent_span_id, call_span.span_context.span_id());
}

#[tokio::test(start_paused = true)]
async fn every_call_is_measured_in_the_duration_histogram() {
    let otel = Otel::install();
    let executor = otel.executor(|b| b);
    let anyone = Principal::anonymous();
    for i in 0..3 {
        let r = executor
            .call(&anyone, &lookup(&format!("ok_{i}"), "ada@example.com"))
            .await;
        assert!(r.outcome.is_ok());
    }
    let r = executor
        .call(&anyone, &lookup("no", "bob@blocked.example"))
        .await;
    assert_kind!(r, Denied);
    // A name the model made up is one series, whatever the name.
    for name in ["made_up_tool", "another_invention"] {
        let r = executor
            .call(&anyone, &ToolCall::new("x", name, "{}"))
            .await;
        assert_kind!(r, UnknownTool);
    }

    // A call whose caller goes away is measured too, as `cancelled`.
    let waiting = ToolCall::new("w", "wait_for_order_shipment", r#"{"order_id":"A-1"}"#);
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        executor.call(&anyone, &waiting),
    )
    .await;
    assert!(gave_up.is_err());

    let mut points = otel.durations();
    points.sort_by_key(|(a, ..)| (a.get("error.type").cloned(), a["gen_ai.tool.name"].clone()));
    // Paused time: the cancelled call lasted exactly the second its caller waited.
    let cancelled = points
        .iter()
        .find(|(a, ..)| a.get("error.type").map(String::as_str) == Some("cancelled"))
        .unwrap();
    assert!((cancelled.2 - 1.0).abs() < 1e-3, "{}", cancelled.2);
    let series: Vec<(HashMap<String, String>, u64)> =
        points.iter().map(|(a, n, _)| (a.clone(), *n)).collect();
    let attrs = |tool: &str, error: Option<&str>| {
        let mut m: HashMap<String, String> = [
            ("gen_ai.operation.name", "execute_tool"),
            ("gen_ai.tool.name", tool),
            ("gen_ai.tool.type", "function"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if let Some(e) = error {
            m.insert("error.type".into(), e.into());
        }
        m
    };
    assert_eq!(
        series,
        [
            (attrs("look_up_customer_account", None), 3),
            (attrs("wait_for_order_shipment", Some("cancelled")), 1),
            (attrs("look_up_customer_account", Some("denied")), 1),
            (attrs("_OTHER", Some("unknown_tool")), 2),
        ]
    );
}

/// A caller's span context, as an MCP client sends it in `_meta`.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn an_mcp_callers_traceparent_parents_the_execute_tool_span() {
    let otel = Otel::install();
    let shared = SharedExecutor::new(otel.executor(|b| b));
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let server = McpServer::new(shared, Some(Principal::anonymous()));
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(client_io).await.unwrap();
    let call = |meta: Value| -> CallToolRequestParams {
        serde_json::from_value(json!({
            "_meta": meta,
            "name": "look_up_customer_account",
            "arguments": {"email": "ada@example.com", "access_code": "c"}
        }))
        .unwrap()
    };

    let traced = client
        .call_tool(call(json!({
            "traceparent": format!("00-{TRACE_ID}-{CALLER_SPAN_ID}-01"),
            "tracestate": "vendor=opaque"
        })))
        .await
        .unwrap();
    assert_eq!(traced.is_error, Some(false));
    // Malformed and absent: a new root, never an error.
    for meta in [
        json!({"traceparent": format!("00-{TRACE_ID}-0000000000000000-01")}),
        json!({"traceparent": "not a traceparent"}),
        json!({}),
    ] {
        let r = client.call_tool(call(meta.clone())).await.unwrap();
        assert_eq!(r.is_error, Some(false), "{meta}");
    }
    client.cancel().await.unwrap();

    let spans = otel.spans();
    let servers = named(&spans, "tools/call");
    let tools = named(&spans, "execute_tool look_up_customer_account");
    assert_eq!((servers.len(), tools.len()), (4, 4), "{spans:#?}");
    let trace_id = TraceId::from_hex(TRACE_ID).unwrap();
    let server = servers[0];
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(server.span_context.trace_id(), trace_id);
    assert_eq!(
        server.parent_span_id,
        SpanId::from_hex(CALLER_SPAN_ID).unwrap()
    );
    assert!(server.parent_span_is_remote);
    assert_eq!(server.span_context.trace_state().header(), "vendor=opaque");
    let tool = tools[0];
    assert_eq!(tool.span_context.trace_id(), trace_id, "the caller's trace");
    assert_eq!(tool.parent_span_id, server.span_context.span_id());

    for (server, tool) in servers[1..].iter().zip(&tools[1..]) {
        assert_ne!(server.span_context.trace_id(), trace_id);
        assert!(!server.parent_span_is_remote);
        assert_eq!(tool.span_context.trace_id(), server.span_context.trace_id());
        assert_eq!(tool.parent_span_id, server.span_context.span_id());
    }
}
