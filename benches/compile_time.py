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

  python3 benches/compile_time.py [--tools 200] [--runs 3] [--only toolwright,by_hand]
"""

import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def toolwright_crate(n):
    out = ["use toolwright::{tool, Registry, ToolError};", ""]
    for i in range(n):
        out.append(f'''/// Look up record {i} of the inventory database by its key. Returns the stored value.
#[tool(read_only)]
pub async fn lookup_inventory_record_{i}(
    /// Record key, e.g. "sku-42"
    #[arg(min_len = 1, max_len = 64)]
    key: String,
    /// How many history entries to include, from 0 to 10
    #[arg(range = 0..=10)]
    history: Option<u8>,
) -> Result<String, ToolError> {{
    Ok(format!("{{key}}{{history:?}}{i}"))
}}
''')
    regs = "".join(f"\n        .tool(lookup_inventory_record_{i})" for i in range(n))
    out.append(f"pub fn registry() -> Registry {{\n    Registry::builder(){regs}\n        .build()\n        .expect(\"registry\")\n}}\n")
    return "\n".join(out)


def by_hand_crate(n):
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
        out.append(f'''#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupArgs{i} {{
    /// Record key, e.g. "sku-42"
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// How many history entries to include, from 0 to 10
    #[schemars(range(min = 0, max = 10))]
    pub history: Option<u8>,
}}

/// Look up record {i} of the inventory database by its key. Returns the stored value.
pub async fn lookup_inventory_record_{i}(key: String, history: Option<u8>) -> Result<String, String> {{
    Ok(format!("{{key}}{{history:?}}{i}"))
}}

fn handle_{i}(args: Value) -> Pin<Box<dyn Future<Output = Result<Value, String>> + Send>> {{
    Box::pin(async move {{
        let a: LookupArgs{i} = serde_json::from_value(args).map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        check_len("key", &a.key, 1, 64, &mut errors);
        if let Some(h) = a.history {{
            if h > 10 {{
                errors.push(format!("/history: {{h}} > 10"));
            }}
        }}
        if !errors.is_empty() {{
            return Err(errors.join("; "));
        }}
        let out = lookup_inventory_record_{i}(a.key, a.history).await?;
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


def rmcp_crate(n):
    out = ['''use rmcp::handler::server::wrapper::Parameters;
use rmcp::schemars::{self, JsonSchema};
use rmcp::{tool, tool_router};
use serde::Deserialize;

#[derive(Clone)]
pub struct Inventory;
''']
    for i in range(n):
        out.append(f'''#[derive(Deserialize, JsonSchema)]
pub struct LookupArgs{i} {{
    /// Record key, e.g. "sku-42"
    pub key: String,
    /// How many history entries to include, from 0 to 10
    pub history: Option<u8>,
}}
''')
    methods = "".join(f'''
    #[tool(description = "Look up record {i} of the inventory database by its key. Returns the stored value.")]
    async fn lookup_inventory_record_{i}(&self, Parameters(a): Parameters<LookupArgs{i}>) -> String {{
        format!("{{}}{{:?}}{i}", a.key, a.history)
    }}
''' for i in range(n))
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
        write(work / v / "src" / "lib.rs", gens[v](args.tools))
    # No incremental cache: each timed build compiles the crate from scratch.
    env = dict(os.environ, CARGO_TARGET_DIR=str(work / "target"), CARGO_INCREMENTAL="0")
    for v in variants:
        # Warm-up: the dependencies as this crate alone unifies their features.
        subprocess.run(["cargo", "build", "--quiet", "-p", f"gen_{v}"], cwd=work, env=env, check=True)
    times = {v: [] for v in variants}
    for run in range(args.runs):
        order = variants[run % len(variants):] + variants[: run % len(variants)]
        for v in order:
            (work / v / "src" / "lib.rs").touch()
            t = time.perf_counter()
            subprocess.run(["cargo", "build", "--quiet", "-p", f"gen_{v}"], cwd=work, env=env, check=True)
            times[v].append(time.perf_counter() - t)
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


if __name__ == "__main__":
    main()
