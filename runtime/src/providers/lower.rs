//! Schema lowering shared by the providers: the portable form every export starts from
//! (standard JSON Schema only), inlining `$ref`s, OpenAI's strict-mode rewrite and Gemini's
//! OpenAPI subset. Each function returns the new schema and notes on what changed.

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

/// The names an object schema's `required` lists (none when it has no list).
fn required_names(m: &Map<String, Value>) -> Vec<String> {
    m.get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn has_type(m: &Map<String, Value>, t: &str) -> bool {
    match m.get("type") {
        Some(Value::String(s)) => s == t,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(t)),
        _ => false,
    }
}

// ---- Portable JSON Schema ----------------------------------------------------------------------

/// The `format` values JSON Schema 2020-12 defines (Validation, section 7.3). Anything else
/// is unknown to standard validators and hosts.
pub(crate) const STANDARD_FORMATS: &[&str] = &[
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

/// schemars' formats for Rust's number types, and the range each one stands for.
const RUST_NUMBER_FORMATS: &[(&str, Option<i64>, Option<u64>)] = &[
    ("int8", Some(i8::MIN as i64), Some(i8::MAX as u64)),
    ("uint8", Some(0), Some(u8::MAX as u64)),
    ("int16", Some(i16::MIN as i64), Some(i16::MAX as u64)),
    ("uint16", Some(0), Some(u16::MAX as u64)),
    ("int32", Some(i32::MIN as i64), Some(i32::MAX as u64)),
    ("uint32", Some(0), Some(u32::MAX as u64)),
    // 64 bits and more (`isize`/`usize` included): bounds past 2^53 are not exact in the
    // many hosts that read JSON numbers as doubles, so only the sign is written.
    ("int64", None, None),
    ("uint64", Some(0), None),
    ("int", None, None),
    ("uint", Some(0), None),
    ("int128", None, None),
    ("uint128", Some(0), None),
    ("float", None, None),
    ("double", None, None),
];

/// What [`portable`] does with properties that are not required.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Optional {
    /// Input schemas: optional means "may be left out", so an optional property loses its
    /// `null` (a provider that needs it, OpenAI strict mode, adds it back).
    NotNullable,
    /// Output schemas: the value really is `null` when absent; keep it.
    KeepNull,
}

/// The one normalisation every export starts from: standard JSON Schema only. Rust number
/// formats (`uint8`, `int64`, …) become `minimum`/`maximum`; other non-standard formats move
/// into the description; with [`Optional::NotNullable`], a property that is not required is
/// simply not required (no `null` in its type, enum or `anyOf`).
pub(crate) fn portable(schema: &Value, optional: Optional, notes: &mut Vec<String>) -> Value {
    let mut out = schema.clone();
    portable_node(&mut out, optional, notes, 0);
    notes.sort();
    notes.dedup();
    out
}

fn portable_node(node: &mut Value, optional: Optional, notes: &mut Vec<String>, depth: usize) {
    let Value::Object(m) = node else { return };
    if depth > MAX_DEPTH {
        return;
    }
    lower_format(m, notes);
    if optional == Optional::NotNullable
        && let Some(Value::Object(props)) = m.get("properties")
    {
        let required = required_names(m);
        let optional_names: Vec<String> = props
            .keys()
            .filter(|k| !required.contains(k))
            .cloned()
            .collect();
        if let Some(Value::Object(props)) = m.get_mut("properties") {
            for name in optional_names {
                if let Some(Value::Object(p)) = props.get_mut(&name) {
                    strip_null(p);
                }
            }
        }
    }
    for (k, v) in m.iter_mut() {
        match k.as_str() {
            "properties" | "$defs" | "definitions" | "patternProperties" | "dependentSchemas" => {
                if let Value::Object(children) = v {
                    for child in children.values_mut() {
                        portable_node(child, optional, notes, depth + 1);
                    }
                }
            }
            "items"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties" => {
                portable_node(v, optional, notes, depth + 1);
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                if let Value::Array(branches) = v {
                    for b in branches {
                        portable_node(b, optional, notes, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Replaces a non-standard `format` by what it means.
fn lower_format(m: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let Some(format) = m.get("format").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    if STANDARD_FORMATS.contains(&format.as_str()) {
        return;
    }
    m.shift_remove("format");
    if let Some((_, min, max)) = RUST_NUMBER_FORMATS.iter().find(|(f, ..)| *f == format) {
        if let Some(min) = min {
            let tighter = m
                .get("minimum")
                .and_then(Value::as_f64)
                .is_some_and(|v| v >= *min as f64);
            if !tighter {
                m.insert("minimum".into(), Value::from(*min));
            }
        }
        if let Some(max) = max {
            let tighter = m
                .get("maximum")
                .and_then(Value::as_f64)
                .is_some_and(|v| v <= *max as f64);
            if !tighter {
                m.insert("maximum".into(), Value::from(*max));
            }
        }
        notes.push(format!("format `{format}` became minimum/maximum"));
    } else {
        append_description(m, &[format!("Format: {format}.")]);
        notes.push(format!(
            "non-standard format `{format}` moved into the description"
        ));
    }
}

/// An optional property without its `null`: `type: [T, "null"]` → `T`, `null` out of `enum`,
/// an `anyOf` of one schema and `null` → that schema (the property's own keywords win).
fn strip_null(p: &mut Map<String, Value>) {
    if p.get("default") == Some(&Value::Null) {
        p.shift_remove("default");
    }
    if let Some(Value::Array(types)) = p.get_mut("type") {
        let had = types.len();
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let one = types.remove(0);
            p.insert("type".into(), one);
        } else if types.is_empty() && had > 0 {
            p.insert("type".into(), "null".into());
        }
    }
    if let Some(Value::Array(values)) = p.get_mut("enum")
        && values.len() > 1
    {
        values.retain(|v| !v.is_null());
    }
    if let Some(Value::Array(branches)) = p.get_mut("anyOf") {
        branches.retain(|b| {
            b.get("type").and_then(Value::as_str) != Some("null")
                && b.get("const") != Some(&Value::Null)
        });
        if branches.len() == 1
            && let Some(Value::Object(one)) = branches.pop()
        {
            p.shift_remove("anyOf");
            for (k, v) in one {
                p.entry(k).or_insert(v);
            }
            // The merged branch may itself have been nullable.
            strip_null(p);
        }
    }
}

// ---- OpenAI strict mode ------------------------------------------------------------------------

/// A provider's strict mode (its schema subset).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strict {
    /// OpenAI structured outputs.
    OpenAi,
    /// Anthropic strict tool use.
    Anthropic,
}

/// The string formats the strict modes keep, and which mode keeps each: OpenAI's structured
/// outputs, and Anthropic's (anthropic-sdk-python `_transform.py`).
const STRICT_FORMATS: &[(&str, &[Strict])] = &[
    ("date-time", &[Strict::OpenAi, Strict::Anthropic]),
    ("time", &[Strict::OpenAi, Strict::Anthropic]),
    ("date", &[Strict::OpenAi, Strict::Anthropic]),
    ("duration", &[Strict::OpenAi, Strict::Anthropic]),
    ("email", &[Strict::OpenAi, Strict::Anthropic]),
    ("hostname", &[Strict::OpenAi, Strict::Anthropic]),
    ("uri", &[Strict::Anthropic]),
    ("ipv4", &[Strict::OpenAi, Strict::Anthropic]),
    ("ipv6", &[Strict::OpenAi, Strict::Anthropic]),
    ("uuid", &[Strict::OpenAi, Strict::Anthropic]),
];

impl Strict {
    /// Whether this strict mode keeps the string format `format`.
    fn keeps_format(self, format: &str) -> bool {
        STRICT_FORMATS
            .iter()
            .any(|(f, modes)| *f == format && modes.contains(&self))
    }
}

/// What both strict lowerings do around their node rewriter `node`: the root must be an
/// object; the portable form, its references inlined (recursive ones kept), is lowered by
/// `node` at the root (level 0) and in each `$defs` entry (level 1); the notes come back
/// sorted, each once.
fn lower_strict(
    schema: &Value,
    mut node: impl FnMut(&Value, &mut Vec<String>, usize) -> Result<Value, String>,
) -> Result<(Value, Vec<String>), String> {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err("the root of the schema is not an object".into());
    }
    let mut notes = Vec::new();
    let schema = portable(schema, Optional::NotNullable, &mut notes);
    let inlined = inline_refs(&schema, Recursion::KeepRef, &mut notes);
    let mut out = node(&inlined, &mut notes, 0)?;
    if let (Value::Object(m), Some(Value::Object(defs))) = (&mut out, inlined.get("$defs")) {
        let mut lowered = Map::new();
        for (k, v) in defs {
            lowered.insert(k.clone(), node(v, &mut notes, 1)?);
        }
        m.insert("$defs".into(), Value::Object(lowered));
    }
    notes.sort();
    notes.dedup();
    Ok((out, notes))
}

/// OpenAI's limit on object nesting in strict schemas.
const OPENAI_MAX_NESTING: usize = 10;
/// OpenAI's limit on the total number of object properties in strict schemas.
const OPENAI_MAX_PROPERTIES: usize = 5000;

/// Rewrites an input schema for OpenAI strict mode, or says why it cannot be strict.
pub(crate) fn openai_strict(schema: &Value) -> Result<(Value, Vec<String>), String> {
    let mut props = 0;
    let lowered = lower_strict(schema, |node, notes, nesting| {
        strict_node(node, notes, nesting, &mut props)
    })?;
    if props > OPENAI_MAX_PROPERTIES {
        return Err(format!(
            "the schema has {props} properties; strict mode allows {OPENAI_MAX_PROPERTIES}"
        ));
    }
    Ok(lowered)
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
                if v.as_str().is_some_and(|f| Strict::OpenAi.keeps_format(f)) {
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
        let required = required_names(m);
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

// ---- Anthropic strict tool use -------------------------------------------------------------------

/// Lowers an input schema for Anthropic strict tool use, or says why it cannot be strict.
pub(crate) fn anthropic_strict(schema: &Value) -> Result<(Value, Vec<String>), String> {
    lower_strict(schema, anthropic_node)
}

fn is_primitive(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn anthropic_node(node: &Value, notes: &mut Vec<String>, depth: usize) -> Result<Value, String> {
    let Value::Object(m) = node else {
        return Err("a schema node is not an object".into());
    };
    if depth > MAX_DEPTH {
        return Err("the schema nests too deeply".into());
    }
    let mut rest = m.clone();
    let mut out = Map::new();
    if let Some(reference) = rest.shift_remove("$ref") {
        // As the SDK does: a reference stands alone (only recursive ones are left here).
        out.insert("$ref".into(), reference);
        return Ok(Value::Object(out));
    }
    let ty = rest.shift_remove("type");
    if matches!(ty, Some(Value::Array(_))) {
        return Err("a value has a list of types; strict mode takes one type per schema".into());
    }
    let ty = ty.as_ref().and_then(Value::as_str).map(str::to_owned);
    let mut literals = false;
    if let Some(Value::Array(values)) = rest.get("enum")
        && !values.is_empty()
        && values.iter().all(is_primitive)
    {
        out.insert("enum".into(), rest.shift_remove("enum").unwrap_or_default());
        literals = true;
    }
    if rest.get("const").is_some_and(is_primitive) {
        out.insert(
            "const".into(),
            rest.shift_remove("const").unwrap_or_default(),
        );
        literals = true;
    }
    let branches = ["anyOf", "oneOf", "allOf"]
        .iter()
        .find_map(|k| Some((*k, rest.shift_remove(*k)?)));
    match branches {
        Some((k, Value::Array(list))) => {
            let lowered = list
                .iter()
                .map(|b| anthropic_node(b, notes, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            let key = if k == "allOf" { "allOf" } else { "anyOf" };
            if k == "oneOf" {
                notes.push("`oneOf` became `anyOf`".into());
            }
            out.insert(key.into(), Value::Array(lowered));
        }
        Some((k, _)) => return Err(format!("`{k}` is not a list")),
        None if literals => {}
        None => match &ty {
            Some(t) => {
                out.insert("type".into(), Value::String(t.clone()));
            }
            None => return Err("a value accepts anything (no type)".into()),
        },
    }
    for key in ["description", "title"] {
        if let Some(v) = rest.shift_remove(key) {
            out.insert(key.into(), v);
        }
    }
    match ty.as_deref() {
        Some("object") if !literals => {
            let props = rest.shift_remove("properties").unwrap_or_else(|| json!({}));
            let Value::Object(props) = props else {
                return Err("`properties` is not an object".into());
            };
            match rest.shift_remove("additionalProperties") {
                None | Some(Value::Bool(false)) => {}
                Some(_) => {
                    return Err(
                        "an object takes arbitrary keys (a map); strict mode closes every object"
                            .into(),
                    );
                }
            }
            let mut lowered = Map::new();
            for (name, p) in &props {
                lowered.insert(name.clone(), anthropic_node(p, notes, depth + 1)?);
            }
            out.insert("properties".into(), Value::Object(lowered));
            out.insert("additionalProperties".into(), Value::Bool(false));
            if let Some(required) = rest.shift_remove("required") {
                out.insert("required".into(), required);
            }
        }
        Some("string") => {
            if let Some(f) = rest.get("format").and_then(Value::as_str)
                && Strict::Anthropic.keeps_format(f)
            {
                out.insert(
                    "format".into(),
                    rest.shift_remove("format").unwrap_or_default(),
                );
            }
        }
        Some("array") => {
            if let Some(items) = rest.shift_remove("items") {
                out.insert("items".into(), anthropic_node(&items, notes, depth + 1)?);
            }
            if let Some(n) = rest.get("minItems").and_then(Value::as_u64)
                && n <= 1
            {
                out.insert(
                    "minItems".into(),
                    rest.shift_remove("minItems").unwrap_or_default(),
                );
            }
        }
        _ => {}
    }
    // What strict mode cannot enforce is still worth telling the model.
    let mut extra = Vec::new();
    for (k, v) in &rest {
        match k.as_str() {
            "$schema" | "$id" | "$comment" | "$defs" | "required" | "properties" => {}
            _ => {
                extra.push(describe(k, v).unwrap_or_else(|| match k.as_str() {
                    "minimum" => format!("At least {v}."),
                    "maximum" => format!("At most {v}."),
                    "minItems" => format!("At least {v} items."),
                    "maxItems" => format!("At most {v} items."),
                    "pattern" => format!("Must match the pattern {}.", value_text(v)),
                    "format" => format!("Format: {}.", value_text(v)),
                    "multipleOf" => format!("A multiple of {v}."),
                    other => format!("{other}: {}.", value_text(v)),
                }));
                notes.push(format!("`{k}` moved into the description"));
            }
        }
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

/// Standard formats Gemini accepts (its number formats are not JSON Schema's; the portable
/// form has already turned Rust's into bounds).
const GEMINI_FORMATS: &[&str] = &["date-time"];

/// Lowers a schema to Gemini's subset: no `$ref`/`$defs`, no `additionalProperties`,
/// `nullable` instead of null types, string enums only.
pub(crate) fn gemini(schema: &Value, notes: &mut Vec<String>) -> Value {
    let schema = &portable(schema, Optional::NotNullable, notes);
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// Formats a generated or hand-written schema may carry: Rust's, standard and unknown.
    const SOME_FORMATS: &[&str] = &[
        "int8",
        "uint8",
        "int16",
        "uint16",
        "int32",
        "uint32",
        "int64",
        "uint64",
        "int",
        "uint",
        "int128",
        "uint128",
        "float",
        "double",
        "date-time",
        "email",
        "uuid",
        "phone",
        "x-custom",
    ];

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            (prop::sample::select(SOME_FORMATS), any::<bool>()).prop_map(|(f, nullable)| {
                let t = if nullable {
                    json!(["integer", "null"])
                } else {
                    json!("integer")
                };
                json!({"type": t, "format": f})
            }),
            prop::sample::select(SOME_FORMATS).prop_map(|f| json!({"type": "string", "format": f})),
            Just(json!({"type": "string", "enum": ["low", "high", null]})),
            Just(json!({"$ref": "#/$defs/Item"})),
        ]
    }

    fn schema() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                (
                    prop::collection::btree_map("[a-d]{1,2}", inner.clone(), 1..5),
                    any::<u8>()
                )
                    .prop_map(|(props, mask)| {
                        let required: Vec<&String> = props
                            .keys()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << (i % 8)) != 0)
                            .map(|(_, k)| k)
                            .collect();
                        json!({"type": "object", "properties": props, "required": required,
                               "additionalProperties": false})
                    }),
                inner
                    .clone()
                    .prop_map(|i| json!({"type": "array", "items": i})),
                inner
                    .clone()
                    .prop_map(|i| json!({"anyOf": [i, {"type": "null"}]})),
            ]
        })
    }

    fn root(s: &Value, item: &Value) -> Value {
        json!({"type": "object", "properties": {"p": s, "q": s}, "required": ["q"],
               "$defs": {"Item": item}})
    }

    fn collect<'a>(v: &'a Value, out: &mut Vec<&'a Map<String, Value>>) {
        match v {
            Value::Object(m) => {
                out.push(m);
                m.values().for_each(|x| collect(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }

    fn non_standard_formats(v: &Value) -> Vec<String> {
        let mut nodes = Vec::new();
        collect(v, &mut nodes);
        nodes
            .iter()
            .filter_map(|n| n.get("format").and_then(Value::as_str))
            .filter(|f| !STANDARD_FORMATS.contains(f))
            .map(str::to_owned)
            .collect()
    }

    proptest! {
        #[test]
        fn no_lowering_leaves_a_non_standard_format(s in schema(), item in schema()) {
            let schema = root(&s, &item);
            let mut notes = Vec::new();
            let mut outputs = vec![
                portable(&schema, Optional::NotNullable, &mut notes),
                portable(&schema, Optional::KeepNull, &mut notes),
                gemini(&schema, &mut notes),
            ];
            if let Ok((strict, _)) = openai_strict(&schema) {
                outputs.push(strict);
            }
            for out in outputs {
                let bad = non_standard_formats(&out);
                prop_assert!(bad.is_empty(), "{bad:?} in {out}");
            }
        }

        #[test]
        fn optional_properties_lose_null_and_required_ones_keep_it(s in schema(), item in schema()) {
            let schema = root(&s, &item);
            let out = portable(&schema, Optional::NotNullable, &mut Vec::new());
            let p = &out["properties"]["p"];
            let nullable = p["type"].as_array().is_some_and(|t| t.contains(&json!("null")))
                || p["anyOf"].as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "null"));
            prop_assert!(!nullable, "optional `p` is still nullable: {p}");
            // The required twin keeps its meaning: same schema before and after, formats aside.
            let q_in = &schema["properties"]["q"];
            let q_out = &out["properties"]["q"];
            let null_in = q_in["type"].as_array().is_some_and(|t| t.contains(&json!("null")))
                || q_in["anyOf"].as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "null"));
            let null_out = q_out["type"].as_array().is_some_and(|t| t.contains(&json!("null")))
                || q_out["anyOf"].as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "null"));
            prop_assert_eq!(null_in, null_out);
        }
    }

    #[test]
    fn a_rust_format_becomes_its_range() {
        let out = portable(
            &json!({"type": "integer", "format": "uint8"}),
            Optional::NotNullable,
            &mut Vec::new(),
        );
        assert_eq!(
            out,
            json!({"type": "integer", "minimum": 0, "maximum": 255})
        );
    }

    #[test]
    fn an_unknown_format_moves_into_the_description() {
        let out = portable(
            &json!({"type": "string", "format": "phone", "description": "Caller's number"}),
            Optional::NotNullable,
            &mut Vec::new(),
        );
        assert_eq!(
            out,
            json!({"type": "string", "description": "Caller's number. Format: phone."})
        );
    }
}
