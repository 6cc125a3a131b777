use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base<T: Into<String>>(
    /// Search query. Natural-language questions and keywords both work.
    query: T,
) -> Vec<String> {
    let _ = query.into(); vec![]
}

fn main() {}
