use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only, timeout = "5s", timeout = "10s", read_only)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    vec![query]
}

fn main() {}
