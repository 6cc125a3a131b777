use toolwright::tool;

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(read_only)]
async fn search_knowledge_base(
    /// Order number as printed on the receipt, e.g. A-1042
    #[arg(pattern = "^[A-Z-[0-9+$")]
    order_id: String,
) -> Vec<String> {
    let _ = order_id; vec![]
}

fn main() {}
