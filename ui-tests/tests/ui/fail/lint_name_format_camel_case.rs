#![allow(non_snake_case)]
use toolwright::tool;
/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn searchKnowledgeBase(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

fn main() {}
