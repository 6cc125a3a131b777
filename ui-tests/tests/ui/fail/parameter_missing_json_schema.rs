use toolwright::tool;

#[derive(serde::Deserialize)]
struct Filters {
    author: String,
}

/// Search the company issue tracker for issues matching the filters.
/// Returns the matching issue keys.
#[tool(read_only)]
async fn search_tracker_issues(
    /// Which issues to return, e.g. {"author": "ana"}
    filters: Option<Filters>,
) -> Vec<String> {
    filters.map(|f| f.author).into_iter().collect()
}

fn main() {}
