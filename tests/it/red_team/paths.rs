//! Hostile paths and URLs: links planted in the root (dangling, chained, looping, swapped in
//! after validation), paths too large to confine cheaply, and URLs that reach another port or
//! host through a parser quirk.

use std::path::{Path, PathBuf};

use serde_json::json;
use toolwright::{AllowedUrl, ErrorKind, Executor, Principal, Registry, SafePath, ToolCall, tool};

/// A root (`root/`) next to a folder the tools must never reach (`outside/`).
struct Tree {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("root/notes")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        let root = dir.path().join("root").canonicalize().unwrap();
        Self { dir, root }
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside").canonicalize().unwrap()
    }

    #[cfg(unix)]
    fn link(&self, at: &str, target: impl AsRef<Path>) {
        std::os::unix::fs::symlink(target, self.root.join(at)).unwrap();
    }

    fn confine(&self, path: &str) -> Result<SafePath, String> {
        SafePath::confine(path, &self.root)
    }

    fn outside_is_empty(&self) -> bool {
        std::fs::read_dir(self.outside()).unwrap().next().is_none()
    }
}

/// Save a text note in the notes folder, creating or replacing the file. Returns the number of
/// bytes written.
#[tool]
async fn save_text_note(
    /// Path of the note inside the notes folder, e.g. "notes/today.txt"
    path: SafePath,
    /// The text to write, e.g. "call the bank"
    text: String,
) -> Result<usize, toolwright::ToolError> {
    std::fs::write(path.as_path(), &text)
        .map_err(|e| toolwright::ToolError::failed(format!("cannot write the note: {e}")))?;
    Ok(text.len())
}

#[cfg(unix)]
#[tokio::test]
async fn a_dangling_link_cannot_make_a_write_tool_create_a_file_outside_the_root() {
    let t = Tree::new();
    t.link("notes/today.txt", "../../outside/new.txt");
    let ex = Executor::new(
        Registry::builder()
            .tool(save_text_note)
            .path_root(&t.root)
            .build()
            .unwrap(),
    );
    let args = json!({"path": "notes/today.txt", "text": "pwned"}).to_string();
    let r = ex
        .call(
            &Principal::anonymous(),
            &ToolCall::new("c", "save_text_note", args),
        )
        .await;
    assert_eq!(
        r.error().map(|e| e.kind()),
        Some(ErrorKind::InvalidArguments)
    );
    assert!(t.outside_is_empty(), "a file was created outside the root");
}

#[cfg(unix)]
#[test]
fn dangling_links_leaving_the_root_are_refused_whatever_their_shape() {
    let t = Tree::new();
    let outside = t.outside();
    t.link("relative", "../outside/new.txt");
    t.link("absolute", outside.join("new.txt"));
    t.link("chain1", "chain2");
    t.link("chain2", "chain3");
    t.link("chain3", "../outside/chained.txt");
    t.link("escape_dir", "../outside");
    // A link whose target goes through another link that leaves.
    t.link("through", "escape_dir/new.txt");
    t.link("notes/deep", "../../outside/x/y.txt");
    for path in [
        "relative",
        "absolute",
        "chain1",
        "through",
        "notes/deep",
        "escape_dir/new.txt",
        "escape_dir",
    ] {
        let err = t.confine(path).expect_err(path);
        assert!(err.contains("leaves the allowed folder"), "{path}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn a_link_loop_is_refused_with_a_reason() {
    let t = Tree::new();
    t.link("ping", "pong");
    t.link("pong", "ping");
    t.link("self", "self/x");
    for path in ["ping", "pong/x", "self"] {
        let err = t.confine(path).expect_err(path);
        assert!(err.contains("links"), "{path}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn links_that_stay_inside_the_root_resolve_to_where_the_file_would_be() {
    let t = Tree::new();
    std::fs::write(t.root.join("notes/a.txt"), "a").unwrap();
    t.link("existing", "notes/a.txt");
    t.link("dangling", "notes/new.txt");
    t.link("absolute", t.root.join("notes"));
    t.link("notes/up", "../notes");
    t.link("hop", "existing");
    let cases = [
        ("existing", "notes/a.txt"),
        ("dangling", "notes/new.txt"),
        ("absolute/new.txt", "notes/new.txt"),
        ("notes/up/up/a.txt", "notes/a.txt"),
        ("hop", "notes/a.txt"),
        ("./notes/./new/deeper.txt", "notes/new/deeper.txt"),
    ];
    for (path, lands) in cases {
        let p = t.confine(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(p.as_path(), t.root.join(lands), "{path}");
        assert_eq!(p.relative(), Path::new(path));
    }
}

#[cfg(unix)]
#[test]
fn the_write_helpers_refuse_a_link_swapped_in_after_validation() {
    let t = Tree::new();
    let p = t.confine("notes/report.txt").unwrap();
    // Validated; now the file system changes under the tool.
    t.link("notes/report.txt", t.outside().join("stolen.txt"));
    let opened = SafePath::open_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&p);
    assert!(opened.is_err(), "open followed the swapped-in link");
    assert!(p.create_new().is_err(), "create_new followed the link");
    assert!(t.outside_is_empty(), "a file was created outside the root");

    // Without the race the helpers create the confined file.
    let q = t.confine("notes/fresh.txt").unwrap();
    std::io::Write::write_all(&mut q.create_new().unwrap(), b"ok").unwrap();
    assert_eq!(
        std::fs::read(t.root.join("notes/fresh.txt")).unwrap(),
        b"ok"
    );
}

#[test]
fn a_huge_path_is_refused_before_the_file_system_is_asked() {
    let t = Tree::new();
    let huge = "a/".repeat(300_000);
    let Err(err) = t.confine(&huge) else {
        panic!("a path of {} bytes was accepted", huge.len());
    };
    assert!(err.contains("bytes"), "{err}");
    let long_name = format!("notes/{}.txt", "n".repeat(300));
    let err = t.confine(&long_name).unwrap_err();
    assert!(err.contains("name"), "{err}");
    let deep = "d/".repeat(1000);
    let err = t.confine(&deep).unwrap_err();
    assert!(err.contains("levels"), "{err}");
}

#[test]
fn urls_reach_only_the_listed_port() {
    let hosts = [
        "api.example.com".to_owned(),
        "files.example.com:8443".to_owned(),
    ];
    for ok in [
        "https://api.example.com/v1",
        "https://api.example.com:443/v1",
        "https://files.example.com:8443/x",
    ] {
        assert!(AllowedUrl::check(ok, &hosts).is_ok(), "{ok}");
    }
    for bad in [
        "https://api.example.com:8443/",
        "https://api.example.com:22/",
        "https://files.example.com/x",
        "https://files.example.com:443/x",
    ] {
        let err = AllowedUrl::check(bad, &hosts).unwrap_err();
        assert!(err.contains("port"), "{bad}: {err}");
    }
}

#[test]
fn urls_are_judged_by_the_host_the_parser_sees() {
    let hosts = [
        "api.example.com".to_owned(),
        ".docs.example.org".to_owned(),
        "xn--bcher-kva.example".to_owned(),
    ];
    for bad in [
        // The parser reads `\` as `/`: the host is api.example.com, but other parsers disagree.
        "https://api.example.com\\@evil.com/",
        "https://evil.com\\@api.example.com/",
        "https://api.example.com./",
        "https://x.docs.example.org./",
        "https://api.example.com%2eevil.com/",
        "https://\u{430}pi.example.com/",
        "https://api.example.com\t/",
        " https://api.example.com/",
        "https://api.example.com@evil.com/",
    ] {
        assert!(AllowedUrl::check(bad, &hosts).is_err(), "{bad:?}");
    }
    for (ok, host) in [
        ("https://API.Example.COM/", "api.example.com"),
        ("https://api%2Eexample.com/", "api.example.com"),
        ("https://b\u{fc}cher.example/", "xn--bcher-kva.example"),
        ("https://eu.docs.example.org/a", "eu.docs.example.org"),
    ] {
        let url = AllowedUrl::check(ok, &hosts).unwrap_or_else(|e| panic!("{ok}: {e}"));
        assert_eq!(url.url().host_str(), Some(host));
    }
}

#[test]
fn an_ip_address_is_matched_only_by_its_own_entry() {
    let hosts = ["192.0.2.7".to_owned(), ".example.com".to_owned()];
    assert!(AllowedUrl::check("https://192.0.2.7/", &hosts).is_ok());
    // The same address written another way is the same host.
    assert!(AllowedUrl::check("https://3221225991/", &hosts).is_ok());
    assert!(AllowedUrl::check("https://192.0.2.70/", &hosts).is_err());
    // A suffix entry is for domain names: `.0.0.1` would otherwise cover 127.0.0.1.
    assert!(
        Registry::builder()
            .allow_url_host(".0.0.1")
            .build()
            .is_err()
    );
}

#[test]
fn an_unusable_allowlist_entry_is_a_build_error() {
    for bad in [
        "https://api.example.com",
        "api.example.com/v1",
        "user@api.example.com",
        "",
        ".",
        "api.example.com:http",
    ] {
        assert!(
            Registry::builder().allow_url_host(bad).build().is_err(),
            "{bad:?}"
        );
    }
    assert!(
        Registry::builder()
            .allow_url_host("API.example.com:8443")
            .allow_url_host(".example.org")
            .allow_url_host("[2001:db8::1]")
            .build()
            .is_ok()
    );
}

/// Fetch the public status page of a partner service. Returns the page's HTTP status code.
#[tool(read_only, open_world)]
async fn fetch_partner_status_page(
    /// The status page, an https URL on a partner's host, e.g. "https://status.example.com/"
    url: AllowedUrl,
) -> u16 {
    let _ = url;
    200
}

/// The model learns why its URL was refused (so it does not retry the same one as "malformed"),
/// in fixed words that never quote what it sent.
#[tokio::test]
async fn a_refused_url_tells_the_model_why_without_quoting_it() {
    let registry = Registry::builder()
        .tool(fetch_partner_status_page)
        .allow_url_host(".example.com")
        .allow_url_host("files.partner.test:8443")
        .build()
        .unwrap();
    let executor = Executor::new(registry);
    let anyone = Principal::anonymous();
    for (url, why) in [
        (
            "https://evil-host.test/x",
            "the URL's host is not one this tool may reach",
        ),
        ("http://status.example.com/", "only https URLs are allowed"),
        (
            "https://status.example.com:8080/",
            "the URL's port is not allowed for its host",
        ),
        (
            "https://files.partner.test/",
            "the URL's host is allowed only on another port",
        ),
        (
            "https://status.example.com./",
            "the URL's host ends with a dot",
        ),
        (
            "https://user:pw@status.example.com/",
            "user names or passwords",
        ),
        ("https://[bad/", "is not a valid URL"),
    ] {
        let args = json!({ "url": url }).to_string();
        let result = executor
            .call(
                &anyone,
                &ToolCall::new("c", "fetch_partner_status_page", args),
            )
            .await;
        let Some(err) = result.error() else {
            panic!("{url} was accepted: {result:?}")
        };
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{url}");
        let text = err.to_string();
        assert!(text.contains(why), "{url}: {text}");
        let authority = url
            .split("://")
            .nth(1)
            .unwrap_or(url)
            .split('/')
            .next()
            .unwrap();
        let host = authority
            .rsplit('@')
            .next()
            .unwrap()
            .split(':')
            .next()
            .unwrap();
        assert!(
            host.is_empty() || !text.contains(host),
            "{url} quoted: {text}"
        );
    }
}
