//! The policies the benchmark's "every policy" executor applies, written by hand for the two
//! bench tools as directly as they can be: what any design pays for them on this machine, and
//! so the reference that says how much of the executor's cost is the policies and how much is
//! the executor.
//!
//! In: the tool found by name, its permission checked, a rate limit per principal (a keyed GCRA
//! table under a lock) and per tool (a GCRA cell in an atomic), the circuit breaker's state
//! read, the arguments parsed into the tool's struct and checked as its `#[arg]`s declare, the
//! call, its output made JSON, an audit record (time, call id, principal, tool, the arguments as
//! sent, outcome, duration) pushed to a bounded in-memory queue, and the call id returned with
//! the output. Out, each a guarantee the executor gives: a panicking body caught, a timeout and
//! cancellation, a bulkhead, the confirmation check, caps on argument size, depth and output,
//! secret keys looked for at any depth of the arguments (these tools have none, known here by
//! reading them), the decisions in the audit record, layers and telemetry.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use foldhash::fast::RandomState;

/// One audit record, as the in-memory queue keeps it.
#[expect(
    dead_code,
    reason = "written for a reader of the queue; the bench only writes"
)]
pub struct Record {
    pub timestamp_ms: u64,
    pub call_id: String,
    pub principal: String,
    pub tool: &'static str,
    pub arguments: String,
    pub ok: bool,
    pub took: Duration,
}

/// Who calls: an id and the permissions granted.
pub struct Caller {
    pub id: String,
    pub permissions: HashSet<String, RandomState>,
}

/// The policies' state for a fixed set of tools, each known by its index.
pub struct Policies {
    tools: HashMap<&'static str, (usize, &'static str), RandomState>,
    tool_arrivals: Vec<AtomicU64>,
    principal_arrivals: Mutex<HashMap<String, u64, RandomState>>,
    breaker_open: Vec<AtomicBool>,
    audit: Mutex<VecDeque<Record>>,
    audit_cap: usize,
    start: Instant,
    /// The rate's emission interval and burst, in nanoseconds (as generous as the bench's).
    interval: u64,
    burst: u64,
}

impl Policies {
    /// `tools`: each tool's name and the permission it needs, in index order.
    pub fn new(tools: &[(&'static str, &'static str)], audit_cap: usize) -> Self {
        Self {
            tools: tools
                .iter()
                .enumerate()
                .map(|(i, (name, permission))| (*name, (i, *permission)))
                .collect(),
            tool_arrivals: tools.iter().map(|_| AtomicU64::new(0)).collect(),
            principal_arrivals: Mutex::default(),
            breaker_open: tools.iter().map(|_| AtomicBool::new(false)).collect(),
            audit: Mutex::new(VecDeque::with_capacity(audit_cap)),
            audit_cap,
            start: Instant::now(),
            interval: 1,
            burst: 1_000,
        }
    }

    /// GCRA: the next theoretical arrival time, or `None` when the call comes too early.
    fn gcra(&self, arrival: u64, now: u64) -> Option<u64> {
        let at = arrival.max(now);
        (at <= now + self.interval * self.burst).then_some(at + self.interval)
    }

    /// Permission, both rate limits and the breaker: the tool's index and when the call began.
    pub fn admit(&self, caller: &Caller, tool: &str) -> Result<(usize, Instant), &'static str> {
        let began = Instant::now();
        let &(index, permission) = self.tools.get(tool).ok_or("unknown tool")?;
        if !caller.permissions.contains(permission) {
            return Err("permission denied");
        }
        let now = u64::try_from(began.duration_since(self.start).as_nanos()).unwrap_or(u64::MAX);
        {
            let mut arrivals = self.principal_arrivals.lock().map_err(|_| "poisoned")?;
            match arrivals.get_mut(caller.id.as_str()) {
                Some(arrival) => *arrival = self.gcra(*arrival, now).ok_or("rate limited")?,
                None => {
                    let arrival = self.gcra(0, now).ok_or("rate limited")?;
                    arrivals.insert(caller.id.clone(), arrival);
                }
            }
        }
        self.tool_arrivals[index]
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| self.gcra(a, now))
            .map_err(|_| "rate limited")?;
        if self.breaker_open[index].load(Ordering::Acquire) {
            return Err("circuit open");
        }
        Ok((index, began))
    }

    /// The audit record of a finished call.
    pub fn record(
        &self,
        caller: &Caller,
        call_id: &str,
        tool: &'static str,
        arguments: &str,
        ok: bool,
        began: Instant,
    ) {
        let record = Record {
            timestamp_ms: SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            call_id: call_id.to_owned(),
            principal: caller.id.clone(),
            tool,
            arguments: arguments.to_owned(),
            ok,
            took: began.elapsed(),
        };
        if let Ok(mut queue) = self.audit.lock() {
            if queue.len() == self.audit_cap {
                queue.pop_front();
            }
            queue.push_back(record);
        }
    }
}
