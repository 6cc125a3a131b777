#!/usr/bin/env python3
"""Compile time of N tools declared three ways, built side by side in one workspace:

  toolwright  #[tool] functions + Registry::builder().tool(...)
  by_hand     the same functions, argument structs with serde/schemars derives, hand-written
              validation and a hand-written registry (what #[tool] generates, written out)
  rmcp        the same functions as rmcp #[tool] methods in a #[tool_router] impl

Dependencies are built first (and kept between invocations in target/compile-bench/target);
what is timed is rebuilding each tools crate alone, without incremental compilation (its own
code and macro expansion), the median of --runs builds. The variants take turns within each
run, in an order rotated from run to run, so load from other processes on the machine falls
on all three alike. Usage:

  python3 benches/compile_time.py [--tools 200] [--runs 3] [--only toolwright,by_hand] [--varied]
"""

import argparse
import os
import resource
import pathlib
import shutil
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


# With --varied, tool i takes two more parameters and its own combination of types: no two
# tools have the same parameter types, so nothing generic over the types is shared.
HISTORY = ["Option<u8>", "Option<u16>", "Option<u32>", "Option<u64>", "Option<i16>", "Option<i32>", "Option<i64>", "u8"]
EXTRA = ["bool", "Option<bool>", "Option<String>", "Vec<String>", "f64"]
COUNT = ["u32", "Option<u32>", "Vec<u8>", "Option<Vec<String>>", "i64"]


def signature(i, varied):
    """(history type, extra params as [(name, doc, type)]) of tool i."""
    if not varied:
        return "Option<u8>", []
    return HISTORY[i % 8], [
        ("extra", "Extra lookup hint passed through as given", EXTRA[(i // 8) % 5]),
        ("count", "Number of neighbouring records to add", COUNT[(i // 40) % 5]),
    ]


def toolwright_crate(n, varied=False):
    out = ["use toolwright::{tool, Registry, ToolError};", ""]
    for i in range(n):
        history, extra = signature(i, varied)
        params = "".join(f"\n    /// {doc}\n    {name}: {ty}," for name, doc, ty in extra)
        shown = "".join(f"{{{name}:?}}" for name, _, _ in extra)
        out.append(f'''/// Look up record {i} of the inventory database by its key. Returns the stored value.
#[tool(read_only)]
pub async fn lookup_inventory_record_{i}(
    /// Record key, e.g. "sku-42"
    #[arg(min_len = 1, max_len = 64)]
    key: String,
    /// How many history entries to include, from 0 to 10
    #[arg(range = 0..=10)]
    history: {history},{params}
) -> Result<String, ToolError> {{
    Ok(format!("{{key}}{{history:?}}{shown}{i}"))
}}
''')
    regs = "".join(f"\n        .tool(lookup_inventory_record_{i})" for i in range(n))
    out.append(f"pub fn registry() -> Registry {{\n    Registry::builder(){regs}\n        .build()\n        .expect(\"registry\")\n}}\n")
    return "\n".join(out)


def by_hand_crate(n, varied=False):
    out = ['''use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

pub type Handler = fn(Value) -> Pin<Box<dyn Future<Output = Result<Value, String>> + Send>>;

pub struct Entry {
    pub name: &'static str,
    pub description: &'static str,
    pub schema: Value,
    pub handler: Handler,
}

fn check_len(field: &str, s: &str, min: usize, max: usize, errors: &mut Vec<String>) {
    let n = s.chars().count();
    if n < min || n > max {
        errors.push(format!("/{field}: length {n} outside {min}..={max}"));
    }
}
''']
    for i in range(n):
        history, extra = signature(i, varied)
        fields = "".join(f"\n    /// {doc}\n    pub {name}: {ty}," for name, doc, ty in extra)
        params = "".join(f", {name}: {ty}" for name, _, ty in extra)
        shown = "".join(f"{{{name}:?}}" for name, _, _ in extra)
        args = "".join(f", a.{name}" for name, _, _ in extra)
        check = ("if let Some(h) = a.history {\n            if h > 10 {" if history.startswith("Option")
                 else "{\n            let h = a.history;\n            if h > 10 {")
        out.append(f'''#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupArgs{i} {{
    /// Record key, e.g. "sku-42"
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// How many history entries to include, from 0 to 10
    #[schemars(range(min = 0, max = 10))]
    pub history: {history},{fields}
}}

/// Look up record {i} of the inventory database by its key. Returns the stored value.
pub async fn lookup_inventory_record_{i}(key: String, history: {history}{params}) -> Result<String, String> {{
    Ok(format!("{{key}}{{history:?}}{shown}{i}"))
}}

fn handle_{i}(args: Value) -> Pin<Box<dyn Future<Output = Result<Value, String>> + Send>> {{
    Box::pin(async move {{
        let a: LookupArgs{i} = serde_json::from_value(args).map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        check_len("key", &a.key, 1, 64, &mut errors);
        {check}
                errors.push(format!("/history: {{h}} > 10"));
            }}
        }}
        if !errors.is_empty() {{
            return Err(errors.join("; "));
        }}
        let out = lookup_inventory_record_{i}(a.key, a.history{args}).await?;
        serde_json::to_value(out).map_err(|e| e.to_string())
    }})
}}
''')
    entries = "".join(
        f'''
    entries.push(Entry {{
        name: "lookup_inventory_record_{i}",
        description: "Look up record {i} of the inventory database by its key. Returns the stored value.",
        schema: serde_json::to_value(schemars::schema_for!(LookupArgs{i})).expect("schema"),
        handler: handle_{i},
    }});''' for i in range(n))
    out.append(f'''pub fn registry() -> HashMap<&'static str, Entry> {{
    let mut entries = Vec::new();{entries}
    entries.into_iter().map(|e| (e.name, e)).collect()
}}
''')
    return "\n".join(out)


def rmcp_crate(n, varied=False):
    out = ['''use rmcp::handler::server::wrapper::Parameters;
use rmcp::schemars::{self, JsonSchema};
use rmcp::{tool, tool_router};
use serde::Deserialize;

#[derive(Clone)]
pub struct Inventory;
''']
    for i in range(n):
        history, extra = signature(i, varied)
        fields = "".join(f"\n    /// {doc}\n    pub {name}: {ty}," for name, doc, ty in extra)
        out.append(f'''#[derive(Deserialize, JsonSchema)]
pub struct LookupArgs{i} {{
    /// Record key, e.g. "sku-42"
    pub key: String,
    /// How many history entries to include, from 0 to 10
    pub history: {history},{fields}
}}
''')
    def method(i):
        _, extra = signature(i, varied)
        shown = "".join("{:?}" for _ in extra)
        args = "".join(f", a.{name}" for name, _, _ in extra)
        return f'''
    #[tool(description = "Look up record {i} of the inventory database by its key. Returns the stored value.")]
    async fn lookup_inventory_record_{i}(&self, Parameters(a): Parameters<LookupArgs{i}>) -> String {{
        format!("{{}}{{:?}}{shown}{i}", a.key, a.history{args})
    }}
'''
    methods = "".join(method(i) for i in range(n))
    out.append(f"#[tool_router(server_handler)]\nimpl Inventory {{{methods}}}\n")
    return "\n".join(out)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-rmcp", action="store_true")
    ap.add_argument("--only", help="comma-separated variants to time (by_hand is always one)")
    ap.add_argument("--varied", action="store_true", help="a different combination of parameter types per tool")
    args = ap.parse_args()
    work = ROOT / "target" / "compile-bench"
    variants = ["toolwright", "by_hand"] + ([] if args.skip_rmcp else ["rmcp"])
    if args.only:
        wanted = set(args.only.split(",")) | {"by_hand"}
        variants = [v for v in variants if v in wanted]
    # The generated crates are written anew; the target directory (the prebuilt dependencies)
    # is kept.
    for v in ["toolwright", "by_hand", "rmcp"]:
        shutil.rmtree(work / v, ignore_errors=True)
    write(work / "Cargo.toml", "[workspace]\nresolver = \"3\"\nmembers = [%s]\n" % ", ".join(f'"{v}"' for v in variants))
    deps = {
        "toolwright": f'toolwright = {{ path = "{ROOT}", default-features = false }}\n',
        "by_hand": 'serde = { version = "1", features = ["derive"] }\nserde_json = "1"\nschemars = "1.2"\n',
        "rmcp": 'rmcp = { version = "3.11", default-features = false, features = ["server", "macros"] }\nserde = { version = "1", features = ["derive"] }\n',
    }
    gens = {"toolwright": toolwright_crate, "by_hand": by_hand_crate, "rmcp": rmcp_crate}
    for v in variants:
        write(work / v / "Cargo.toml", f'[package]\nname = "gen_{v}"\nversion = "0.0.0"\nedition = "2024"\n\n[dependencies]\n{deps[v]}')
        write(work / v / "src" / "lib.rs", gens[v](args.tools, args.varied))
    # No incremental cache: each timed build compiles the crate from scratch.
    env = dict(os.environ, CARGO_TARGET_DIR=str(work / "target"), CARGO_INCREMENTAL="0")
    for v in variants:
        # Warm-up: the dependencies as this crate alone unifies their features.
        subprocess.run(["cargo", "build", "--quiet", "-p", f"gen_{v}"], cwd=work, env=env, check=True)
    times = {v: [] for v in variants}
    # CPU time (user + system of cargo and rustc) as well as wall time: on a machine shared with
    # other builds, wall time mostly measures the others; CPU time far less so.
    cpu = {v: [] for v in variants}
    for run in range(args.runs):
        order = variants[run % len(variants):] + variants[: run % len(variants)]
        for v in order:
            (work / v / "src" / "lib.rs").touch()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(["cargo", "build", "--quiet", "-p", f"gen_{v}"], cwd=work, env=env, check=True)
            times[v].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[v].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    results = {v: statistics.median(times[v]) for v in variants}
    for v in variants:
        spread = (max(times[v]) - min(times[v])) / results[v] * 100
        print(f"{v:<11} {args.tools} tools: median {results[v]:.2f} s over {args.runs} builds "
              f"({', '.join(f'{x:.2f}' for x in times[v])}; spread {spread:.0f}% of the median)")
    base = results["by_hand"]
    for v in variants:
        print(f"ratio {v} / by_hand: {results[v] / base:.2f}x")
    if "rmcp" in results:
        print(f"ratio toolwright / rmcp: {results['toolwright'] / results['rmcp']:.2f}x")
    cpus = {v: statistics.median(cpu[v]) for v in variants}
    for v in variants:
        print(f"{v:<11} CPU time: median {cpus[v]:.2f} s ({', '.join(f'{x:.2f}' for x in cpu[v])})")
    for v in variants:
        print(f"CPU ratio {v} / by_hand: {cpus[v] / cpus['by_hand']:.2f}x")
    if "rmcp" in cpus:
        print(f"CPU ratio toolwright / rmcp: {cpus['toolwright'] / cpus['rmcp']:.2f}x")


if __name__ == "__main__":
    main()
