//! JSON Schemas (draft 2020-12) for tool inputs and outputs: schemars generates them from the
//! types, then the declared descriptions and `#[arg(...)]` constraints are written in, so the
//! schema and the validator come from one declaration.

use schemars::{JsonSchema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value};

use crate::decl::{Bound, ParamDecl};

pub(crate) fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12().into_generator()
}

/// The input schema of a tool whose generated argument struct is `T`.
///
/// The root is always `{"type":"object","properties":{…},"additionalProperties":false}`; no
/// `$schema` or `title` (several providers reject them).
pub fn input_schema<T: JsonSchema>(params: &[ParamDecl]) -> Value {
    finish_input_schema(generator().into_root_schema_for::<T>().to_value(), params)
}

/// The input schema from the root schema schemars generated for the arguments.
pub(crate) fn finish_input_schema(mut root: Value, params: &[ParamDecl]) -> Value {
    bound_integers(&mut root, 0);
    let obj = ensure_object(&mut root);
    obj.remove("$schema");
    obj.remove("title");
    obj.remove("description");
    obj.insert("type".into(), Value::String("object".into()));
    if !obj.contains_key("properties") {
        obj.insert("properties".into(), Value::Object(Map::new()));
    }
    obj.insert("additionalProperties".into(), Value::Bool(false));
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for param in params {
            if let Some(prop) = props.get_mut(param.name) {
                apply_param(prop, param);
            }
        }
    }
    // The order a reader (and a model) expects: type, properties, required, the rest.
    let mut ordered = Map::with_capacity(obj.len());
    for key in ["type", "properties", "required", "additionalProperties"] {
        if let Some(v) = obj.remove(key) {
            ordered.insert(key.into(), v);
        }
    }
    ordered.append(obj);
    Value::Object(ordered)
}

/// The output schema of `T`, without `$schema`/`title`.
pub fn output_schema<T: JsonSchema + ?Sized>() -> Value {
    let mut root = generator().into_root_schema_for::<T>().to_value();
    bound_integers(&mut root, 0);
    if let Value::Object(obj) = &mut root {
        obj.remove("$schema");
        obj.remove("title");
    }
    root
}

/// schemars marks fixed-width integers with a `format` (`int32`, `uint8`, …) but bounds only
/// some of them. Write every width's bounds out, so a validator reading the schema rejects
/// exactly what deserialization rejects.
fn bound_integers(schema: &mut Value, depth: usize) {
    if depth > 128 {
        return;
    }
    match schema {
        Value::Object(m) => {
            let bounds = m
                .get("format")
                .and_then(Value::as_str)
                .and_then(integer_bounds);
            if let Some((min, max)) = bounds {
                let num = |n: i128| {
                    i64::try_from(n)
                        .map(Value::from)
                        .or_else(|_| u64::try_from(n).map(Value::from))
                        .unwrap_or(Value::Null)
                };
                if !m.contains_key("minimum") && !m.contains_key("exclusiveMinimum") {
                    m.insert("minimum".into(), num(min));
                }
                if !m.contains_key("maximum") && !m.contains_key("exclusiveMaximum") {
                    m.insert("maximum".into(), num(max));
                }
            }
            for v in m.values_mut() {
                bound_integers(v, depth + 1);
            }
        }
        Value::Array(items) => {
            for v in items {
                bound_integers(v, depth + 1);
            }
        }
        _ => {}
    }
}

/// The range a fixed-width integer `format` (as schemars writes it) can hold: what
/// deserializing into that Rust type enforces by itself.
pub(crate) fn integer_bounds(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int8" => (i128::from(i8::MIN), i128::from(i8::MAX)),
        "int16" => (i128::from(i16::MIN), i128::from(i16::MAX)),
        "int32" => (i128::from(i32::MIN), i128::from(i32::MAX)),
        "int64" => (i128::from(i64::MIN), i128::from(i64::MAX)),
        "uint8" => (0, i128::from(u8::MAX)),
        "uint16" => (0, i128::from(u16::MAX)),
        "uint32" => (0, i128::from(u32::MAX)),
        "uint64" | "uint" => (0, i128::from(u64::MAX)),
        _ => return None,
    })
}

fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

fn types_of(prop: &Map<String, Value>) -> Vec<&str> {
    match prop.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn apply_param(prop: &mut Value, param: &ParamDecl) {
    let c = &param.constraints;
    let prop = ensure_object(prop);
    if !param.description.is_empty() {
        // A type that explains itself (a guard such as `SafePath`) keeps its sentence after
        // the parameter's own.
        let text = match prop.get("description").and_then(Value::as_str) {
            Some(own) if !own.is_empty() && own != param.description => {
                format!("{} {own}", param.description)
            }
            _ => param.description.to_owned(),
        };
        prop.insert("description".into(), Value::String(text));
    }
    let types = types_of(prop);
    let is_array = types.contains(&"array");
    let is_string = types.contains(&"string");
    let (min_key, max_key) = if is_array {
        ("minItems", "maxItems")
    } else {
        ("minLength", "maxLength")
    };
    if is_array || is_string {
        if let Some(n) = c.min_len {
            prop.insert(min_key.into(), n.into());
        }
        if let Some(n) = c.max_len {
            prop.insert(max_key.into(), n.into());
        }
    }
    if is_string && let Some(p) = c.pattern {
        prop.insert("pattern".into(), Value::String(p.into()));
    }
    if let Some(b) = c.min {
        tighten(prop, b, true);
    }
    if let Some(b) = c.max {
        tighten(prop, b, false);
    }
    if let Some(default) = c.default {
        prop.insert("default".into(), default());
        allow_null(prop);
    } else {
        prop.remove("default");
    }
}

/// Makes a property schema accept `null` as well: a parameter with a default (where `null`
/// means "use the default"), and OpenAI strict mode's way of writing an optional property.
/// A schema without a `type` (a `$ref`, say) is wrapped in `anyOf`, keeping its description
/// and default outside.
pub(crate) fn allow_null(prop: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = prop.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match prop.get_mut("type") {
        Some(Value::String(t)) => {
            if t != "null" {
                let t = t.clone();
                prop.insert("type".into(), Value::Array(vec![t.into(), "null".into()]));
            }
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push("null".into());
            }
        }
        Some(_) => {}
        None => {
            if let Some(Value::Array(branches)) = prop.get_mut("anyOf") {
                if !branches
                    .iter()
                    .any(|b| b.get("type").and_then(Value::as_str) == Some("null"))
                {
                    branches.push(serde_json::json!({"type": "null"}));
                }
            } else {
                let keep = ["description", "default"];
                let inner: Map<String, Value> = prop
                    .iter()
                    .filter(|(k, _)| !keep.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                prop.retain(|k, _| keep.contains(&k.as_str()));
                prop.insert(
                    "anyOf".into(),
                    serde_json::json!([Value::Object(inner), {"type": "null"}]),
                );
            }
        }
    }
}

/// Writes a declared bound, keeping the type's own bound where that one is tighter
/// (`range = -5..=5` on a `u8` still says `minimum: 0`).
fn tighten(prop: &mut Map<String, Value>, bound: Bound, lower: bool) {
    let (incl_key, excl_key) = if lower {
        ("minimum", "exclusiveMinimum")
    } else {
        ("maximum", "exclusiveMaximum")
    };
    let (n, exclusive) = match bound {
        Bound::Inclusive(n) => (n, false),
        Bound::Exclusive(n) => (n, true),
    };
    if let Some(existing) = prop.get(incl_key).and_then(Value::as_f64) {
        let declared = n.as_f64();
        let type_is_tighter = if lower {
            existing > declared
        } else {
            existing < declared
        };
        if type_is_tighter {
            return;
        }
    }
    prop.remove(incl_key);
    prop.remove(excl_key);
    prop.insert(
        (if exclusive { excl_key } else { incl_key }).into(),
        n.to_json(),
    );
}
