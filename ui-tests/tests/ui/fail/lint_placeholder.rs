use toolwright::tool;

/// TODO: describe this. Search the knowledge base and return the top articles.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

fn main() {}
