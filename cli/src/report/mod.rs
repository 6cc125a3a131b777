//! `toolwright report`: what the audit log says about a tool set. Per tool: calls, outcomes by
//! kind, p50/p95 latency, retries, denials and rate-limit hits; then the part that improves a
//! tool set: the declared tools nobody calls, and the tools whose calls most often fail
//! validation, with the argument pointers that fail (their descriptions need work).

mod html;
mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use html::render_html;
use table::render_table;

/// Which audit logs to read and how to show them.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Audit logs as JSON lines (`JsonlSink` files, `--json` output of the quickstart); `-` or
    /// none reads standard input. Lines that are not audit records are skipped.
    #[arg(value_name = "AUDIT")]
    inputs: Vec<PathBuf>,
    /// The declared tools (a `tools/list` result, a provider export or an array of names), so
    /// the report can name the tools never called.
    #[arg(long, value_name = "FILE")]
    tools: Option<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long, conflicts_with = "html")]
    json: bool,
    /// Write the report as one self-contained HTML page with charts to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

/// Runs `toolwright report`.
pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let mut collector = Collector::default();
    if args.inputs.is_empty() || args.inputs.iter().any(|p| p.as_os_str() == "-") {
        collector
            .read(std::io::stdin().lock())
            .context("cannot read standard input")?;
    }
    for path in args.inputs.iter().filter(|p| p.as_os_str() != "-") {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        collector
            .read(BufReader::new(file))
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    let declared = match &args.tools {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let list: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", path.display()))?;
            Some(tool_names(&list).with_context(|| format!("in {}", path.display()))?)
        }
        None => None,
    };
    let report = collector.finish(declared.as_ref());
    let text = if let Some(path) = &args.html {
        std::fs::write(path, render_html(&report))
            .with_context(|| format!("cannot write {}", path.display()))?;
        format!("wrote {}\n", path.display())
    } else if args.json {
        let mut json = serde_json::to_string_pretty(&report)?;
        json.push('\n');
        json
    } else {
        render_table(&report)
    };
    crate::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// How many failing argument pointers the report lists per tool.
const TOP_POINTERS: usize = 3;

/// Outcomes that mean the body ran: only these say anything about a tool's latency (a call
/// refused before running takes no time worth a percentile).
const RAN: &[&str] = &[
    "ok",
    "failed",
    "timeout",
    "panicked",
    "outcome_unknown",
    "output_too_large",
];

/// Outcomes that are a refusal by policy or by a human.
const DENIED: &[&str] = &["denied", "permission_denied"];

/// The fields of an audit record a report reads. Others are ignored, so records from older and
/// newer releases (and from other sinks writing the same shape) parse alike.
#[derive(Deserialize)]
struct Record {
    tool: String,
    outcome: String,
    #[serde(default = "final_by_default")]
    final_record: bool,
    #[serde(default)]
    retries: u64,
    #[serde(default)]
    duration_ms: u64,
    #[serde(default)]
    timestamp_ms: Option<u64>,
    #[serde(default)]
    error_pointers: Vec<String>,
}

fn final_by_default() -> bool {
    true
}

/// What a report found, as `--json` prints it.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Calls read: one per final audit record.
    pub calls: u64,
    /// Input lines that were not audit records (e.g. a program's other output), skipped.
    pub lines_skipped: u64,
    /// The first and last record's time, milliseconds since the Unix epoch.
    pub period_ms: Option<(u64, u64)>,
    /// One row per tool that was called, most called first.
    pub tools: Vec<ToolStats>,
    /// Declared tools (from `--tools`) with no call at all: candidates to remove or rename.
    pub never_called: Vec<String>,
    /// Names the model called that are no tool it may use, with how often.
    pub unknown_tools: Vec<Count>,
    /// Tools whose calls fail validation, worst share first, with the pointers that fail.
    pub fails_validation: Vec<ValidationHotspot>,
}

/// One tool's figures.
#[derive(Debug, Serialize)]
pub struct ToolStats {
    /// The tool's name.
    pub name: String,
    /// Final records, i.e. calls.
    pub calls: u64,
    /// Calls per outcome (`ok`, `invalid_arguments`, `timeout`, …).
    pub outcomes: BTreeMap<String, u64>,
    /// Median latency of the calls whose body ran, in milliseconds.
    pub p50_ms: Option<u64>,
    /// 95th percentile latency of the calls whose body ran, in milliseconds.
    pub p95_ms: Option<u64>,
    /// Retries used, over all calls.
    pub retries: u64,
    /// Calls refused by a human or by permission.
    pub denials: u64,
    /// Calls refused by a rate limit.
    pub rate_limited: u64,
}

impl ToolStats {
    /// Calls that ended `ok`.
    fn ok(&self) -> u64 {
        self.outcomes.get("ok").copied().unwrap_or(0)
    }

    /// The other outcomes with their counts, by kind name.
    fn errors(&self) -> impl Iterator<Item = (&str, u64)> {
        self.outcomes
            .iter()
            .filter(|(kind, _)| kind.as_str() != "ok")
            .map(|(kind, n)| (kind.as_str(), *n))
    }
}

/// A latency cell: milliseconds, or `-` when no call ran.
fn ms(value: Option<u64>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// A tool whose calls fail validation.
#[derive(Debug, Serialize)]
pub struct ValidationHotspot {
    /// The tool's name.
    pub tool: String,
    /// Calls refused as `invalid_arguments`.
    pub invalid: u64,
    /// All calls.
    pub calls: u64,
    /// The argument pointers that failed most often (array indices written `*`).
    pub top_pointers: Vec<Count>,
}

/// A name and how often it occurred.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Count {
    /// What was counted.
    pub name: String,
    /// How often.
    pub count: u64,
}

/// Collects audit records and turns them into a [`Report`].
#[derive(Default)]
struct Collector {
    per_tool: BTreeMap<String, Acc>,
    unknown: BTreeMap<String, u64>,
    lines_skipped: u64,
    first_ms: Option<u64>,
    last_ms: Option<u64>,
}

#[derive(Default)]
struct Acc {
    calls: u64,
    outcomes: BTreeMap<String, u64>,
    latencies: Vec<u64>,
    retries: u64,
    pointers: BTreeMap<String, u64>,
}

impl Collector {
    /// Reads JSON-lines audit records. Lines that are not a JSON object with at least `tool`
    /// and `outcome` are counted as skipped; records of an attempt that was retried are
    /// skipped silently (the call's final record carries its retries).
    fn read(&mut self, input: impl BufRead) -> std::io::Result<()> {
        for line in input.lines() {
            let line = line?;
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(line) {
                Ok(record) => self.add(record),
                Err(_) => self.lines_skipped += 1,
            }
        }
        Ok(())
    }

    fn add(&mut self, record: Record) {
        // A record without a tool is a resume refused before any tool was known (a ticket of
        // someone else's, unknown or expired): an audit fact, not a use of a tool.
        if !record.final_record || record.tool.is_empty() {
            return;
        }
        if let Some(at) = record.timestamp_ms {
            self.first_ms = Some(self.first_ms.map_or(at, |first| first.min(at)));
            self.last_ms = Some(self.last_ms.map_or(at, |last| last.max(at)));
        }
        if record.outcome == "unknown_tool" {
            *self.unknown.entry(record.tool).or_default() += 1;
            return;
        }
        let acc = self.per_tool.entry(record.tool).or_default();
        acc.calls += 1;
        acc.retries += record.retries;
        if RAN.contains(&record.outcome.as_str()) {
            acc.latencies.push(record.duration_ms);
        }
        if record.outcome == "invalid_arguments" {
            for pointer in &record.error_pointers {
                *acc.pointers.entry(generalize(pointer)).or_default() += 1;
            }
        }
        *acc.outcomes.entry(record.outcome).or_default() += 1;
    }

    /// The report; `declared` (from `--tools`) lets it name the tools never called.
    fn finish(self, declared: Option<&BTreeSet<String>>) -> Report {
        let never_called = declared.map_or_else(Vec::new, |declared| {
            declared
                .iter()
                .filter(|name| !self.per_tool.contains_key(*name))
                .cloned()
                .collect()
        });
        let mut tools = Vec::new();
        let mut fails_validation = Vec::new();
        for (name, mut acc) in self.per_tool {
            acc.latencies.sort_unstable();
            let count = |kinds: &[&str]| kinds.iter().filter_map(|k| acc.outcomes.get(*k)).sum();
            let invalid = count(&["invalid_arguments"]);
            if invalid > 0 {
                fails_validation.push(ValidationHotspot {
                    tool: name.clone(),
                    invalid,
                    calls: acc.calls,
                    top_pointers: top(acc.pointers, TOP_POINTERS),
                });
            }
            tools.push(ToolStats {
                p50_ms: percentile(&acc.latencies, 50),
                p95_ms: percentile(&acc.latencies, 95),
                denials: count(DENIED),
                rate_limited: count(&["rate_limited"]),
                name,
                calls: acc.calls,
                retries: acc.retries,
                outcomes: acc.outcomes,
            });
        }
        tools.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
        // Worst share first (compared as fractions, exactly), then most failures.
        fails_validation.sort_by(|a, b| {
            (u128::from(b.invalid) * u128::from(a.calls))
                .cmp(&(u128::from(a.invalid) * u128::from(b.calls)))
                .then(b.invalid.cmp(&a.invalid))
                .then_with(|| a.tool.cmp(&b.tool))
        });
        Report {
            calls: tools.iter().map(|t| t.calls).sum::<u64>() + self.unknown.values().sum::<u64>(),
            lines_skipped: self.lines_skipped,
            period_ms: self.first_ms.zip(self.last_ms),
            tools,
            never_called,
            unknown_tools: top(self.unknown, usize::MAX),
            fails_validation,
        }
    }
}

/// The names of the tools in a tool list: a JSON array of names or of tool definitions
/// (`{"name": …}`, OpenAI's `{"function": {"name": …}}`), an MCP `tools/list` result
/// (`{"tools": […]}`) or Gemini's `{"functionDeclarations": […]}`, nested as exports nest them.
fn tool_names(list: &Value) -> Result<BTreeSet<String>> {
    fn collect(value: &Value, names: &mut BTreeSet<String>) {
        match value {
            Value::String(name) => {
                names.insert(name.clone());
            }
            Value::Array(items) => items.iter().for_each(|item| collect(item, names)),
            Value::Object(object) => {
                if let Some(Value::String(name)) = object.get("name") {
                    names.insert(name.clone());
                } else {
                    for key in [
                        "function",
                        "tools",
                        "functionDeclarations",
                        "function_declarations",
                    ] {
                        if let Some(inner) = object.get(key) {
                            collect(inner, names);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    collect(list, &mut names);
    if names.is_empty() {
        bail!(
            "no tool names: expected an array of names or definitions, or an object with `tools`"
        );
    }
    Ok(names)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: usize) -> Option<u64> {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// `/items/3/name` → `/items/*/name`: the same field of different items is one finding.
fn generalize(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|segment| {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The `n` most frequent, most frequent first, ties by name.
fn top(counts: BTreeMap<String, u64>, n: usize) -> Vec<Count> {
    let mut all: Vec<Count> = counts
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    all.truncate(n);
    all
}

/// `2026-12-02 07:41:12 UTC` for milliseconds since the Unix epoch (proleptic Gregorian, after
/// Howard Hinnant's `civil_from_days`).
fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let of_day = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&values, 50), Some(10));
        assert_eq!(percentile(&values, 95), Some(19));
        assert_eq!(percentile(&[7], 95), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn array_indices_in_pointers_are_one_finding() {
        assert_eq!(generalize("/items/3/name"), "/items/*/name");
        assert_eq!(generalize("/query"), "/query");
        assert_eq!(generalize(""), "");
    }

    #[test]
    fn utc_dates_match_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_796_195_137_368), "2026-12-02 07:05:37 UTC");
    }
}
