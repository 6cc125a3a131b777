//! Schema lowering shared by the providers: inlining `$ref`s, OpenAI's strict-mode rewrite and
//! Gemini's OpenAPI subset. Each function returns the new schema and notes on what changed.

use serde_json::{Map, Value, json};

/// How deep a schema may nest before lowering gives up (a guard, not a provider limit).
const MAX_DEPTH: usize = 64;

/// What to do with a reference to a definition that is already being inlined (recursion).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recursion {
    /// Keep `{"$ref": "#/$defs/X"}` and keep `X` in `$defs` (OpenAI allows recursion).
    KeepRef,
    /// Replace it with an open object and a note (Gemini cannot express recursion).
    Cut,
}

/// Replaces every `{"$ref": "#/$defs/X", ...}` by the definition of `X` merged with the
/// reference's own keywords (its description wins), recursively.
pub(crate) fn inline_refs(root: &Value, recursion: Recursion, notes: &mut Vec<String>) -> Value {
    let defs = root
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut kept = Map::new();
    let mut stack = Vec::new();
    let mut out = inline(root, &defs, &mut stack, &mut kept, recursion, notes, 0);
    if let Value::Object(m) = &mut out {
        m.remove("$defs");
        if !kept.is_empty() {
            // Recursive definitions stay, themselves inlined except for their self-references.
            let mut lowered = Map::new();
            for (name, def) in &kept {
                let mut stack = vec![name.clone()];
                let mut unused = Map::new();
                lowered.insert(
                    name.clone(),
                    inline(def, &defs, &mut stack, &mut unused, recursion, notes, 0),
                );
            }
            m.insert("$defs".into(), Value::Object(lowered));
        }
    }
    out
}

fn def_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/$defs/")
}

fn inline(
    node: &Value,
    defs: &Map<String, Value>,
    stack: &mut Vec<String>,
    kept: &mut Map<String, Value>,
    recursion: Recursion,
    notes: &mut Vec<String>,
    depth: usize,
) -> Value {
    if depth > MAX_DEPTH {
        notes.push(
            "the schema nests too deeply; the deepest part was replaced by an open object".into(),
        );
        return json!({"type": "object"});
    }
    match node {
        Value::Object(m) => {
            if let Some(reference) = m.get("$ref").and_then(Value::as_str) {
                let name = def_name(reference).unwrap_or(reference).to_owned();
                let siblings: Map<String, Value> = m
                    .iter()
                    .filter(|(k, _)| *k != "$ref")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if stack.contains(&name) || !defs.contains_key(&name) {
                    if !defs.contains_key(&name) {
                        notes.push(format!("the reference `{reference}` does not resolve; replaced by an open object"));
                        return json!({"type": "object"});
                    }
                    return match recursion {
                        Recursion::KeepRef => {
                            if let Some(def) = defs.get(&name) {
                                kept.insert(name.clone(), def.clone());
                            }
                            json!({"$ref": reference})
                        }
                        Recursion::Cut => {
                            notes.push(format!("`{name}` is recursive; its nested occurrence was cut to an open object"));
                            let mut cut = Map::new();
                            cut.insert("type".into(), "object".into());
                            if let Some(d) = siblings.get("description") {
                                cut.insert("description".into(), d.clone());
                            }
                            Value::Object(cut)
                        }
                    };
                }
                let def = defs.get(&name).cloned().unwrap_or(Value::Bool(true));
                stack.push(name);
                let mut resolved = inline(&def, defs, stack, kept, recursion, notes, depth + 1);
                stack.pop();
                if let Value::Object(r) = &mut resolved {
                    for (k, v) in siblings {
                        let v = inline(&v, defs, stack, kept, recursion, notes, depth + 1);
                        r.insert(k, v);
                    }
                }
                return resolved;
            }
            Value::Object(
                m.iter()
                    .filter(|(k, _)| *k != "$defs")
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            inline(v, defs, stack, kept, recursion, notes, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| inline(v, defs, stack, kept, recursion, notes, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn append_description(m: &mut Map<String, Value>, extra: &[String]) {
    if extra.is_empty() {
        return;
    }
    let joined = extra.join(" ");
    let text = match m.get("description").and_then(Value::as_str) {
        Some(d) if !d.is_empty() => {
            let sep = if d.ends_with('.') { " " } else { ". " };
            format!("{d}{sep}{joined}")
        }
        _ => joined,
    };
    m.insert("description".into(), Value::String(text));
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Keywords whose meaning is worth keeping as words when a provider cannot take them.
fn describe(key: &str, v: &Value) -> Option<String> {
    Some(match key {
        "minLength" if v == &Value::from(1) => "At least 1 character.".to_owned(),
        "minLength" => format!("At least {v} characters."),
        "maxLength" if v == &Value::from(1) => "At most 1 character.".to_owned(),
        "maxLength" => format!("At most {v} characters."),
        "default" => format!("Default: {}.", value_text(v)),
        "uniqueItems" if v == &Value::Bool(true) => "Items must be unique.".to_owned(),
        "exclusiveMinimum" => format!("Greater than {v}."),
        "exclusiveMaximum" => format!("Less than {v}."),
        "minProperties" => format!("At least {v} entries."),
        "maxProperties" => format!("At most {v} entries."),
        "examples" => format!("Examples: {v}."),
        _ => return None,
    })
}

fn has_type(m: &Map<String, Value>, t: &str) -> bool {
    match m.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(t)),
        _ => false,
    }
}

// ---- OpenAI strict mode ------------------------------------------------------------------------

/// String formats OpenAI's structured outputs accept.
const OPENAI_FORMATS: &[&str] = &[
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// OpenAI's limit on object nesting in strict schemas.
const OPENAI_MAX_NESTING: usize = 10;
/// OpenAI's limit on the total number of object properties in strict schemas.
const OPENAI_MAX_PROPERTIES: usize = 5000;

/// Rewrites an input schema for OpenAI strict mode, or says why it cannot be strict.
pub(crate) fn openai_strict(schema: &Value) -> Result<(Value, Vec<String>), String> {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err("the root of the schema is not an object".into());
    }
    let mut notes = Vec::new();
    let inlined = inline_refs(schema, Recursion::KeepRef, &mut notes);
    let mut props = 0;
    let mut out = strict_node(&inlined, &mut notes, 0, &mut props)?;
    if let (Value::Object(m), Some(Value::Object(defs))) = (&mut out, inlined.get("$defs")) {
        let mut lowered = Map::new();
        for (k, v) in defs {
            lowered.insert(k.clone(), strict_node(v, &mut notes, 1, &mut props)?);
        }
        m.insert("$defs".into(), Value::Object(lowered));
    }
    if props > OPENAI_MAX_PROPERTIES {
        return Err(format!(
            "the schema has {props} properties; strict mode allows {OPENAI_MAX_PROPERTIES}"
        ));
    }
    notes.sort();
    notes.dedup();
    Ok((out, notes))
}

fn strict_node(
    node: &Value,
    notes: &mut Vec<String>,
    nesting: usize,
    props: &mut usize,
) -> Result<Value, String> {
    let m = match node {
        Value::Object(m) => m,
        Value::Bool(true) => return Err("a value accepts anything (no type)".into()),
        Value::Bool(false) => return Err("a value accepts nothing".into()),
        _ => return Err("a schema node is not an object".into()),
    };
    if m.is_empty() {
        return Err("a value accepts anything (no type)".into());
    }
    let mut out = Map::new();
    let mut extra = Vec::new();
    for (k, v) in m {
        match k.as_str() {
            "type" | "description" | "title" | "enum" | "$ref" | "pattern" | "minimum"
            | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" | "minItems"
            | "maxItems" => {
                out.insert(k.clone(), v.clone());
            }
            "format" => {
                if v.as_str().is_some_and(|f| OPENAI_FORMATS.contains(&f)) {
                    out.insert(k.clone(), v.clone());
                }
            }
            "const" => {
                out.insert("enum".into(), Value::Array(vec![v.clone()]));
            }
            "properties" => {
                let Value::Object(p) = v else {
                    return Err("`properties` is not an object".into());
                };
                if nesting + 1 > OPENAI_MAX_NESTING {
                    return Err(format!(
                        "objects nest deeper than {OPENAI_MAX_NESTING} levels"
                    ));
                }
                *props += p.len();
                let mut lowered = Map::new();
                for (name, s) in p {
                    lowered.insert(name.clone(), strict_node(s, notes, nesting + 1, props)?);
                }
                out.insert("properties".into(), Value::Object(lowered));
            }
            "items" => {
                out.insert("items".into(), strict_node(v, notes, nesting, props)?);
            }
            "anyOf" | "oneOf" => {
                let Value::Array(branches) = v else {
                    return Err(format!("`{k}` is not a list"));
                };
                let lowered = branches
                    .iter()
                    .map(|b| strict_node(b, notes, nesting, props))
                    .collect::<Result<Vec<_>, _>>()?;
                if k == "oneOf" {
                    notes.push("`oneOf` became `anyOf`".into());
                }
                out.insert("anyOf".into(), Value::Array(lowered));
            }
            "required" => {}
            "additionalProperties" => {
                if v != &Value::Bool(false) {
                    return Err("an object takes arbitrary keys (a map); strict mode needs every key declared".into());
                }
            }
            "allOf"
            | "not"
            | "if"
            | "then"
            | "else"
            | "patternProperties"
            | "propertyNames"
            | "dependentRequired"
            | "dependentSchemas"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "contains"
            | "prefixItems" => {
                return Err(format!("strict mode does not support `{k}`"));
            }
            "$schema" | "$id" | "$comment" | "$defs" | "deprecated" | "readOnly" | "writeOnly" => {}
            other => match describe(other, v) {
                Some(text) => {
                    extra.push(text);
                    notes.push(format!("`{other}` moved into the description"));
                }
                None => notes.push(format!("`{other}` dropped")),
            },
        }
    }
    let is_object = has_type(&out, "object") || out.contains_key("properties");
    if is_object {
        let Some(Value::Object(properties)) = out.get_mut("properties") else {
            return Err("an object has no declared properties (free-form); strict mode needs every key declared".into());
        };
        let required: Vec<String> = m
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let mut all = Vec::with_capacity(properties.len());
        for (name, prop) in properties.iter_mut() {
            if !required.contains(name)
                && let Value::Object(p) = prop
            {
                crate::schema::allow_null(p);
            }
            all.push(Value::String(name.clone()));
        }
        out.insert("required".into(), Value::Array(all));
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    append_description(&mut out, &extra);
    Ok(Value::Object(out))
}

// ---- Gemini ------------------------------------------------------------------------------------

/// Keywords Gemini's `Schema` (an OpenAPI 3.0 subset) accepts.
const GEMINI_KEYS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "items",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "anyOf",
    "propertyOrdering",
    "minProperties",
    "maxProperties",
];

/// Formats Gemini accepts.
const GEMINI_FORMATS: &[&str] = &["float", "double", "int32", "int64", "date-time", "enum"];

/// Lowers a schema to Gemini's subset: no `$ref`/`$defs`, no `additionalProperties`,
/// `nullable` instead of null types, string enums only.
pub(crate) fn gemini(schema: &Value, notes: &mut Vec<String>) -> Value {
    let inlined = inline_refs(schema, Recursion::Cut, notes);
    let out = gemini_node(&inlined, notes, 0);
    notes.sort();
    notes.dedup();
    out
}

fn gemini_node(node: &Value, notes: &mut Vec<String>, depth: usize) -> Value {
    let Value::Object(m) = node else {
        return json!({"type": "object"});
    };
    if depth > MAX_DEPTH {
        return json!({"type": "object"});
    }
    let mut out = Map::new();
    let mut extra = Vec::new();
    let mut nullable = false;
    for (k, v) in m {
        match k.as_str() {
            "type" => match v {
                Value::String(_) => {
                    out.insert("type".into(), v.clone());
                }
                Value::Array(types) => {
                    let non_null: Vec<&Value> = types
                        .iter()
                        .filter(|t| t.as_str() != Some("null"))
                        .collect();
                    nullable |= non_null.len() < types.len();
                    match non_null.as_slice() {
                        [one] => {
                            out.insert("type".into(), (*one).clone());
                        }
                        [] => {
                            out.insert("type".into(), "null".into());
                        }
                        many => {
                            let branches = many.iter().map(|t| json!({"type": t})).collect();
                            out.insert("anyOf".into(), Value::Array(branches));
                        }
                    }
                }
                _ => {}
            },
            "const" => {
                out.insert("enum".into(), Value::Array(vec![v.clone()]));
            }
            "properties" => {
                if let Value::Object(p) = v {
                    let lowered: Map<String, Value> = p
                        .iter()
                        .map(|(n, s)| (n.clone(), gemini_node(s, notes, depth + 1)))
                        .collect();
                    out.insert(
                        "propertyOrdering".into(),
                        Value::Array(p.keys().cloned().map(Value::String).collect()),
                    );
                    out.insert("properties".into(), Value::Object(lowered));
                }
            }
            "items" => {
                out.insert("items".into(), gemini_node(v, notes, depth + 1));
            }
            "anyOf" | "oneOf" => {
                if let Value::Array(branches) = v {
                    let (nulls, rest): (Vec<&Value>, Vec<&Value>) = branches
                        .iter()
                        .partition(|b| b.get("type").and_then(Value::as_str) == Some("null"));
                    nullable |= !nulls.is_empty();
                    let lowered: Vec<Value> = rest
                        .iter()
                        .map(|b| gemini_node(b, notes, depth + 1))
                        .collect();
                    merge_branches(&mut out, lowered);
                }
            }
            "format" => {
                if v.as_str().is_some_and(|f| GEMINI_FORMATS.contains(&f)) {
                    out.insert(k.clone(), v.clone());
                }
            }
            "exclusiveMinimum" | "exclusiveMaximum" | "default" | "uniqueItems" | "examples" => {
                if let Some(text) = describe(k, v) {
                    extra.push(text);
                    notes.push(format!("`{k}` moved into the description"));
                }
            }
            key if GEMINI_KEYS.contains(&key) => {
                out.insert(k.clone(), v.clone());
            }
            "$schema" | "$id" | "$comment" | "$defs" | "$ref" | "additionalProperties" => {}
            other => notes.push(format!("`{other}` dropped")),
        }
    }
    // Enums are strings in Gemini; others keep their type and list the values in words.
    if let Some(Value::Array(values)) = out.get("enum").cloned() {
        let non_null: Vec<Value> = values.iter().filter(|v| !v.is_null()).cloned().collect();
        nullable |= non_null.len() < values.len();
        if non_null.iter().all(Value::is_string) {
            out.insert("enum".into(), Value::Array(non_null));
            out.insert("type".into(), "string".into());
        } else {
            out.remove("enum");
            let listed: Vec<String> = non_null.iter().map(value_text).collect();
            extra.push(format!("One of: {}.", listed.join(", ")));
            notes.push("a non-string `enum` moved into the description".into());
        }
    }
    if nullable {
        out.insert("nullable".into(), Value::Bool(true));
    }
    append_description(&mut out, &extra);
    Value::Object(out)
}

/// `anyOf` branches: string constants become one string enum; a single branch merges in.
fn merge_branches(out: &mut Map<String, Value>, branches: Vec<Value>) {
    let all_string_enums = !branches.is_empty()
        && branches.iter().all(|b| {
            b.get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.iter().all(Value::is_string))
        });
    if all_string_enums {
        let values: Vec<Value> = branches
            .iter()
            .filter_map(|b| b.get("enum").and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect();
        out.insert("type".into(), "string".into());
        out.insert("enum".into(), Value::Array(values));
        return;
    }
    match <[Value; 1]>::try_from(branches) {
        Ok([Value::Object(one)]) => {
            for (k, v) in one {
                out.entry(k).or_insert(v);
            }
        }
        Ok([other]) => {
            out.insert("anyOf".into(), Value::Array(vec![other]));
        }
        Err(branches) => {
            out.insert("anyOf".into(), Value::Array(branches));
        }
    }
}
