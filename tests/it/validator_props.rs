//! The validator and the schema agree: for generated argument objects, the executor's
//! validation and the `jsonschema` crate (an independent draft 2020-12 validator reading the
//! exported schema) both accept or both reject.

use proptest::prelude::*;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use toolwright::{CallArguments, Principal, Registry, ToolContext, ToolError, tool};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Pending,
    Closed,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "only parsed: the tests check the parse and the schema, not the value"
)]
pub struct Filter {
    /// Tag to match exactly, e.g. "billing"
    pub tag: String,
    /// Lowest relevance score to include, from 0 to 1
    pub min_score: Option<f64>,
}

/// Search the support tickets by text, status and tags.
/// Returns the matching ticket numbers, best match first.
#[tool(read_only)]
async fn search_support_tickets(
    /// Words to search for, lowercase letters and spaces, e.g. "refund late"
    #[arg(min_len = 1, max_len = 20, pattern = "^[a-z ]+$")]
    query: String,
    /// How many tickets to return, from 1 to 50; all matches when omitted
    #[arg(range = 1..=50)]
    limit: Option<u8>,
    /// Tags every ticket must carry, at most 3, e.g. ["billing"]
    #[arg(max_len = 3)]
    tags: Vec<String>,
    /// Ticket status to match: open, pending or closed
    status: Status,
    /// Extra filter on one tag with a minimum score
    filter: Option<Filter>,
    /// Score boost for recent tickets, from -10.5 to 10.5
    #[arg(range = -10.5..=10.5)]
    boost: f64,
    /// Customer account number, any 32-bit signed integer, e.g. 40213
    account: i32,
) -> Result<Vec<u32>, ToolError> {
    let _ = (query, limit, tags, status, filter, boost, account);
    Ok(vec![])
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-300i64..300).prop_map(Value::from),
        (-100i64..100).prop_map(|i| json!(i as f64)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        (-20.0f64..20.0).prop_map(Value::from),
        "[a-z ]{0,25}".prop_map(Value::from),
        "[A-Za-z0-9_ ]{0,8}".prop_map(Value::from),
        prop_oneof![Just("open"), Just("pending"), Just("closed"), Just("Open")]
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("tag".to_owned()),
                    Just("min_score".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field(name: &'static str) -> impl Strategy<Value = Option<(String, Value)>> {
    prop::option::weighted(0.85, any_json().prop_map(move |v| (name.to_owned(), v)))
}

fn args() -> impl Strategy<Value = Value> {
    (
        field("query"),
        field("limit"),
        field("tags"),
        field("status"),
        field("filter"),
        field("boost"),
        field("account"),
        prop::option::weighted(0.1, ("[a-z]{1,8}", any_json())),
    )
        .prop_map(|(a, b, c, d, e, f, g, extra)| {
            let mut m = Map::new();
            for (k, v) in [a, b, c, d, e, f, g, extra].into_iter().flatten() {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn validator_and_schema_agree(args in args()) {
        let registry = Registry::builder().tool(search_support_tickets).build().unwrap();
        let entry = registry.get("search_support_tickets").unwrap();
        let by_schema = jsonschema::draft202012::is_valid(entry.input_schema(), &args);
        let ctx = ToolContext::for_test(Principal::anonymous());
        let by_validator = toolwright::__private::prepare(&registry, entry, &CallArguments::Json(args.clone()), ctx).is_ok();
        let text = args.to_string();
        let ctx = ToolContext::for_test(Principal::anonymous());
        let by_text = toolwright::__private::prepare(&registry, entry, &CallArguments::Text(text.clone()), ctx).is_ok();
        prop_assert_eq!(by_schema, by_validator, "schema vs validator on {}", args);
        prop_assert_eq!(by_validator, by_text, "value vs text on {}", args);
    }
}

fn non_object() -> impl Strategy<Value = Value> {
    // Arrays of a valid object's fields in declaration order are what serde's sequence form of
    // the argument struct would accept.
    let limit = prop_oneof![
        Just(Value::Null),
        (1..=50u8).prop_map(Value::from),
        any_json()
    ];
    let filter = prop_oneof![Just(Value::Null), Just(json!({"tag": "x"})), any_json()];
    let positional = (limit, filter)
        .prop_map(|(limit, filter)| json!(["refund", limit, [], "open", filter, 0.5, 1]));
    prop_oneof![
        any_json().prop_filter("not an object", |v| !v.is_object()),
        positional,
        any_json().prop_map(|v| Value::String(json!({"query": "a", "x": v}).to_string())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arguments_that_are_not_an_object_are_always_refused(root in non_object(), ws in "[ \t\n\r]{0,3}") {
        let registry = Registry::builder().tool(search_support_tickets).build().unwrap();
        let entry = registry.get("search_support_tickets").unwrap();
        prop_assert!(!jsonschema::draft202012::is_valid(entry.input_schema(), &root));
        let ctx = ToolContext::for_test(Principal::anonymous());
        let by_value = toolwright::__private::prepare(&registry, entry, &CallArguments::Json(root.clone()), ctx).err();
        let text = format!("{ws}{root}");
        let ctx = ToolContext::for_test(Principal::anonymous());
        let by_text = toolwright::__private::prepare(&registry, entry, &CallArguments::Text(text.clone()), ctx).err();
        for err in [by_value, by_text] {
            prop_assert!(err.is_some(), "accepted {}", text);
            let err = err.unwrap_or_else(|| ToolError::failed("unreachable"));
            let first = err.to_model_json()["errors"][0].as_str().unwrap_or_default().to_owned();
            prop_assert!(first.starts_with("/: the arguments must be a JSON object, got "), "{}", first);
        }
    }
}

/// Generated values mostly fail somewhere; make sure the valid side is exercised too.
#[test]
fn valid_examples_pass_both() {
    let registry = Registry::builder()
        .tool(search_support_tickets)
        .build()
        .unwrap();
    let entry = registry.get("search_support_tickets").unwrap();
    for args in [
        json!({"query": "refund", "tags": [], "status": "open", "boost": 0.0, "account": 1}),
        json!({"query": "late box", "limit": 50, "tags": ["a", "b", "c"], "status": "closed",
               "filter": {"tag": "x", "min_score": null}, "boost": -10.5, "account": -2147483648}),
        json!({"query": "a", "limit": 5.0, "tags": [], "status": "pending", "boost": 10, "account": 7.0}),
    ] {
        assert!(
            jsonschema::draft202012::is_valid(entry.input_schema(), &args),
            "{args}"
        );
        let ctx = ToolContext::for_test(Principal::anonymous());
        assert!(
            toolwright::__private::prepare(
                &registry,
                entry,
                &CallArguments::Json(args.clone()),
                ctx
            )
            .is_ok(),
            "{args}"
        );
    }
}
