//! The README's "Getting started" program, verbatim: one tool, a registry, an executor, two calls.

use schemars::JsonSchema;
use serde::Serialize;
use toolwright::{Executor, Principal, Registry, ToolCall, ToolError, tool};

/// One article as the model sees it.
#[derive(Serialize, JsonSchema)]
struct Article {
    /// The article's title.
    title: String,
    /// Where a human can read it.
    url: String,
}

/// Search the company knowledge base for articles matching a query.
/// Returns the best matches with their title and URL.
#[tool(permissions = ["kb:read"], read_only, timeout = "5s", rate_limit = "30/min")]
async fn search_articles(
    /// Search query, e.g. "refund policy". Natural-language questions work too.
    #[arg(min_len = 1, max_len = 200)]
    query: String,
    /// How many results to return, from 1 to 20. Defaults to 5.
    #[arg(range = 1..=20)]
    limit: Option<u8>,
) -> Result<Vec<Article>, ToolError> {
    let limit = usize::from(limit.unwrap_or(5));
    let found = vec![Article {
        title: format!("Results for {query}"),
        url: "https://kb.example.com/refunds".into(),
    }];
    Ok(found.into_iter().take(limit).collect())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::builder().tool(search_articles).build()?;
    let executor = Executor::new(registry);
    let alice = Principal::new("alice").grant("kb:read");

    // What the model sends is checked against the schema it was shown.
    let bad = ToolCall::new("call_1", "search_articles", r#"{"query":"","limit":50}"#);
    println!("{}", executor.call(&alice, &bad).await.to_model_json());

    let good = ToolCall::new("call_2", "search_articles", r#"{"query":"refunds"}"#);
    println!("{}", executor.call(&alice, &good).await.to_model_json());
    Ok(())
}
