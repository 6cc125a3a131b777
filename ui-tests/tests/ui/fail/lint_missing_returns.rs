use toolwright::tool;

/// Delete every stale draft article in the knowledge base older than a year.
#[tool(read_only)]
async fn purge_stale_drafts(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> usize {
    let _ = query; 3
}

fn main() {}
