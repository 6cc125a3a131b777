//! OpenAI's strict mode makes every optional property required and nullable, at every depth,
//! so models send `null` where they mean "absent"; serde refuses that for a `#[serde(default)]`
//! field. Guided by the tool's own schema, drop exactly those `null`s, then parse again.

use serde_json::{Map, Value};

/// How deep the walk goes, in values and in `$ref`/`anyOf` hops (a guard, not a limit anyone meets).
const MAX_DEPTH: usize = 128;

/// `value` without each `null` held by a property that some subschema at its place declares
/// and does not require; `None` when there is none. Nothing else changes: a call that was
/// invalid for another reason stays invalid.
pub(crate) fn without_optional_nulls(schema: &Value, value: &Value) -> Option<Value> {
    let mut out = value.clone();
    let walk = Walk { root: schema };
    walk.prune(&[schema], &mut out, 0).then_some(out)
}

/// Whether some object below the root has an optional property (else no `null` could be dropped
/// that serde does not already read as absent at the top level).
pub(crate) fn has_optional_nested_properties(schema: &Value) -> bool {
    fn any_optional(s: &Value, depth: usize) -> bool {
        let Value::Object(m) = s else { return false };
        if depth > MAX_DEPTH {
            return false;
        }
        if let Some(Value::Object(props)) = m.get("properties")
            && props.keys().any(|k| !is_required(m, k))
        {
            return true;
        }
        ["items", "additionalProperties", "not"]
            .iter()
            .filter_map(|k| m.get(*k))
            .chain(
                ["anyOf", "oneOf", "allOf", "prefixItems"]
                    .iter()
                    .filter_map(|k| m.get(*k).and_then(Value::as_array))
                    .flatten(),
            )
            .chain(
                m.get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(Map::values),
            )
            .any(|sub| any_optional(sub, depth + 1))
    }
    let Value::Object(root) = schema else {
        return false;
    };
    super::top_level_subschemas(root).any(|s| any_optional(s, 0))
}

fn is_required(m: &Map<String, Value>, key: &str) -> bool {
    m.get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(key)))
}

/// Whether the object schema `c` could describe `obj`, judged by its `const`/`enum` properties
/// (tags), its required keys and, when it is closed, its declared keys.
fn admits(c: &Map<String, Value>, obj: &Map<String, Value>) -> bool {
    let props = c.get("properties").and_then(Value::as_object);
    let tags_match = props.into_iter().flatten().all(|(k, s)| {
        let Some(v) = obj.get(k).filter(|v| !v.is_null()) else {
            return true;
        };
        let const_ok = s.get("const").is_none_or(|x| x == v);
        let enum_ok = s
            .get("enum")
            .and_then(Value::as_array)
            .is_none_or(|xs| xs.contains(v));
        const_ok && enum_ok
    });
    let required_present = c
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .all(|k| obj.contains_key(k));
    let closed = c.get("additionalProperties") == Some(&Value::Bool(false));
    let keys_declared = !closed || obj.keys().all(|k| props.is_some_and(|p| p.contains_key(k)));
    tags_match && required_present && keys_declared
}

struct Walk<'s> {
    root: &'s Value,
}

impl<'s> Walk<'s> {
    /// `#/$defs/X` (or `#`) within the tool's own schema; nothing else is followed.
    fn resolve(&self, reference: &str) -> Option<&'s Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    /// The object schemas that may describe a value at this place: `schema` itself and, through
    /// `$ref`, `anyOf`, `oneOf` and `allOf`, every branch.
    fn candidates(&self, schema: &'s Value, out: &mut Vec<&'s Map<String, Value>>, depth: usize) {
        let Value::Object(m) = schema else { return };
        if depth > MAX_DEPTH || out.iter().any(|c| std::ptr::eq(*c, m)) {
            return;
        }
        out.push(m);
        if let Some(target) = m
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
        {
            self.candidates(target, out, depth + 1);
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in m.get(key).and_then(Value::as_array).into_iter().flatten() {
                self.candidates(branch, out, depth + 1);
            }
        }
    }

    /// Drops optional `null`s in `value`, whose place any of `schemas` describes. Each
    /// distinct subschema is visited once per value, so the walk stays linear in the value.
    fn prune(&self, schemas: &[&'s Value], value: &mut Value, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let mut cands = Vec::new();
        for s in schemas {
            self.candidates(s, &mut cands, 0);
        }
        let mut changed = false;
        match value {
            Value::Object(obj) => {
                // A branch whose tag or keys rule this object out says nothing about its keys.
                cands.retain(|c| admits(c, obj));
                let before = obj.len();
                obj.retain(|k, v| {
                    !(v.is_null()
                        && cands.iter().any(|c| {
                            c.get("properties")
                                .and_then(Value::as_object)
                                .is_some_and(|p| p.contains_key(k))
                                && !is_required(c, k)
                        }))
                });
                changed |= obj.len() != before;
                for (k, v) in obj.iter_mut() {
                    let subs: Vec<&'s Value> = cands
                        .iter()
                        .filter_map(|c| {
                            match c.get("properties").and_then(|p| p.get(k.as_str())) {
                                Some(s) => Some(s),
                                // A map's values (`HashMap<String, Struct>`) may hold structs too.
                                None => c.get("additionalProperties").filter(|s| s.is_object()),
                            }
                        })
                        .collect();
                    if !subs.is_empty() {
                        changed |= self.prune(&subs, v, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let subs: Vec<&'s Value> = cands
                        .iter()
                        .filter_map(|c| {
                            c.get("prefixItems")
                                .and_then(|p| p.get(i))
                                .or_else(|| c.get("items"))
                                .filter(|s| s.is_object())
                        })
                        .collect();
                    if !subs.is_empty() {
                        changed |= self.prune(&subs, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "issue": {"$ref": "#/$defs/Issue"},
                "tags": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Issue"}},
            },
            "required": ["issue"],
            "$defs": {
                "Issue": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "labels": {"type": "array", "items": {"type": "string"}, "default": []},
                        "sub": {"type": "array", "items": {"$ref": "#/$defs/Issue"}},
                    },
                    "required": ["key"],
                }
            }
        })
    }

    #[test]
    fn nulls_of_optional_properties_are_dropped_at_every_depth() {
        let value = json!({"issue": {"key": "A-1", "labels": null,
            "sub": [{"key": "A-2", "labels": null, "sub": null}]}, "tags": {"x": {"key": "k", "labels": null}}});
        assert_eq!(
            without_optional_nulls(&schema(), &value),
            Some(
                json!({"issue": {"key": "A-1", "sub": [{"key": "A-2"}]}, "tags": {"x": {"key": "k"}}})
            )
        );
    }

    #[test]
    fn only_the_branch_the_tag_selects_decides() {
        let schema = json!({
            "type": "object",
            "properties": {"v": {"oneOf": [
                {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}},
                 "required": ["kind"], "additionalProperties": false},
                {"type": "object", "properties": {"kind": {"const": "b"}},
                 "required": ["kind"], "additionalProperties": false},
            ]}},
        });
        let value = json!({"v": {"kind": "b", "x": null}});
        assert_eq!(without_optional_nulls(&schema, &value), None);
        let value = json!({"v": {"kind": "a", "x": null}});
        assert_eq!(
            without_optional_nulls(&schema, &value),
            Some(json!({"v": {"kind": "a"}}))
        );
    }

    #[test]
    fn a_null_for_a_required_property_or_a_map_value_stays() {
        let value = json!({"issue": {"key": null}, "tags": {"x": null}});
        assert_eq!(without_optional_nulls(&schema(), &value), None);
        assert!(has_optional_nested_properties(&schema()));
        assert!(!has_optional_nested_properties(
            &json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}})
        ));
    }
}
