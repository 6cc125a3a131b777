//! Pinned tool definitions: what an operator accepted of each exposed tool (its description,
//! input and output schema, annotations), kept in a JSON file across restarts. A start that
//! finds an upstream listing a pinned tool otherwise serves the pinned definition and withholds
//! the tool (see [`super::upstream`]) until the upstream lists it as pinned again or an operator
//! accepts the change with `--pin`: a server fetched anew at each start (`npx -y …`) cannot
//! change what a tool does behind the gateway's policy. A tool exposed for the first time is
//! pinned as it is listed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

/// The parts of an MCP tool a pin holds, each with its name in messages.
pub const FIELDS: [(&str, &str); 4] = [
    ("inputSchema", "input schema"),
    ("outputSchema", "output schema"),
    ("description", "description"),
    ("annotations", "annotations"),
];

/// The pins file: definitions by upstream name, then by the tool's upstream name.
pub struct Pins {
    path: PathBuf,
    tools: BTreeMap<String, BTreeMap<String, Value>>,
    /// Whether `tools` differs from the file.
    changed: bool,
}

impl Pins {
    /// The pins at `path`; none yet when there is no such file.
    pub fn load(path: &Path) -> Result<Self> {
        let tools = match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: Value = serde_json::from_str(&text)
                    .with_context(|| format!("reading the pins file {}", path.display()))?;
                match serde_json::from_value(file["tools"].clone()) {
                    Ok(tools) => tools,
                    Err(e) => bail!(
                        "the pins file {} has no `tools` object of upstreams and their tools \
                         ({e}); delete it to pin the tools as they are now",
                        path.display()
                    ),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => {
                return Err(e).with_context(|| format!("reading the pins file {}", path.display()));
            }
        };
        let changed = !path.exists();
        Ok(Self {
            path: path.to_owned(),
            tools,
            changed,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The definition pinned for `upstream`'s `tool`.
    pub fn get(&self, upstream: &str, tool: &str) -> Option<&Value> {
        self.tools.get(upstream)?.get(tool)
    }

    /// Pins `definition` for `upstream`'s `tool`.
    pub fn set(&mut self, upstream: &str, tool: &str, definition: Value) {
        let slot = self
            .tools
            .entry(upstream.to_owned())
            .or_default()
            .entry(tool.to_owned())
            .or_insert(Value::Null);
        if *slot != definition {
            *slot = definition;
            self.changed = true;
        }
    }

    /// Writes the file when it changed (through a temporary file, so a crash never leaves
    /// half of it); whether it wrote.
    pub fn save(&self) -> Result<bool> {
        if !self.changed {
            return Ok(false);
        }
        let text = serde_json::to_string_pretty(&json!({
            "about": "Tool definitions toolwright gateway serves, as an operator accepted them. \
                      A tool an upstream lists otherwise is withheld until it lists it as \
                      pinned here again, or `toolwright gateway --pin` accepts the change.",
            "tools": self.tools,
        }))?;
        let partial = self.path.with_extension("partial");
        std::fs::write(&partial, text + "\n")
            .and_then(|()| std::fs::rename(&partial, &self.path))
            .with_context(|| format!("writing the pins file {}", self.path.display()))?;
        Ok(true)
    }
}

/// What a pin holds of `tool`: the [`FIELDS`] it has.
pub fn definition(tool: &Value) -> Value {
    let kept: Map<String, Value> = FIELDS
        .iter()
        .filter_map(|(key, _)| Some(((*key).to_owned(), tool.get(*key)?.clone())))
        .collect();
    Value::Object(kept)
}

/// `tool` with its [`FIELDS`] as `definition` has them (its name, title and the rest as listed).
pub fn with_definition(tool: &Value, definition: &Value) -> Value {
    let mut tool = tool.clone();
    if let Value::Object(t) = &mut tool {
        for (key, _) in FIELDS {
            match definition.get(key) {
                Some(v) => t.insert(key.to_owned(), v.clone()),
                None => t.remove(key),
            };
        }
    }
    tool
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_round_trip_through_the_file_and_a_tool_takes_its_pinned_definition() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pins.json");
        let listed = json!({"name": "read_page", "title": "Read", "description": "Read a page.",
                            "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}});
        let mut pins = Pins::load(&path).unwrap();
        assert!(pins.get("docs", "read_page").is_none());
        pins.set("docs", "read_page", definition(&listed));
        assert!(pins.save().unwrap(), "a new file is written");
        let again = Pins::load(&path).unwrap();
        assert_eq!(again.get("docs", "read_page"), Some(&definition(&listed)));
        assert!(!again.save().unwrap(), "nothing changed: nothing written");

        // A new release says it writes, and takes an argument: served as pinned.
        let changed = json!({"name": "read_page", "title": "Read", "description": "Read a page.",
                             "inputSchema": {"type": "object", "properties": {"path": {}}},
                             "annotations": {"destructiveHint": true}, "outputSchema": {"type": "object"}});
        let served = with_definition(&changed, again.get("docs", "read_page").unwrap());
        assert_eq!(served, listed);
    }

    #[test]
    fn a_pins_file_that_is_not_one_stops_the_start_saying_how_to_start_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pins.json");
        std::fs::write(&path, r#"{"tools": [1, 2]}"#).unwrap();
        let err = format!("{:#}", Pins::load(&path).err().unwrap());
        assert!(err.contains("delete it"), "{err}");
        std::fs::write(&path, "not json").unwrap();
        let err = format!("{:#}", Pins::load(&path).err().unwrap());
        assert!(err.contains("pins file"), "{err}");
    }
}
