use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base(
    /// How many results to return, from 1 to 20. Defaults to 5.
    #[arg(range = 20..=1)]
    limit: u8,
    /// Search query. Natural-language questions and keywords both work.
    #[arg(min_len = 10, max_len = 2)]
    query: String,
) -> Vec<String> {
    let _ = (limit, query); vec![]
}

fn main() {}
