//! One real `#[tool]` and a wrapper that registers it under any name and description, so a
//! bench builds registries of any size from one declaration. Shared by `scale` and
//! `tool_search`.

use toolwright::decl::ToolDecl;
use toolwright::{ArgRules, CallArguments, Tool, ToolContext, ToolError, ToolFuture, tool};

/// Look up a customer record by id in the CRM. Returns the record's display name.
#[tool(read_only)]
pub async fn lookup_customer_record(
    /// Customer id, e.g. "cus_1042"
    #[arg(min_len = 1, max_len = 64)]
    id: String,
) -> Result<String, ToolError> {
    Ok(id)
}

/// The same tool under another declaration (name, description).
pub struct Renamed {
    pub decl: &'static ToolDecl,
}

impl Tool for Renamed {
    fn decl(&self) -> &'static ToolDecl {
        self.decl
    }
    fn prepare(
        &self,
        args: &CallArguments,
        rules: &ArgRules,
        ctx: ToolContext,
    ) -> Result<ToolFuture, ToolError> {
        lookup_customer_record.prepare(args, rules, ctx)
    }
}
