//! The bodies of the fuzz targets. `cargo +nightly fuzz run arguments` drives them with
//! libFuzzer; `tests/it/fuzz_props.rs` runs the same bodies on stable with proptest inputs.

use std::sync::OnceLock;

use serde_json::Value;
use toolwright::providers::{anthropic, gemini, mcp, openai, openai_responses};
use toolwright::{
    CallArguments, ErrorKind, Executor, Principal, Registry, ToolCall, ToolError, tool,
};

/// Search the support tickets by text and status. Returns the matching ticket numbers.
#[tool(read_only)]
async fn search_support_tickets(
    /// Words to search for, e.g. "refund late"
    #[arg(min_len = 1, max_len = 50, pattern = "^[a-z ]+$")]
    query: String,
    /// How many tickets to return, from 1 to 50
    #[arg(range = 1..=50)]
    limit: Option<u8>,
    /// Tags every ticket must carry, at most 3, e.g. ["billing"]
    #[arg(max_len = 3)]
    tags: Vec<String>,
    /// Minimum relevance score, from 0.0 to 1.0
    #[arg(range = 0.0..=1.0, default = 0.5)]
    min_score: f64,
) -> Result<Vec<u32>, ToolError> {
    let _ = (query, limit, tags, min_score);
    Ok(vec![1, 2, 3])
}

fn executor() -> &'static Executor {
    static EX: OnceLock<Executor> = OnceLock::new();
    EX.get_or_init(|| {
        Executor::new(
            Registry::builder()
                .tool(search_support_tickets)
                .build()
                .expect("registry"),
        )
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
    })
}

/// Arbitrary bytes as a tool call's arguments: the executor answers with a value or a
/// structured `invalid_arguments` error, never a panic or another kind.
pub fn arguments(data: &[u8]) {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut calls = vec![ToolCall::new("f", "search_support_tickets", text.clone())];
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        calls.push(ToolCall {
            id: "f".into(),
            name: "search_support_tickets".into(),
            arguments: CallArguments::Json(v),
            provider_data: None,
        });
    }
    for call in calls {
        let result = runtime().block_on(executor().call(&Principal::anonymous(), &call));
        if let Err(e) = &result.outcome {
            assert_eq!(e.kind(), ErrorKind::InvalidArguments, "{e:?}");
            assert!(
                e.to_model_json()["errors"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
            );
        }
    }
}

/// Arbitrary bytes as a provider response: every parser returns calls or a parse error, never
/// a panic, and every call it returns has a name and usable or explained arguments. Argument
/// text that is an object with a repeated key stays text, for the validator to refuse with its
/// pointer.
pub fn provider_calls(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let parsed = [
        openai::parse_tool_calls(&v),
        openai_responses::parse_tool_calls(&v),
        anthropic::parse_tool_calls(&v),
        gemini::parse_tool_calls(&v),
        mcp::parse_tool_calls(&v),
    ];
    for calls in parsed.into_iter().flatten() {
        for c in calls {
            match &c.arguments {
                CallArguments::Json(Value::Object(_)) => {}
                CallArguments::Text(t)
                    if serde_json::from_str::<Value>(t).is_ok_and(|v| v.is_object()) => {}
                CallArguments::Invalid { error, .. } => assert!(!error.is_empty()),
                other => panic!("parsed arguments must be an object or explained: {other:?}"),
            }
        }
    }
}
