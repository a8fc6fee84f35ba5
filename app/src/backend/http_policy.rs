//! What the server answers at all, whoever the caller is: the `Host` a request names (against DNS
//! rebinding), where a request that changes something comes from (against cross-site request
//! forgery), and the security headers every response carries (a Content-Security-Policy with a
//! nonce per response). Pure decisions over a request's method, path and headers; the axum
//! middleware that applies them is in `server/src/middleware.rs`.
//!
//! Why the server checks origins although the session cookie is `SameSite=Strict`: a "site"
//! ignores ports, so any other server on the same host (`127.0.0.1:9000`) is same-site and gets
//! the cookie sent along; and a rebound DNS name makes a hostile page same-origin to us, which
//! only the `Host` check stops.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use url::{Host, Url};

use crate::model::AppError;

/// A name the server answers to, as the `Host` header gives it: on any port, or on one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedHost {
    host: Host<String>,
    port: Option<u16>,
}

impl AllowedHost {
    /// `host`, `host:port`, `[v6]` or `[v6]:port`. Names are compared as browsers send them:
    /// lowercase, without a trailing dot.
    pub fn parse(value: &str) -> Option<Self> {
        let (host, port) = split_authority(value)?;
        Some(Self { host, port })
    }

    fn any_port(host: Host<String>) -> Self {
        Self { host, port: None }
    }

    fn matches(&self, host: &Host<String>, port: Option<u16>) -> bool {
        self.host == *host && self.port.is_none_or(|allowed| port == Some(allowed))
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => write!(f, "{}", self.host),
        }
    }
}

/// Splits `host[:port]` (a `Host` header, an `ALLOWED_HOSTS` entry) and normalises the host.
/// `None` for anything else: a path, userinfo, an empty or non-numeric port.
fn split_authority(value: &str) -> Option<(Host<String>, Option<u16>)> {
    let value = value.trim();
    let (host, port) = match value.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                after => Some(after.strip_prefix(':')?.parse::<u16>().ok()?),
            };
            (format!("[{inside}]"), port)
        }
        None => match value.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port.parse::<u16>().ok()?)),
            None => (value.to_owned(), None),
        },
    };
    if host.is_empty() || host.contains(['/', '\\', '@', '?', '#', ' ', '%']) {
        return None;
    }
    // `localhost.` is `localhost`: DNS names may end in the root's dot.
    let host = host.strip_suffix('.').unwrap_or(&host);
    Some((Host::parse(host).ok()?, port))
}

/// The host and port an `Origin` names (`http://a:8080` → `a`, 8080; the scheme's default port
/// when it names none). `None` for `null` and anything not http(s).
fn origin_authority(origin: &Url) -> Option<(Host<String>, u16)> {
    if !matches!(origin.scheme(), "http" | "https") {
        return None;
    }
    Some((origin.host()?.to_owned(), origin.port_or_known_default()?))
}

/// `scheme://host[:port]`, as browsers send it in `Origin`, of an http(s) URL.
fn serialize_origin(url: &Url) -> Option<String> {
    origin_authority(url)?;
    Some(url.origin().ascii_serialization())
}

/// Why a request's `Host` was refused: answered `421 Misdirected Request`, in the requester's
/// language.
#[derive(Debug, PartialEq, Eq)]
pub struct Misdirected(pub crate::model::Message);

/// The request rules, built once from the configuration.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    /// Names the `Host` header may carry.
    hosts: Vec<AllowedHost>,
    /// Origins (`scheme://host[:port]`) whose pages may send changes besides the one the request
    /// was sent to: `PUBLIC_URL`'s and `ALLOWED_ORIGINS`.
    origins: Vec<String>,
    /// `PUBLIC_URL` as configured, for messages.
    public_url: Option<String>,
}

impl HttpPolicy {
    /// Hosts allowed: `localhost`, `127.0.0.1` and `[::1]` on any port (published container ports
    /// differ from the one we listen on); the host of `listen_addr` unless it is a wildcard; the
    /// host of `public_url`; and `allowed_hosts`. Origins allowed besides the request's own:
    /// `public_url`'s and `allowed_origins` (each an origin serialisation, see
    /// [`parse_allowed_origin`]).
    pub fn new(
        listen_addr: SocketAddr,
        public_url: Option<&Url>,
        allowed_hosts: &[AllowedHost],
        allowed_origins: &[String],
    ) -> Self {
        let mut hosts = vec![
            AllowedHost::any_port(Host::Domain("localhost".to_owned())),
            AllowedHost::any_port(Host::Ipv4(Ipv4Addr::LOCALHOST)),
            AllowedHost::any_port(Host::Ipv6(Ipv6Addr::LOCALHOST)),
        ];
        if !listen_addr.ip().is_unspecified() {
            hosts.push(AllowedHost::any_port(match listen_addr.ip() {
                IpAddr::V4(ip) => Host::Ipv4(ip),
                IpAddr::V6(ip) => Host::Ipv6(ip),
            }));
        }
        if let Some(host) = public_url.and_then(Url::host) {
            let host = match host {
                Host::Domain(name) => Host::Domain(name.trim_end_matches('.').to_owned()),
                other => other.to_owned(),
            };
            hosts.push(AllowedHost::any_port(host));
        }
        hosts.extend(allowed_hosts.iter().cloned());
        let mut origins: Vec<String> = public_url.and_then(serialize_origin).into_iter().collect();
        origins.extend(allowed_origins.iter().cloned());
        Self { hosts, origins, public_url: public_url.map(|u| u.as_str().trim_end_matches('/').to_owned()) }
    }

    pub fn from_config(config: &crate::backend::Config) -> Self {
        Self::new(
            config.listen_addr,
            config.public_url.as_ref(),
            &config.allowed_hosts,
            &config.allowed_origins,
        )
    }

    /// The `Host` check against DNS rebinding: every name the request gives (its `Host` headers,
    /// and the authority of an absolute request target or an HTTP/2 request) must be allowed.
    /// A request that names none did not come from a browser, and cannot have been rebound.
    pub fn check_host(&self, uri_authority: Option<&str>, headers: &HeaderMap) -> Result<(), Misdirected> {
        let given = uri_authority
            .into_iter()
            .map(Ok)
            .chain(headers.get_all(header::HOST).iter().map(|v| v.to_str().map_err(|_| ())));
        for name in given {
            let allowed = name
                .ok()
                .and_then(split_authority)
                .is_some_and(|(host, port)| self.hosts.iter().any(|allowed| allowed.matches(&host, port)));
            if !allowed {
                return Err(Misdirected(self.misdirected_message(name.unwrap_or("(not text)"))));
            }
        }
        Ok(())
    }

    fn misdirected_message(&self, name: &str) -> crate::model::Message {
        let name: String = name.chars().take(100).collect();
        let public = match &self.public_url {
            Some(url) => crate::msg!(MisdirectedOpenAt, url),
            None => crate::msg!(MisdirectedNoPublicUrl),
        };
        crate::msg!(MisdirectedHost, &format!("{name:?}"), public)
    }

    /// The cross-site check. A request that may change something (any method but `GET` and
    /// `HEAD`) must come from our own pages: its `Origin` is the one it was sent to (same host
    /// and port as `Host`), `PUBLIC_URL`'s or one in `ALLOWED_ORIGINS`; without `Origin`,
    /// `Sec-Fetch-Site` must say `same-origin` or `none` (typed by the user). Exempt: REST calls
    /// that authenticate with `Authorization` (an API token or Basic credentials), which a
    /// browser never adds by itself (no 401 here carries a `WWW-Authenticate: Basic` challenge,
    /// so browsers never prompt for and cache Basic credentials).
    pub fn check_origin(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<(), AppError> {
        if matches!(*method, Method::GET | Method::HEAD) {
            return Ok(());
        }
        let rest = path == "/api" || path.starts_with("/api/");
        if rest && carries_credentials(headers) {
            return Ok(());
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("(not text)");
            if self.origin_allowed(origin, headers) {
                return Ok(());
            }
            let origin: String = origin.chars().take(100).collect();
            return Err(AppError::Forbidden(crate::msg!(CrossSiteOrigin, &origin, method, path)));
        }
        let site = headers.get(SEC_FETCH_SITE).and_then(|v| v.to_str().ok());
        match site {
            Some(site) if site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none") => {
                Ok(())
            }
            Some(site) => {
                let site: String = site.chars().take(30).collect();
                Err(AppError::Forbidden(crate::msg!(CrossSiteFetch, method, path, &site)))
            }
            None => Err(AppError::Forbidden(crate::msg!(CrossSiteUnknown, method, path))),
        }
    }

    fn origin_allowed(&self, origin: &str, headers: &HeaderMap) -> bool {
        let Ok(url) = Url::parse(origin) else { return false };
        let Some((host, port)) = origin_authority(&url) else { return false };
        if self.origins.iter().any(|allowed| *allowed == url.origin().ascii_serialization()) {
            return true;
        }
        // The request's own origin. Like Go's CrossOriginProtection, the scheme is not compared:
        // behind a TLS-terminating proxy the request reaches us over http, and the port already
        // tells http://host and https://host apart unless the Host header omits it.
        headers.get_all(header::HOST).iter().filter_map(|v| v.to_str().ok()).any(|name| {
            split_authority(name)
                .is_some_and(|(own_host, own_port)| own_host == host && own_port.unwrap_or(port) == port)
        })
    }
}

/// `Sec-Fetch-Site`, which browsers add to every request (`same-origin`, `same-site`,
/// `cross-site`, `none`) and pages cannot set.
pub const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// `Authorization: Bearer …` or `Basic …`: credentials a script sends on purpose.
fn carries_credentials(headers: &HeaderMap) -> bool {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).is_some_and(|value| {
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("basic"))
            && !credentials.trim().is_empty()
    })
}

/// An `ALLOWED_HOSTS` entry: `host` or `host:port`.
pub fn parse_allowed_host(value: &str) -> Result<AllowedHost, String> {
    AllowedHost::parse(value).ok_or_else(|| {
        "ALLOWED_HOSTS must list host names or addresses, each optionally with :port (such as \
         registry-ui.example or 192.0.2.10:8080), without scheme or path"
            .to_owned()
    })
}

/// An `ALLOWED_ORIGINS` entry: `scheme://host[:port]`, stored as browsers send it in `Origin`.
pub fn parse_allowed_origin(value: &str) -> Result<String, String> {
    let accepted = "ALLOWED_ORIGINS must list origins, scheme://host[:port] such as https://ci.example";
    let url = Url::parse(value.trim()).map_err(|e| format!("{accepted} ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{accepted}, without user:password@"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{accepted}, without a path, ?query or #fragment"));
    }
    serialize_origin(&url).ok_or_else(|| format!("{accepted} (http:// or https:// with a host)"))
}

/// The nonce of one response: the hydration script carries it, and the response's
/// Content-Security-Policy allows only scripts that do (plus our own files).
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

impl CspNonce {
    /// 16 bytes (128 bits) from a cryptographically secure generator, base64url: fresh for every
    /// response, so a page cannot learn the next one.
    pub fn new() -> Self {
        use base64::Engine as _;
        use rand::RngCore as _;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes).into())
    }
}

impl Default for CspNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// The Content-Security-Policy of every response.
///
/// - Scripts: our own files (`/pkg/*.js`), the inline hydration script only by its nonce, and
///   `'wasm-unsafe-eval'` to compile the WASM; no `'unsafe-inline'`, no `eval`.
/// - Styles: our stylesheet; `style` *attributes* are allowed (`style-src-attr`), because the
///   server renders the progress bar's width as one so it shows before (and without) the script.
///   An attribute cannot load anything or select other elements; `<style>` elements stay refused.
/// - Nothing may frame the app (`frame-ancestors 'none'`, clickjacking); forms post only here;
///   no plugins; `<base>` cannot redirect relative URLs.
pub fn content_security_policy(nonce: &CspNonce) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        nonce.0
    )
}

/// The headers every response carries: the Content-Security-Policy, `nosniff` (a JSON error is
/// never run as a script or page) and `Referrer-Policy: same-origin` (our URLs, with repository
/// names, are not sent to other sites).
pub fn security_headers(nonce: &CspNonce) -> [(HeaderName, HeaderValue); 3] {
    let csp = HeaderValue::from_str(&content_security_policy(nonce))
        .expect("a base64url nonce makes a valid header value");
    [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HttpPolicy {
        let public = Url::parse("https://Registry-UI.example/").unwrap();
        let hosts =
            [parse_allowed_host("ui.internal").unwrap(), parse_allowed_host("[fd00::5]:8443").unwrap()];
        let origins = [parse_allowed_origin("https://ci.example").unwrap()];
        HttpPolicy::new("192.0.2.7:8080".parse().unwrap(), Some(&public), &hosts, &origins)
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_host_header_must_name_this_server() {
        let policy = policy();
        let cases: &[(&str, bool)] = &[
            ("localhost", true),
            ("LOCALHOST:3000", true),
            ("localhost.:8080", true),
            ("127.0.0.1:49152", true),
            ("[::1]:8080", true),
            ("192.0.2.7:8080", true),
            ("192.0.2.7:9999", true),
            ("registry-ui.example", true),
            ("registry-ui.example:443", true),
            ("Registry-UI.example.", true),
            ("ui.internal:1234", true),
            ("[fd00::5]:8443", true),
            // Wrong port for an entry that names one.
            ("[fd00::5]:8444", false),
            ("evil.example", false),
            ("evil.example:8080", false),
            ("registry-ui.example.evil.example", false),
            ("127.0.0.2:8080", false),
            ("localhost:", false),
            ("localhost:http", false),
            ("user@localhost", false),
            ("localhost/path", false),
            ("", false),
        ];
        for (host, allowed) in cases {
            let result = policy.check_host(None, &headers(&[("host", host)]));
            assert_eq!(result.is_ok(), *allowed, "Host: {host:?} → {result:?}");
        }
        // An absolute request target (or HTTP/2 authority) counts too.
        assert!(policy.check_host(Some("evil.example"), &headers(&[("host", "localhost")])).is_err());
        // Every Host header counts, not just the first.
        assert!(
            policy.check_host(None, &headers(&[("host", "localhost"), ("host", "evil.example")])).is_err()
        );
        // No name at all: not a browser, nothing rebound.
        assert!(policy.check_host(None, &HeaderMap::new()).is_ok());
    }

    #[test]
    fn a_wildcard_listen_address_allows_no_extra_host() {
        let policy = HttpPolicy::new("0.0.0.0:8080".parse().unwrap(), None, &[], &[]);
        assert!(policy.check_host(None, &headers(&[("host", "0.0.0.0:8080")])).is_err());
        assert!(policy.check_host(None, &headers(&[("host", "127.0.0.1:8080")])).is_ok());
    }

    #[test]
    fn the_misdirected_message_names_public_url_and_allowed_hosts() {
        let Misdirected(message) =
            policy().check_host(None, &headers(&[("host", "evil.example")])).unwrap_err();
        for part in ["\"evil.example\"", "PUBLIC_URL (https://registry-ui.example)", "ALLOWED_HOSTS"] {
            assert!(message.contains(part), "{part}: {message}");
        }
        let bare = HttpPolicy::new("127.0.0.1:8080".parse().unwrap(), None, &[], &[]);
        let Misdirected(message) = bare.check_host(None, &headers(&[("host", "evil.example")])).unwrap_err();
        assert!(message.contains("PUBLIC_URL is not set") && message.contains("ALLOWED_HOSTS"), "{message}");
        let zh = message.render(crate::ui::lang::Lang::ZhCn);
        assert!(
            zh.contains("\"evil.example\"") && zh.contains("DNS 重绑定") && zh.contains("ALLOWED_HOSTS"),
            "{zh}"
        );
    }

    #[test]
    fn changes_must_come_from_our_own_origin() {
        let policy = policy();
        let own = ("host", "127.0.0.1:8080");
        // (method, path, headers, allowed)
        type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            // Reading is never refused.
            ("GET", "/rpc/x", &[("origin", "https://evil.example")], true),
            ("HEAD", "/", &[("sec-fetch-site", "cross-site")], true),
            // The page's own origin: the Host it was sent to, any scheme.
            ("POST", "/rpc/start-sync", &[own, ("origin", "http://127.0.0.1:8080")], true),
            (
                "POST",
                "/rpc/start-sync",
                &[("host", "registry-ui.example"), ("origin", "https://registry-ui.example")],
                true,
            ),
            (
                "POST",
                "/rpc/start-sync",
                &[("host", "registry-ui.example"), ("origin", "https://registry-ui.example:443")],
                true,
            ),
            // PUBLIC_URL's origin, whatever Host a proxy passes on.
            ("POST", "/login", &[own, ("origin", "https://registry-ui.example")], true),
            // ALLOWED_ORIGINS.
            ("DELETE", "/api/tokens/x", &[own, ("origin", "https://ci.example")], true),
            // Without Origin, the browser's own word.
            ("POST", "/logout", &[own, ("sec-fetch-site", "same-origin")], true),
            ("POST", "/logout", &[own, ("sec-fetch-site", "none")], true),
            // Another port of the same host is another origin (and the same site: it gets the cookie).
            ("POST", "/rpc/start-sync", &[own, ("origin", "http://127.0.0.1:9000")], false),
            ("POST", "/rpc/delete-tag", &[own, ("origin", "https://evil.example")], false),
            ("POST", "/rpc/delete-tag", &[own, ("origin", "null")], false),
            ("POST", "/rpc/delete-tag", &[own, ("origin", "http://evil.example:8080")], false),
            ("POST", "/login", &[own, ("origin", "http://ci.example")], false),
            // An Origin that matches nothing is not rescued by Sec-Fetch-Site.
            (
                "POST",
                "/login",
                &[own, ("origin", "https://evil.example"), ("sec-fetch-site", "same-origin")],
                false,
            ),
            ("POST", "/setup", &[own, ("sec-fetch-site", "cross-site")], false),
            ("POST", "/setup", &[own, ("sec-fetch-site", "same-site")], false),
            ("PUT", "/api/x", &[own], false),
            ("OPTIONS", "/rpc/x", &[own], false),
            // Credentials a script sends on purpose, on the REST API.
            (
                "POST",
                "/api/sync-jobs",
                &[own, ("authorization", "Bearer rmt_x"), ("origin", "https://evil.example")],
                true,
            ),
            ("DELETE", "/api/repositories/a", &[("authorization", "basic YTpi")], true),
            // … but not where Authorization is not what signs the request in, nor an empty one.
            ("POST", "/rpc/delete-tag", &[own, ("authorization", "Bearer rmt_x")], false),
            ("POST", "/api/sync-jobs", &[own, ("authorization", "Bearer ")], false),
            ("POST", "/api/sync-jobs", &[own, ("authorization", "Negotiate abc")], false),
        ];
        for (method, path, pairs, allowed) in cases {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let result = policy.check_origin(&method, path, &headers(pairs));
            assert_eq!(result.is_ok(), *allowed, "{method} {path} {pairs:?} → {result:?}");
            if let Err(error) = result {
                assert_eq!(error.status_code(), 403);
            }
        }
    }

    #[test]
    fn refusals_say_what_to_do_instead() {
        let policy = policy();
        let foreign = headers(&[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")]);
        let message =
            policy.check_origin(&Method::POST, "/rpc/delete-tag", &foreign).unwrap_err().to_string();
        for part in
            ["https://evil.example", "POST /rpc/delete-tag", "ALLOWED_ORIGINS", "Authorization: Bearer"]
        {
            assert!(message.contains(part), "{part}: {message}");
        }
        let unmarked = headers(&[("host", "127.0.0.1:8080")]);
        let message = policy.check_origin(&Method::POST, "/login", &unmarked).unwrap_err().to_string();
        assert!(message.contains("neither Origin nor Sec-Fetch-Site"), "{message}");
    }

    #[test]
    fn allowed_hosts_and_origins_are_checked_at_start() {
        for good in ["registry-ui.example", "REGISTRY-UI.example:8443", "192.0.2.10", "[fd00::1]:80"] {
            assert!(parse_allowed_host(good).is_ok(), "{good}");
        }
        for bad in ["", "http://registry-ui.example", "a.example/path", "a.example:port", "user@a.example"] {
            let error = parse_allowed_host(bad).expect_err(bad);
            assert!(error.contains("ALLOWED_HOSTS must list"), "{bad}: {error}");
        }
        assert_eq!(parse_allowed_origin("https://CI.example:443/").unwrap(), "https://ci.example");
        assert_eq!(parse_allowed_origin("http://ci.example:8080").unwrap(), "http://ci.example:8080");
        for bad in [
            "ci.example",
            "ftp://ci.example",
            "https://ci.example/app",
            "https://u:p@ci.example",
            "https://ci.example?x",
        ] {
            let error = parse_allowed_origin(bad).expect_err(bad);
            assert!(error.contains("ALLOWED_ORIGINS must list origins"), "{bad}: {error}");
            assert!(!error.contains("u:p"), "{error}");
        }
    }

    #[test]
    fn the_policy_allows_scripts_only_by_nonce_and_our_own_files() {
        let nonce = CspNonce::new();
        assert_eq!(nonce.0.len(), 22, "128 bits in base64url");
        assert_ne!(nonce.0, CspNonce::new().0);
        let csp = content_security_policy(&nonce);
        assert!(csp.contains(&format!("script-src 'self' 'nonce-{}' 'wasm-unsafe-eval';", nonce.0)), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let script_src = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!script_src.contains("unsafe-inline") && !script_src.contains("'unsafe-eval'"), "{csp}");
        let names: Vec<_> =
            security_headers(&nonce).iter().map(|(name, _)| name.as_str().to_owned()).collect();
        assert_eq!(names, ["content-security-policy", "x-content-type-options", "referrer-policy"]);
    }
}
