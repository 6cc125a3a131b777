use toolwright::tool;

/// Overwrite a customer's shipping address with a new one.
/// Returns the customer number whose address changed.
#[tool(permissions = ["crm:write"], destructive, idempotent, retries = 2)]
async fn overwrite_shipping_address(
    /// Customer number, e.g. 1042
    customer: u32,
    /// The new address, one line, e.g. "1 Main St, Springfield"
    address: String,
) -> u32 {
    let _ = address;
    customer
}

fn main() {}
