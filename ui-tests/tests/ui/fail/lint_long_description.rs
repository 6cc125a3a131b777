use toolwright::tool;

/// Search the company knowledge base for articles matching a query. Returns the top results.
/// Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. Results include the title, a snippet and the URL of every matching article. 
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

fn main() {}
