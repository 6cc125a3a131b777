//! Generated code is warning-free in a strict user crate: `#![deny(warnings)]` for rustc and
//! clippy's pedantic group (CI runs clippy with `-D warnings` over every target).
#![deny(warnings, clippy::pedantic)]

use toolwright::{Registry, ToolContext, ToolError, tool, tools};

/// Get the current server time as an RFC 3339 timestamp. Returns the timestamp string.
#[tool(read_only)]
async fn get_server_time() -> String {
    tokio::task::yield_now().await;
    String::from("2026-11-26T00:00:00Z")
}

/// Convert a distance in kilometres to miles. Returns the distance in miles.
#[tool(read_only, idempotent, retries = 1)]
fn convert_kilometres_to_miles(
    /// Distance in kilometres, e.g. 42.195
    #[arg(range = 0.0..=1.0e6)]
    kilometres: f64,
) -> f64 {
    kilometres * 0.621_371
}

/// Tag the given customer tickets with one label. Returns how many tickets were tagged.
#[tool(permissions = ["tickets:write"], timeout = "3s", rate_limit = "10/s")]
async fn tag_support_tickets(
    /// Ticket numbers to tag, e.g. [1042, 1043]; at most 50
    #[arg(min_len = 1, max_len = 50)]
    tickets: Vec<u64>,
    /// Label to add, lowercase, e.g. "billing"
    #[arg(pattern = "^[a-z]+$", default = "triage")]
    label: String,
    /// Optional note stored with the label, e.g. "customer called twice"
    note: Option<String>,
    ctx: &ToolContext,
) -> Result<usize, ToolError> {
    let _ = (label, note, ctx.call_id());
    tokio::task::yield_now().await;
    Ok(tickets.len())
}

struct Warehouse {
    stock: u32,
}

#[tools]
impl Warehouse {
    /// Count the units of stock left in the main warehouse. Returns the unit count.
    #[tool(read_only)]
    fn count_stock_units(&self) -> u32 {
        self.stock
    }

    /// Reserve units of stock for an order in the main warehouse.
    /// Returns the number of units still available afterwards.
    #[tool(permissions = ["stock:write"])]
    async fn reserve_stock_units(
        &self,
        /// Units to reserve, from 1 to 100
        #[arg(range = 1..=100)]
        units: u32,
    ) -> Result<u32, ToolError> {
        tokio::task::yield_now().await;
        self.stock
            .checked_sub(units)
            .ok_or_else(|| ToolError::failed("not enough stock"))
    }
}

#[test]
fn strict_crate_registers_every_form() {
    let registry = Registry::builder()
        .tool(get_server_time)
        .tool(convert_kilometres_to_miles)
        .tool(tag_support_tickets)
        .tools(Warehouse { stock: 3 })
        .build()
        .expect("registry");
    assert_eq!(registry.len(), 5);
    let tag = registry.get("tag_support_tickets").expect("tag tool");
    assert_eq!(
        tag.input_schema()["properties"]["label"]["default"],
        "triage"
    );
    assert_eq!(
        tag.input_schema()["required"],
        serde_json::json!(["tickets"])
    );
}
