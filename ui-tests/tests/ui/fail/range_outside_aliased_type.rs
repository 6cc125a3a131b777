use toolwright::tool;

type Percent = u8;

/// Set the completion of an issue, in percent. Returns the stored completion.
#[tool(idempotent)]
async fn set_issue_completion(
    /// Completion in percent, from 0 to 100
    #[arg(range = 0..=1000)]
    percent: Percent,
) -> u8 {
    percent
}

fn main() {}
