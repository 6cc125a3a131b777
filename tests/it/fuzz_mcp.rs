//! The `mcp_lines` fuzz target on stable: the same body, driven by proptest with JSON-RPC
//! lines built from pieces (requests, notifications, responses, garbage) and with raw bytes.

#[path = "../../fuzz/src/mcp_lines.rs"]
mod mcp_lines;

use proptest::prelude::*;
use serde_json::{Value, json};

fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4).prop_map(Value::from),
        Just(json!("fuzz-final-ping")),
        Just(json!(null)),
        Just(json!(1.5)),
        Just(json!({"a": 1})),
    ]
}

fn message() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec![
        "ping",
        "initialize",
        "tools/list",
        "tools/call",
        "notifications/cancelled",
        "notifications/initialized",
        "resources/list",
    ])
    .prop_map(str::to_owned);
    let method = prop_oneof![3 => known, 1 => "[a-z/]{0,12}"];
    let params = prop_oneof![
        Just(json!({"name": "lookup_order", "arguments": {"order_id": "A-1"}})),
        Just(json!({"name": "cancel_order", "arguments": {"order_id": "A-1"}})),
        Just(json!({"name": "lookup_order", "arguments": "{\"order_id\":1}"})),
        (0i64..4).prop_map(|id| json!({"requestId": id})),
        Just(
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "p", "version": "1"}})
        ),
        Just(json!([])),
        Just(json!(null)),
    ];
    prop_oneof![
        (id(), method.clone(), params.clone())
            .prop_map(|(id, m, p)| json!({"jsonrpc": "2.0", "id": id, "method": m, "params": p}).to_string()),
        (method, params).prop_map(|(m, p)| json!({"jsonrpc": "2.0", "method": m, "params": p}).to_string()),
        id().prop_map(|id| json!({"jsonrpc": "2.0", "id": id, "result": {"action": "accept", "content": {"approve": true}}}).to_string()),
        id().prop_map(|id| json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "no"}}).to_string()),
        "[{}\\[\\]\":,a-z0-9 ]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn mcp_lines_target(raw in any::<bool>(), lines in prop::collection::vec(message(), 0..8)) {
        let mut input = if raw { "!".to_owned() } else { String::new() };
        input.push_str(&lines.join("\n"));
        mcp_lines::mcp_lines(input.as_bytes());
    }

    #[test]
    fn mcp_lines_target_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        mcp_lines::mcp_lines(&bytes);
    }
}
