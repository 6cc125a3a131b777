use toolwright::tool;

/// Look up the status of a customer order by its order number.
/// Returns the order status such as "shipped" or "processing".
#[tool(read_only)]
async fn get_order_status(
    /// Order number as printed on the receipt, e.g. A-1042
    #[arg(pattern = "^(?=A-)[A-Z]-\\d+$")]
    order_id: String,
) -> String {
    order_id
}

fn main() {}
