#![allow(non_snake_case)]
use toolwright::tool;
/// Does stuff.
#[tool(timout = "5s", destructive)]
async fn doStuff(
    query: String,
    /// The limit
    #[arg(max_len = 3)]
    limit: u8,
) -> Vec<String> {
    let _ = (query, limit); vec![]
}

fn main() {}
