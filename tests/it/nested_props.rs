//! The exported schema is the contract at every depth: for generated nested argument types
//! (structs in structs, `Vec`s of structs, enums with struct variants, `Option`s, defaults,
//! with `length`/`range`/`regex` constraints at every level) and generated values, the executor
//! accepts exactly what the `jsonschema` crate accepts under the exported input schema, `null`
//! for an optional property meaning "absent". Values an OpenAI strict export allows are accepted.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use toolwright::{CallArguments, Principal, Registry, ToolContext, ToolError, ToolFuture, tool};

/// One family of nested argument types and a tool over them. `$key` is the constraint on the
/// innermost string, so a family can keep to what strict mode keeps (no string lengths).
macro_rules! family {
    ($module:ident, $tool:ident, key = [$($key:tt)*], code = $code:literal,
     points = ($plo:literal, $phi:literal), labels = $labels:literal, leaves = $leaves:literal) => {
        mod $module {
            use super::*;

            #[derive(Debug, Deserialize, Serialize, JsonSchema)]
            #[serde(deny_unknown_fields)]
            pub struct Leaf {
                /// Issue key
                #[$($key)*]
                pub issue_key: String,
                /// Story points
                #[validate(range(min = $plo, max = $phi))]
                pub points: u8,
                /// Labels
                #[serde(default)]
                #[schemars(length(max = $labels))]
                pub labels: Vec<String>,
                /// Free note
                pub note: Option<String>,
                /// Weight
                #[serde(default)]
                #[schemars(range(min = -1.5, max = 2.5))]
                pub weight: f64,
            }

            #[derive(Debug, Deserialize, Serialize, JsonSchema)]
            #[serde(deny_unknown_fields)]
            pub enum Shape {
                Unit,
                Code {
                    #[schemars(regex(pattern = $code))]
                    code: String,
                    leaf: Option<Leaf>,
                },
                Many(#[schemars(length(min = 1, max = 2))] Vec<Leaf>),
            }

            #[derive(Debug, Deserialize, Serialize, JsonSchema)]
            #[serde(tag = "kind", rename_all = "snake_case")]
            pub enum Tagged {
                Small {
                    #[schemars(range(max = 9))]
                    n: i16,
                },
                Big {
                    #[serde(default)]
                    #[schemars(length(min = 2))]
                    tags: Vec<String>,
                },
            }

            #[derive(Debug, Deserialize, Serialize, JsonSchema)]
            #[serde(deny_unknown_fields)]
            pub struct Mid {
                /// Work items
                #[schemars(length(max = $leaves))]
                pub leaves: Vec<Leaf>,
                /// Shape
                pub shape: Shape,
                /// Tagged
                #[serde(default)]
                pub tagged: Option<Tagged>,
                /// Sub-plans
                #[serde(default)]
                #[schemars(length(max = 1))]
                pub sub: Vec<Mid>,
            }

            /// Record the work items of one sprint plan in the tracker. Returns the plan as stored.
            #[tool(idempotent)]
            pub async fn $tool(
                /// The sprint plan with its work items, e.g. {"leaves": [], "shape": "Unit"}
                plan: Mid,
                /// One more work item to put first, if any
                extra: Option<Leaf>,
                /// Shapes of the board columns, at most 2
                #[arg(max_len = 2)]
                shapes: Vec<Shape>,
                /// Priority of the plan from 1 to 5, default 3
                #[arg(range = 1..=5, default = 3)]
                priority: u8,
            ) -> Result<Value, ToolError> {
                Ok(json!({"plan": plan, "extra": extra, "shapes": shapes, "priority": priority}))
            }
        }
    };
}

family!(
    alpha,
    record_sprint_alpha,
    key = [schemars(length(min = 3, max = 8))],
    code = "^[A-Z]{2,4}-[0-9]{1,3}$",
    points = (1, 13),
    labels = 2,
    leaves = 3
);
family!(
    beta,
    record_sprint_beta,
    key = [validate(length(min = 1, max = 4))],
    code = "^[a-c]+$",
    points = (0, 3),
    labels = 1,
    leaves = 2
);
// Only constraints a strict export keeps (`pattern`, bounds, item counts).
family!(
    gamma,
    record_sprint_gamma,
    key = [schemars(regex(pattern = "^[A-Z]{1,3}-[0-9]$"))],
    code = "^x[0-9]?$",
    points = (2, 5),
    labels = 2,
    leaves = 2
);

const TOOLS: [&str; 3] = [
    "record_sprint_alpha",
    "record_sprint_beta",
    "record_sprint_gamma",
];

struct Fixture {
    registry: Registry,
    /// Per tool: the exported input schema with `null` allowed for every optional property.
    oracles: Vec<jsonschema::Validator>,
    /// Per tool: the OpenAI strict export's `parameters`, and its validator.
    strict: Vec<(Value, jsonschema::Validator)>,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let registry = Registry::builder()
            .tool(alpha::record_sprint_alpha)
            .tool(beta::record_sprint_beta)
            .tool(gamma::record_sprint_gamma)
            .build()
            .unwrap();
        let oracles = TOOLS
            .iter()
            .map(|t| {
                let schema = nullable_optionals(registry.get(t).unwrap().input_schema());
                jsonschema::draft202012::new(&schema).unwrap()
            })
            .collect();
        let export = toolwright::providers::openai::export(registry.iter());
        let strict = TOOLS
            .iter()
            .map(|t| {
                let tool = export.tools.as_array().unwrap().iter();
                let tool = tool.clone().find(|x| x["function"]["name"] == *t).unwrap();
                assert_eq!(tool["function"]["strict"], true, "{t}: {:?}", export.notes);
                let schema = tool["function"]["parameters"].clone();
                let validator = jsonschema::draft202012::new(&schema).unwrap();
                (schema, validator)
            })
            .collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        Fixture {
            registry,
            oracles,
            strict,
            runtime,
        }
    })
}

/// The schema with `null` added to every property an object does not require: the contract is
/// "what the schema allows, and `null` for an optional property", nothing else.
fn nullable_optionals(schema: &Value) -> Value {
    match schema {
        Value::Object(m) => {
            let required: Vec<&str> = m
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            for (k, v) in m {
                let v = if k == "properties" {
                    let props = v.as_object().unwrap();
                    Value::Object(
                        props
                            .iter()
                            .map(|(name, p)| {
                                let p = nullable_optionals(p);
                                let p = if required.contains(&name.as_str()) {
                                    p
                                } else {
                                    json!({"anyOf": [p, {"type": "null"}]})
                                };
                                (name.clone(), p)
                            })
                            .collect(),
                    )
                } else if matches!(k.as_str(), "enum" | "const" | "default" | "examples") {
                    v.clone()
                } else {
                    nullable_optionals(v)
                };
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(nullable_optionals).collect()),
        other => other.clone(),
    }
}

/// Values generated from a schema: mostly valid, with near-misses at every depth (bounds ± 1,
/// lengths ± 1, pattern breaks), wrong types, nulls, missing and unknown keys, and structs sent
/// as positional arrays (which serde alone would accept).
struct Gen<'a> {
    root: &'a Value,
    state: u64,
    runner: TestRunner,
    defects: bool,
}

impl<'a> Gen<'a> {
    fn new(root: &'a Value, seed: u64, defects: bool) -> Self {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..].copy_from_slice(&(!seed).to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::XorShift, &bytes);
        Self {
            root,
            state: seed | 1,
            runner: TestRunner::new_with_rng(Config::default(), rng),
            defects,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }

    fn defect(&mut self, per_mille: usize) -> bool {
        self.defects && self.chance(per_mille)
    }

    fn resolve(&self, mut s: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => s = self.root.pointer(r.trim_start_matches('#')).unwrap(),
                None => break,
            }
        }
        s
    }

    fn value(&mut self, s: &'a Value, depth: usize) -> Value {
        let s = self.resolve(s);
        if self.defect(25) {
            return self.wrong(s, depth);
        }
        let Some(m) = s.as_object() else {
            return Value::Null;
        };
        if let Some(c) = m.get("const") {
            return if self.defect(40) {
                json!("other")
            } else {
                c.clone()
            };
        }
        if let Some(Value::Array(options)) = m.get("enum") {
            return if self.defect(40) {
                json!("Nope")
            } else {
                options[self.below(options.len())].clone()
            };
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = m.get(key) {
                let b = &branches[self.below(branches.len())];
                return self.value(b, depth + 1);
            }
        }
        let types: Vec<&str> = match m.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ if m.contains_key("properties") => vec!["object"],
            _ => vec![],
        };
        let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        if non_null.is_empty() || (types.contains(&"null") && self.chance(150)) {
            return Value::Null;
        }
        match non_null[self.below(non_null.len())] {
            "boolean" => Value::Bool(self.chance(500)),
            "integer" => self.integer(m),
            "number" => self.number(m),
            "string" => self.string(m),
            "array" => self.array(m, depth),
            "object" => self.object(m, depth),
            _ => Value::Null,
        }
    }

    /// A value of the wrong shape for `s`.
    fn wrong(&mut self, s: &'a Value, depth: usize) -> Value {
        match self.below(5) {
            0 => Value::Null,
            1 => [json!("x"), json!(7), json!(true), json!(1.5)][self.below(4)].clone(),
            2 => [json!([]), json!({})][self.below(2)].clone(),
            _ => {
                // A struct as a positional array: each field's value, in declaration order.
                match s.get("properties").and_then(Value::as_object) {
                    Some(props) => {
                        let was = std::mem::replace(&mut self.defects, false);
                        let items = props.values().map(|p| self.value(p, depth + 1)).collect();
                        self.defects = was;
                        Value::Array(items)
                    }
                    None => json!({"zzz": 1}),
                }
            }
        }
    }

    fn bound(m: &Map<String, Value>, key: &str) -> Option<f64> {
        m.get(key).and_then(Value::as_f64)
    }

    fn integer(&mut self, m: &Map<String, Value>) -> Value {
        let lo = Self::bound(m, "minimum")
            .or_else(|| Self::bound(m, "exclusiveMinimum").map(|b| b + 1.0))
            .unwrap_or(-50.0) as i64;
        let hi = Self::bound(m, "maximum")
            .or_else(|| Self::bound(m, "exclusiveMaximum").map(|b| b - 1.0))
            .unwrap_or(50.0) as i64;
        let (lo, hi) = (lo.max(-1000), hi.min(1000).max(lo));
        let inside = lo + self.below((hi - lo + 1) as usize) as i64;
        match self.below(40) {
            0 if self.defects => json!(lo - 1),
            1 if self.defects => json!(hi + 1),
            2 if self.defects => json!(inside as f64 + 0.5),
            3 => json!(lo),
            4 => json!(hi),
            5 => json!(inside as f64),
            _ => json!(inside),
        }
    }

    fn number(&mut self, m: &Map<String, Value>) -> Value {
        let lo = Self::bound(m, "minimum").unwrap_or(-100.0);
        let hi = Self::bound(m, "maximum").unwrap_or(100.0);
        let inside = lo + (hi - lo) * (self.below(1001) as f64 / 1000.0);
        match self.below(40) {
            0 if self.defects => json!(lo - 0.25),
            1 if self.defects => json!(hi + 0.25),
            2 => json!(lo),
            3 => json!(hi),
            4 => json!(inside.round() as i64),
            _ => json!(inside),
        }
    }

    fn length(&mut self, min: Option<u64>, max: Option<u64>) -> usize {
        let min = min.unwrap_or(0) as usize;
        let max = max.map(|m| m as usize);
        let cap = max.unwrap_or(min + 3).min(min + 4);
        match self.below(40) {
            0 if self.defects && min > 0 => min - 1,
            1 if self.defects && max.is_some() => cap + 1,
            2 => min,
            3 => cap,
            _ => min + self.below(cap - min + 1),
        }
    }

    fn string(&mut self, m: &Map<String, Value>) -> Value {
        if let Some(pattern) = m.get("pattern").and_then(Value::as_str) {
            let inner = pattern.trim_start_matches('^').trim_end_matches('$');
            let tree = proptest::string::string_regex(inner)
                .unwrap()
                .new_tree(&mut self.runner)
                .unwrap();
            let mut s = tree.current();
            if self.defect(60) {
                match self.below(3) {
                    0 => s.push('!'),
                    1 => s = s.to_lowercase() + "é",
                    _ => s.insert(0, ' '),
                }
            }
            return Value::String(s);
        }
        let len = self.length(
            m.get("minLength").and_then(Value::as_u64),
            m.get("maxLength").and_then(Value::as_u64),
        );
        // Multi-byte characters: lengths count characters, not bytes.
        const CHARS: [char; 8] = ['a', 'b', 'Z', '-', 'é', 'ü', '1', ' '];
        Value::String((0..len).map(|_| CHARS[self.below(CHARS.len())]).collect())
    }

    fn array(&mut self, m: &'a Map<String, Value>, depth: usize) -> Value {
        let min = m.get("minItems").and_then(Value::as_u64);
        let max = m.get("maxItems").and_then(Value::as_u64);
        let len = if depth > 12 {
            min.unwrap_or(0) as usize
        } else {
            self.length(min, max.or(Some(2)))
        };
        match m.get("items") {
            Some(items) => Value::Array((0..len).map(|_| self.value(items, depth + 1)).collect()),
            None => Value::Array(Vec::new()),
        }
    }

    fn object(&mut self, m: &'a Map<String, Value>, depth: usize) -> Value {
        let required: Vec<&str> = m
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(Value::Object(props)) = m.get("properties") {
            for (name, p) in props {
                let include = if required.contains(&name.as_str()) {
                    !self.defect(15)
                } else {
                    depth < 12 && self.chance(600)
                };
                if include {
                    let v = self.value(p, depth + 1);
                    out.insert(name.clone(), v);
                } else if !required.contains(&name.as_str()) && self.chance(200) {
                    // What strict mode sends for an optional property the model leaves out.
                    out.insert(name.clone(), Value::Null);
                }
            }
        }
        if self.defect(15) {
            out.insert("zzz".into(), json!(1));
        }
        Value::Object(out)
    }
}

fn accepts(tool: &str, args: &CallArguments) -> Result<ToolFuture, ToolError> {
    let f = fixture();
    let entry = f.registry.get(tool).unwrap();
    let ctx = ToolContext::for_test(Principal::anonymous());
    toolwright::__private::prepare(&f.registry, entry, args, ctx)
}

/// Runs a prepared body to its output.
fn run(body: ToolFuture) -> Value {
    fixture().runtime.block_on(body).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn executor_and_schema_agree_on_generated_nested_values(tool in 0..TOOLS.len(), seed in any::<u64>()) {
        let f = fixture();
        let name = TOOLS[tool];
        let schema = f.registry.get(name).unwrap().input_schema();
        let args = Gen::new(schema, seed, true).value(schema, 0);
        let by_schema = f.oracles[tool].is_valid(&args);
        let by_value = accepts(name, &CallArguments::Json(args.clone())).is_ok();
        let text = args.to_string();
        let by_text = accepts(name, &CallArguments::Text(text.clone())).is_ok();
        prop_assert_eq!(by_schema, by_value, "{} on {}", name, text);
        prop_assert_eq!(by_value, by_text, "value vs text for {} on {}", name, text);
    }
}

/// The generator must exercise both sides, at depth: a test that only ever saw rejections would
/// prove nothing.
#[test]
fn generated_values_are_a_mix_of_valid_and_near_misses() {
    let f = fixture();
    let (mut valid, mut invalid) = (0, 0);
    for seed in 0..3000u64 {
        let tool = (seed % 3) as usize;
        let schema = f.registry.get(TOOLS[tool]).unwrap().input_schema();
        let args = Gen::new(schema, seed.wrapping_mul(0x9e37_79b9), true).value(schema, 0);
        if f.oracles[tool].is_valid(&args) {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    assert!(
        valid > 300 && invalid > 300,
        "valid {valid}, invalid {invalid}"
    );
}

fn errors_of(tool: &str, args: &Value) -> Vec<String> {
    match accepts(tool, &CallArguments::Json(args.clone())) {
        Ok(_) => Vec::new(),
        Err(e) => e.to_model_json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect(),
    }
}

#[test]
fn a_nested_constraint_is_enforced_with_every_error_and_its_pointer() {
    let args = json!({
        "plan": {
            "leaves": [{"issue_key": "not a key at all", "points": 40}],
            "shape": {"Code": {"code": "lowercase", "leaf": null}},
        },
        "shapes": [],
    });
    let errors = errors_of("record_sprint_alpha", &args);
    assert_eq!(
        errors,
        [
            "/plan/leaves/0/issue_key: must be at most 8 characters long",
            "/plan/leaves/0/points: must be at most 13",
            "/plan/shape/Code/code: must match the pattern `^[A-Z]{2,4}-[0-9]{1,3}$`",
        ],
        "{errors:?}"
    );
    // No message repeats the value that was sent.
    assert!(
        errors
            .iter()
            .all(|e| !e.contains("not a key") && !e.contains("lowercase"))
    );
}

#[test]
fn a_struct_sent_as_a_positional_array_is_refused() {
    let leaf = json!(["ABC", 2, [], null, 0.0]);
    let args = json!({"plan": {"leaves": [leaf], "shape": "Unit"}, "shapes": []});
    assert_eq!(
        errors_of("record_sprint_alpha", &args),
        ["/plan/leaves/0: expected an object"]
    );
}

#[test]
fn a_top_level_arg_constraint_is_reported_once() {
    let args = json!({"plan": {"leaves": [], "shape": "Unit"}, "shapes": [], "priority": 9});
    assert_eq!(
        errors_of("record_sprint_alpha", &args),
        ["/priority: must be at most 5, got 9"]
    );
}

#[test]
fn strict_null_for_a_nested_default_means_the_default() {
    let args = json!({
        "plan": {
            "leaves": [{"issue_key": "A-1", "points": 3, "labels": null, "note": null, "weight": null}],
            "shape": {"Code": {"code": "x1", "leaf": null}},
            "tagged": {"kind": "big", "tags": null},
            "sub": null,
        },
        "extra": null,
        "shapes": [],
        "priority": null,
    });
    let body = accepts(
        "record_sprint_gamma",
        &CallArguments::Text(args.to_string()),
    );
    let out = run(body.unwrap_or_else(|e| panic!("{}", e.to_model_json())));
    assert_eq!(out["plan"]["leaves"][0]["labels"], json!([]));
    assert_eq!(out["plan"]["leaves"][0]["weight"], json!(0.0));
    assert_eq!(out["plan"]["tagged"]["tags"], json!([]));
    assert_eq!(out["plan"]["sub"], json!([]));
    assert_eq!(out["priority"], json!(3));
}

/// Every `null` an object holds, removed, at every depth.
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn every_value_a_strict_export_allows_is_accepted_and_null_means_absent(seed in any::<u64>()) {
        let f = fixture();
        // gamma keeps to constraints strict mode keeps, so its strict schema is exact.
        let (schema, validator) = &f.strict[2];
        let args = Gen::new(schema, seed, false).value(schema, 0);
        prop_assume!(validator.is_valid(&args));
        let text = args.to_string();
        let body = accepts("record_sprint_gamma", &CallArguments::Text(text.clone()));
        prop_assert!(body.is_ok(), "refused {}: {:?}", text, body.err().map(|e| e.to_model_json()));
        let stripped = without_nulls(&args);
        let plain = accepts("record_sprint_gamma", &CallArguments::Json(stripped.clone()));
        prop_assert!(plain.is_ok(), "refused without nulls {}", stripped);
        let (Ok(body), Ok(plain)) = (body, plain) else { unreachable!() };
        prop_assert_eq!(run(body), run(plain), "null and absent differ on {}", text);
    }
}
