use toolwright::tool;

/// Does stuff with the data and handles various things.
#[tool(read_only)]
async fn sync_warehouse_inventory(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
)  {
    let _ = query;
}

fn main() {}
