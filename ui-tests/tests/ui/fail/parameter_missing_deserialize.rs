use toolwright::tool;

#[derive(schemars::JsonSchema)]
struct Filters {
    author: String,
}

/// Search the company issue tracker for issues matching the filters.
/// Returns the matching issue keys.
#[tool(read_only)]
async fn search_tracker_issues(
    /// Which issues to return, e.g. {"author": "ana"}
    filters: Filters,
) -> Vec<String> {
    vec![filters.author]
}

fn main() {}
