//! Typed guards for arguments that reach the file system or the network. Use them as parameter
//! types instead of `String`: they are checked while the arguments are validated, against the
//! root and allowlist configured on the registry, and their schema says what they accept.

use std::cell::RefCell;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{Deserialize, Deserializer, Error as _};
use serde::{Serialize, Serializer};

/// The confinement root and URL allowlist of a registry.
#[derive(Debug, Default)]
pub struct Guards {
    pub(crate) root: Option<PathBuf>,
    pub(crate) url_hosts: Vec<String>,
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

/// A path argument confined to the registry's root
/// ([`RegistryBuilder::path_root`](crate::RegistryBuilder::path_root)).
///
/// Rejected while validating: absolute paths, `..` components, NUL bytes, drive prefixes, and
/// paths that leave the root through a symbolic link. Paths that do not exist yet (a file to
/// create) are allowed when their nearest existing ancestor is inside the root. Without a
/// configured root every `SafePath` is rejected (deny by default).
///
/// The check happens at validation; the file system can still change before the tool uses the
/// path (a time-of-check race), so tools that write should open files without following links
/// where that matters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SafePath {
    relative: PathBuf,
    resolved: PathBuf,
}

impl SafePath {
    /// The path as the model wrote it, relative to the root.
    pub fn relative(&self) -> &Path {
        &self.relative
    }

    /// The absolute path inside the root (symbolic links resolved as far as the path exists).
    pub fn as_path(&self) -> &Path {
        &self.resolved
    }

    /// Checks `text` against `root` (which must be canonical).
    ///
    /// # Errors
    /// A sentence saying why the path is refused.
    pub fn confine(text: &str, root: &Path) -> Result<Self, String> {
        if text.is_empty() {
            return Err("the path is empty".into());
        }
        if text.contains('\0') {
            return Err("the path contains a NUL byte".into());
        }
        if text.starts_with('/') || text.starts_with('\\') || text.as_bytes().get(1) == Some(&b':')
        {
            return Err("the path must be relative to the allowed folder, not absolute".into());
        }
        let relative = PathBuf::from(text);
        for c in relative.components() {
            match c {
                Component::Normal(_) | Component::CurDir => {}
                Component::ParentDir => return Err("the path must not contain `..`".into()),
                Component::RootDir | Component::Prefix(_) => {
                    return Err("the path must be relative to the allowed folder".into());
                }
            }
        }
        let joined = root.join(&relative);
        // Resolve the deepest existing ancestor, so a link anywhere on the way is followed.
        let mut existing = joined.as_path();
        let mut rest = Vec::new();
        let resolved = loop {
            match existing.canonicalize() {
                Ok(p) => break p,
                Err(_) => match (existing.parent(), existing.file_name()) {
                    (Some(parent), Some(name)) => {
                        rest.push(name.to_owned());
                        existing = parent;
                    }
                    _ => return Err("the path cannot be resolved".into()),
                },
            }
        };
        if !resolved.starts_with(root) {
            return Err("the path leaves the allowed folder (through a link)".into());
        }
        let mut resolved = resolved;
        for name in rest.into_iter().rev() {
            resolved.push(name);
        }
        Ok(Self { relative, resolved })
    }
}

impl fmt::Debug for SafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.relative, f)
    }
}

impl std::ops::Deref for SafePath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.resolved
    }
}

impl AsRef<Path> for SafePath {
    fn as_ref(&self) -> &Path {
        &self.resolved
    }
}

impl<'de> Deserialize<'de> for SafePath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let guards = active().ok_or_else(|| {
            D::Error::custom("paths are not accepted here: no folder is configured for this tool")
        })?;
        let root = guards.root.as_deref().ok_or_else(|| {
            D::Error::custom("paths are not accepted here: no folder is configured for this tool")
        })?;
        SafePath::confine(&text, root).map_err(D::Error::custom)
    }
}

impl Serialize for SafePath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.relative.to_string_lossy().serialize(s)
    }
}

impl JsonSchema for SafePath {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SafePath".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "A path relative to the allowed folder; absolute paths, `..` and links leaving the folder are rejected."
        })
    }
}

/// An identifier: 1 to 128 characters of `A-Z a-z 0-9 _ - . :`, starting with a letter or digit.
/// For ids the model copies from earlier results (order numbers, document ids).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(String);

impl Identifier {
    /// The pattern every identifier matches.
    pub const PATTERN: &'static str = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$";

    /// Checks `text`.
    ///
    /// # Errors
    /// A sentence saying why it is not an identifier.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = !text.is_empty()
            && text.len() <= 128
            && text.as_bytes()[0].is_ascii_alphanumeric()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!(
                "must be 1 to 128 letters, digits, `_`, `.`, `:` or `-`, starting with a letter or digit (pattern {})",
                Self::PATTERN
            ))
        }
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Identifier {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Identifier::parse(&text).map_err(D::Error::custom)
    }
}

impl Serialize for Identifier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl JsonSchema for Identifier {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Identifier".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": Identifier::PATTERN,
            "maxLength": 128
        })
    }
}

/// An `https` URL whose host is on the registry's allowlist
/// ([`RegistryBuilder::allow_url_host`](crate::RegistryBuilder::allow_url_host)); no user
/// info, no other scheme. Without an allowlist every URL is rejected (deny by default).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AllowedUrl(url::Url);

impl AllowedUrl {
    /// Checks `text` against `hosts` (`"example.com"` matches exactly; `".example.com"`
    /// matches every subdomain).
    ///
    /// # Errors
    /// A sentence saying why the URL is refused.
    pub fn check(text: &str, hosts: &[String]) -> Result<Self, String> {
        let url = url::Url::parse(text).map_err(|e| format!("not a valid URL: {e}"))?;
        if url.scheme() != "https" {
            return Err("only https URLs are allowed".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("URLs with user names or passwords are not allowed".into());
        }
        let host = url
            .host_str()
            .ok_or("the URL has no host")?
            .to_ascii_lowercase();
        let allowed = hosts.iter().any(|h| match h.strip_prefix('.') {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == *h,
        });
        if !allowed {
            return Err(format!("the host `{host}` is not on the allowlist"));
        }
        Ok(Self(url))
    }

    /// The URL.
    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for AllowedUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let guards = active()
            .ok_or_else(|| D::Error::custom("URLs are not accepted here: no hosts are allowed"))?;
        AllowedUrl::check(&text, &guards.url_hosts).map_err(D::Error::custom)
    }
}

impl Serialize for AllowedUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_str().serialize(s)
    }
}

impl JsonSchema for AllowedUrl {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AllowedUrl".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "uri",
            "pattern": "^https://",
            "description": "An https URL on an allowed host."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_absolute_and_nul_are_refused() {
        let root = std::env::temp_dir().canonicalize().unwrap();
        for bad in [
            "../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "a\0b",
            "",
            "C:\\x",
            "\\\\server\\x",
        ] {
            assert!(SafePath::confine(bad, &root).is_err(), "{bad:?}");
        }
        let ok = SafePath::confine("notes/new-file.txt", &root).unwrap();
        assert!(ok.as_path().starts_with(&root));
    }

    #[cfg(unix)]
    #[test]
    fn links_that_leave_the_root_are_refused() {
        let dir = tempdir();
        let root = dir.join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("escape")).unwrap();
        std::fs::create_dir_all(root.join("inside")).unwrap();
        std::os::unix::fs::symlink(root.join("inside"), root.join("ok_link")).unwrap();
        let root = root.canonicalize().unwrap();
        assert!(SafePath::confine("escape/passwd", &root).is_err());
        assert!(SafePath::confine("escape", &root).is_err());
        assert!(SafePath::confine("ok_link/file.txt", &root).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let d = std::env::temp_dir().join(format!(
            "toolwright-guards-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn identifiers_follow_their_pattern() {
        assert!(Identifier::parse("A-1042").is_ok());
        assert!(Identifier::parse("kb:doc_7.v2").is_ok());
        for bad in ["", "-x", "a b", "a/b", "ü", &"a".repeat(129)] {
            assert!(Identifier::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn urls_must_be_https_on_an_allowed_host() {
        let hosts = vec!["api.example.com".to_owned(), ".docs.example.org".to_owned()];
        assert!(AllowedUrl::check("https://api.example.com/v1?q=1", &hosts).is_ok());
        assert!(AllowedUrl::check("https://eu.docs.example.org/x", &hosts).is_ok());
        for bad in [
            "http://api.example.com/",
            "https://evil.com/",
            "https://api.example.com.evil.com/",
            "https://user:pw@api.example.com/",
            "https://docs.example.org/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(AllowedUrl::check(bad, &hosts).is_err(), "{bad}");
        }
    }
}
