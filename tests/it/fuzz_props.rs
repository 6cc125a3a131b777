//! The fuzz targets of `fuzz/` on stable: the same bodies, driven by proptest for a bounded
//! number of cases (mutated valid inputs and raw bytes).

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use proptest::prelude::*;

use crate::support::seeds;

fn json_like() -> impl Strategy<Value = String> {
    let valid = r#"{"query":"refund late","limit":5,"tags":["billing"],"min_score":0.7}"#;
    prop_oneof![
        // A valid call with bytes replaced: mostly near-misses.
        (prop::collection::vec((0usize..70, any::<u8>()), 0..4)).prop_map(move |edits| {
            let mut b = valid.as_bytes().to_vec();
            for (i, byte) in edits {
                let i = i % b.len();
                b[i] = byte;
            }
            String::from_utf8_lossy(&b).into_owned()
        }),
        "[{}\\[\\]\":,a-z0-9 .-]{0,80}",
        Just(valid.to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arguments_target(text in json_like()) {
        targets::arguments(text.as_bytes());
    }

    #[test]
    fn arguments_target_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        targets::arguments(&bytes);
    }

    #[test]
    fn provider_calls_target(shape in 0usize..5, name in "[a-z_]{0,12}", args in json_like(), as_object in any::<bool>()) {
        let arguments: serde_json::Value = if as_object {
            serde_json::from_str(&args).unwrap_or(serde_json::Value::String(args.clone()))
        } else {
            serde_json::Value::String(args.clone())
        };
        let body = match shape {
            0 => serde_json::json!({"choices": [{"message": {"tool_calls": [{"id": "c", "function": {"name": name, "arguments": arguments}}]}}]}),
            1 => serde_json::json!({"output": [{"type": "function_call", "call_id": "c", "name": name, "arguments": arguments}]}),
            2 => serde_json::json!({"content": [{"type": "tool_use", "id": "c", "name": name, "input": arguments}]}),
            3 => serde_json::json!({"candidates": [{"content": {"parts": [{"functionCall": {"name": name, "args": arguments}}]}}]}),
            _ => serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}),
        };
        targets::provider_calls(body.to_string().as_bytes());
    }

    #[test]
    fn provider_calls_target_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        targets::provider_calls(&bytes);
    }
}

/// Every committed seed of these targets still passes its oracle on stable (a seed that once
/// crashed stays a regression test).
#[test]
fn committed_seeds_pass() {
    seeds::replay_committed("arguments", targets::arguments);
    seeds::replay_committed("provider_calls", targets::provider_calls);
}
