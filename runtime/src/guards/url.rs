//! `AllowedUrl`: an https URL whose host, as the `url` crate's WHATWG parser reads it, is on the
//! registry's allowlist, on the default port or a port the allowlist entry names.

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::{Serialize, Serializer};
use url::{Host, Url};

/// An `https` URL whose host is on the registry's allowlist
/// ([`RegistryBuilder::allow_url_host`](crate::RegistryBuilder::allow_url_host)); no user
/// info, no other scheme, and the default port (443) unless the entry names another. Without an
/// allowlist every URL is rejected (deny by default).
///
/// The host checked is the one the parser produced (lowercased, international names in
/// punycode, percent-escapes decoded, IP addresses normalized), and the URL a tool gets from
/// [`url`](Self::url) or [`as_str`](Self::as_str) is that parser's serialization, so the tool
/// connects to the host that was checked. Input that parsers read differently is refused:
/// backslashes, control characters, surrounding spaces and a host ending with a dot.
///
/// ```
/// use toolwright::{AllowedUrl, ErrorKind, Executor, Principal, Registry, ToolCall, tool};
///
/// /// Fetch the status page of a partner service and report whether it is up. Returns the host checked.
/// #[tool(read_only, open_world)]
/// async fn check_partner_status(
///     /// The status page, an https URL on a partner's host, e.g. "https://status.example.com/api"
///     url: AllowedUrl,
/// ) -> String {
///     // A real tool would fetch `url.as_str()` here; the host is the one that was checked.
///     url.url().host_str().unwrap_or_default().to_owned()
/// }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let registry = Registry::builder()
///     .tool(check_partner_status)
///     .allow_url_host(".example.com")
///     .build()?;
/// let executor = Executor::new(registry);
/// let anyone = Principal::anonymous();
///
/// let args = r#"{"url": "https://status.example.com/api"}"#;
/// let ok = executor.call(&anyone, &ToolCall::new("c1", "check_partner_status", args)).await;
/// assert_eq!(ok.outcome.unwrap(), "status.example.com");
///
/// // Refused while validating: the body never runs.
/// let args = r#"{"url": "https://example.com.attacker.net/"}"#;
/// let refused = executor.call(&anyone, &ToolCall::new("c2", "check_partner_status", args)).await;
/// let error = refused.error().unwrap();
/// assert_eq!(error.kind(), ErrorKind::InvalidArguments);
/// // The model is told why, in words that never quote what it sent.
/// assert!(error.to_string().contains("the URL's host is not one this tool may reach"));
/// # Ok::<(), toolwright::RegistryError>(()) }).unwrap();
///
/// // The same check on its own says why.
/// let hosts = [".example.com".to_owned()];
/// assert_eq!(
///     AllowedUrl::check("https://example.com.attacker.net/", &hosts).unwrap_err(),
///     "the host `example.com.attacker.net` is not on the allowlist"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AllowedUrl(Url);

/// One allowlist entry, parsed once: a host as the parser serializes it, whether its subdomains
/// are meant instead, and the one port allowed (`None`: the scheme's default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostRule {
    host: String,
    subdomains: bool,
    port: Option<u16>,
}

const ENTRY_GRAMMAR: &str = "write a host with an optional port, e.g. `api.example.com`, \
     `api.example.com:8443`, `.example.com` (every subdomain) or `[2001:db8::1]`";

impl HostRule {
    /// Parses an allowlist entry: `host`, `.domain` (every subdomain of it) or either with
    /// `:port`; hosts go through the same parser as the URLs they are compared with.
    pub(crate) fn parse(entry: &str) -> Result<Self, String> {
        let (subdomains, rest) = match entry.strip_prefix('.') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "/\\?#@%".contains(c);
        if rest.is_empty() || rest.starts_with('.') || rest.contains(bad_char) {
            return Err(ENTRY_GRAMMAR.into());
        }
        let url =
            Url::parse(&format!("https://{rest}/")).map_err(|e| format!("{e}; {ENTRY_GRAMMAR}"))?;
        let host = match url.host() {
            Some(Host::Domain(d)) => {
                // `api.example.com.` is the same DNS name; the URL side refuses the dot instead.
                let d = d.strip_suffix('.').unwrap_or(d);
                if d.is_empty() || d.ends_with('.') {
                    return Err(ENTRY_GRAMMAR.into());
                }
                d.to_owned()
            }
            Some(_) if subdomains => {
                return Err(
                    "an entry starting with `.` needs a domain name, not an IP address".into(),
                );
            }
            Some(ip) => ip.to_string(),
            None => return Err(ENTRY_GRAMMAR.into()),
        };
        Ok(Self {
            host,
            subdomains,
            port: url.port(),
        })
    }

    fn covers_host(&self, host: &str, is_domain: bool) -> bool {
        if self.subdomains {
            is_domain
                && host
                    .strip_suffix(self.host.as_str())
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            host == self.host
        }
    }
}

impl AllowedUrl {
    /// Checks `text` against the allowlist entries `hosts` (`"example.com"` matches exactly,
    /// `".example.com"` every subdomain, `"example.com:8443"` that port instead of the default).
    ///
    /// # Errors
    /// A sentence saying why the URL is refused, or why an entry of `hosts` is unusable.
    pub fn check(text: &str, hosts: &[String]) -> Result<Self, String> {
        let rules = hosts
            .iter()
            .map(|h| {
                HostRule::parse(h)
                    .map_err(|e| format!("the allowlist entry `{h}` is unusable: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::check_rules(text, &rules)
    }

    pub(crate) fn check_rules(text: &str, rules: &[HostRule]) -> Result<Self, String> {
        Self::judge(text, rules).map_err(|refusal| refusal.to_string())
    }

    fn judge(text: &str, rules: &[HostRule]) -> Result<Self, Refusal> {
        // WHATWG parsers drop tabs and newlines, trim spaces and read `\` as `/`; other
        // parsers do not. Refusing these keeps every reader on the same host.
        if text.contains(|c: char| c.is_ascii_control() || c == '\\')
            || text.starts_with(' ')
            || text.ends_with(' ')
        {
            return Err(Refusal::Unplain);
        }
        let url = Url::parse(text).map_err(Refusal::Unparsable)?;
        if url.scheme() != "https" {
            return Err(Refusal::NotHttps);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::UserInfo);
        }
        let (host, is_domain) = match url.host() {
            Some(Host::Domain(d)) => (d.to_owned(), true),
            Some(ip) => (ip.to_string(), false),
            None => return Err(Refusal::NoHost),
        };
        if is_domain && host.ends_with('.') {
            return Err(Refusal::TrailingDot(host));
        }
        let port = url.port();
        let mut host_ok = false;
        for rule in rules.iter().filter(|r| r.covers_host(&host, is_domain)) {
            if rule.port == port {
                return Ok(Self(url));
            }
            host_ok = true;
        }
        Err(match (host_ok, port) {
            (false, _) => Refusal::HostNotAllowed(host),
            (true, Some(port)) => Refusal::PortNotAllowed(port, host),
            (true, None) => Refusal::DefaultPortNotAllowed(host),
        })
    }

    /// The URL.
    pub fn url(&self) -> &Url {
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
        let guards = super::active().ok_or_else(|| D::Error::custom(NO_HOSTS))?;
        // The model's own text is never quoted back: the reason, in fixed words.
        AllowedUrl::judge(&text, &guards.url_hosts).map_err(|r| D::Error::custom(r.for_model()))
    }
}

impl Serialize for AllowedUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.as_str().serialize(s)
    }
}

const NO_HOSTS: &str = "URLs are not accepted here: no hosts are allowed";

/// Why a URL is refused. `Display` names the host (for [`AllowedUrl::check`]'s caller, the
/// developer); [`Refusal::for_model`] says the same in fixed words, without the model's input.
enum Refusal {
    Unplain,
    Unparsable(url::ParseError),
    NotHttps,
    UserInfo,
    NoHost,
    TrailingDot(String),
    HostNotAllowed(String),
    PortNotAllowed(u16, String),
    DefaultPortNotAllowed(String),
}

const UNPLAIN: &str = "the URL contains a backslash, a control character or surrounding \
     spaces; write it plainly, e.g. https://api.example.com/path";

impl Refusal {
    /// The reason in fixed words (nothing of the model's input).
    fn for_model(&self) -> &'static str {
        match self {
            Self::Unplain => UNPLAIN,
            Self::Unparsable(_) => {
                "is not a valid URL; write a full https URL, e.g. https://api.example.com/path"
            }
            Self::NotHttps => "only https URLs are allowed",
            Self::UserInfo => "URLs with user names or passwords are not allowed",
            Self::NoHost => "the URL has no host",
            Self::TrailingDot(_) => "the URL's host ends with a dot; write it without the dot",
            Self::HostNotAllowed(_) => {
                "the URL's host is not one this tool may reach; do not retry with it"
            }
            Self::PortNotAllowed(..) => "the URL's port is not allowed for its host",
            Self::DefaultPortNotAllowed(_) => "the URL's host is allowed only on another port",
        }
    }
}

/// Whether `message` is one a guard gives the model in fixed words: the validator passes it
/// through as it is, instead of its generic "expected a URI".
pub(crate) fn is_model_message(message: &str) -> bool {
    message == NO_HOSTS
        || [
            Refusal::Unplain,
            Refusal::Unparsable(url::ParseError::EmptyHost),
            Refusal::NotHttps,
            Refusal::UserInfo,
            Refusal::NoHost,
            Refusal::TrailingDot(String::new()),
            Refusal::HostNotAllowed(String::new()),
            Refusal::PortNotAllowed(0, String::new()),
            Refusal::DefaultPortNotAllowed(String::new()),
        ]
        .iter()
        .any(|r| r.for_model() == message)
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unplain => f.write_str(UNPLAIN),
            Self::Unparsable(e) => write!(f, "not a valid URL: {e}"),
            Self::NotHttps | Self::UserInfo | Self::NoHost => f.write_str(self.for_model()),
            Self::TrailingDot(host) => {
                write!(f, "the host `{host}` ends with a dot; write it without")
            }
            Self::HostNotAllowed(host) => write!(f, "the host `{host}` is not on the allowlist"),
            Self::PortNotAllowed(port, host) => {
                write!(f, "port {port} is not allowed for `{host}`")
            }
            Self::DefaultPortNotAllowed(host) => write!(
                f,
                "the default port is not allowed for `{host}`; use the port on the allowlist"
            ),
        }
    }
}

string_schema!(AllowedUrl, {
    "type": "string",
    "format": "uri",
    "pattern": "^https://",
    "description": "An https URL on an allowed host."
});

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn urls_must_be_https_on_an_allowed_host() {
        let hosts = hosts(&["api.example.com", ".docs.example.org"]);
        assert!(AllowedUrl::check("https://api.example.com/v1?q=1", &hosts).is_ok());
        assert!(AllowedUrl::check("https://eu.docs.example.org/x", &hosts).is_ok());
        for bad in [
            "http://api.example.com/",
            "https://evil.com/",
            "https://api.example.com.evil.com/",
            "https://user:pw@api.example.com/",
            "https://docs.example.org/",
            "https://xdocs.example.org/",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(AllowedUrl::check(bad, &hosts).is_err(), "{bad}");
        }
    }

    #[test]
    fn entries_are_read_by_the_same_parser_as_urls() {
        let rule = |e: &str| HostRule::parse(e).unwrap();
        assert_eq!(rule("API.Example.com."), rule("api.example.com"));
        assert_eq!(rule("api.example.com:443"), rule("api.example.com"));
        assert_eq!(rule("b\u{fc}cher.example").host, "xn--bcher-kva.example");
        assert_eq!(rule("[2001:DB8::1]:8443").host, "[2001:db8::1]");
        assert_eq!(rule("[2001:DB8::1]:8443").port, Some(8443));
        assert_eq!(rule("0x7f.1").host, "127.0.0.1");
        for bad in [
            ".127.0.0.1",
            "a b",
            "a:99999",
            "..example.com",
            "%61pi.example.com",
        ] {
            assert!(HostRule::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_listed_port_replaces_the_default() {
        let hosts = hosts(&["[2001:db8::1]:8443", ".example.org:8080"]);
        assert!(AllowedUrl::check("https://[2001:db8::1]:8443/", &hosts).is_ok());
        assert!(AllowedUrl::check("https://[2001:db8::1]/", &hosts).is_err());
        assert!(AllowedUrl::check("https://a.example.org:8080/", &hosts).is_ok());
        assert!(AllowedUrl::check("https://a.example.org/", &hosts).is_err());
    }
}
