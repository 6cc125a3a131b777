use toolwright::tool;

/// Send the weekly digest email with articles matching a query to all subscribers.
/// Returns the ids of the queued messages.
#[tool(permissions = ["mail:send"], retries = 3)]
async fn send_weekly_digest(
    /// Search query. Natural-language questions and keywords both work.
    query: String,
) -> Vec<String> {
    let _ = query; vec![]
}

fn main() {}
