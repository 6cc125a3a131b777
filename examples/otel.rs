//! toolwright's OpenTelemetry GenAI telemetry exported over OTLP (HTTP/protobuf): an
//! `execute_tool {name}` span per call (through `tracing-opentelemetry`), with the opt-in,
//! redacted arguments and results, and the `gen_ai.execute_tool.duration` histogram.
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --features otel --example otel
//! ```
//!
//! Any OTLP/HTTP receiver works (the OpenTelemetry Collector, Jaeger, Grafana Tempo, …); without
//! the variable the exporter sends to `http://localhost:4318`.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;

use toolwright::{ErrorKind, Executor, Principal, Registry, ToolCall, ToolError, tool};

/// Look up the status of an order by its number. Returns the status and the carrier.
#[tool(permissions = ["orders:read"], read_only)]
async fn get_order_status(
    /// Order number, e.g. "A-1001"
    #[arg(min_len = 3, max_len = 20)]
    order_id: String,
) -> Result<serde_json::Value, ToolError> {
    if order_id.starts_with("Z-") {
        return Err(ToolError::new(
            ErrorKind::Unavailable,
            "the order service does not answer for archived orders",
        ));
    }
    Ok(json!({"order_id": order_id, "status": "shipped", "carrier": "DHL"}))
}

/// Send a password-reset link to a customer's email address. Returns the delivery id.
#[tool(permissions = ["accounts:write"])]
async fn send_password_reset(
    /// The customer's email address, e.g. "ada@example.com"
    email: String,
    /// The support agent's one-time code that authorizes the reset
    #[arg(secret)]
    agent_code: String,
) -> Result<serde_json::Value, ToolError> {
    let _ = (email, agent_code);
    Ok(json!({"delivery_id": "d-42"}))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Exporters made and shut down outside the async runtime: the blocking HTTP client they use
    // must not live on one of its threads.
    let resource = Resource::builder()
        .with_service_name("toolwright-otel-example")
        .build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()?;
    let tracer_provider = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .build()?;
    let meter_provider = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .with_resource(resource)
        .build();
    // Before the executor is built: it takes its meter from the global provider then.
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    // What turns an MCP caller's `_meta.traceparent` into the parent of its calls' spans.
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let layer = tracing_opentelemetry::layer().with_tracer(tracer_provider.tracer("toolwright"));
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))?;

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run())?;

    // Flushes what is still queued; an unreachable receiver is reported here.
    let traced = tracer_provider.shutdown();
    let measured = meter_provider.shutdown();
    match (traced, measured) {
        (Ok(()), Ok(())) => {
            println!("exported the spans and the gen_ai.execute_tool.duration histogram");
            Ok(())
        }
        (t, m) => Err(format!(
            "OTLP export failed (is a receiver listening at OTEL_EXPORTER_OTLP_ENDPOINT?): \
             traces {t:?}, metrics {m:?}"
        )
        .into()),
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::builder()
        .tool(get_order_status)
        .tool(send_password_reset)
        .build()?;
    let executor = Executor::builder(registry)
        // Opt-in: arguments and results on the spans, redacted, at most 2 KiB each.
        .trace_content(2048)
        .build();
    let agent = Principal::new("support-agent").grant_all(["orders:read", "accounts:write"]);

    // One model turn: its calls are children of this span, so they share one trace.
    let turn = tracing::info_span!("invoke_agent", otel.name = "invoke_agent support");
    let calls = [
        ToolCall::new("call_1", "get_order_status", r#"{"order_id":"A-1001"}"#),
        ToolCall::new(
            "call_2",
            "send_password_reset",
            r#"{"email":"ada@example.com","agent_code":"492-771"}"#,
        ),
        // Fails in the tool: error.type "unavailable".
        ToolCall::new("call_3", "get_order_status", r#"{"order_id":"Z-9"}"#),
        // Fails validation: error.type "invalid_arguments".
        ToolCall::new("call_4", "get_order_status", r#"{"order_id":""}"#),
    ];
    for call in &calls {
        let result =
            tracing::Instrument::instrument(executor.call(&agent, call), turn.clone()).await;
        match &result.outcome {
            Ok(value) => println!("{} {}: {value}", call.id, call.name),
            Err(e) => println!(
                "{} {}: {} ({})",
                call.id,
                call.name,
                e.kind().as_str(),
                e.message()
            ),
        }
    }
    Ok(())
}
