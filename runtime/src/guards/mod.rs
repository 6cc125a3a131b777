//! Typed guards for arguments that reach the file system or the network. Use them as parameter
//! types instead of `String`: they are checked while the arguments are validated, against the
//! root and allowlist configured on the registry, and their schema says what they accept.

/// `JsonSchema` for a guard: an inline string schema named after the type, so each guard's
/// file holds only what differs (its keywords).
macro_rules! string_schema {
    ($ty:ident, $schema:tt) => {
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }
            fn inline_schema() -> bool {
                true
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}

mod identifier;
mod path;
mod url;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

pub use self::identifier::Identifier;
pub use self::path::{MAX_NAME_BYTES, MAX_PATH_BYTES, MAX_PATH_LEVELS, SafePath};
pub use self::url::AllowedUrl;
pub(crate) use self::url::{HostRule, is_model_message};

/// The confinement root and URL allowlist of a registry.
#[derive(Debug, Default)]
pub struct Guards {
    pub(crate) root: Option<PathBuf>,
    pub(crate) url_hosts: Vec<HostRule>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Arc<Guards>>> = const { RefCell::new(None) };
}

/// Runs `f` (argument validation) with `guards` in force on this thread.
pub(crate) fn with_guards<R>(guards: &Arc<Guards>, f: impl FnOnce() -> R) -> R {
    struct Reset(Option<Arc<Guards>>);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0.take();
            ACTIVE.with(|a| *a.borrow_mut() = previous);
        }
    }
    let previous = ACTIVE.with(|a| a.borrow_mut().replace(guards.clone()));
    let _reset = Reset(previous);
    f()
}

fn active() -> Option<Arc<Guards>> {
    ACTIVE.with(|a| a.borrow().clone())
}
