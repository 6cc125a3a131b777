//! Provider exports, parsers and result formats.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use toolwright::providers::{
    Provider, ProviderData, anthropic, gemini, mcp, openai, openai_responses,
};
use toolwright::{CallArguments, Executor, Principal, Registry, ToolCall, ToolError, tool};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing is broken yet
    Low,
    /// Someone is blocked
    High,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(
    dead_code,
    reason = "only parsed: the tests check the parse and the schema, not the value"
)]
pub struct Reporter {
    /// Reporter's email address, e.g. ana@example.com
    pub email: String,
    /// Team of the reporter, if known
    pub team: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(
    dead_code,
    reason = "only parsed: the tests check the parse and the schema, not the value"
)]
pub struct Category {
    /// Category name, e.g. "billing"
    pub name: String,
    /// Sub-categories, as deep as needed
    pub children: Vec<Category>,
}

/// File a support ticket in the helpdesk. Returns the new ticket's number.
#[tool(permissions = ["tickets:write"])]
async fn file_support_ticket(
    /// One-line summary shown in the ticket list, 5 to 120 characters
    #[arg(min_len = 5, max_len = 120)]
    title: String,
    /// How bad it is: low or high
    severity: Severity,
    /// Who reports the problem
    reporter: Reporter,
    /// Optional second reporter copied on updates
    cc: Option<Reporter>,
    /// Labels to attach, e.g. ["vpn", "login"]
    #[arg(max_len = 5)]
    labels: Vec<String>,
    /// Priority from 1 (highest) to 4. Defaults to 3.
    #[arg(range = 1..=4, default = 3)]
    priority: u8,
) -> Result<u64, ToolError> {
    let _ = (title, severity, reporter, cc, labels, priority);
    Ok(1042)
}

/// Tag a document with free-form key/value metadata. Returns the number of keys stored.
#[tool(permissions = ["kb:write"])]
async fn tag_document_metadata(
    /// Document id, e.g. "kb-102"
    id: String,
    /// Metadata to store, e.g. {"owner": "billing"}
    metadata: BTreeMap<String, String>,
) -> usize {
    let _ = id;
    metadata.len()
}

/// Create a category tree in the knowledge base. Returns how many categories were created.
#[tool(permissions = ["kb:write"])]
async fn create_category_tree(
    /// The root category and its sub-categories
    root: Category,
) -> usize {
    fn count(c: &Category) -> usize {
        1 + c.children.iter().map(count).sum::<usize>()
    }
    count(&root)
}

/// Get the current UTC time as an RFC 3339 timestamp. Returns the timestamp string.
#[tool(read_only)]
async fn get_current_time() -> String {
    "2026-11-26T12:00:00Z".into()
}

fn registry() -> Registry {
    Registry::builder()
        .tool(file_support_ticket)
        .tool(tag_document_metadata)
        .tool(create_category_tree)
        .tool(get_current_time)
        .build()
        .unwrap()
}

fn check_snapshot(name: &str, actual: &Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/snapshots/providers/{name}.json"));
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected,
        text,
        "{} differs (UPDATE_SNAPSHOTS=1 to accept)",
        path.display()
    );
}

fn walk<'a>(v: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    match v {
        Value::Object(m) => {
            out.push(m);
            for x in m.values() {
                walk(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
        _ => {}
    }
}

/// Every schema node, but not property names that happen to look like keywords.
fn schema_nodes(schema: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let mut all = Vec::new();
    walk(schema, &mut all);
    all
}

#[test]
fn openai_exports_are_strict_where_possible_and_say_why_not() {
    let r = registry();
    let export = openai::export(r.iter());
    check_snapshot("openai", &export.tools);
    let tools = export.tools.as_array().unwrap();
    let strict: Vec<(&str, bool)> = tools
        .iter()
        .map(|t| {
            (
                t["function"]["name"].as_str().unwrap(),
                t["function"]["strict"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        strict,
        [
            ("file_support_ticket", true),
            ("tag_document_metadata", false),
            ("create_category_tree", true),
            ("get_current_time", true)
        ]
    );
    assert!(
        export
            .notes
            .iter()
            .any(|n| n.tool == "tag_document_metadata" && n.message.starts_with("not strict: "))
    );
    const ALLOWED: &[&str] = &[
        "type",
        "description",
        "title",
        "enum",
        "$ref",
        "$defs",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
    ];
    for t in tools.iter().filter(|t| t["function"]["strict"] == true) {
        let params = &t["function"]["parameters"];
        let mut nodes = Vec::new();
        collect_schema_nodes(params, &mut nodes);
        for node in nodes {
            for k in node.keys() {
                assert!(
                    ALLOWED.contains(&k.as_str()),
                    "{}: keyword `{k}` in {node:?}",
                    t["function"]["name"]
                );
            }
            if let Some(Value::Object(props)) = node.get("properties") {
                assert_eq!(node["additionalProperties"], false, "closed object");
                let required: Vec<&str> = node["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                let keys: Vec<&str> = props.keys().map(String::as_str).collect();
                assert_eq!(required, keys, "every property required");
            }
        }
    }
    // Optional became nullable; the default moved into the description.
    let ticket = &tools[0]["function"]["parameters"]["properties"];
    assert_eq!(ticket["priority"]["type"], json!(["integer", "null"]));
    assert!(
        ticket["priority"]["description"]
            .as_str()
            .unwrap()
            .contains("Default: 3.")
    );
    // `cc` accepts null: written as a type list now that the portable form merged its
    // `anyOf [$ref, null]` (either spelling means the same to strict mode).
    let cc = &ticket["cc"];
    assert!(
        cc["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("null")))
            || cc["anyOf"]
                .as_array()
                .is_some_and(|b| b.iter().any(|b| b["type"] == "null")),
        "{cc}"
    );
    assert!(
        ticket["title"]["description"]
            .as_str()
            .unwrap()
            .contains("At least 5 characters.")
    );
}

/// Schema nodes only: walks `properties` values, `items`, `anyOf` branches and `$defs`.
fn collect_schema_nodes<'a>(v: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    let Value::Object(m) = v else { return };
    out.push(m);
    for key in ["properties", "$defs"] {
        if let Some(Value::Object(children)) = m.get(key) {
            children.values().for_each(|c| collect_schema_nodes(c, out));
        }
    }
    if let Some(items) = m.get("items") {
        collect_schema_nodes(items, out);
    }
    if let Some(Value::Array(branches)) = m.get("anyOf") {
        branches.iter().for_each(|b| collect_schema_nodes(b, out));
    }
}

#[test]
fn openai_responses_exports_are_flat() {
    let export = openai_responses::export(registry().iter());
    check_snapshot("openai-responses", &export.tools);
    for t in export.tools.as_array().unwrap() {
        assert_eq!(t["type"], "function");
        assert!(t["name"].is_string() && t["parameters"].is_object() && t["strict"].is_boolean());
        assert!(t.get("function").is_none());
    }
}

#[test]
fn anthropic_exports_use_input_schema() {
    let export = anthropic::export(registry().iter());
    check_snapshot("anthropic", &export.tools);
    for t in export.tools.as_array().unwrap() {
        assert_eq!(t["input_schema"]["type"], "object");
        assert_eq!(t.as_object().unwrap().len(), 3);
    }
}

#[test]
fn gemini_exports_stay_inside_the_openapi_subset() {
    let export = gemini::export(registry().iter());
    check_snapshot("gemini", &export.tools);
    let decls = export.tools[0]["functionDeclarations"].as_array().unwrap();
    assert_eq!(export.tools.as_array().unwrap().len(), 1, "one Tool block");
    assert!(
        decls[3].get("parameters").is_none(),
        "no-argument tools omit parameters"
    );
    for d in decls {
        if let Some(params) = d.get("parameters") {
            for node in schema_nodes(params) {
                for banned in [
                    "$ref",
                    "$defs",
                    "additionalProperties",
                    "$schema",
                    "const",
                    "oneOf",
                    "default",
                    "exclusiveMinimum",
                ] {
                    assert!(
                        !node.contains_key(banned)
                            || node
                                .get("properties")
                                .is_some_and(|p| p.get(banned).is_some()),
                        "{banned} in {}",
                        d["name"]
                    );
                }
                if let Some(t) = node.get("type") {
                    assert!(t.is_string(), "type is one string: {t}");
                }
                if let Some(Value::Array(e)) = node.get("enum") {
                    assert!(e.iter().all(Value::is_string));
                    assert_eq!(node["type"], "string");
                }
            }
        }
    }
    let props = &decls[0]["parameters"]["properties"];
    assert_eq!(props["severity"]["enum"], json!(["low", "high"]));
    // Optional = simply not required: Gemini omits it, no `nullable` needed (issue 17).
    assert!(props["cc"].get("nullable").is_none());
    let required = decls[0]["parameters"]["required"].as_array().unwrap();
    assert!(!required.contains(&json!("cc")));
    assert_eq!(props["reporter"]["properties"]["email"]["type"], "string");
    assert!(
        export
            .notes
            .iter()
            .any(|n| n.tool == "create_category_tree" && n.message.contains("recursive"))
    );
}

#[test]
fn mcp_exports_carry_every_annotation() {
    let export = mcp::export(registry().iter());
    check_snapshot("mcp", &export.tools);
    for t in export.tools["tools"].as_array().unwrap() {
        let a = t["annotations"].as_object().unwrap();
        for hint in [
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
        ] {
            assert!(a[hint].is_boolean(), "{hint}");
        }
        assert_eq!(t["inputSchema"]["type"], "object");
        if let Some(o) = t.get("outputSchema") {
            assert_eq!(o["type"], "object");
        }
    }
}

// ---- parsing what models really send -----------------------------------------------------------

#[test]
fn openai_tool_calls_parse_from_strings_objects_and_garbage() {
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": null,
            "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "get_current_time", "arguments": ""}},
                {"id": "call_b", "type": "function", "function": {"name": "tag_document_metadata", "arguments": "{\"id\":\"kb-1\",\"metadata\":{}}"}},
                {"id": "call_c", "type": "function", "function": {"name": "tag_document_metadata", "arguments": "{\"id\": \"kb-1\", "}},
                {"id": "call_d", "type": "function", "function": {"name": "tag_document_metadata", "arguments": {"id": "kb-2", "metadata": {}}}},
                {"id": "call_e", "type": "function", "function": {"name": "tag_document_metadata", "arguments": "[1,2]"}}
            ]}}]
    });
    let calls = openai::parse_tool_calls(&body).unwrap();
    let ids: Vec<&str> = calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call_a", "call_b", "call_c", "call_d", "call_e"]);
    assert_eq!(calls[0].arguments, CallArguments::Json(json!({})));
    assert_eq!(
        calls[1].arguments,
        CallArguments::Json(json!({"id": "kb-1", "metadata": {}}))
    );
    assert!(matches!(calls[2].arguments, CallArguments::Invalid { .. }));
    assert_eq!(
        calls[3].arguments,
        CallArguments::Json(json!({"id": "kb-2", "metadata": {}}))
    );
    assert!(
        matches!(&calls[4].arguments, CallArguments::Invalid { error, .. } if error.contains("array"))
    );
    assert!(openai::parse_tool_calls(&json!({"choices": []})).is_err());
    let plain = json!({"choices": [{"message": {"role": "assistant", "content": "Hi"}}]});
    assert!(openai::parse_tool_calls(&plain).unwrap().is_empty());
    assert_eq!(openai::response_text(&plain), Some("Hi"));
}

#[test]
fn responses_anthropic_gemini_and_mcp_calls_parse() {
    let responses = json!({"output": [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_current_time", "arguments": "{}"},
        {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "get_current_time", "arguments": "not json"}
    ]});
    let calls = openai_responses::parse_tool_calls(&responses).unwrap();
    assert_eq!(
        (calls[0].id.as_str(), calls[1].id.as_str()),
        ("call_1", "call_2")
    );
    assert!(matches!(calls[1].arguments, CallArguments::Invalid { .. }));

    let claude = json!({"id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "tool_use", "content": [
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_01", "name": "get_current_time", "input": {}},
        {"type": "tool_use", "id": "toolu_02", "name": "tag_document_metadata", "input": {"id": "kb-1", "metadata": {"a": "b"}}}
    ]});
    let calls = anthropic::parse_tool_calls(&claude).unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].id, "toolu_02");
    assert_eq!(
        anthropic::response_text(&claude).as_deref(),
        Some("Let me check.")
    );

    let gem = json!({"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "get_current_time", "args": {}}},
        {"functionCall": {"name": "tag_document_metadata", "id": "fc-9", "args": {"id": "kb-1", "metadata": {}}}}
    ]}}]});
    let calls = gemini::parse_tool_calls(&gem).unwrap();
    assert_eq!(
        (calls[0].id.as_str(), calls[1].id.as_str()),
        ("call_0", "fc-9")
    );

    let req = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "get_current_time"}});
    let calls = mcp::parse_tool_calls(&req).unwrap();
    assert_eq!(
        (calls[0].id.as_str(), &calls[0].arguments),
        ("7", &CallArguments::Json(json!({})))
    );
    assert!(mcp::parse_tool_calls(&json!({"params": {}})).is_err());
}

#[tokio::test]
async fn results_format_back_with_each_providers_error_flag() {
    let ex = Executor::new(registry());
    let p = Principal::new("p").grant("*");
    let ok = ex
        .call(&p, &ToolCall::new("call_ok", "get_current_time", ""))
        .await;
    let bad = ex
        .call(
            &p,
            &ToolCall::new("call_bad", "tag_document_metadata", "{\"id\": 5}"),
        )
        .await;
    let results = [ok, bad];

    let oa = openai::format_results(&results);
    assert_eq!(
        oa[0],
        json!({"role": "tool", "tool_call_id": "call_ok", "content": "\"2026-11-26T12:00:00Z\""})
    );
    assert_eq!(
        serde_json::from_str::<Value>(oa[1]["content"].as_str().unwrap()).unwrap()["kind"],
        "invalid_arguments"
    );

    let rs = openai_responses::format_results(&results);
    assert_eq!(rs[1]["type"], "function_call_output");
    assert_eq!(rs[1]["call_id"], "call_bad");

    let an = anthropic::format_results(&results);
    assert_eq!(an["role"], "user");
    assert!(an["content"][0].get("is_error").is_none());
    assert_eq!(an["content"][1]["is_error"], true);
    assert_eq!(an["content"][1]["tool_use_id"], "call_bad");

    let ge = gemini::format_results(&results);
    assert_eq!(
        ge["parts"][0]["functionResponse"]["response"]["output"],
        "2026-11-26T12:00:00Z"
    );
    assert_eq!(
        ge["parts"][1]["functionResponse"]["response"]["error"]["kind"],
        "invalid_arguments"
    );

    let mc = mcp::format_results(&results);
    assert_eq!(mc[0]["isError"], false);
    assert_eq!(mc[1]["isError"], true);
}

// ---- opaque provider data survives the round trip ----------------------------------------------

#[test]
fn gemini_thought_signatures_go_back_on_the_part_they_came_with() {
    // Gemini 3, two parallel calls: the signature is on the first part only, beside
    // `functionCall` (python-genai `Part.thought_signature`).
    let response = json!({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Checking both.", "thoughtSignature": "Ek0KSw=="},
        {"functionCall": {"name": "get_current_time", "args": {}, "id": "fc-1"}, "thoughtSignature": "CiQBjz1rX1sigA=="},
        {"functionCall": {"name": "tag_document_metadata", "args": {"id": "kb-1", "metadata": {}}, "id": "fc-2"}}
    ]}, "finishReason": "STOP", "index": 0}]});
    let calls = gemini::parse_tool_calls(&response).unwrap();
    assert_eq!(
        calls[0].provider_fields(Provider::Gemini).unwrap()["thoughtSignature"],
        "CiQBjz1rX1sigA=="
    );
    assert!(calls[1].provider_data.is_none());
    let turn = gemini::format_model_turn(Some("Checking both."), &calls);
    let parts = response["candidates"][0]["content"]["parts"]
        .as_array()
        .unwrap();
    assert_eq!(turn["role"], "model");
    assert_eq!(
        turn["parts"][1], parts[1],
        "the call part comes back exactly as received"
    );
    assert_eq!(turn["parts"][2], parts[2]);
}

#[test]
fn responses_function_call_items_replay_exactly_as_received() {
    let items = json!([
        {"type": "function_call", "id": "fc_68e4b1", "call_id": "call_Kq3", "name": "get_current_time",
         "arguments": "{}", "status": "completed"},
        {"type": "function_call", "id": "fc_68e4b2", "call_id": "call_Kq4", "name": "tag_document_metadata",
         "arguments": "{\"id\":\"kb-1\",\"metadata\":{}}", "status": "completed", "namespace": "kb"}
    ]);
    let calls = openai_responses::parse_tool_calls(&json!({"output": items})).unwrap();
    assert_eq!(
        calls[0].id, "call_Kq3",
        "the call id pairs the output with its call"
    );
    assert_eq!(openai_responses::format_calls(&calls), items);
}

#[test]
fn anthropic_tool_use_blocks_replay_exactly_as_received() {
    let content = json!([
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_01A", "name": "get_current_time", "input": {}},
        {"type": "tool_use", "id": "toolu_01B", "name": "tag_document_metadata",
         "input": {"id": "kb-1", "metadata": {}}, "caller": {"type": "direct"}}
    ]);
    let calls = anthropic::parse_tool_calls(&json!({"content": content})).unwrap();
    let turn = anthropic::format_assistant_turn(Some("Let me check."), &calls);
    assert_eq!(turn, json!({"role": "assistant", "content": content}));
}

#[test]
fn openai_compatible_extra_fields_on_a_tool_call_are_kept() {
    // Gemini's OpenAI-compatible endpoint puts its signature on the tool call.
    let call = json!({"id": "call_1", "type": "function",
        "function": {"name": "get_current_time", "arguments": "{}"},
        "extra_content": {"google": {"thought_signature": "CiQB"}}});
    let body = json!({"choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [call]}}]});
    let calls = openai::parse_tool_calls(&body).unwrap();
    let turn = openai::format_assistant_turn(None, &calls);
    assert_eq!(turn["tool_calls"][0], call);
}

#[test]
fn one_providers_opaque_data_is_never_sent_to_another() {
    let mut fields = serde_json::Map::new();
    fields.insert("thoughtSignature".into(), json!("c2ln"));
    let call = ToolCall::new("c1", "get_current_time", "{}").with_provider_data(ProviderData {
        provider: Provider::Gemini,
        fields,
    });
    let calls = [call];
    assert!(
        anthropic::format_assistant_turn(None, &calls)["content"][0]
            .get("thoughtSignature")
            .is_none()
    );
    assert!(
        openai_responses::format_calls(&calls)[0]
            .get("thoughtSignature")
            .is_none()
    );
    assert!(
        openai::format_assistant_turn(None, &calls)["tool_calls"][0]
            .get("thoughtSignature")
            .is_none()
    );
    assert_eq!(
        gemini::format_model_turn(None, &calls)["parts"][0]["thoughtSignature"],
        "c2ln"
    );
}

// ---- portable schemas --------------------------------------------------------------------------

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(
    dead_code,
    reason = "a parameter type: its schema is what the tests read"
)]
pub struct Shipment {
    /// Parcel weight in grams, e.g. 1200
    pub grams: u32,
    /// Tracking sequence number, if one was assigned
    pub sequence: Option<i64>,
    /// Parcel dimensions in millimetres, e.g. [300, 200, 100]
    pub dims: Vec<u16>,
}

/// Book a shipment for an order with the carrier. Returns the booking number.
#[tool(permissions = ["orders:write"])]
async fn book_shipment(
    /// Order number, e.g. 1042
    order: u64,
    /// Number of parcels, 1 to 20
    #[arg(range = 1..=20)]
    parcels: u8,
    /// Temperature offset in degrees, e.g. -4
    offset: i8,
    /// Priority lane, if any, e.g. 2
    lane: Option<u16>,
    /// Retry budget, e.g. 3
    retries: usize,
    /// How urgent the shipment is: low or high
    severity: Option<Severity>,
    /// The parcel contents and their packaging
    shipment: Shipment,
) -> u64 {
    let _ = (parcels, offset, lane, retries, severity, shipment);
    order
}

fn integer_registry() -> Registry {
    Registry::builder()
        .tool(book_shipment)
        .tool(file_support_ticket)
        .build()
        .unwrap()
}

/// Every `format` anywhere in a value (property names included, which is stricter).
fn formats(v: &Value) -> Vec<String> {
    schema_nodes(v)
        .into_iter()
        .filter_map(|n| n.get("format").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

fn all_exports(registry: &Registry) -> Vec<(&'static str, Value)> {
    vec![
        ("openai", openai::export(registry.iter()).tools),
        (
            "openai-responses",
            openai_responses::export(registry.iter()).tools,
        ),
        ("anthropic", anthropic::export(registry.iter()).tools),
        ("gemini", gemini::export(registry.iter()).tools),
        ("mcp", mcp::export(registry.iter()).tools),
    ]
}

#[test]
fn no_export_carries_a_rust_number_format() {
    let raw = serde_json::to_string(
        &integer_registry()
            .get("book_shipment")
            .unwrap()
            .input_schema()
            .clone(),
    )
    .unwrap();
    assert!(
        raw.contains("uint8"),
        "the generated schema has Rust formats to lower: {raw}"
    );
    for (provider, tools) in all_exports(&integer_registry()) {
        for f in formats(&tools) {
            assert!(
                STANDARD_FORMATS.contains(&f.as_str()),
                "{provider}: format `{f}`"
            );
        }
    }
}

#[test]
fn rust_number_formats_become_bounds_that_keep_the_tighter_one() {
    let tools = anthropic::export(integer_registry().iter()).tools;
    let props = &tools[0]["input_schema"]["properties"];
    assert_eq!(
        (
            props["offset"]["minimum"].clone(),
            props["offset"]["maximum"].clone()
        ),
        (json!(-128), json!(127))
    );
    assert_eq!(
        (
            props["parcels"]["minimum"].clone(),
            props["parcels"]["maximum"].clone()
        ),
        (json!(1), json!(20))
    );
    assert_eq!(props["order"]["minimum"], 0);
    assert!(props["order"].get("format").is_none());
    assert_eq!(props["retries"]["minimum"], 0);
}

#[test]
fn optional_properties_are_not_required_and_not_nullable_except_in_openai_strict_mode() {
    let registry = integer_registry();
    let anthropic = anthropic::export(registry.iter()).tools;
    let mcp = mcp::export(registry.iter()).tools;
    for schema in [
        &anthropic[0]["input_schema"],
        &mcp["tools"][0]["inputSchema"],
    ] {
        let required = schema["required"].as_array().unwrap();
        for name in ["lane", "severity"] {
            assert!(!required.contains(&json!(name)), "{name} is optional");
        }
        let text = schema.to_string();
        assert!(
            !text.contains("\"null\""),
            "no null anywhere in an optional-only schema: {text}"
        );
    }
    let strict = &openai::export(registry.iter()).tools[0]["function"];
    assert_eq!(strict["strict"], true);
    assert_eq!(
        strict["parameters"]["properties"]["lane"]["type"],
        json!(["integer", "null"])
    );
}

// ---- examples and Anthropic strict tool use ----------------------------------------------------

/// Search the help center articles by keyword. Returns matching article titles.
#[tool(
    read_only,
    example = r#"{"query": "refund", "limit": 3}"#,
    example = r#"{"query": "shipping"}"#
)]
async fn search_help_center(
    /// Keywords to search for, e.g. "refund policy"
    query: String,
    /// How many titles to return, 1 to 10. Defaults to 5.
    #[arg(range = 1..=10, default = 5)]
    limit: u8,
) -> Vec<String> {
    let _ = limit;
    vec![query]
}

/// Search the help center archive by keyword. Returns matching article titles.
#[tool(read_only, example = r#"{"query": "refund", "limit": 50}"#)]
async fn search_help_archive(
    /// Keywords to search for, e.g. "refund policy"
    query: String,
    /// How many titles to return, 1 to 10
    #[arg(range = 1..=10)]
    limit: u8,
) -> Vec<String> {
    let _ = limit;
    vec![query]
}

/// Search the help center drafts by keyword. Returns matching draft titles.
#[tool(read_only, example = r#"{"query": "refund", "query": "again"}"#)]
async fn search_help_drafts(
    /// Keywords to search for, e.g. "refund policy"
    query: String,
) -> Vec<String> {
    vec![query]
}

#[test]
fn an_example_the_schema_refuses_stops_the_registry_build() {
    let Err(err) = Registry::builder().tool(search_help_archive).build() else {
        panic!("a limit of 50 is outside 1..=10")
    };
    let text = err.to_string();
    assert!(text.contains("search_help_archive"), "{text}");
    assert!(
        text.contains("example 1 does not match the input schema"),
        "{text}"
    );
    assert!(text.contains("/limit"), "{text}");

    let Err(err) = Registry::builder().tool(search_help_drafts).build() else {
        panic!("a repeated key is refused")
    };
    assert!(
        err.to_string().contains("gives the key `query` twice"),
        "{err}"
    );
}

#[test]
fn examples_reach_anthropic_as_input_examples_and_every_other_provider_in_the_description() {
    let registry = Registry::builder()
        .tool(search_help_center)
        .build()
        .unwrap();
    let entry = registry.get("search_help_center").unwrap();
    assert_eq!(
        entry.examples(),
        [
            json!({"query": "refund", "limit": 3}),
            json!({"query": "shipping"})
        ]
    );
    let anthropic = anthropic::export(registry.iter()).tools;
    assert_eq!(anthropic[0]["input_examples"], json!(entry.examples()));
    assert_eq!(anthropic[0]["description"], entry.description());
    let described = [
        openai::export(registry.iter()).tools[0]["function"]["description"].clone(),
        openai_responses::export(registry.iter()).tools[0]["description"].clone(),
        gemini::export(registry.iter()).tools[0]["functionDeclarations"][0]["description"].clone(),
        mcp::export(registry.iter()).tools["tools"][0]["description"].clone(),
    ];
    for d in described {
        let d = d.as_str().unwrap();
        assert!(d.starts_with(entry.description()), "{d}");
        assert!(d.contains(r#"{"query":"refund","limit":3}"#), "{d}");
        assert!(d.contains(r#"{"query":"shipping"}"#), "{d}");
    }
}

const ANTHROPIC_STRICT_KEYS: &[&str] = &[
    "type",
    "anyOf",
    "allOf",
    "enum",
    "const",
    "description",
    "title",
    "$ref",
    "$defs",
    "properties",
    "required",
    "additionalProperties",
    "format",
    "items",
    "minItems",
];

#[test]
fn anthropic_strict_keeps_only_what_strict_tool_use_takes_and_says_the_rest() {
    let export = anthropic::export_strict(registry().iter());
    let tools = export.tools.as_array().unwrap();
    let by_name = |n: &str| tools.iter().find(|t| t["name"] == n).unwrap();
    let ticket = by_name("file_support_ticket");
    assert_eq!(ticket["strict"], true);
    for node in schema_nodes(&ticket["input_schema"]) {
        if node.contains_key("type") || node.contains_key("anyOf") || node.contains_key("$ref") {
            for k in node.keys() {
                assert!(
                    ANTHROPIC_STRICT_KEYS.contains(&k.as_str()),
                    "`{k}` in {node:?}"
                );
            }
        }
        if node.get("type") == Some(&json!("object")) {
            assert_eq!(node["additionalProperties"], false);
        }
    }
    let priority = &ticket["input_schema"]["properties"]["priority"];
    assert!(priority.get("minimum").is_none() && priority.get("maximum").is_none());
    let text = priority["description"].as_str().unwrap();
    assert!(
        text.contains("At least 1.") && text.contains("At most 4."),
        "{text}"
    );
    let title = ticket["input_schema"]["properties"]["title"]["description"]
        .as_str()
        .unwrap();
    assert!(title.contains("At least 5 characters."), "{title}");
    // A map cannot be closed: sent as the plain export, with a note.
    let tags = by_name("tag_document_metadata");
    assert!(tags.get("strict").is_none());
    assert!(
        export
            .notes
            .iter()
            .any(|n| n.tool == "tag_document_metadata" && n.message.starts_with("not strict"))
    );
    // Recursion stays a reference.
    assert_eq!(by_name("create_category_tree")["strict"], true);
    assert!(
        by_name("create_category_tree")["input_schema"]
            .to_string()
            .contains("#/$defs/Category")
    );
}

#[test]
fn deferred_exports_load_all_but_the_named_tools_through_the_providers_search() {
    let registry = registry();
    let responses = openai_responses::export_deferred(registry.iter(), &["get_current_time"]).tools;
    let items = responses.as_array().unwrap();
    assert_eq!(items.last().unwrap(), &json!({"type": "tool_search"}));
    for t in &items[..items.len() - 1] {
        let deferred = t.get("defer_loading") == Some(&json!(true));
        assert_eq!(deferred, t["name"] != "get_current_time", "{}", t["name"]);
    }
    let claude = anthropic::export_deferred(registry.iter(), &[]).tools;
    let items = claude.as_array().unwrap();
    assert_eq!(
        items.last().unwrap(),
        &json!({"type": "tool_search_tool_bm25_20251119", "name": "tool_search_tool_bm25"})
    );
    assert!(
        items[..items.len() - 1]
            .iter()
            .all(|t| t["defer_loading"] == true)
    );
}
