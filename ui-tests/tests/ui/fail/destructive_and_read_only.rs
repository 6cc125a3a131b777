use toolwright::tool;

/// Permanently delete every article matching a query from the knowledge base.
/// Returns the titles of the deleted articles.
#[tool(permissions = ["kb:write"], destructive, read_only)]
async fn delete_matching_articles(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

fn main() {}
