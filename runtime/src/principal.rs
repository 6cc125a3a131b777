//! Who is calling: a [`Principal`] carries an id, the permissions granted to it and an
//! optional tenant. Every call names one; tools need every permission they declare.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// The caller of a tool: a user, a service or an agent session.
///
/// Cheap to clone. Permissions are exact strings (`"kb:read"`), a namespace wildcard
/// (`"kb:*"` grants every `kb:…` permission) or `"*"` (everything; for tests and admin tools).
///
/// ```
/// use toolwright::Principal;
///
/// let alice = Principal::new("alice").grant("kb:read").grant("orders:*");
/// assert!(alice.allows(&["kb:read", "orders:write"]));
/// assert!(!alice.allows(&["kb:write"]));
/// assert!(alice.allows(&[])); // a tool without declared permissions
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Principal(Arc<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    id: String,
    tenant: Option<String>,
    permissions: BTreeSet<String>,
}

impl Principal {
    /// A principal with no permissions (it sees only tools that declare none).
    pub fn new(id: impl Into<String>) -> Self {
        Self(Arc::new(Inner {
            id: id.into(),
            tenant: None,
            permissions: BTreeSet::new(),
        }))
    }

    /// An anonymous principal with no permissions.
    pub fn anonymous() -> Self {
        Self::new("anonymous")
    }

    /// Grants one permission.
    #[must_use]
    pub fn grant(mut self, permission: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.0)
            .permissions
            .insert(permission.into());
        self
    }

    /// Grants several permissions.
    #[must_use]
    pub fn grant_all<I, S>(mut self, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let inner = Arc::make_mut(&mut self.0);
        inner
            .permissions
            .extend(permissions.into_iter().map(Into::into));
        self
    }

    /// Sets the tenant.
    #[must_use]
    pub fn with_tenant(mut self, tenant: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.0).tenant = Some(tenant.into());
        self
    }

    /// The principal's id.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The tenant, if any.
    pub fn tenant(&self) -> Option<&str> {
        self.0.tenant.as_deref()
    }

    /// The granted permissions.
    pub fn permissions(&self) -> impl Iterator<Item = &str> {
        self.0.permissions.iter().map(String::as_str)
    }

    /// Whether this principal holds one permission.
    pub fn has(&self, permission: &str) -> bool {
        let perms = &self.0.permissions;
        if perms.contains(permission) || perms.contains("*") {
            return true;
        }
        // "kb:*" covers "kb:read" and "kb:docs:write".
        let mut rest = permission;
        while let Some(pos) = rest.rfind(':') {
            rest = &rest[..pos];
            if perms.contains(&format!("{rest}:*")) {
                return true;
            }
        }
        false
    }

    /// Whether this principal holds every one of `required` (deny by default).
    pub fn allows(&self, required: &[&str]) -> bool {
        required.iter().all(|p| self.has(p))
    }
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("id", &self.0.id)
            .field("tenant", &self.0.tenant)
            .field("permissions", &self.0.permissions)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default() {
        let p = Principal::new("bob");
        assert!(!p.has("kb:read"));
        assert!(p.allows(&[]));
    }

    #[test]
    fn wildcards_cover_their_namespace_only() {
        let p = Principal::new("a").grant("kb:*");
        assert!(p.has("kb:read"));
        assert!(p.has("kb:docs:write"));
        assert!(!p.has("kbx:read"));
        assert!(!p.has("orders:read"));
        assert!(Principal::new("root").grant("*").has("anything"));
    }

    #[test]
    fn clones_do_not_share_later_grants() {
        let a = Principal::new("a");
        let b = a.clone().grant("x");
        assert!(!a.has("x"));
        assert!(b.has("x"));
    }
}
