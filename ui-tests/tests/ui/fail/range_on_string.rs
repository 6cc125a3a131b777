use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    #[arg(range = 1..=200)]
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

fn main() {}
