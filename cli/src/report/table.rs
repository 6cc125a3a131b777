//! The report as a terminal table.

use std::fmt::Write;

use super::{Report, ms, utc};

/// The report as plain text: a summary line, one row per tool, then what to improve.
pub(super) fn render_table(report: &Report) -> String {
    let mut out = String::new();
    let period = report.period_ms.map_or_else(String::new, |(first, last)| {
        format!(", {} → {}", utc(first), utc(last))
    });
    let _ = writeln!(
        out,
        "toolwright report: {} calls to {} tools{period}",
        report.calls,
        report.tools.len()
    );
    if report.lines_skipped > 0 {
        let _ = writeln!(
            out,
            "({} input lines were not audit records)",
            report.lines_skipped
        );
    }
    out.push('\n');

    let headers = [
        "tool",
        "calls",
        "ok",
        "errors by kind",
        "retries",
        "denied",
        "rate-limited",
        "p50 ms",
        "p95 ms",
    ];
    let rows: Vec<[String; 9]> = report
        .tools
        .iter()
        .map(|t| {
            let errors = t
                .errors()
                .map(|(kind, n)| format!("{} {n}", printable(kind)))
                .collect::<Vec<_>>()
                .join(", ");
            [
                printable(&t.name),
                t.calls.to_string(),
                t.ok().to_string(),
                if errors.is_empty() {
                    "-".into()
                } else {
                    errors
                },
                t.retries.to_string(),
                t.denials.to_string(),
                t.rate_limited.to_string(),
                ms(t.p50_ms),
                ms(t.p95_ms),
            ]
        })
        .collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Names and kinds read left-aligned, figures right-aligned.
            if i == 0 || i == 3 {
                let _ = write!(text, "{cell:<width$}  ");
            } else {
                let _ = write!(text, "{cell:>width$}  ");
            }
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&headers.map(String::from)));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }

    if !report.never_called.is_empty() {
        let names: Vec<String> = report.never_called.iter().map(|n| printable(n)).collect();
        let _ = writeln!(
            out,
            "\nnever called ({}): {}\n  remove them, or say in their descriptions when to use them",
            names.len(),
            names.join(", ")
        );
    }
    if !report.unknown_tools.is_empty() {
        let names: Vec<String> = report
            .unknown_tools
            .iter()
            .map(|c| format!("{} ×{}", printable(&c.name), c.count))
            .collect();
        let _ = writeln!(
            out,
            "\nthe model called tools that do not exist for it: {}",
            names.join(", ")
        );
    }
    if !report.fails_validation.is_empty() {
        let _ = writeln!(
            out,
            "\nmost often fail validation (improve these descriptions and parameter docs):"
        );
        for hot in &report.fails_validation {
            let pointers: Vec<String> = hot
                .top_pointers
                .iter()
                .map(|c| format!("{} ×{}", printable(&c.name), c.count))
                .collect();
            let _ = writeln!(
                out,
                "  {}  {} of {} calls ({}%){}",
                printable(&hot.tool),
                hot.invalid,
                hot.calls,
                hot.invalid * 100 / hot.calls.max(1),
                if pointers.is_empty() {
                    String::new()
                } else {
                    format!("  {}", pointers.join(", "))
                }
            );
        }
    }
    out
}

/// Names come from the model: control characters would rewrite the terminal, so they print
/// escaped (`\u{1b}`).
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
