use toolwright::tool;

type StoryPoints = u32;
type Tags = Vec<String>;

/// Estimate an issue in story points and label it. Returns the stored labels.
#[tool(read_only)]
async fn estimate_tracker_issue(
    /// Estimate in story points, e.g. 3
    #[arg(max_len = 13)]
    points: StoryPoints,
    /// Labels for the issue, e.g. ["bug"]
    #[arg(range = 1..=5)]
    labels: Tags,
    /// Story points of the parent issue, e.g. 8
    #[arg(pattern = "^[0-9]+$")]
    parent_points: StoryPoints,
) -> Vec<String> {
    let _ = (points, parent_points);
    labels
}

fn main() {}
