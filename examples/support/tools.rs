//! The quickstart's toolset: a knowledge base, an order desk and a mailer. Shared by the
//! `quickstart`, `schemas` and `mcp_server` examples.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toolwright::{ToolContext, ToolError, tool, tools};

/// One knowledge-base article as the model sees it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Article {
    /// The article's id, usable with `delete_document`.
    pub id: String,
    /// The article's title.
    pub title: String,
    /// A short excerpt around the match.
    pub snippet: String,
    /// Where a human can read it.
    pub url: String,
}

const ARTICLES: &[(&str, &str, &str)] = &[
    (
        "kb-101",
        "Resetting your VPN token",
        "Open the portal, choose Security, then Reset token.",
    ),
    (
        "kb-102",
        "Refund policy",
        "Refunds are issued within 14 days of a return.",
    ),
    (
        "kb-103",
        "Shipping times",
        "Orders ship within 2 business days.",
    ),
    (
        "kb-104",
        "Changing a delivery address",
        "Addresses can change until the order ships.",
    ),
];

/// Search the company knowledge base for articles matching a query.
/// Returns the top results with title, snippet and URL.
#[tool(permissions = ["kb:read"], read_only, idempotent, timeout = "5s", rate_limit = "3/min")]
pub async fn search_knowledge_base(
    /// Search query. Natural-language questions and keywords both work.
    #[arg(min_len = 1, max_len = 200)]
    query: String,
    /// How many results to return, from 1 to 20. Defaults to 5.
    #[arg(range = 1..=20)]
    limit: Option<u8>,
) -> Result<Vec<Article>, ToolError> {
    let words: Vec<String> = query
        .to_lowercase()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    Ok(ARTICLES
        .iter()
        .filter(|(_, title, body)| {
            let text = format!("{title} {body}").to_lowercase();
            words.iter().any(|w| text.contains(w.as_str()))
        })
        .take(usize::from(limit.unwrap_or(5)))
        .map(|(id, title, body)| Article {
            id: (*id).into(),
            title: (*title).into(),
            snippet: (*body).into(),
            url: format!("https://kb.example.com/{id}"),
        })
        .collect())
}

/// Permanently delete a document from the knowledge base by its id.
/// Returns the id of the deleted document. This cannot be undone.
#[tool(permissions = ["kb:write"], destructive, idempotent)]
pub async fn delete_document(
    /// The document's id, as returned by search_knowledge_base, e.g. "kb-102"
    #[arg(pattern = "^kb-[0-9]+$")]
    id: String,
) -> Result<String, ToolError> {
    Ok(id)
}

/// Send a plain-text email from the support mailbox to one customer.
/// Returns the message id assigned by the mail server.
#[tool(permissions = ["mail:send"], open_world, timeout = "10s")]
pub async fn send_customer_email(
    /// Recipient address, e.g. "ana@example.com"
    #[arg(pattern = "^[^@\\s]+@[^@\\s]+$")]
    to: String,
    /// Subject line shown in the inbox, up to 120 characters
    #[arg(min_len = 1, max_len = 120)]
    subject: String,
    /// Plain-text body, signed by the support team
    #[arg(max_len = 5000)]
    body: String,
    /// API key of the mail provider account to send with; never logged
    #[arg(secret, min_len = 8)]
    api_key: String,
) -> Result<String, ToolError> {
    let _ = (body, api_key);
    Ok(format!("<{}.{}@mail.example.com>", subject.len(), to.len()))
}

/// Refund an order to the customer's original payment method.
/// Returns the refund id assigned by the payment provider.
#[tool(permissions = ["payments:write"], destructive)]
pub async fn issue_refund(
    /// Order number as printed on the receipt, e.g. "A-1001"
    #[arg(pattern = "^A-[0-9]{4}$")]
    order_id: String,
    /// Amount to refund in cents, from 1 to 100000 (1000.00)
    #[arg(range = 1..=100_000)]
    amount_cents: u32,
) -> Result<String, ToolError> {
    Ok(format!("rf_{order_id}_{amount_cents}"))
}

/// Status of one order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrderStatus {
    /// The order number.
    pub order_id: String,
    /// "processing", "shipped" or "delivered".
    pub status: String,
    /// Carrier tracking number, once shipped.
    pub tracking: Option<String>,
}

/// The order desk: tools over a shared (here in-memory) order database.
pub struct OrderDesk {
    orders: Mutex<BTreeMap<String, OrderStatus>>,
    /// Simulated latency of the order database's first answer (a cold replica).
    pub latency: Duration,
    cold: std::sync::atomic::AtomicBool,
}

impl OrderDesk {
    /// A desk with a few orders.
    pub fn demo() -> Self {
        let mut orders = BTreeMap::new();
        for (id, status, tracking) in [
            ("A-1001", "shipped", Some("1Z999AA10123456784")),
            ("A-1002", "processing", None),
        ] {
            orders.insert(
                id.to_owned(),
                OrderStatus {
                    order_id: id.into(),
                    status: status.into(),
                    tracking: tracking.map(Into::into),
                },
            );
        }
        Self {
            orders: Mutex::new(orders),
            latency: Duration::from_millis(0),
            cold: std::sync::atomic::AtomicBool::new(true),
        }
    }
}

#[tools]
impl OrderDesk {
    /// Look up the status of a customer order by its order number.
    /// Returns the status and, once shipped, the carrier tracking number.
    #[tool(permissions = ["orders:read"], read_only, idempotent, retries = 2, timeout = "1s")]
    async fn get_order_status(
        &self,
        /// Order number as printed on the receipt, e.g. "A-1001"
        #[arg(pattern = "^A-[0-9]{4}$")]
        order_id: String,
        ctx: &ToolContext,
    ) -> Result<OrderStatus, ToolError> {
        // The very first lookup hits a cold replica in the demo; the retry finds it warm.
        if ctx.attempt() == 0 && self.cold.swap(false, std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(self.latency).await;
        }
        let orders = self
            .orders
            .lock()
            .map_err(|_| ToolError::unavailable("the order database is unavailable"))?;
        orders.get(&order_id).cloned().ok_or_else(|| {
            ToolError::failed(format!("there is no order {order_id}"))
                .with_suggestion("check the order number on the receipt; it looks like A-1001")
        })
    }
}
