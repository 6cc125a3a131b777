use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base(
    /// The query
    query: String,
    /// limit
    limit: u8,
    /// The user id.
    user_id: String,
) -> Vec<String> {
    let _ = (query, limit, user_id); vec![]
}

fn main() {}
