//! Finding tools by words, for registries too big to send whole: a BM25 index over each
//! tool's name, description and parameter descriptions, searched on behalf of one principal.
//!
//! A search sees only the tools the principal may use: hidden tools are filtered out before
//! scoring, and the collection statistics (document frequencies, average length) are counted
//! over the visible tools only, so a hidden tool can neither appear in the results nor change
//! their order. The agent loop offers it to the model as the built-in
//! [`SEARCH_TOOL`] (`search_tools`) when [`Agent::tool_search`](crate::agent::Agent::tool_search)
//! is on; [`openai_responses::export_deferred`](super::openai_responses::export_deferred)
//! and [`anthropic::export_deferred`](super::anthropic::export_deferred) use the providers'
//! own tool search instead.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::call::CallArguments;
use crate::decl::{Bound, Number, ParamDecl, PolicyDecl, ToolDecl};
use crate::tool::{Tool, ToolFuture};
use crate::validate::ArgRules;
use crate::{ErrorKind, Principal, Registry, ToolContext, ToolEntry, ToolError};

/// The name of the built-in search tool the agent loop offers.
pub const SEARCH_TOOL: &str = "search_tools";

/// BM25 parameters (the usual ones).
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Words too common in tool descriptions to tell tools apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "e", "eg", "for", "from", "g", "in", "is",
    "it", "its", "of", "on", "or", "the", "to", "with",
];

/// The words of a text: lowercase runs of letters and digits (`_` splits names), common
/// words dropped, a plural `s` cut (`orders` finds `order`).
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") {
                w[..w.len() - 1].to_owned()
            } else {
                w
            }
        })
}

/// A registry's tools indexed for [`ToolIndex::search`].
///
/// ```
/// use toolwright::providers::search::ToolIndex;
/// use toolwright::{tool, Principal, Registry};
///
/// /// Look up the shipping status of an order by its number. Returns the carrier's status.
/// #[tool(read_only)]
/// fn get_order_status(
///     /// Order number, e.g. "A-1001"
///     order_id: String,
/// ) -> String { order_id }
///
/// /// Issue a refund for an order, in cents. Returns the refund id.
/// #[tool(permissions = ["billing:write"])]
/// fn issue_refund(
///     /// Order number, e.g. "A-1001"
///     order_id: String,
/// ) -> String { order_id }
///
/// let registry = Registry::builder().tool(get_order_status).tool(issue_refund).build().unwrap();
/// let index = ToolIndex::new(registry);
/// let found = index.search(&Principal::anonymous(), "refund an order", 5);
/// // `issue_refund` needs a permission the anonymous principal lacks: it is never found.
/// assert_eq!(found.iter().map(|e| e.name()).collect::<Vec<_>>(), ["get_order_status"]);
/// ```
pub struct ToolIndex {
    registry: Registry,
    /// Word count of each tool's text, by registry position.
    lengths: Vec<u32>,
    /// For each word, the tools that contain it and how often, by registry position.
    postings: HashMap<String, Vec<(u32, u32)>>,
}

impl std::fmt::Debug for ToolIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolIndex")
            .field("tools", &self.lengths.len())
            .field("words", &self.postings.len())
            .finish()
    }
}

impl ToolIndex {
    /// Indexes every tool of `registry` (names count twice: they say what a tool does best).
    pub fn new(registry: Registry) -> Self {
        let mut lengths = Vec::with_capacity(registry.len());
        let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        for (i, entry) in registry.iter().enumerate() {
            let mut counts: HashMap<String, u32> = HashMap::new();
            let mut length = 0;
            let name = entry.name();
            let params = entry.params().iter().flat_map(|p| [p.name, p.description]);
            for text in [name, name, entry.description()].into_iter().chain(params) {
                for w in words(text) {
                    *counts.entry(w).or_default() += 1;
                    length += 1;
                }
            }
            lengths.push(length);
            let doc = u32::try_from(i).unwrap_or(u32::MAX);
            for (w, tf) in counts {
                postings.entry(w).or_default().push((doc, tf));
            }
        }
        Self {
            registry,
            lengths,
            postings,
        }
    }

    /// The registry the index was built from.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The best `limit` tools for `query` among those `principal` may use, best first (ties
    /// in registration order). Tools that share no word with the query are not returned.
    pub fn search(&self, principal: &Principal, query: &str, limit: usize) -> Vec<&ToolEntry> {
        let entries = self.registry.iter().as_slice();
        let visible: Vec<bool> = entries.iter().map(|e| e.visible_to(principal)).collect();
        let n = visible.iter().filter(|v| **v).count();
        if n == 0 || limit == 0 {
            return Vec::new();
        }
        let total: u64 = self
            .lengths
            .iter()
            .zip(&visible)
            .filter(|(_, v)| **v)
            .map(|(l, _)| u64::from(*l))
            .sum();
        let avg = (total as f64 / n as f64).max(1.0);
        let mut terms: Vec<String> = words(query).collect();
        terms.sort();
        terms.dedup();
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for term in &terms {
            let Some(list) = self.postings.get(term) else {
                continue;
            };
            let seen = |doc: &u32| visible.get(*doc as usize).copied().unwrap_or(false);
            let df = list.iter().filter(|(d, _)| seen(d)).count();
            if df == 0 {
                continue;
            }
            let idf = (1.0 + (n as f64 - df as f64 + 0.5) / (df as f64 + 0.5)).ln();
            for (doc, tf) in list.iter().filter(|(d, _)| seen(d)) {
                let len = f64::from(self.lengths[*doc as usize]);
                let tf = f64::from(*tf);
                let s = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg));
                *scores.entry(*doc).or_default() += s;
            }
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .filter_map(|(doc, _)| entries.get(doc as usize))
            .collect()
    }

    /// What the `search_tools` tool answers: the matches' names and descriptions.
    pub fn search_result(&self, principal: &Principal, query: &str, limit: usize) -> Value {
        let tools: Vec<Value> = self
            .search(principal, query, limit)
            .into_iter()
            .map(|e| json!({"name": e.name(), "description": e.description()}))
            .collect();
        json!({"tools": tools})
    }
}

/// The most results one `search_tools` call returns.
pub const MAX_SEARCH_RESULTS: u64 = 20;

static SEARCH_PARAMS: [ParamDecl; 2] = [
    ParamDecl {
        name: "query",
        description: "Words describing the task, e.g. \"refund an order\"",
        required: true,
        constraints: crate::decl::Constraints {
            min_len: Some(1),
            max_len: Some(500),
            min: None,
            max: None,
            pattern: None,
            secret: false,
            default: None,
        },
    },
    ParamDecl {
        name: "limit",
        description: "How many tools to return, 1 to 20",
        required: false,
        constraints: crate::decl::Constraints {
            min_len: None,
            max_len: None,
            min: Some(Bound::Inclusive(Number::Int(1))),
            max: Some(Bound::Inclusive(Number::Int(MAX_SEARCH_RESULTS as i128))),
            pattern: None,
            secret: false,
            default: None,
        },
    },
];

static SEARCH_DECL: ToolDecl = ToolDecl {
    name: SEARCH_TOOL,
    description: "Search the other tools you may use by describing the task in a few words, \
                  when none of the tools offered fits. Returns the best matches' names and \
                  descriptions; call them on your next turn.",
    params: &SEARCH_PARAMS,
    policy: PolicyDecl {
        permissions: &[],
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
        timeout: None,
        retries: 0,
        rate_limit: None,
    },
    input_schema: search_schema,
    output_schema: || None,
};

fn search_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 500,
                      "description": SEARCH_PARAMS[0].description},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_RESULTS,
                      "description": SEARCH_PARAMS[1].description},
        },
        "required": ["query"],
        "additionalProperties": false,
    })
}

/// A tool that is only its declaration: exported and searched like any tool, never run by an
/// executor. `search_tools` is one (the agent loop answers it from its [`ToolIndex`]).
struct DeclarationOnly(&'static ToolDecl);

impl Tool for DeclarationOnly {
    fn decl(&self) -> &'static ToolDecl {
        self.0
    }

    fn prepare(
        &self,
        _args: &CallArguments,
        _rules: &ArgRules,
        _ctx: ToolContext,
    ) -> Result<ToolFuture, ToolError> {
        Err(ToolError::new(
            ErrorKind::Denied,
            format!(
                "{} is answered by the agent loop, not run as a tool",
                self.0.name
            ),
        ))
    }
}

/// A registry holding only `search_tools`, for its [`ToolEntry`].
pub(crate) fn search_tool_registry() -> Result<Registry, crate::RegistryError> {
    Registry::builder()
        .tool(DeclarationOnly(&SEARCH_DECL))
        .build()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const VOCAB: &[&str] = &[
        "order", "refund", "invoice", "customer", "ticket", "delete", "search", "shipping",
        "email", "report",
    ];
    const PERMISSIONS: &[&[&str]] = &[&[], &["billing:write"], &["admin"]];

    /// A tool per (words, permission set), named after its position and first word.
    fn registry(tools: &[(Vec<usize>, usize)], keep: impl Fn(usize) -> bool) -> Registry {
        let mut b = Registry::builder();
        for (i, (ws, perm)) in tools.iter().enumerate().filter(|(_, (_, p))| keep(*p)) {
            let text: Vec<&str> = ws.iter().map(|w| VOCAB[*w]).collect();
            let name: &'static str = Box::leak(format!("tool_{i}_{}", text[0]).into_boxed_str());
            let description: &'static str =
                Box::leak(format!("Work with {}.", text.join(" ")).into_boxed_str());
            let decl: &'static ToolDecl = Box::leak(Box::new(ToolDecl {
                name,
                description,
                params: &[],
                policy: PolicyDecl {
                    permissions: PERMISSIONS[*perm],
                    ..PolicyDecl::default()
                },
                input_schema: || json!({"type": "object", "properties": {}}),
                output_schema: || None,
            }));
            b = b.tool(DeclarationOnly(decl));
        }
        b.build().unwrap()
    }

    fn tools() -> impl Strategy<Value = Vec<(Vec<usize>, usize)>> {
        prop::collection::vec(
            (
                prop::collection::vec(0..VOCAB.len(), 1..6),
                0..PERMISSIONS.len(),
            ),
            1..25,
        )
    }

    proptest! {
        #[test]
        fn a_search_never_finds_and_is_never_swayed_by_a_hidden_tool(
            tools in tools(),
            grants in prop::collection::vec(any::<bool>(), 2),
            query in prop::collection::vec(0..VOCAB.len(), 1..4),
            limit in 1usize..10,
        ) {
            let mut principal = Principal::new("p");
            if grants[0] { principal = principal.grant("billing:write"); }
            if grants[1] { principal = principal.grant("admin"); }
            let query: Vec<&str> = query.iter().map(|w| VOCAB[*w]).collect();
            let query = query.join(" ");

            let full = ToolIndex::new(registry(&tools, |_| true));
            let found = full.search(&principal, &query, limit);
            for e in &found {
                prop_assert!(e.visible_to(&principal), "{} is hidden", e.name());
            }
            // The same search over only the visible tools gives the same names in the same
            // order: hidden tools change nothing, not even the ranking.
            let visible = |p: usize| PERMISSIONS[p].iter().all(|perm| principal.allows(&[perm]));
            let only = ToolIndex::new(registry(&tools, visible));
            let expected: Vec<&str> = only.search(&principal, &query, limit).iter().map(|e| e.name()).collect();
            let got: Vec<&str> = found.iter().map(|e| e.name()).collect();
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn the_best_match_comes_first_and_plurals_match() {
        let tools = vec![(vec![0, 7], 0), (vec![1, 0], 0), (vec![4, 9], 0)];
        let index = ToolIndex::new(registry(&tools, |_| true));
        let found = index.search(&Principal::new("p"), "refunds for orders", 3);
        let names: Vec<&str> = found.iter().map(|e| e.name()).collect();
        assert_eq!(names, ["tool_1_refund", "tool_0_order"]);
    }

    #[test]
    fn the_search_tool_builds_and_refuses_to_run_as_a_tool() {
        let registry = search_tool_registry().unwrap();
        let entry = registry.get(SEARCH_TOOL).unwrap();
        assert!(entry.policy().read_only);
        assert_eq!(entry.input_schema()["required"], json!(["query"]));
    }
}
