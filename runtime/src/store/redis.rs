//! The Redis store: every check is one script run atomically in Redis, on Redis's clock, under
//! a per-call timeout, through `redis`'s reconnecting `ConnectionManager`.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};

use super::StoreError;

/// GCRA over up to three cells (per principal, per (principal, tool), per tool), in order, on
/// Redis's clock (microseconds). A refusal stops at the refusing cell and does not refund the
/// earlier ones, as the in-memory limiter does. Each cell expires when its state decays back
/// to "never seen", so memory returns to baseline after a burst.
/// ARGV: interval and tolerance per key, in microseconds. Returns {refusing cell or 0, wait}.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now) or now
  if tat < now then tat = now end
  if tat - now > tolerance then
    return {i, tat - now - tolerance}
  end
  local new = tat + interval
  redis.call('SET', key, string.format('%.0f', new), 'PX', math.max(1, math.ceil((new - now) / 1000)))
end
return {0, 0}
",
    )
});

/// Files a ticket if its owner and the store have room. KEYS: ticket, owner's index, index of
/// all, argument bytes per pending ticket (hash), their sum. ARGV: id, owner, body, ttl ms,
/// per-owner cap, total cap, this ticket's argument bytes, cap on the sum. Returns 0, or 1
/// (owner full), 2 (store full: count or bytes).
///
/// Expired tickets leave the index of all here (and only here or in TAKE), so their bytes
/// leave the sum in the same step. The five keys share one TTL, refreshed by every issue: they
/// expire together, after the last ticket.
static ISSUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[4])
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  local n = tonumber(redis.call('HGET', KEYS[4], gone) or 0)
  redis.call('HDEL', KEYS[4], gone)
  if n > 0 then redis.call('DECRBY', KEYS[5], n) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 1 end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then return 2 end
local bytes = tonumber(ARGV[7])
if tonumber(redis.call('GET', KEYS[5]) or 0) + bytes > tonumber(ARGV[8]) then return 2 end
redis.call('HSET', KEYS[1], 'o', ARGV[2], 'b', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[3], now + ttl, ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], bytes)
redis.call('INCRBY', KEYS[5], bytes)
for i = 3, 5 do redis.call('PEXPIRE', KEYS[i], ttl) end
return 0
",
    )
});

/// Takes a ticket: gone after this whatever the caller does next (take, then run). Someone
/// else's ticket is neither returned nor burned. KEYS: ticket, taker's index, index of all,
/// argument bytes per pending ticket, their sum. ARGV: taker, id. Returns {0, ''} unknown,
/// {1, ''} another owner's, {2, body} taken (its bytes given back).
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('HMGET', KEYS[1], 'o', 'b')
if not v[1] then return {0, ''} end
if v[1] ~= ARGV[1] then return {1, ''} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('ZREM', KEYS[3], ARGV[2]) == 1 then
  local n = tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or 0)
  redis.call('HDEL', KEYS[4], ARGV[2])
  if n > 0 then redis.call('DECRBY', KEYS[5], n) end
end
return {2, v[2]}
",
    )
});

/// How many tickets wait. KEYS: index of all. Counts without removing expired ones: ISSUE
/// removes them, together with their bytes.
static PENDING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
",
    )
});

/// State shared by every replica pointed at the same Redis with the same key prefix.
///
/// Connecting is lazy: a process starts (and fails closed) while Redis is down, and the
/// connection manager reconnects by itself once Redis is back. Every call to Redis has a
/// deadline ([`RedisStoreBuilder::timeout`], default 250 ms); a call past it counts as
/// "unavailable", never as a yes.
///
/// ```no_run
/// use std::time::Duration;
/// use toolwright::store::RedisStore;
/// use toolwright::{Executor, Registry};
///
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store = RedisStore::builder("redis://127.0.0.1:6379/")
///     .prefix("support-desk")
///     .timeout(Duration::from_millis(200))
///     .build()?;
/// let executor = Executor::builder(Registry::builder().build()?)
///     .store(store)
///     .confirmation_tickets(Duration::from_secs(600))
///     .build();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
    timeout: Duration,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RedisStore`].
#[derive(Clone, Debug)]
pub struct RedisStoreBuilder {
    url: String,
    prefix: String,
    timeout: Duration,
}

impl RedisStoreBuilder {
    /// Namespaces every key as `{prefix}:…` (default `toolwright`). Replicas that must enforce
    /// one policy share a prefix; unrelated deployments on one Redis use different ones.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The deadline of every call to Redis, connecting included (default 250 ms). Keep it
    /// small: every call that needs the store waits up to this long when Redis is away.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The store. Does not connect (the first call does), so it must run inside a tokio
    /// runtime but never waits for Redis.
    ///
    /// # Errors
    /// When the URL is not a Redis URL, or no tokio runtime is running.
    pub fn build(self) -> Result<RedisStore, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::new(
                "RedisStore::build must be called inside a tokio runtime",
            ));
        }
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| StoreError::new(format!("invalid Redis URL: {}", e.kind_str())))?;
        let timeout = self.timeout.max(Duration::from_millis(1));
        // One quick reconnection attempt per failure: the next call triggers the next attempt,
        // so a Redis that is back is found at once and a dead one costs each call `timeout`.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100))
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| {
            StoreError::new(format!(
                "cannot set up the Redis connection: {}",
                e.kind_str()
            ))
        })?;
        Ok(RedisStore {
            conn,
            prefix: self.prefix.into(),
            timeout,
        })
    }
}

trait KindStr {
    fn kind_str(&self) -> String;
}

impl KindStr for redis::RedisError {
    /// The error without its detail: a URL's detail may quote a password.
    fn kind_str(&self) -> String {
        format!("{:?}", self.kind())
    }
}

/// What taking a ticket found.
pub(crate) enum Taken {
    Unknown,
    WrongPrincipal,
    Ticket(String),
}

/// The room a new ticket needs, and the caps it must fit under.
pub(crate) struct TicketRoom {
    /// Pending tickets of one owner, and of everyone.
    pub(crate) per_owner: usize,
    pub(crate) total: usize,
    /// This ticket's argument bytes, and the cap on all pending tickets' together.
    pub(crate) bytes: usize,
    pub(crate) max_bytes: usize,
}

/// What filing a ticket did.
pub(crate) enum Issued {
    Filed,
    PrincipalFull,
    Full,
}

impl RedisStore {
    /// Configures a store at `url` (`redis://[:password@]host:port[/db]`, or `rediss://` is not
    /// compiled in: use a TLS tunnel or a private network).
    pub fn builder(url: impl Into<String>) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: url.into(),
            prefix: "toolwright".into(),
            timeout: Duration::from_millis(250),
        }
    }

    /// A store at `url` with the default prefix and timeout.
    ///
    /// # Errors
    /// See [`RedisStoreBuilder::build`].
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::builder(url).build()
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, rest: std::fmt::Arguments<'_>) -> String {
        format!("{}:{rest}", self.prefix)
    }

    /// One round trip under the deadline; any failure (down, slow, refused, unexpected reply)
    /// is the same "unavailable" to the policies.
    async fn within<T>(&self, call: impl Future<Output = RedisResult<T>>) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(StoreError::new(format!("Redis error ({})", e.kind_str()))),
            Err(_) => Err(StoreError::new(format!(
                "Redis did not answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }

    /// Checks and counts one call against `cells` (key suffix, interval µs, tolerance µs) in
    /// one script. `Ok(None)`: allowed; `Ok(Some((i, wait)))`: cell `i` refused.
    pub(crate) async fn check_rates(
        &self,
        cells: &[(String, u64, u64)],
    ) -> Result<Option<(usize, Duration)>, StoreError> {
        if cells.is_empty() {
            return Ok(None);
        }
        let mut invocation = GCRA.prepare_invoke();
        for (key, interval, tolerance) in cells {
            invocation
                .key(self.key(format_args!("rl:{key}")))
                .arg(*interval)
                .arg(*tolerance);
        }
        let mut conn = self.conn.clone();
        let (cell, wait): (i64, i64) = self.within(invocation.invoke_async(&mut conn)).await?;
        Ok(match usize::try_from(cell) {
            Ok(0) => None,
            Ok(i) if i <= cells.len() => Some((
                i - 1,
                Duration::from_micros(u64::try_from(wait).unwrap_or(0)),
            )),
            _ => return Err(StoreError::new("Redis answered an unknown rate-limit cell")),
        })
    }

    /// `script` with the five keys ISSUE and TAKE share: the ticket, its owner's index, the
    /// index of all, the bytes per ticket and their sum.
    fn ticket_script<'s>(
        &self,
        script: &'s Script,
        id: &str,
        owner: &str,
    ) -> redis::ScriptInvocation<'s> {
        let mut invocation = script.prepare_invoke();
        invocation
            .key(self.key(format_args!("tk:{id}")))
            .key(self.key(format_args!("tq:{owner}")))
            .key(self.key(format_args!("tq")))
            .key(self.key(format_args!("tb")))
            .key(self.key(format_args!("tbn")));
        invocation
    }

    pub(crate) async fn issue_ticket(
        &self,
        id: &str,
        owner: &str,
        body: &str,
        ttl: Duration,
        quota: TicketRoom,
    ) -> Result<Issued, StoreError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut invocation = self.ticket_script(&ISSUE, id, owner);
        invocation
            .arg(id)
            .arg(owner)
            .arg(body)
            .arg(ttl_ms)
            .arg(quota.per_owner.max(1))
            .arg(quota.total.max(1))
            .arg(quota.bytes)
            .arg(quota.max_bytes);
        let mut conn = self.conn.clone();
        let code: i64 = self.within(invocation.invoke_async(&mut conn)).await?;
        match code {
            0 => Ok(Issued::Filed),
            1 => Ok(Issued::PrincipalFull),
            2 => Ok(Issued::Full),
            _ => Err(StoreError::new("Redis answered an unknown ticket status")),
        }
    }

    pub(crate) async fn take_ticket(&self, id: &str, owner: &str) -> Result<Taken, StoreError> {
        let mut invocation = self.ticket_script(&TAKE, id, owner);
        invocation.arg(owner).arg(id);
        let mut conn = self.conn.clone();
        let (code, body): (i64, String) = self.within(invocation.invoke_async(&mut conn)).await?;
        match code {
            0 => Ok(Taken::Unknown),
            1 => Ok(Taken::WrongPrincipal),
            2 => Ok(Taken::Ticket(body)),
            _ => Err(StoreError::new("Redis answered an unknown ticket status")),
        }
    }

    /// Marks `nonce` used; `false` when it already was. Kept for `keep`.
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub(crate) async fn spend_once(&self, nonce: &str, keep: Duration) -> Result<bool, StoreError> {
        let keep_ms = u64::try_from(keep.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(format_args!("mrtr:{nonce}")))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(keep_ms);
        let mut conn = self.conn.clone();
        let set: Option<String> = self.within(cmd.query_async(&mut conn)).await?;
        Ok(set.is_some())
    }

    pub(crate) async fn pending_tickets(&self) -> Result<usize, StoreError> {
        let mut invocation = PENDING.prepare_invoke();
        invocation.key(self.key(format_args!("tq")));
        let mut conn = self.conn.clone();
        let n: i64 = self.within(invocation.invoke_async(&mut conn)).await?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}
