//! The guard fuzz targets of `fuzz/` on stable: the same bodies, driven by proptest for a
//! bounded number of cases (trees and paths built from bytes, URLs assembled from hostile parts).

#[path = "../../fuzz/src/guards.rs"]
mod guards;

use proptest::prelude::*;

use crate::support::seeds;

/// URLs near the allowlist of the target: its hosts, respelled, with ports and parser quirks.
fn url_like() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "https://",
        "HTTPS://",
        "http://",
        "https:",
        "https:\\\\",
        "",
    ]);
    let userinfo = prop::sample::select(vec!["", "user@", "user:pw@", "api.example.com@", ":@"]);
    let host = prop::sample::select(vec![
        "api.example.com",
        "API.EXAMPLE.COM",
        "api.example.com.",
        "api%2Eexample.com",
        "api.example.com%2e",
        "x.docs.example.org",
        "docs.example.org",
        ".docs.example.org",
        "x.docs.example.org.",
        "files.example.com",
        "192.0.2.7",
        "3221225991",
        "0xc0.0.2.7",
        "[2001:db8::1]",
        "[2001:db8:0::1]",
        "b\u{fc}cher.example",
        "xn--bcher-kva.example",
        "api\u{ff0e}example\u{ff0e}com",
        "\u{430}pi.example.com",
        "evil.com",
        "api.example.com\\@evil.com",
        "evil.com\\@api.example.com",
        "api.exa\tmple.com",
    ]);
    let port = prop::sample::select(vec!["", ":443", ":8443", ":0443", ":22", ":", ":65536"]);
    let tail = prop::sample::select(vec![
        "",
        "/",
        "/v1?q=a b",
        "#frag",
        "\\x",
        "/@evil.com",
        "?@evil.com/",
    ]);
    (scheme, userinfo, host, port, tail).prop_map(|(s, u, h, p, t)| format!("{s}{u}{h}{p}{t}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn safe_path_target(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        guards::safe_path(&bytes);
    }

    #[test]
    fn safe_path_target_many_links(ops in prop::collection::vec((any::<u8>(), 2u8..3, any::<u8>()), 1..8), queries in "[abl/.]{1,12}") {
        // Every operation a link: `[depth, name…, kind = link, target depth, parts…, mode]`.
        let mut bytes = vec![u8::try_from(ops.len()).unwrap_or(7)];
        for (seed, kind, mode) in ops {
            bytes.extend([seed % 3, seed, seed / 3, kind, seed / 5, seed / 7, seed / 11, seed / 13, mode]);
        }
        bytes.push(0);
        bytes.extend(queries.bytes());
        guards::safe_path(&bytes);
    }

    #[test]
    fn allowed_url_target(mask in any::<u8>(), url in url_like()) {
        let mut bytes = vec![mask];
        bytes.extend(url.bytes());
        guards::allowed_url(&bytes);
    }

    #[test]
    fn allowed_url_target_raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        guards::allowed_url(&bytes);
    }
}

/// The seeds committed under `fuzz/corpus/` (the cases that mattered) stay green on stable.
#[test]
fn committed_seeds_pass() {
    seeds::replay_committed("safe_path", guards::safe_path);
    seeds::replay_committed("allowed_url", guards::allowed_url);
}
