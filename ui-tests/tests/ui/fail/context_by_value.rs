use toolwright::tool;
use toolwright::ToolContext;
/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
    ctx: ToolContext,
) -> Vec<String> {
    let _ = (query, ctx); vec![]
}

fn main() {}
