use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(
    read_only,
    title = "",
    icons = ["http://cdn.example.com/search.svg", "https://cdn.example.com/search", "data:text/html,<b>x</b>", 7]
)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

/// Count the documents of the knowledge base. Returns the count.
#[tool(read_only, title = "Count\ndocuments", icons = "https://cdn.example.com/count.png")]
async fn count_documents() -> u32 {
    42
}

fn main() {}
