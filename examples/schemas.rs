//! Prints the quickstart's tools in one provider's format, and nothing else.
//!
//! ```sh
//! cargo run -q --example schemas -- <openai|openai-responses|anthropic|gemini|mcp>
//! ```
//! Export notes (what was lowered, why a tool is not strict) go to stderr with `--notes`.

#[path = "support/tools.rs"]
mod tools;

use toolwright::Registry;
use toolwright::providers::{anthropic, gemini, mcp, openai, openai_responses};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let registry = Registry::builder()
        .tool(tools::search_knowledge_base)
        .tool(tools::delete_document)
        .tool(tools::send_customer_email)
        .tool(tools::issue_refund)
        .tools(tools::OrderDesk::demo())
        .build()?;
    let export = match args.first().map(String::as_str) {
        Some("openai") => openai::export(registry.iter()),
        Some("openai-responses") => openai_responses::export(registry.iter()),
        Some("anthropic") => anthropic::export(registry.iter()),
        Some("gemini") => gemini::export(registry.iter()),
        Some("mcp") => mcp::export(registry.iter()),
        _ => {
            eprintln!("usage: schemas <openai|openai-responses|anthropic|gemini|mcp> [--notes]");
            std::process::exit(2);
        }
    };
    println!("{}", serde_json::to_string_pretty(&export.tools)?);
    if args.iter().any(|a| a == "--notes") {
        for n in &export.notes {
            eprintln!("{}: {}", n.tool, n.message);
        }
    }
    Ok(())
}
