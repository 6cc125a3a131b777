use toolwright::tool;

/// Search the knowledge base.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
)  {
    let _ = query;
}

fn main() {}
