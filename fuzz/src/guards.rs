//! The bodies of the guard fuzz targets: `safe_path` builds a small tree of folders, files and
//! links from the input and confines paths in it; `allowed_url` checks URLs against a fixed
//! allowlist. `tests/it/fuzz_guards.rs` runs the same bodies on stable with proptest inputs.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use toolwright::{AllowedUrl, SafePath};

/// Reads the input a byte at a time; an exhausted input reads as zeros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn pick<'s>(&mut self, from: &[&'s str]) -> &'s str {
        from[usize::from(self.next()) % from.len()]
    }
}

/// Names the tree is built from: few, so that links and paths meet often.
const NAMES: [&str; 4] = ["a", "b", "l", "new.txt"];
/// What link targets are made of.
const TARGET_PARTS: [&str; 7] = ["a", "b", "l", "new.txt", "..", ".", "out"];

fn relative_path(b: &mut Bytes<'_>, parts: &[&str]) -> PathBuf {
    let depth = usize::from(b.next() % 3) + 1;
    (0..depth).map(|_| b.pick(parts)).collect()
}

/// A fresh `root` and `out` (the outside) under a folder of this thread (the stable twin runs
/// cases on several threads).
fn fresh_tree() -> Option<(PathBuf, PathBuf)> {
    static THREADS: AtomicU32 = AtomicU32::new(0);
    thread_local! {
        static THREAD: u32 = THREADS.fetch_add(1, Ordering::Relaxed);
    }
    let base = std::env::temp_dir().join(format!(
        "toolwright-fuzz-safe-path-{}-{}",
        std::process::id(),
        THREAD.with(|t| *t)
    ));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("root")).ok()?;
    std::fs::create_dir_all(base.join("out")).ok()?;
    let base = base.canonicalize().ok()?;
    Some((base.join("root"), base.join("out")))
}

/// Where the kernel would land for `path`, following every link that exists, a dangling last
/// link included (to where a write would create its target). `None` when the kernel could
/// not resolve it at all (a loop, `..` below a missing folder): then nothing can be written.
fn kernel_resolution(path: &Path, hops: usize) -> Option<PathBuf> {
    if hops > 40 {
        return None;
    }
    if let Ok(real) = path.canonicalize() {
        return Some(real);
    }
    let parent = kernel_resolution(path.parent()?, hops)?;
    let name = match path.components().next_back()? {
        Component::Normal(name) => name,
        _ => return None,
    };
    let candidate = parent.join(name);
    match std::fs::symlink_metadata(&candidate) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::read_link(&candidate).ok()?;
            kernel_resolution(&parent.join(target), hops + 1)
        }
        _ => Some(candidate),
    }
}

/// A tree from the input, then paths confined in it: an accepted path, and every prefix of it,
/// resolves inside the root the way the kernel resolves it, and `as_path` is that resolution.
pub fn safe_path(data: &[u8]) {
    let Some((root, out)) = fresh_tree() else {
        return;
    };
    let mut b = Bytes(data);
    let mut queries = Vec::new();
    for _ in 0..b.next() % 8 {
        let at = relative_path(&mut b, &NAMES);
        let full = root.join(&at);
        if let Some(parent) = full.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        match b.next() % 3 {
            0 => drop(std::fs::create_dir_all(&full)),
            1 => drop(std::fs::write(&full, "x")),
            _ => {
                let rest = relative_path(&mut b, &TARGET_PARTS);
                let target = match b.next() % 4 {
                    0 => rest,
                    1 => root.join(rest),
                    2 => out.join(rest),
                    _ => root.parent().map_or(rest.clone(), |p| p.join(&rest)),
                };
                #[cfg(unix)]
                let _ = std::os::unix::fs::symlink(target, &full);
                #[cfg(not(unix))]
                let _ = target;
            }
        }
        queries.push(at.to_string_lossy().into_owned());
    }
    for _ in 0..b.next() % 4 {
        let mut q = relative_path(&mut b, &NAMES);
        q.push(b.pick(&NAMES));
        queries.push(q.to_string_lossy().into_owned());
    }
    // Whatever is left is one more path, as raw text.
    if !b.0.is_empty() {
        queries.push(String::from_utf8_lossy(b.0).into_owned());
    }
    for q in &queries {
        match SafePath::confine(q, &root) {
            Ok(p) => check_confined(q, &p, &root),
            Err(e) => assert!(!e.is_empty()),
        }
    }
}

fn check_confined(q: &str, p: &SafePath, root: &Path) {
    assert!(p.as_path().starts_with(root), "{q:?} -> {:?}", p.as_path());
    let mut prefix = root.to_path_buf();
    for c in Path::new(q).components() {
        prefix.push(c);
        if let Some(real) = kernel_resolution(&prefix, 0) {
            assert!(
                real.starts_with(root),
                "{q:?}: {prefix:?} resolves to {real:?}"
            );
        }
    }
    if let Some(real) = kernel_resolution(&root.join(q), 0) {
        assert_eq!(p.as_path(), real, "{q:?}");
    }
}

/// The allowlist of the `allowed_url` target, with what each entry means: host, subdomains
/// instead of the host, and the one port allowed (`None`: 443).
const ENTRIES: [(&str, &str, bool, Option<u16>); 6] = [
    ("api.example.com", "api.example.com", false, None),
    (".docs.example.org", "docs.example.org", true, None),
    (
        "files.example.com:8443",
        "files.example.com",
        false,
        Some(8443),
    ),
    ("192.0.2.7", "192.0.2.7", false, None),
    ("[2001:db8::1]:8443", "[2001:db8::1]", false, Some(8443)),
    ("b\u{fc}cher.example", "xn--bcher-kva.example", false, None),
];

/// The first byte chooses allowlist entries, the rest is the URL: an accepted URL is https
/// without user info, its parsed host and port are on an active entry, and its serialization
/// names exactly that host and port, so no other parser can read another host from it.
pub fn allowed_url(data: &[u8]) {
    let Some((mask, text)) = data.split_first() else {
        return;
    };
    let active: Vec<_> = ENTRIES
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, e)| *e)
        .collect();
    let hosts: Vec<String> = active.iter().map(|e| e.0.to_owned()).collect();
    let text = String::from_utf8_lossy(text);
    let url = match AllowedUrl::check(&text, &hosts) {
        Ok(url) => url,
        Err(e) => {
            assert!(!e.is_empty());
            return;
        }
    };
    let u = url.url();
    assert_eq!(u.scheme(), "https");
    assert!(
        u.username().is_empty() && u.password().is_none(),
        "{text:?}"
    );
    let host = u.host_str().expect("an accepted URL has a host");
    let port = u.port();
    let listed = active.iter().any(|&(_, h, subdomains, p)| {
        let host_ok = if subdomains {
            u.domain().is_some() && host.ends_with(&format!(".{h}"))
        } else {
            host == h
        };
        host_ok && p == port
    });
    assert!(listed, "{text:?} -> {host} port {port:?} is not listed");
    let serialized = url.as_str();
    let authority = serialized
        .strip_prefix("https://")
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .expect("an https URL serializes with an authority");
    let expected = match port {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    assert_eq!(authority, expected, "{text:?}");
    assert!(!serialized.contains('\\'), "{text:?}");
}
