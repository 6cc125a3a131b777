use toolwright::{ToolError, tool};

struct Report {
    open: usize,
}

type TrackerResult<T> = Result<T, ToolError>;

/// Count the open issues of the tracker. Returns the number of open issues.
#[tool(read_only)]
async fn count_open_issues() -> TrackerResult<Report> {
    Ok(Report { open: 3 })
}

fn main() {}
