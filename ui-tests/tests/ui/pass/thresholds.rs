//! Declarations right at each linter threshold compile.
use toolwright::tool;

/// Return the forecasts of a city
#[tool(read_only)]
async fn get_weather_forecast(
    /// City name, e.g. Paris
    city: String,
) -> String {
    city
}

/// Search the company knowledge base for articles matching a query. Returns the top results.
#[tool(read_only)]
fn search_knowledge_base_articles_by_query_and_return_ranked_result(
    /// Search query, e.g. "vpn setup"
    query: String,
) -> Vec<String> {
    vec![query]
}

/// List open tickets of a user.
#[tool(read_only, allow(short_description))]
fn find_support_tickets(
    /// Customer email address, e.g. ana@example.com
    email: String,
) -> Vec<String> {
    vec![email]
}

fn main() {
    let _ = get_weather_forecast;
    let _ = search_knowledge_base_articles_by_query_and_return_ranked_result("x".into());
    let _ = find_support_tickets("x".into());
}
