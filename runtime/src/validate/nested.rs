//! What the exported input schema forbids below the top-level parameters and the typed parse
//! cannot see (`#[schemars(length, range, regex)]` on nested fields, a struct sent as an
//! array, …): one `jsonschema` validator per tool, compiled at registration, run after the fast path.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Map, Value};

use crate::decl::ParamDecl;
use crate::error::MAX_LISTED_ERRORS;
use crate::{FieldError, ToolError};

use super::Counted;

/// How deep the registration-time walk follows a schema (a guard against hand-written cycles).
const MAX_DEPTH: usize = 128;

/// The compiled nested checks of one tool.
pub(crate) struct NestedRules {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for NestedRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NestedRules").finish_non_exhaustive()
    }
}

impl NestedRules {
    /// The checker for `schema`, or `None` when serde and the `#[arg]` checks already enforce
    /// everything it says (the common case: those tools keep the fast path alone).
    ///
    /// # Errors
    /// The schema does not compile as draft 2020-12 (only hand-written schemas can get here;
    /// remote `$ref`s are never fetched).
    pub(crate) fn compile(schema: &Value, params: &[ParamDecl]) -> Result<Option<Self>, String> {
        let mut schema = schema.clone();
        // The fast path checks these; the validator must not report them a second time.
        if let Some(Value::Object(props)) = schema.get_mut("properties") {
            for param in params {
                if let Some(Value::Object(prop)) = props.get_mut(param.name) {
                    strip_arg_keywords(prop, param);
                }
            }
        }
        if !needs_check(&schema) {
            return Ok(None);
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .map_err(|e| format!("the input schema does not compile: {}", e.masked()))?;
        Ok(Some(Self { validator }))
    }

    /// The checker for the whole of `schema`, top level included (a tool declared at runtime,
    /// whose arguments no typed parse sees). The draft is the one its `$schema` names, 2020-12
    /// when it names none.
    ///
    /// # Errors
    /// The schema does not compile (remote `$ref`s are never fetched).
    pub(crate) fn compile_whole(schema: &Value) -> Result<Self, String> {
        let validator = jsonschema::options()
            .build(schema)
            .map_err(|e| format!("the input schema does not compile: {}", e.masked()))?;
        Ok(Self { validator })
    }

    /// Checks the parsed arguments; every error with its JSON pointer, none quoting a value.
    ///
    /// # Errors
    /// `invalid_arguments` listing what the schema forbids.
    pub(crate) fn check(&self, args: &Value) -> Result<(), ToolError> {
        if self.validator.is_valid(args) {
            return Ok(());
        }
        let mut listed = Vec::new();
        let mut unlisted = 0;
        for error in self.validator.iter_errors(args) {
            for e in field_errors(&error) {
                if listed.len() < MAX_LISTED_ERRORS {
                    listed.push(e);
                } else {
                    unlisted += 1;
                }
            }
        }
        Err(ToolError::invalid_arguments_bounded(listed, unlisted))
    }
}

/// The errors of the one branch of an `anyOf`/`oneOf` whose shape the value has (every error
/// of that branch lies deeper than the value itself, as for an enum's variant with a bad
/// field); `None` when no single branch stands out.
fn closest_branch<'e>(
    pointer: &str,
    context: &'e [Vec<ValidationError<'static>>],
) -> Option<&'e [ValidationError<'static>]> {
    let mut fitting = context.iter().filter(|branch| {
        !branch.is_empty()
            && branch
                .iter()
                .all(|e| e.instance_path().as_str().len() > pointer.len())
    });
    match (fitting.next(), fitting.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Removes from a top-level property the keywords its `#[arg(...)]` constraints wrote.
fn strip_arg_keywords(prop: &mut Map<String, Value>, param: &ParamDecl) {
    let c = &param.constraints;
    let written: [(bool, &[&str]); 5] = [
        (c.min_len.is_some(), &["minLength", "minItems"]),
        (c.max_len.is_some(), &["maxLength", "maxItems"]),
        (c.pattern.is_some(), &["pattern"]),
        (c.min.is_some(), &["minimum", "exclusiveMinimum"]),
        (c.max.is_some(), &["maximum", "exclusiveMaximum"]),
    ];
    for (_, keywords) in written.into_iter().filter(|(declared, _)| *declared) {
        for keyword in keywords {
            prop.remove(*keyword);
        }
    }
}

/// Whether anything below the root forbids a value that the typed parse accepts.
fn needs_check(root: &Value) -> bool {
    let Value::Object(m) = root else {
        return true;
    };
    // Root keywords other than the argument object's own shape are unusual; check them all.
    let root_extra = m.keys().any(|k| {
        !matches!(
            k.as_str(),
            "type"
                | "properties"
                | "required"
                | "additionalProperties"
                | "$defs"
                | "definitions"
                | "description"
                | "title"
                | "$schema"
        )
    });
    root_extra || super::top_level_subschemas(m).any(|s| constrains(s, 0))
}

/// Whether `schema` (or a subschema) says something serde's derived `Deserialize` does not
/// enforce. `$ref`s are not followed: every definition is walked on its own.
fn constrains(schema: &Value, depth: usize) -> bool {
    let Value::Object(m) = schema else {
        // `false` forbids everything; `true` nothing.
        return schema == &Value::Bool(false);
    };
    if depth > MAX_DEPTH {
        return true;
    }
    let natural = m
        .get("format")
        .and_then(Value::as_str)
        .and_then(crate::schema::integer_bounds);
    for (k, v) in m {
        let forbids = match k.as_str() {
            // A derived struct also accepts its fields as a positional array; `HashSet`
            // silently drops a repeated item.
            "properties" | "uniqueItems" => true,
            "minLength"
            | "maxLength"
            | "pattern"
            | "multipleOf"
            | "minItems"
            | "maxItems"
            | "minProperties"
            | "maxProperties"
            | "exclusiveMinimum"
            | "exclusiveMaximum"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "minContains"
            | "maxContains"
            | "patternProperties"
            | "propertyNames"
            | "dependentRequired"
            | "dependentSchemas"
            | "dependencies"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "prefixItems" => true,
            // A fixed-width integer's own bounds are what deserialization enforces anyway.
            "minimum" => natural.is_none_or(|(min, _)| as_i128(v) != Some(min)),
            "maximum" => natural.is_none_or(|(_, max)| as_i128(v) != Some(max)),
            // Strings are what unit variants and tags become: serde checks those.
            "enum" => !v
                .as_array()
                .is_some_and(|vs| vs.iter().all(|x| x.is_string() || x.is_null())),
            "const" => !(v.is_string() || v.is_null()),
            // Another document: only the validator can tell (and it refuses to fetch it).
            "$ref" => !v.as_str().is_some_and(|r| r.starts_with('#')),
            "items" | "additionalProperties" => constrains(v, depth + 1),
            "anyOf" | "oneOf" | "allOf" => v
                .as_array()
                .is_some_and(|bs| bs.iter().any(|b| constrains(b, depth + 1))),
            _ => false,
        };
        if forbids {
            return true;
        }
    }
    false
}

fn as_i128(v: &Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
}

/// One validator error in the project's words; a `required` or `additionalProperties` error
/// becomes one entry per key, pointing at the key.
fn field_errors(error: &ValidationError<'_>) -> Vec<FieldError> {
    use ValidationErrorKind as K;
    let pointer = error.instance_path().as_str();
    let kind = error.kind();
    let at = |key: &str| {
        let mut p = pointer.to_owned();
        super::push_token(&mut p, key);
        p
    };
    let one = |message: String| vec![FieldError::new(pointer, message)];
    match kind {
        K::Required { property } => {
            let key = property.as_str().unwrap_or_default();
            vec![FieldError::new(at(key), "missing required field")]
        }
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            unexpected
                .iter()
                .map(|key| FieldError::new(at(key), "unknown field"))
                .collect()
        }
        K::MinLength { limit } => one(Counted::Characters.at_least(*limit)),
        K::MaxLength { limit } => one(Counted::Characters.at_most(*limit)),
        K::Pattern { pattern } => one(format!("must match the pattern `{pattern}`")),
        K::Minimum { limit } => one(format!("must be at least {limit}")),
        K::Maximum { limit } => one(format!("must be at most {limit}")),
        K::ExclusiveMinimum { limit } => one(format!("must be greater than {limit}")),
        K::ExclusiveMaximum { limit } => one(format!("must be less than {limit}")),
        K::MultipleOf { multiple_of } => one(format!("must be a multiple of {multiple_of}")),
        K::MinItems { limit } => one(Counted::Items.at_least(*limit)),
        K::MaxItems { limit } => one(Counted::Items.at_most(*limit)),
        K::UniqueItems => one("must not hold the same item twice".into()),
        K::MinProperties { limit } => one(Counted::Fields.at_least(*limit)),
        K::MaxProperties { limit } => one(Counted::Fields.at_most(*limit)),
        K::Type { kind } => one(format!("expected {}", type_words(kind))),
        // The allowed values come from the schema, not from the call.
        K::Enum { options } => one(format!("expected one of: {}", list(options))),
        K::Constant { expected_value } => one(format!("expected {expected_value}")),
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            match closest_branch(pointer, context) {
                Some(branch) => branch.iter().flat_map(field_errors).collect(),
                None => one("matches none of the allowed shapes".into()),
            }
        }
        K::OneOfMultipleValid { .. } => one("matches more than one of the allowed shapes".into()),
        K::Format { format } => one(format!("must be a valid `{format}`")),
        K::FalseSchema | K::Not { .. } => one("is not allowed here".into()),
        other => one(format!("is not valid (`{}`)", other.keyword())),
    }
}

fn type_words(kind: &TypeKind) -> String {
    let name = |t: jsonschema::JsonType| match t {
        jsonschema::JsonType::Array => "an array",
        jsonschema::JsonType::Boolean => "a boolean",
        jsonschema::JsonType::Integer => "an integer",
        jsonschema::JsonType::Null => "null",
        jsonschema::JsonType::Number => "a number",
        jsonschema::JsonType::Object => "an object",
        jsonschema::JsonType::String => "a string",
    };
    match kind {
        TypeKind::Single(t) => name(*t).to_owned(),
        TypeKind::Multiple(set) => set.iter().map(name).collect::<Vec<_>>().join(" or "),
    }
}

fn list(options: &Value) -> String {
    match options {
        Value::Array(vs) => vs
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn checked(schema: Value) -> bool {
        NestedRules::compile(&schema, &[]).unwrap().is_some()
    }

    #[test]
    fn flat_tools_keep_the_fast_path_alone() {
        // Scalars, fixed-width integers, unit-variant enums, arrays of those, `Option`s.
        assert!(!checked(json!({
            "type": "object",
            "properties": {
                "q": {"type": "string"},
                "n": {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255},
                "tags": {"type": "array", "items": {"type": "string"}},
                "status": {"anyOf": [{"$ref": "#/$defs/Status"}, {"type": "null"}]},
            },
            "additionalProperties": false,
            "$defs": {"Status": {"oneOf": [
                {"type": "string", "const": "open", "description": "Open"},
                {"type": "string", "enum": ["closed", "pending"]},
            ]}},
        })));
    }

    #[test]
    fn anything_serde_would_let_through_below_the_top_level_is_checked() {
        let with = |prop: Value| json!({"type": "object", "properties": {"p": prop}, "additionalProperties": false});
        for prop in [
            json!({"$ref": "#/$defs/X"}),
            json!({"type": "array", "items": {"type": "string", "minLength": 1}}),
            json!({"type": "integer", "format": "uint8", "minimum": 1, "maximum": 255}),
            json!({"type": "array", "items": {"type": "integer"}, "uniqueItems": true}),
            json!({"type": "object", "additionalProperties": {"type": "string", "pattern": "^a"}}),
            json!({"type": "integer", "enum": [1, 2]}),
        ] {
            let mut schema = with(prop.clone());
            schema["$defs"] = json!({"X": {"type": "object", "properties": {}}});
            assert!(checked(schema), "{prop}");
        }
    }

    #[test]
    fn errors_name_the_place_and_the_rule_but_never_the_value() {
        let schema = json!({
            "type": "object",
            "properties": {"p": {"type": "object", "properties": {
                "key": {"type": "string", "maxLength": 3, "pattern": "^[A-Z]+$"},
                "n": {"type": "integer", "exclusiveMinimum": 0},
            }, "required": ["n"], "additionalProperties": false}},
        });
        let rules = NestedRules::compile(&schema, &[]).unwrap().unwrap();
        let err = rules
            .check(&json!({"p": {"key": "secret-token", "extra/key": 1}}))
            .unwrap_err()
            .to_model_json();
        let errors: Vec<&str> = err["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            errors,
            [
                "/p/key: must be at most 3 characters long",
                "/p/key: must match the pattern `^[A-Z]+$`",
                "/p/extra~1key: unknown field",
                "/p/n: missing required field",
            ]
        );
        assert!(!err.to_string().contains("secret-token"));
    }

    #[test]
    fn a_remote_reference_is_never_fetched() {
        let schema = json!({"type": "object", "properties": {
            "p": {"$ref": "http://169.254.169.254/latest/meta-data/schema.json"},
        }});
        assert!(NestedRules::compile(&schema, &[]).is_err());
    }

    #[test]
    fn nested_patterns_use_ecma_262_classes() {
        let schema = json!({"type": "object", "properties": {"p": {
            "type": "array", "items": {"type": "string", "pattern": "^CORE-\\d+$"},
        }}});
        let rules = NestedRules::compile(&schema, &[]).unwrap().unwrap();
        assert!(rules.check(&json!({"p": ["CORE-12"]})).is_ok());
        // Arabic-Indic digits are `\d` to Rust's regex, not to JSON Schema.
        assert!(rules.check(&json!({"p": ["CORE-\u{661}\u{662}"]})).is_err());
    }
}
