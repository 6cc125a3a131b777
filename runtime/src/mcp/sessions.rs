//! Who opened each streamable-HTTP session. A request on a session by any other principal is
//! answered like a request on an unknown session, so nobody can write into, listen to or close
//! another principal's session (nor answer its approval prompts), or learn that it exists.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::Principal;

/// At most this many sessions are open at once; the oldest are never evicted (that would end
/// a live session), new ones are refused until some close.
pub(super) const MAX_SESSIONS: usize = 4096;
/// At most this many sessions per principal, so one principal cannot use up [`MAX_SESSIONS`].
pub(super) const MAX_SESSIONS_PER_PRINCIPAL: usize = 64;

/// A principal's identity for session ownership: its id within its tenant (the same id in
/// another tenant is someone else).
#[derive(Clone, PartialEq, Eq, Debug)]
struct Owner {
    id: String,
    tenant: Option<String>,
}

impl Owner {
    fn of(principal: &Principal) -> Self {
        Self {
            id: principal.id().to_owned(),
            tenant: principal.tenant().map(str::to_owned),
        }
    }
}

/// Why a new session was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Full {
    /// This principal already holds its share of sessions.
    Principal,
    /// The server holds as many sessions as it keeps.
    Server,
}

/// The owner of every open session, bounded.
pub(super) struct SessionOwners {
    owners: Mutex<HashMap<String, Owner>>,
    max: usize,
    max_per_principal: usize,
}

impl SessionOwners {
    pub(super) fn new(max: usize, max_per_principal: usize) -> Self {
        Self {
            owners: Mutex::new(HashMap::new()),
            max,
            max_per_principal,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Owner>> {
        self.owners.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `principal` opened `session`. An unknown session is nobody's.
    pub(super) fn owns(&self, session: &str, principal: &Principal) -> bool {
        self.lock()
            .get(session)
            .is_some_and(|owner| *owner == Owner::of(principal))
    }

    /// Whether `principal` may open one more session now.
    pub(super) fn room_for(&self, principal: &Principal) -> Result<(), Full> {
        room(
            &self.lock(),
            &Owner::of(principal),
            self.max,
            self.max_per_principal,
        )
    }

    /// Records that `principal` opened `session`, unless that would pass a cap.
    pub(super) fn bind(&self, session: &str, principal: &Principal) -> Result<(), Full> {
        let owner = Owner::of(principal);
        let mut owners = self.lock();
        room(&owners, &owner, self.max, self.max_per_principal)?;
        owners.insert(session.to_owned(), owner);
        Ok(())
    }

    /// Forgets a session that was closed.
    pub(super) fn forget(&self, session: &str) {
        self.lock().remove(session);
    }

    /// Forgets every session for which `open` is false (closed by idleness or by the server).
    pub(super) fn retain_open(&self, open: impl Fn(&str) -> bool) {
        self.lock().retain(|session, _| open(session));
    }

    /// How many sessions are bound.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }
}

fn room(
    owners: &HashMap<String, Owner>,
    owner: &Owner,
    max: usize,
    max_per_principal: usize,
) -> Result<(), Full> {
    if owners.len() >= max {
        return Err(Full::Server);
    }
    if owners.values().filter(|o| *o == owner).count() >= max_per_principal {
        return Err(Full::Principal);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Principal {
        Principal::new("alice").with_tenant("acme")
    }

    #[test]
    fn only_the_same_id_in_the_same_tenant_owns_a_session() {
        let owners = SessionOwners::new(10, 10);
        owners.bind("s1", &alice()).unwrap();
        assert!(
            owners.owns("s1", &alice().grant("kb:read")),
            "grants do not matter"
        );
        assert!(!owners.owns("s1", &Principal::new("alice")));
        assert!(!owners.owns("s1", &Principal::new("alice").with_tenant("evil")));
        assert!(!owners.owns("s1", &Principal::new("mallory").with_tenant("acme")));
        assert!(
            !owners.owns("s2", &alice()),
            "an unknown session is nobody's"
        );
    }

    #[test]
    fn caps_refuse_new_sessions_until_some_are_forgotten() {
        let owners = SessionOwners::new(3, 2);
        owners.bind("a1", &alice()).unwrap();
        owners.bind("a2", &alice()).unwrap();
        assert_eq!(owners.room_for(&alice()), Err(Full::Principal));
        assert_eq!(owners.bind("a3", &alice()), Err(Full::Principal));
        let bob = Principal::new("bob");
        owners.bind("b1", &bob).unwrap();
        assert_eq!(owners.bind("b2", &bob), Err(Full::Server));
        owners.forget("a1");
        owners.retain_open(|s| s != "b1");
        assert_eq!(owners.len(), 1);
        owners.bind("a3", &alice()).unwrap();
        owners.bind("b2", &bob).unwrap();
        assert!(
            !owners.owns("a1", &alice()),
            "a forgotten session is nobody's"
        );
    }
}
