//! The outbound policy: where the server may connect when it talks to registries, and where it
//! may send registry credentials. A sync source is chosen by a user, and every registry answer
//! (a redirect, a token realm, a `Link`, an upload `Location`) names further URLs; none of them
//! may turn the server against its own network (SSRF) or carry credentials away.
//!
//! - **Addresses.** Loopback, link-local (169.254/16, fe80::/10), private (10/8, 172.16/12,
//!   192.168/16, fc00::/7), unspecified and multicast addresses are refused, IPv4-mapped IPv6 forms
//!   included. The check runs on the resolved address at connect time ([`PolicyResolver`], the
//!   client's DNS resolver), so a name that resolves (or re-resolves) to such an address gets no
//!   connection. reqwest skips the resolver for IP literals, so URLs are also checked before each
//!   request and each redirect ([`OutboundPolicy::check_url`]).
//! - **Exceptions.** Our registry (`REGISTRY_API_URL`), `SOURCE_REGISTRIES` and `TARGET_REGISTRIES`
//!   (`host[:port]` patterns, `*.corp.example` for a domain's subdomains) may be at any address.
//!   A pattern with a port trusts its host on that port only. The resolver sees names without
//!   ports, so a listed *name* on another port is refused outright rather than resolved.
//! - **Redirects** ([`redirect_policy`]): at most [`MAX_REDIRECTS`], each hop checked like a
//!   request, no https→http downgrade. reqwest drops `Authorization` on a redirect to another
//!   host or port, so credentials never follow one (blob redirects to storage go there bare).
//! - **Token realms** ([`OutboundPolicy::check_realm`]): credentials go only to a realm on the
//!   registry's own host or on a `TOKEN_REALM_HOSTS` host, over https (or http on loopback).
//!
//! Every refusal is a [`Refusal`] whose text names the rule and the variable that would allow it;
//! the client turns it into [`super::RegistryError::Refused`].
//!
//! With `HTTP(S)_PROXY` set, reqwest connects to the proxy, and the address check applies to the
//! proxy's address; the proxy then decides where its connections go.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use url::{Host, Url};

use crate::model::Message;

/// Redirects followed per request at most.
pub const MAX_REDIRECTS: usize = 5;

/// A `host[:port]` pattern: `registry.example`, `127.0.0.1:5001`, `[::1]:5000`, `*.corp.example`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPattern {
    host: PatternHost,
    /// `None`: any port.
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternHost {
    Exact(Host<String>),
    /// `*.corp.example` kept as `.corp.example`: any name ending in it.
    Subdomains(String),
}

impl HostPattern {
    /// Parses `host[:port]` or `*.domain[:port]`; `variable` names the setting in the error.
    pub fn parse(value: &str, variable: &str) -> Result<Self, String> {
        let value = value.trim();
        let accepted = || {
            format!(
                "{variable} must list host[:port] patterns such as registry.example, 127.0.0.1:5001 or *.corp.example; {value:?} is not one"
            )
        };
        if value.is_empty() || value.contains("://") || value.contains(['/', '@', '?', '#', ' ']) {
            return Err(accepted());
        }
        let (host, port) = split_port(value).ok_or_else(accepted)?;
        let host = match host.strip_prefix("*.") {
            Some(domain) => match Host::parse(domain) {
                Ok(Host::Domain(domain)) if !domain.contains('*') => {
                    PatternHost::Subdomains(format!(".{domain}"))
                }
                _ => return Err(accepted()),
            },
            None if host.contains('*') => return Err(accepted()),
            None => PatternHost::Exact(Host::parse(host).map_err(|_| accepted())?),
        };
        Ok(Self { host, port })
    }

    /// The pattern for exactly this URL's host and port (our own registry's).
    pub fn of_url(url: &Url) -> Option<Self> {
        let host = url.host()?.to_owned();
        Some(Self { host: PatternHost::Exact(host), port: url.port_or_known_default() })
    }

    fn matches_host(&self, host: &Host<&str>) -> bool {
        match (&self.host, host) {
            (PatternHost::Exact(pattern), host) => *pattern == host.to_owned(),
            (PatternHost::Subdomains(suffix), Host::Domain(name)) => {
                name.len() > suffix.len() && name.to_ascii_lowercase().ends_with(suffix.as_str())
            }
            (PatternHost::Subdomains(_), _) => false,
        }
    }

    fn matches(&self, host: &Host<&str>, port: Option<u16>) -> bool {
        self.matches_host(host) && (self.port.is_none() || self.port == port)
    }

    /// Whether `host[:port]` (as a request's `target_registry_host` gives it) matches: a pattern
    /// with a port needs that port named.
    pub fn matches_host_port(&self, value: &str) -> bool {
        let Some((host, port)) = split_port(value.trim()) else { return false };
        Host::parse(host).is_ok_and(|host| self.matches(&borrowed(&host), port))
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            PatternHost::Exact(host) => write!(f, "{host}")?,
            PatternHost::Subdomains(suffix) => write!(f, "*{suffix}")?,
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

fn borrowed(host: &Host<String>) -> Host<&str> {
    match host {
        Host::Domain(name) => Host::Domain(name.as_str()),
        Host::Ipv4(ip) => Host::Ipv4(*ip),
        Host::Ipv6(ip) => Host::Ipv6(*ip),
    }
}

/// `host[:port]` → (`host`, port); `[v6]:port` keeps its brackets on the host (as `Host::parse`
/// wants them). `None` for a port that is not a number.
fn split_port(value: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if value.starts_with('[') {
        let end = value.find(']')?;
        match &value[end + 1..] {
            "" => (value, None),
            rest => (&value[..=end], Some(rest.strip_prefix(':')?)),
        }
    } else {
        match value.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            Some(_) => return None,
            None => (value, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p != 0)?),
        None => None,
    };
    (!host.is_empty()).then_some((host, port))
}

/// The address classes refused unless a destination is listed, or `None` for a public address.
pub fn refused_class(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_class(v4),
            None => v6_class(v6),
        },
    }
}

/// An address class the policy refuses unless the destination is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressClass {
    Loopback,
    LinkLocal,
    Private,
    Unspecified,
    Multicast,
}

impl AddressClass {
    /// What it is called, in the reader's language ("a loopback address").
    pub fn message(self) -> Message {
        match self {
            Self::Loopback => crate::msg!(AddrLoopback),
            Self::LinkLocal => crate::msg!(AddrLinkLocal),
            Self::Private => crate::msg!(AddrPrivate),
            Self::Unspecified => crate::msg!(AddrUnspecified),
            Self::Multicast => crate::msg!(AddrMulticast),
        }
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<AddressClass> {
    if ip.is_loopback() {
        Some(AddressClass::Loopback)
    } else if ip.is_link_local() {
        Some(AddressClass::LinkLocal)
    } else if ip.is_private() {
        Some(AddressClass::Private)
    } else if ip.octets()[0] == 0 {
        // 0.0.0.0/8, "this network": Linux connects 0.0.0.0 to the local host.
        Some(AddressClass::Unspecified)
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some(AddressClass::Multicast)
    } else {
        None
    }
}

fn v6_class(ip: Ipv6Addr) -> Option<AddressClass> {
    if ip.is_loopback() {
        Some(AddressClass::Loopback)
    } else if ip.is_unicast_link_local() {
        Some(AddressClass::LinkLocal)
    } else if ip.is_unique_local() {
        Some(AddressClass::Private)
    } else if ip.is_unspecified() {
        Some(AddressClass::Unspecified)
    } else if ip.is_multicast() {
        Some(AddressClass::Multicast)
    } else {
        None
    }
}

/// Why the policy refused a destination: the rule, and the setting that would allow it, in the
/// reader's language (its `Display` is the English).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub Message);

/// What the server may connect to. Shared (in an `Arc`) by every registry client.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    /// Our registry, `SOURCE_REGISTRIES` and `TARGET_REGISTRIES`: any address.
    trusted: Vec<HostPattern>,
    /// `TOKEN_REALM_HOSTS`: token services on other hosts, which may get credentials.
    realm_hosts: Vec<HostPattern>,
}

impl OutboundPolicy {
    /// `ours` is `REGISTRY_API_URL`; `trusted` are `SOURCE_REGISTRIES` and `TARGET_REGISTRIES`.
    pub fn new(
        ours: &Url,
        trusted: impl IntoIterator<Item = HostPattern>,
        realm_hosts: Vec<HostPattern>,
    ) -> Self {
        let trusted = HostPattern::of_url(ours).into_iter().chain(trusted).collect();
        Self { trusted, realm_hosts }
    }

    /// A policy that trusts exactly these registries (tests and tools that talk to loopback
    /// registries they started).
    pub fn trusting<'a>(urls: impl IntoIterator<Item = &'a Url>) -> Arc<Self> {
        Arc::new(Self {
            trusted: urls.into_iter().filter_map(HostPattern::of_url).collect(),
            realm_hosts: Vec::new(),
        })
    }

    fn is_trusted(&self, host: &Host<&str>, port: Option<u16>) -> bool {
        self.trusted.iter().any(|p| p.matches(host, port))
    }

    fn is_realm_host(&self, host: &Host<&str>, port: Option<u16>) -> bool {
        self.realm_hosts.iter().any(|p| p.matches(host, port))
    }

    /// Whether the resolver may hand out any address for `name`: a trusted or realm pattern names
    /// it (on some port; [`OutboundPolicy::check_url`] holds names to their listed ports).
    fn trusts_name(&self, name: &str) -> bool {
        let Ok(host) = Host::parse(name) else { return false };
        let host = borrowed(&host);
        self.trusted.iter().chain(&self.realm_hosts).any(|p| p.matches_host(&host))
    }

    /// Checks a URL before a request is sent to it (the resolver checks names again at connect
    /// time): http or https; an IP literal must be public unless listed; a listed name must be on
    /// a listed port.
    pub fn check_url(&self, url: &Url) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal(crate::msg!(OutSchemeNotFollowed, url.scheme())));
        }
        let Some(host) = url.host() else {
            return Err(Refusal(crate::msg!(OutNoHost)));
        };
        let port = url.port_or_known_default();
        if self.is_trusted(&host, port) {
            return Ok(());
        }
        let shown = host_port(&host, port);
        match host {
            Host::Ipv4(ip) => check_ip(IpAddr::V4(ip), shown),
            Host::Ipv6(ip) => check_ip(IpAddr::V6(ip), shown),
            Host::Domain(_) => {
                // The resolver trusts a listed name on every port; hold it to its listed ports here.
                let listed: Vec<String> =
                    self.trusted.iter().filter(|p| p.matches_host(&host)).map(ToString::to_string).collect();
                if listed.is_empty() || self.is_realm_host(&host, port) {
                    Ok(())
                } else {
                    Err(Refusal(crate::msg!(OutNotListedPort, shown, listed.join(", "))))
                }
            }
        }
    }

    /// Checks a registry that another program will connect to (the Docker daemon pulling a
    /// sync's source): the host as a URL would be checked, and every address it resolves to now.
    /// The daemon resolves the name again itself, so a name that changes its answer in between is
    /// not caught; the registry engine, which connects through our resolver, is.
    pub async fn check_host_for_daemon(&self, host_port: &str) -> Result<(), Refusal> {
        let url = Url::parse(&format!("https://{host_port}/"))
            .map_err(|e| Refusal(crate::msg!(OutNotHostPort, host_port, &e)))?;
        self.check_url(&url)?;
        let (Some(Host::Domain(name)), Some(port)) = (url.host(), url.port_or_known_default()) else {
            return Ok(()); // an IP literal: check_url looked at it
        };
        let resolved = tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| Refusal(crate::msg!(OutCannotResolve, name, &e)))?;
        for address in resolved {
            self.check_address(name, address.ip())?;
        }
        Ok(())
    }

    /// Checks one resolved address of `name` (the resolver calls this for every address).
    pub fn check_address(&self, name: &str, ip: IpAddr) -> Result<(), Refusal> {
        if self.trusts_name(name) {
            return Ok(());
        }
        check_ip(ip, format!("{name} ({ip})"))
    }

    /// Checks a Bearer token realm named by the registry at `registry`. The realm must be a
    /// destination the policy allows; the answer says whether credentials may go with the token
    /// request: only to the registry's own host or a `TOKEN_REALM_HOSTS` host, over https or
    /// over http on loopback.
    pub fn check_realm(&self, realm: &Url, registry: &Url) -> Result<RealmUse, Refusal> {
        let (Some(host), Some(registry_host)) = (realm.host(), registry.host()) else {
            return Err(Refusal(crate::msg!(OutRealmNoHost)));
        };
        let port = realm.port_or_known_default();
        let same_host = host.to_owned() == registry_host.to_owned();
        let listed = self.is_realm_host(&host, port);
        let registry_trusted = self.is_trusted(&registry_host, registry.port_or_known_default());
        // A trusted registry's own host is trusted on any port for its token service (distribution
        // is often run with its token service beside it).
        if !((same_host && registry_trusted) || listed) {
            self.check_url(realm).map_err(|refusal| Refusal(crate::msg!(OutRealmRefused, refusal.0)))?;
        }
        if !matches!(realm.scheme(), "http" | "https") {
            return Err(Refusal(crate::msg!(OutRealmScheme, realm.scheme())));
        }
        let loopback = match host {
            Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
        };
        let secure = realm.scheme() == "https" || loopback;
        let credentials = if !(same_host || listed) {
            Err(crate::msg!(OutRealmOtherHost, host_port(&host, port), &registry_host))
        } else if !secure {
            Err(crate::msg!(OutRealmPlainHttp, host_port(&host, port)))
        } else {
            Ok(())
        };
        Ok(RealmUse { credentials })
    }
}

/// What a token request to a realm may carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealmUse {
    /// `Ok` if the registry credentials may be sent; else why not.
    pub credentials: Result<(), Message>,
}

fn check_ip(ip: IpAddr, shown: String) -> Result<(), Refusal> {
    match refused_class(ip) {
        Some(class) => Err(Refusal(crate::msg!(OutAddressClass, shown, class.message()))),
        None => Ok(()),
    }
}

fn host_port(host: &Host<&str>, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The client's DNS resolver: the system's (getaddrinfo, as reqwest's default), with every address
/// the policy refuses dropped. A name left with no address fails with the [`Refusal`].
pub struct PolicyResolver(pub Arc<OutboundPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match policy.check_address(&name, addr.ip()) {
                    Ok(()) => true,
                    Err(refused) => {
                        refusal.get_or_insert(refused);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let refusal = refusal.unwrap_or_else(|| Refusal(crate::msg!(OutNoAddress, &name)));
                return Err(Box::new(refusal) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The redirect policy: at most [`MAX_REDIRECTS`] hops, each checked by
/// [`OutboundPolicy::check_url`], never from https to http.
pub fn redirect_policy(policy: Arc<OutboundPolicy>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(Refusal(crate::msg!(OutTooManyRedirects, MAX_REDIRECTS)));
        }
        let downgrade = attempt.previous().last().is_some_and(|from| from.scheme() == "https")
            && attempt.url().scheme() == "http";
        if downgrade {
            let to = crate::backend::redact::url_for_display(attempt.url().as_str());
            return attempt.error(Refusal(crate::msg!(OutHttpsDowngrade, to)));
        }
        match policy.check_url(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(refusal) => {
                let to = crate::backend::redact::url_for_display(attempt.url().as_str());
                attempt.error(Refusal(crate::msg!(OutRedirectRefused, to, refusal.0)))
            }
        }
    })
}

/// Whether a `Link` target stays on the origin of the page that named it.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host() == b.host() && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        s.parse().unwrap()
    }

    fn policy(sources: &[&str], realms: &[&str]) -> OutboundPolicy {
        let parse =
            |list: &[&str], var| list.iter().map(|p| HostPattern::parse(p, var).unwrap()).collect::<Vec<_>>();
        OutboundPolicy::new(
            &url("http://127.0.0.1:5000"),
            parse(sources, "SOURCE_REGISTRIES"),
            parse(realms, "TOKEN_REALM_HOSTS"),
        )
    }

    #[test]
    fn every_refused_address_class_is_refused() {
        // Values fed to the decision function only: nothing connects to them.
        let cases = [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("::1", "loopback"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("10.0.0.1", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.254", "private"),
            ("192.168.1.1", "private"),
            ("fc00::1", "private"),
            ("fd12:3456::1", "private"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("::", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "multicast"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:10.0.0.1", "private"),
        ];
        for (ip, class) in cases {
            let ip: IpAddr = ip.parse().unwrap();
            let found = refused_class(ip).unwrap_or_else(|| panic!("{ip} was allowed")).message();
            assert!(found.contains(class), "{ip}: {found}");
        }
        for public in ["192.0.2.10", "198.51.100.7", "172.32.0.1", "2001:db8::1", "::ffff:192.0.2.1"] {
            assert_eq!(refused_class(public.parse().unwrap()), None, "{public}");
        }
    }

    #[test]
    fn literal_urls_are_checked_and_name_the_variable() {
        let p = policy(&[], &[]);
        for refused in [
            "http://127.0.0.1:6000/v2/",
            "http://169.254.169.254/latest/meta-data",
            "http://[fe80::1]:5000/v2/",
            "https://10.0.0.1/v2/",
            "http://[::ffff:127.0.0.1]:5000/v2/",
            "http://0.0.0.0:5000/v2/",
        ] {
            let refusal = p.check_url(&url(refused)).expect_err(refused);
            assert!(refusal.0.contains("SOURCE_REGISTRIES"), "{refused}: {refusal}");
        }
        assert!(p.check_url(&url("https://192.0.2.10/v2/")).is_ok());
        assert!(p.check_url(&url("https://registry.example/v2/")).is_ok(), "names are checked when resolved");
        assert!(p.check_url(&url("ftp://registry.example/")).is_err());
        // Our own registry is always allowed, on its port only.
        assert!(p.check_url(&url("http://127.0.0.1:5000/v2/_catalog")).is_ok());
        assert!(p.check_url(&url("http://127.0.0.1:5001/v2/")).is_err());
    }

    #[test]
    fn listed_patterns_pass() {
        let p = policy(&["127.0.0.1:5001", "*.corp.example", "localhost:7000", "[::1]"], &[]);
        assert!(p.check_url(&url("http://127.0.0.1:5001/v2/")).is_ok());
        assert!(p.check_url(&url("http://127.0.0.1:5002/v2/")).is_err());
        assert!(p.check_url(&url("http://[::1]:9999/v2/")).is_ok());
        assert!(p.check_address("registry.corp.example", "10.0.0.1".parse().unwrap()).is_ok());
        assert!(p.check_address("corp.example", "10.0.0.1".parse().unwrap()).is_err(), "*. means subdomains");
        assert!(p.check_address("registry.other.example", "10.0.0.1".parse().unwrap()).is_err());
        assert!(p.check_address("registry.other.example", "192.0.2.1".parse().unwrap()).is_ok());
        // A listed name on another port: the resolver cannot tell ports apart, so it is refused.
        assert!(p.check_url(&url("http://localhost:7000/v2/")).is_ok());
        let refusal = p.check_url(&url("http://localhost:7001/v2/")).unwrap_err();
        assert!(refusal.0.contains("localhost:7000"), "{refusal}");
        // Unlisted names resolving to loopback are refused by the resolver's check.
        assert!(p.check_address("evil.example", "127.0.0.1".parse().unwrap()).is_err());
    }

    #[tokio::test]
    async fn hosts_handed_to_the_docker_daemon_are_checked_like_our_own_connections() {
        let p = policy(&["127.0.0.1:5001", "localhost:7000"], &[]);
        // Literals are checked as URLs are; `localhost` resolves (from /etc/hosts, no packet sent)
        // to loopback, refused unless listed.
        for refused in ["127.0.0.1:6000", "169.254.169.254", "[fe80::1]:5000", "localhost:7001", "localhost"]
        {
            let refusal = p.check_host_for_daemon(refused).await.expect_err(refused);
            assert!(refusal.0.contains("SOURCE_REGISTRIES"), "{refused}: {refusal}");
        }
        for allowed in ["127.0.0.1:5001", "localhost:7000", "127.0.0.1:5000", "192.0.2.10:443"] {
            assert!(p.check_host_for_daemon(allowed).await.is_ok(), "{allowed}");
        }
    }

    #[test]
    fn patterns_parse_or_name_the_variable() {
        for good in ["registry.example", "127.0.0.1:5001", "[::1]:5000", "*.corp.example:443", "LOCALHOST"] {
            let pattern = HostPattern::parse(good, "SOURCE_REGISTRIES").unwrap();
            assert_eq!(pattern.to_string(), good.to_ascii_lowercase());
        }
        for bad in ["", "http://x", "x/y", "a:b", "*", "*.", "a.*.b", "x:0", "x:70000", "u@x", "::1"] {
            let error = HostPattern::parse(bad, "TARGET_REGISTRIES").expect_err(bad);
            assert!(error.contains("TARGET_REGISTRIES must list host[:port]"), "{bad}: {error}");
        }
        let p = HostPattern::parse("registry.example:5000", "X").unwrap();
        assert!(p.matches_host_port("registry.example:5000") && !p.matches_host_port("registry.example"));
        assert!(HostPattern::parse("registry.example", "X").unwrap().matches_host_port("Registry.Example:1"));
    }

    #[test]
    fn credentials_go_only_to_pinned_realms() {
        let p = policy(&["localhost:5001"], &["auth.example"]);
        let ours = url("http://127.0.0.1:5000/");
        // Same host, another port, loopback http: allowed with credentials.
        let same = p.check_realm(&url("http://127.0.0.1:9000/token"), &ours).unwrap();
        assert_eq!(same.credentials, Ok(()));
        // Another host (by name) on loopback: not trusted for addresses at all.
        assert!(p.check_realm(&url("http://localhost:9000/token"), &ours).is_err());
        // A listed host over https: credentials allowed.
        let listed = p.check_realm(&url("https://auth.example/token"), &ours).unwrap();
        assert_eq!(listed.credentials, Ok(()));
        // A public realm elsewhere: reachable, but no credentials, and the reason names the variable.
        let other = p.check_realm(&url("https://auth.other.example/token"), &ours).unwrap();
        let why = other.credentials.unwrap_err();
        assert!(why.contains("TOKEN_REALM_HOSTS"));
        let zh = why.render(crate::ui::lang::Lang::ZhCn);
        assert!(zh.contains("TOKEN_REALM_HOSTS") && zh.contains("凭据"), "{zh}");
        // Plain http off loopback: no credentials even on the registry's own host.
        let registry = url("http://registry.example/");
        let plain = p.check_realm(&url("http://registry.example:8080/token"), &registry).unwrap();
        assert!(plain.credentials.unwrap_err().contains("https"));
        // The metadata address is never a realm.
        assert!(p.check_realm(&url("http://169.254.169.254/token"), &registry).is_err());
    }

    #[test]
    fn links_stay_on_their_origin() {
        let page = url("http://127.0.0.1:5000/v2/_catalog?n=2");
        assert!(same_origin(&page, &url("http://127.0.0.1:5000/v2/_catalog?last=b")));
        assert!(!same_origin(&page, &url("http://127.0.0.1:5001/v2/_catalog?last=b")));
        assert!(!same_origin(&page, &url("http://localhost:5000/v2/_catalog?last=b")));
    }
}
