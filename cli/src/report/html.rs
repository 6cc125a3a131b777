//! The report as one self-contained HTML page: the table rendered here, the charts drawn in the
//! browser from the report's JSON (embedded, no network), every model-supplied name escaped.

use std::fmt::Write;

use super::{Report, ms, utc};

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1d2430; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #e3e6ea; text-align: right; }
th:first-child, td:first-child, th:nth-child(4), td.kinds { text-align: left; }
.muted { color: #6a7380; } svg text { font: 12px system-ui, sans-serif; fill: #1d2430; }
.legend span { display: inline-block; margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
"#;

/// Draws `#outcomes` (calls per tool, stacked by outcome) and `#latency` (p50 and p95 per tool)
/// from the JSON in `#report-data`. Only DOM APIs that treat names as text (`textContent`,
/// attributes), never `innerHTML`.
const SCRIPT: &str = r#"
const report = JSON.parse(document.getElementById('report-data').textContent);
const NS = 'http://www.w3.org/2000/svg';
const palette = { ok: '#2f9e44', invalid_arguments: '#f08c00', rate_limited: '#7048e8',
  denied: '#c92a2a', timeout: '#e8590c', failed: '#a61e4d', unknown_tool: '#868e96' };
const colour = kind => palette[kind] || '#495057';
function el(name, attrs, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}
function chart(id, rows, label) {
  const svg = document.getElementById(id);
  const left = 200, width = 640, rowHeight = 26;
  const max = Math.max(1, ...rows.map(r => r.total));
  svg.setAttribute('viewBox', `0 0 ${left + width + 230} ${rows.length * rowHeight + 10}`);
  rows.forEach((row, i) => {
    const y = i * rowHeight + 5;
    svg.appendChild(el('text', { x: left - 8, y: y + 15, 'text-anchor': 'end' }, row.name));
    let x = left;
    for (const part of row.parts) {
      const w = part.value / max * width;
      const rect = el('rect', { x, y, width: Math.max(w, 0.5), height: rowHeight - 8, fill: part.colour,
        'data-tool': row.name, 'data-series': part.series, 'data-value': part.value });
      rect.appendChild(el('title', {}, `${row.name}: ${part.series} ${part.value}`));
      svg.appendChild(rect);
      x += part.stack ? w : 0;
    }
    svg.appendChild(el('text', { x: left + (row.total / max) * width + 6, y: y + 15, class: 'figure' },
      label(row)));
  });
}
chart('outcomes', report.tools.map(t => ({ name: t.name, total: t.calls,
  parts: Object.entries(t.outcomes).map(([kind, n]) => ({ series: kind, value: n, colour: colour(kind), stack: true })) })),
  row => `${row.total} ${row.total === 1 ? 'call' : 'calls'}`);
const timed = report.tools.filter(t => t.p95_ms !== null);
chart('latency', timed.map(t => ({ name: t.name, total: t.p95_ms,
  parts: [{ series: 'p95', value: t.p95_ms, colour: '#a5d8ff', stack: false },
          { series: 'p50', value: t.p50_ms, colour: '#1971c2', stack: false }] })),
  row => `p50 ${timed.find(t => t.name === row.name).p50_ms} ms · p95 ${row.total} ms`);
const legend = document.getElementById('legend');
const kinds = [...new Set(report.tools.flatMap(t => Object.keys(t.outcomes)))];
for (const kind of kinds) {
  const span = document.createElement('span'); const swatch = document.createElement('i');
  swatch.style.background = colour(kind); span.appendChild(swatch);
  span.appendChild(document.createTextNode(kind)); legend.appendChild(span);
}
"#;

/// The report as a self-contained HTML page (no external resources).
pub(super) fn render_html(report: &Report) -> String {
    let mut page = String::new();
    let period = report.period_ms.map_or_else(String::new, |(first, last)| {
        format!(" from {} to {}", utc(first), utc(last))
    });
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>toolwright report</title><style>{STYLE}</style></head><body>\n\
         <h1>toolwright report</h1>\n<p class=\"muted\">{} calls to {} tools{}</p>\n",
        report.calls,
        report.tools.len(),
        escape(&period)
    );
    page.push_str("<h2>Calls by outcome</h2>\n<div id=\"legend\" class=\"legend\"></div>\n");
    page.push_str("<svg id=\"outcomes\" role=\"img\" aria-label=\"calls per tool by outcome\" width=\"100%\"></svg>\n");
    page.push_str("<h2>Latency of calls that ran</h2>\n");
    page.push_str("<svg id=\"latency\" role=\"img\" aria-label=\"p50 and p95 latency per tool\" width=\"100%\"></svg>\n");

    page.push_str(
        "<h2>Per tool</h2>\n<table><thead><tr><th>tool</th><th>calls</th><th>ok</th>\
        <th>errors by kind</th><th>retries</th><th>denied</th><th>rate-limited</th><th>p50 ms</th>\
        <th>p95 ms</th></tr></thead><tbody>\n",
    );
    for t in &report.tools {
        let errors: Vec<String> = t
            .errors()
            .map(|(kind, n)| format!("{} {n}", escape(kind)))
            .collect();
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"kinds\">{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&t.name),
            t.calls,
            t.ok(),
            errors.join(", "),
            t.retries,
            t.denials,
            t.rate_limited,
            ms(t.p50_ms),
            ms(t.p95_ms)
        );
    }
    page.push_str("</tbody></table>\n");

    if !report.never_called.is_empty() {
        page.push_str("<h2>Never called</h2>\n<p class=\"muted\">Remove them, or say in their descriptions when to use them.</p><ul>\n");
        for name in &report.never_called {
            let _ = writeln!(page, "<li>{}</li>", escape(name));
        }
        page.push_str("</ul>\n");
    }
    if !report.unknown_tools.is_empty() {
        page.push_str("<h2>Tools the model called that do not exist for it</h2>\n<ul>\n");
        for c in &report.unknown_tools {
            let _ = writeln!(page, "<li>{} ×{}</li>", escape(&c.name), c.count);
        }
        page.push_str("</ul>\n");
    }
    if !report.fails_validation.is_empty() {
        page.push_str("<h2>Most often fail validation</h2>\n<p class=\"muted\">Improve these descriptions and parameter docs.</p><ul>\n");
        for hot in &report.fails_validation {
            let pointers: Vec<String> = hot
                .top_pointers
                .iter()
                .map(|c| format!("<code>{}</code> ×{}", escape(&c.name), c.count))
                .collect();
            let _ = writeln!(
                page,
                "<li>{}: {} of {} calls {}</li>",
                escape(&hot.tool),
                hot.invalid,
                hot.calls,
                pointers.join(", ")
            );
        }
        page.push_str("</ul>\n");
    }

    // `<` written as \u003c so no name can close the script element early.
    let data = serde_json::to_string(report)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c");
    let _ = write!(
        page,
        "<script id=\"report-data\" type=\"application/json\">{data}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    page
}

/// Text as HTML text or attribute content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
