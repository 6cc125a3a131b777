//! Every key `#[tool(...)]` and `#[arg(...)]` accept, listed once (serde_derive's `symbol.rs`):
//! the parser matches on these, and the "unknown key" hint and the usage examples read them.

use std::fmt::{self, Display};

use syn::Path;

/// One attribute key and how it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Symbol {
    pub name: &'static str,
    /// How the key is written, for errors about its form.
    pub usage: &'static str,
}

macro_rules! symbols {
    ($table:ident: $($konst:ident = $name:literal, $usage:literal;)*) => {
        $(pub const $konst: Symbol = Symbol { name: $name, usage: $usage };)*
        pub const $table: &[Symbol] = &[$($konst),*];
    };
}

symbols! { TOOL_KEYS:
    PERMISSIONS = "permissions", "`permissions` is written `permissions = [\"kb:read\"]`";
    READ_ONLY = "read_only", "`read_only` is a flag and takes no value: write `read_only`";
    DESTRUCTIVE = "destructive", "`destructive` is a flag and takes no value: write `destructive`";
    IDEMPOTENT = "idempotent", "`idempotent` is a flag and takes no value: write `idempotent`";
    OPEN_WORLD = "open_world", "`open_world` is a flag and takes no value: write `open_world`";
    TIMEOUT = "timeout", "`timeout` is written `timeout = \"5s\"`";
    RETRIES = "retries", "`retries` is written `retries = 2`";
    RATE_LIMIT = "rate_limit", "`rate_limit` is written `rate_limit = \"30/min\"`";
    ALLOW = "allow", "`allow` is written `allow(short_description)`";
    EXAMPLE = "example", "`example` is written example = r#\"{\"query\": \"refund\"}\"#";
    TITLE = "title", "`title` is written title = \"Search the knowledge base\"";
    ICONS = "icons", "`icons` is written icons = [\"https://cdn.example.com/search.svg\"]";
}

symbols! { ARG_KEYS:
    MIN_LEN = "min_len", "write min_len = 1 or max_len = 200";
    MAX_LEN = "max_len", "write min_len = 1 or max_len = 200";
    RANGE = "range", "`range` is written range = 1..=20";
    PATTERN = "pattern", "`pattern` is written pattern = \"^[a-z]+$\"";
    DEFAULT = "default", "`default` is written default = 5";
    SECRET = "secret", "`secret` is a flag and takes no value: write #[arg(secret)]";
}

impl Symbol {
    /// The key `path` names among `table`, if any.
    pub fn find(table: &[Symbol], path: &Path) -> Option<Symbol> {
        table.iter().copied().find(|s| path.is_ident(s.name))
    }

    /// The names of `table`, comma-separated, for "known settings: …".
    pub fn names(table: &[Symbol]) -> String {
        table.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
    }
}

impl Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}
