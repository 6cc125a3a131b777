//! Types are judged by what they are: aliases of `Result`, of integers and of lists take the
//! return handling and the constraints their real type takes; a parameter may share its tool's
//! name.
use toolwright::{ToolError, tool, tools};

type TrackerResult<T> = Result<T, ToolError>;
type StoryPoints = u32;
type Tags = Vec<String>;
type IssueKey = String;

/// Estimate an issue in story points and label it. Returns the stored labels.
#[tool(read_only)]
async fn estimate_tracker_issue(
    /// The issue key, e.g. CORE-12
    #[arg(pattern = "^[A-Z]+-[0-9]+$")]
    key: IssueKey,
    /// Estimate in story points, from 1 to 13
    #[arg(range = 1..=13)]
    points: StoryPoints,
    /// Labels for the issue, at most five, e.g. ["bug"]
    #[arg(max_len = 5)]
    labels: Option<Tags>,
) -> TrackerResult<Vec<String>> {
    let _ = (key, points);
    Ok(labels.unwrap_or_default())
}

/// Run a shell command in the sandbox and return its standard output as text.
#[tool(read_only, allow(lone_word))]
fn command(
    /// The command line to run, e.g. "ls -la"
    command: String,
) -> String {
    command
}

struct Tracker;

#[tools]
impl Tracker {
    /// Close an issue of the tracker by key, marking it as done for everyone.
    #[tool(idempotent)]
    async fn close_tracker_issue(
        &self,
        /// The issue key, e.g. CORE-12
        key: IssueKey,
    ) -> TrackerResult<()> {
        let _ = key;
        Ok(())
    }
}

fn main() {
    let _ = estimate_tracker_issue;
    let _ = command("ls".into());
    let _ = Tracker;
}
