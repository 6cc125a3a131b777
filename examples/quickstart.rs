//! toolwright in one screen: declare tools, register them, and run a model's tool calls
//! through the executor. `cargo run --example quickstart`

#[path = "support/tools.rs"]
mod tools;

use serde_json::Value;
use tools::{OrderDesk, delete_document, search_knowledge_base, send_customer_email};
use toolwright::{Executor, Principal, Registry, ToolCall};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::builder()
        .tool(search_knowledge_base)
        .tool(delete_document)
        .tool(send_customer_email)
        .tools(OrderDesk::demo())
        .build()?;

    let agent = Principal::new("support-agent").grant_all(["kb:read", "orders:read"]);
    println!("tools visible to {}:", agent.id());
    for entry in registry.scoped(&agent) {
        println!("  - {}: {}", entry.name(), entry.description());
    }

    let executor = Executor::new(registry);
    let calls = [
        (
            "read-only call",
            "search_knowledge_base",
            r#"{"query": "refund"}"#,
        ),
        (
            "invalid arguments",
            "search_knowledge_base",
            r#"{"query": "", "limit": 50}"#,
        ),
        (
            "method over shared state",
            "get_order_status",
            r#"{"order_id": "A-1001"}"#,
        ),
        (
            "a tool this principal may not see",
            "delete_document",
            r#"{"id": "kb-102"}"#,
        ),
        ("not JSON at all", "get_order_status", "{order_id: A-1001"),
    ];
    for (i, (what, name, args)) in calls.into_iter().enumerate() {
        let call = ToolCall::new(format!("call_{i}"), name, args);
        println!("\n# {what}\nmodel  -> {name}({args})");
        let result = executor.call(&agent, &call).await;
        let shown = compact(&result.to_model_json());
        let label = if result.is_error() {
            "error "
        } else {
            "result"
        };
        println!("{label} <- {shown}");
    }
    Ok(())
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(300).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}
