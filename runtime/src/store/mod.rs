//! Where the policy state that replicas must share lives: rate-limit cells, confirmation
//! tickets with their per-principal quota, and the single-use nonces of MCP confirmations.
//! In memory (the default, one process) or, with the `redis` feature, in Redis (N replicas).

use std::fmt;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub(crate) use self::redis::{Issued as RedisIssued, Taken as RedisTaken, TicketRoom};
#[cfg(feature = "redis")]
pub use self::redis::{RedisStore, RedisStoreBuilder};

/// The store an [`Executor`](crate::Executor) keeps its shared policy state in.
///
/// [`Store::memory`] (the default) keeps each policy's state in its own bounded table in this
/// process: nothing to run, no network, and what one replica counts the others never see. A
/// Redis store (feature `redis`, `RedisStore`) makes every replica pointed at the same Redis
/// and key prefix enforce one policy: a caller's rate limit is counted once across all of them,
/// a confirmation ticket issued by one is resumed once on any, and a used MCP confirmation
/// state is refused everywhere.
///
/// The choice is a closed set rather than a trait object on purpose: the in-memory rate-limit
/// check is a synchronous lock-and-compare that a boxed future per call would dominate.
///
/// ```
/// use toolwright::{Executor, Registry};
/// use toolwright::store::Store;
///
/// let executor = Executor::builder(Registry::builder().build()?)
///     .store(Store::memory())
///     .build();
/// # Ok::<(), toolwright::RegistryError>(())
/// ```
#[derive(Clone, Default)]
pub struct Store(pub(crate) Backend);

#[derive(Clone, Default)]
pub(crate) enum Backend {
    #[default]
    Memory,
    #[cfg(feature = "redis")]
    Redis(RedisStore),
}

impl Store {
    /// State in this process only (the default).
    pub fn memory() -> Self {
        Self(Backend::Memory)
    }

    /// Whether state is shared with other processes.
    pub fn is_shared(&self) -> bool {
        !matches!(self.0, Backend::Memory)
    }

    /// How many confirmation tickets wait for a human across every replica using this store,
    /// or `None` for the in-memory store (ask the executor:
    /// [`Executor::pending_confirmations`](crate::Executor::pending_confirmations)).
    ///
    /// # Errors
    /// When the shared store cannot be reached in time.
    pub async fn pending_confirmations(&self) -> Result<Option<usize>, StoreError> {
        match &self.0 {
            Backend::Memory => Ok(None),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => r.pending_tickets().await.map(Some),
        }
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Backend::Memory => f.write_str("Store::memory()"),
            #[cfg(feature = "redis")]
            Backend::Redis(r) => f.debug_tuple("Store::redis").field(r).finish(),
        }
    }
}

#[cfg(feature = "redis")]
impl From<RedisStore> for Store {
    fn from(store: RedisStore) -> Self {
        Self(Backend::Redis(store))
    }
}

/// The shared store could not answer: down, too slow, restarting, or it answered something
/// this version does not understand. Policies treat it as a refusal (fail closed) unless told
/// otherwise; see [`ExecutorBuilder::fail_open_rate_limits`](crate::ExecutorBuilder::fail_open_rate_limits).
#[derive(Debug, Clone, thiserror::Error)]
#[error("the shared policy store is unavailable: {reason}")]
pub struct StoreError {
    reason: String,
}

impl StoreError {
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// The structured error a caller sees when a policy that needs the store cannot reach it.
    pub(crate) fn to_tool_error(&self, what: &str) -> crate::ToolError {
        crate::ToolError::new(
            crate::ErrorKind::Unavailable,
            format!("{what}: the shared policy store is unavailable, so the call was refused"),
        )
        .with_suggestion("try again in a few seconds")
    }
}

/// A principal as one unambiguous key part: its tenant and id, each length-prefixed, so no
/// choice of characters in either makes two principals collide.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn principal_key(p: &crate::Principal) -> String {
    match p.tenant() {
        Some(t) => format!("{}:{t}{}:{}", t.len(), p.id().len(), p.id()),
        None => format!("-{}:{}", p.id().len(), p.id()),
    }
}
