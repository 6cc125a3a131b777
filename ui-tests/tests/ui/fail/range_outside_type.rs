use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base(
    /// How many results to return, from 1 to 300. Defaults to 5.
    #[arg(range = 1..=300)]
    limit: u8,
) -> Vec<String> {
    let _ = limit; vec![]
}

fn main() {}
