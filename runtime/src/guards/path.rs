//! `SafePath`: a path argument confined to the registry's root. The text is capped before the
//! file system is asked, then resolved one component at a time, following every link by hand
//! so that a link (dangling or not) can never lead out of the root.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::{Serialize, Serializer};

/// The longest path text accepted, in bytes (Linux's `PATH_MAX`).
pub const MAX_PATH_BYTES: usize = 4096;
/// The longest file or folder name accepted, in bytes (`NAME_MAX` on common file systems).
pub const MAX_NAME_BYTES: usize = 255;
/// The most folder levels a path may have.
pub const MAX_PATH_LEVELS: usize = 64;
/// The most links followed while resolving one path (the kernel's own limit).
const MAX_LINK_HOPS: usize = 40;
/// The most components examined while resolving one path, link targets included: resolution
/// costs at most this many file system calls, whatever the links in the root look like.
const MAX_STEPS: usize = 4 * MAX_PATH_LEVELS + MAX_LINK_HOPS;

/// A path argument confined to the registry's root
/// ([`RegistryBuilder::path_root`](crate::RegistryBuilder::path_root)).
///
/// Rejected while validating, before the file system is asked: paths longer than
/// [`MAX_PATH_BYTES`], names longer than [`MAX_NAME_BYTES`], more than [`MAX_PATH_LEVELS`]
/// levels, absolute paths, `..` components, NUL bytes and drive prefixes. Then the path is
/// resolved component by component and every symbolic link on the way, the last component
/// included, must stay inside the root whether or not its target exists: a link to a file
/// that does not exist yet is followed to where a write would create it. Links are followed
/// only while they stay inside the root (a link that leaves and comes back is refused), at
/// most 40 of them. Without a configured root every `SafePath` is rejected (deny by default).
///
/// [`as_path`](Self::as_path) is the resolved path: no link on it at validation time. The file
/// system can still change before the tool uses it (a time-of-check race); tools that write
/// open the file with [`SafePath::open_options`] or [`SafePath::create_new`], which refuse a
/// link swapped in at the last component. Folders on the way are not re-checked when opening.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().canonicalize()?;
/// use toolwright::SafePath;
/// let path = SafePath::confine("toolwright-doc-example.txt", &dir).expect("inside the root");
/// let file = SafePath::open_options().write(true).create(true).truncate(true).open(&path)?;
/// # drop(file); std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
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

    /// The absolute path inside the root, every link on it resolved (for a path that does not
    /// exist yet: where it would be created).
    pub fn as_path(&self) -> &Path {
        &self.resolved
    }

    /// Checks `text` against `root` (which must be canonical).
    ///
    /// # Errors
    /// A sentence saying why the path is refused.
    pub fn confine(text: &str, root: &Path) -> Result<Self, String> {
        let relative = check_text(text)?;
        let resolved = resolve(root, &relative)?;
        Ok(Self { relative, resolved })
    }

    /// Options for opening the confined file that refuse a symbolic link at the last component
    /// (`O_NOFOLLOW` on unix), so a link planted after validation fails the open instead of
    /// redirecting it. Set the access mode and open [`as_path`](Self::as_path) with them.
    pub fn open_options() -> OpenOptions {
        #[allow(unused_mut)]
        let mut options = OpenOptions::new();
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        options
    }

    /// Creates the confined file for writing; fails if anything, a link included, is already
    /// there.
    ///
    /// # Errors
    /// The I/O error of the open (`AlreadyExists` when the name is taken).
    pub fn create_new(&self) -> io::Result<File> {
        Self::open_options()
            .write(true)
            .create_new(true)
            .open(&self.resolved)
    }
}

/// The checks on the text alone, cheapest first: nothing here touches the file system.
fn check_text(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("the path is empty".into());
    }
    if text.len() > MAX_PATH_BYTES {
        return Err(format!(
            "the path is {} bytes; at most {MAX_PATH_BYTES} are allowed",
            text.len()
        ));
    }
    if text.contains('\0') {
        return Err("the path contains a NUL byte".into());
    }
    if text.starts_with('/') || text.starts_with('\\') || text.as_bytes().get(1) == Some(&b':') {
        return Err("the path must be relative to the allowed folder, not absolute".into());
    }
    let relative = PathBuf::from(text);
    let mut levels = 0;
    for c in relative.components() {
        match c {
            Component::Normal(name) => {
                levels += 1;
                if name.len() > MAX_NAME_BYTES {
                    return Err(format!(
                        "a name in the path is {} bytes; at most {MAX_NAME_BYTES} are allowed",
                        name.len()
                    ));
                }
            }
            Component::CurDir => {}
            Component::ParentDir => return Err("the path must not contain `..`".into()),
            Component::RootDir | Component::Prefix(_) => {
                return Err("the path must be relative to the allowed folder".into());
            }
        }
    }
    if levels > MAX_PATH_LEVELS {
        return Err(format!(
            "the path has {levels} levels; at most {MAX_PATH_LEVELS} are allowed"
        ));
    }
    Ok(relative)
}

const LEAVES: &str = "the path leaves the allowed folder (through a link)";

/// Resolves `relative` under `root` the way the kernel would, one component at a time.
///
/// Invariant: `at` is `root` or below it and every component of it is an existing folder that
/// is not a link, so `..` is its lexical parent and nothing on it can lead out.
fn resolve(root: &Path, relative: &Path) -> Result<PathBuf, String> {
    let mut pending: VecDeque<OsString> = relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_owned()),
            _ => None,
        })
        .collect();
    let mut at = root.to_path_buf();
    let mut hops = 0;
    let mut steps = 0;
    while let Some(name) = pending.pop_front() {
        steps += 1;
        if steps > MAX_STEPS {
            return Err("the path goes through too many links to resolve".into());
        }
        if name == ".." {
            if at == root {
                return Err(LEAVES.into());
            }
            at.pop();
            continue;
        }
        if name == "." {
            continue;
        }
        let next = at.join(&name);
        let meta = match symlink_metadata(&next) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Nothing below a missing name exists: the rest is where a write would create.
                at = next;
                for name in pending {
                    if name == ".." {
                        return Err("a link in the path goes through a folder that does not \
                                    exist and then `..`"
                            .into());
                    }
                    if name != "." {
                        at.push(name);
                    }
                }
                return Ok(at);
            }
            Err(e) => return Err(format!("the path cannot be resolved: {e}")),
        };
        if meta.file_type().is_symlink() {
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return Err(format!(
                    "the path goes through more than {MAX_LINK_HOPS} links (a loop of links?)"
                ));
            }
            let target = read_link(&next).map_err(|e| format!("a link cannot be read: {e}"))?;
            let target = if target.has_root() {
                // An absolute target stays inside only if it names the root: `root` is
                // canonical, so its own prefixes hold no links and resolution restarts there.
                at = root.to_path_buf();
                target
                    .strip_prefix(root)
                    .map_err(|_| LEAVES.to_owned())?
                    .to_path_buf()
            } else {
                target
            };
            for c in target.components().rev() {
                match c {
                    Component::Normal(n) => pending.push_front(n.to_owned()),
                    Component::ParentDir => pending.push_front("..".into()),
                    Component::CurDir => {}
                    Component::RootDir | Component::Prefix(_) => return Err(LEAVES.into()),
                }
            }
            continue;
        }
        if !meta.is_dir() && pending.iter().any(|n| n != ".") {
            return Err(format!(
                "`{}` is a file, not a folder",
                Path::new(&name).display()
            ));
        }
        at = next;
    }
    Ok(at)
}

#[cfg(test)]
thread_local! {
    /// File system calls made by `resolve` on this thread: the cost proxy of the unit tests.
    static FS_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn symlink_metadata(path: &Path) -> io::Result<std::fs::Metadata> {
    #[cfg(test)]
    FS_CALLS.with(|c| c.set(c.get() + 1));
    std::fs::symlink_metadata(path)
}

fn read_link(path: &Path) -> io::Result<PathBuf> {
    #[cfg(test)]
    FS_CALLS.with(|c| c.set(c.get() + 1));
    std::fs::read_link(path)
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
        let guards = super::active().ok_or_else(|| {
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

string_schema!(SafePath, {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_PATH_BYTES,
    "description": "A path relative to the allowed folder; absolute paths, `..` and links leaving the folder are rejected."
});

#[cfg(test)]
mod tests {
    use super::*;

    fn fs_calls<R>(f: impl FnOnce() -> R) -> (R, usize) {
        FS_CALLS.with(|c| c.set(0));
        let r = f();
        (r, FS_CALLS.with(std::cell::Cell::get))
    }

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

    #[test]
    fn oversized_paths_are_refused_without_a_file_system_call() {
        let root = std::env::temp_dir().canonicalize().unwrap();
        let huge = "a/".repeat(300_000);
        let wide = "n".repeat(MAX_NAME_BYTES + 1);
        let deep = "d/".repeat(MAX_PATH_LEVELS + 1);
        for text in [huge.as_str(), wide.as_str(), deep.as_str()] {
            let (result, calls) = fs_calls(|| SafePath::confine(text, &root));
            assert!(result.is_err());
            assert_eq!(calls, 0);
        }
    }

    #[test]
    fn resolution_costs_one_call_per_component() {
        let root = std::env::temp_dir().canonicalize().unwrap();
        // The first name is missing, so the rest is appended without asking again.
        let deep = format!("toolwright-missing-{}/", std::process::id()).repeat(MAX_PATH_LEVELS);
        let (result, calls) = fs_calls(|| SafePath::confine(&deep, &root));
        assert!(result.is_ok());
        assert_eq!(calls, 1);
    }

    #[cfg(unix)]
    #[test]
    fn links_that_leave_the_root_are_refused() {
        let dir = tempdir();
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("inside/a/b")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("escape")).unwrap();
        std::os::unix::fs::symlink(root.join("inside"), root.join("ok_link")).unwrap();
        let root = root.canonicalize().unwrap();
        assert!(SafePath::confine("escape/passwd", &root).is_err());
        assert!(SafePath::confine("escape", &root).is_err());
        assert!(SafePath::confine("ok_link/file.txt", &root).is_ok());
        // Existing folders cost one call each, a link two plus its target's components.
        let (result, calls) = fs_calls(|| SafePath::confine("inside/a/b/new.txt", &root));
        assert!(result.is_ok());
        assert_eq!(calls, 4);
        let (result, calls) = fs_calls(|| SafePath::confine("ok_link/a/b", &root));
        assert_eq!(result.unwrap().as_path(), root.join("inside/a/b"));
        assert_eq!(calls, 5);
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
}
