//! Registry authentication: anonymous, HTTP Basic, and Bearer tokens obtained through the
//! `WWW-Authenticate` challenge (https://distribution.github.io/distribution/spec/auth/token/).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::RegistryError;
use super::limits::{Body, MAX_ERROR_BODY_BYTES, MAX_TOKEN_BYTES, read_capped, read_truncated};
use crate::backend::config::Secret;

/// Credentials from the configuration. They are sent to the registry (Basic) or its token service
/// only, never to the browser, and print as `<redacted>`.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: Secret,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
        }
    }
}

impl Credentials {
    pub fn is_configured(&self) -> bool {
        matches!(self, Self::Basic { .. })
    }

    pub(super) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Anonymous => request,
            Self::Basic { username, password } => request.basic_auth(username, Some(password.expose())),
        }
    }
}

/// A parsed `WWW-Authenticate` header: the scheme and its `key="value"` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Lower-cased scheme: `basic` or `bearer` (others are kept as given, lower-cased).
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// Parses `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull,push"`.
    /// Quoted values may contain commas; keys are case-insensitive.
    ///
    /// Hand-written: `headers` and `http` have no challenge parser; `www-authenticate` is built on
    /// `hyperx` (hyper 0.11's typed headers), and its fork `www_authenticate_parser` is a new,
    /// thinly documented one-person crate. The grammar we need (one challenge, `key=value` or
    /// `key="quoted, \"escaped\""` parameters) is this loop; it reads what a hostile registry
    /// sends, so it is fuzzed (`fuzz/fuzz_targets/www_authenticate.rs`).
    pub fn parse(header: &str) -> Option<Self> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(char::is_whitespace).unwrap_or((header, ""));
        if scheme.is_empty() {
            return None;
        }
        let mut params = BTreeMap::new();
        let mut chars = rest.trim().chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
                chars.next();
            }
            let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
            if key.trim().is_empty() {
                break;
            }
            let value = if chars.peek() == Some(&'"') {
                chars.next();
                let mut value = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next()),
                        '"' => break,
                        c => value.push(c),
                    }
                }
                value
            } else {
                chars.by_ref().take_while(|c| *c != ',').collect::<String>().trim().to_owned()
            };
            params.insert(key.trim().to_ascii_lowercase(), value);
        }
        Some(Self { scheme: scheme.to_ascii_lowercase(), params })
    }

    pub fn realm(&self) -> Option<&str> {
        self.params.get("realm").map(String::as_str)
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    token: Option<String>,
    access_token: Option<String>,
    /// Seconds; the token spec says 60 when absent.
    expires_in: Option<u64>,
}

/// A Bearer token and the moment we stop using it.
#[derive(Clone)]
pub(super) struct Token {
    pub value: String,
    pub use_until: Instant,
}

/// The token spec's default lifetime when the token service sends no `expires_in`.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// How long to use a token that lives `expires_in`: stop a margin before it expires (a tenth of
/// its life, at least 5 s and at most 30 s) so a request never leaves with a token about to lapse.
pub(super) fn usable_lifetime(expires_in: Option<u64>) -> Duration {
    let lifetime = expires_in.map(Duration::from_secs).unwrap_or(DEFAULT_TOKEN_LIFETIME);
    let margin = (lifetime / 10).clamp(Duration::from_secs(5), Duration::from_secs(30));
    lifetime.saturating_sub(margin)
}

/// What asking a token service needs of the registry client: its connection pool, its registry's
/// URL (the origin credentials are pinned to), its credentials and its outbound policy.
#[derive(Clone, Copy)]
pub(super) struct TokenClient<'a> {
    pub http: &'a reqwest::Client,
    pub base: &'a url::Url,
    pub credentials: &'a Credentials,
    pub outbound: &'a super::outbound::OutboundPolicy,
}

/// Asks the token service named by a Bearer challenge for a token covering `scope` (none for the
/// `/v2/` ping). The realm must pass the outbound policy; the configured credentials go with the
/// request only where the policy pins them (the registry's host or `TOKEN_REALM_HOSTS`, over
/// https or loopback http): elsewhere, a client with credentials refuses, and an anonymous one asks
/// bare.
pub(super) async fn fetch_token(
    client: TokenClient<'_>,
    challenge: &Challenge,
    scope: Option<&str>,
) -> Result<Token, RegistryError> {
    let credentials = &client.credentials;
    let requested = Instant::now();
    let realm = challenge.realm().ok_or_else(|| RegistryError::Protocol {
        url: "WWW-Authenticate".to_owned(),
        reason: crate::msg!(RegNoRealm),
    })?;
    let mut url = url::Url::parse(realm).map_err(|e| RegistryError::Protocol {
        url: realm.to_owned(),
        reason: crate::msg!(RegTokenRealmNotUrl, &e),
    })?;
    let realm_use = client
        .outbound
        .check_realm(&url, client.base)
        .map_err(|refusal| RegistryError::refused(&url, refusal))?;
    if let (Err(rule), true) = (&realm_use.credentials, credentials.is_configured()) {
        return Err(RegistryError::refused(&url, super::outbound::Refusal(rule.clone())));
    }
    {
        let mut query = url.query_pairs_mut();
        if let Some(service) = challenge.params.get("service") {
            query.append_pair("service", service);
        }
        // Several scopes (a cross-repository mount needs push on one repository and pull on
        // another) are space-separated in our scope keys and sent as repeated `scope` parameters,
        // as the token spec's examples do.
        if let Some(scopes) = scope.or(challenge.params.get("scope").map(String::as_str)) {
            for scope in scopes.split_whitespace() {
                query.append_pair("scope", scope);
            }
        }
    }
    let mut response = credentials
        .apply(client.http.get(url.clone()))
        .send()
        .await
        .map_err(|e| RegistryError::unreachable(url.as_str(), &e))?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(if credentials.is_configured() {
            RegistryError::CredentialsRefused { url: url.to_string(), status: status.as_u16() }
        } else {
            RegistryError::CredentialsRequired { url: url.to_string(), scheme: "Bearer".to_owned() }
        });
    }
    let retry_after =
        response.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if !status.is_success() {
        let body = read_truncated(&mut response, MAX_ERROR_BODY_BYTES).await;
        return Err(RegistryError::from_answer(url.as_str(), status.as_u16(), retry_after.as_deref(), &body));
    }
    let body = read_capped(&mut response, &url, Body::TokenResponse, MAX_TOKEN_BYTES).await?;
    let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| RegistryError::Protocol {
        url: url.to_string(),
        reason: crate::msg!(RegTokenNotJson, &e),
    })?;
    let value = token.token.or(token.access_token).filter(|t| !t.is_empty()).ok_or_else(|| {
        RegistryError::Protocol { url: url.to_string(), reason: crate::msg!(RegTokenMissing) }
    })?;
    Ok(Token { value, use_until: requested + usable_lifetime(token.expires_in) })
}

/// What the registry asked for so far, learned from its `WWW-Authenticate` challenges.
#[derive(Clone, Debug)]
enum Scheme {
    /// Nothing asked yet: send no credentials (anonymous registries never see them).
    Unknown,
    Basic,
    Bearer(Challenge),
}

/// How to authorise one request.
pub(super) enum Authorization {
    None,
    Basic,
    Bearer(String),
}

impl Authorization {
    pub fn apply(
        &self,
        request: reqwest::RequestBuilder,
        credentials: &Credentials,
    ) -> reqwest::RequestBuilder {
        match self {
            Self::None => request,
            Self::Basic => credentials.apply(request),
            Self::Bearer(token) => request.bearer_auth(token),
        }
    }
}

/// The client's authentication state: the scheme the registry uses, and Bearer tokens per scope
/// (`repository:a/b:pull`, `registry:catalog:*` …) until shortly before they expire.
pub(super) struct AuthState {
    scheme: std::sync::Mutex<Scheme>,
    /// An async lock: concurrent requests for a scope wait for one token request instead of
    /// each asking the token service.
    tokens: tokio::sync::Mutex<HashMap<String, Token>>,
    token_requests: AtomicU64,
}

impl AuthState {
    pub fn new() -> Self {
        Self {
            scheme: std::sync::Mutex::new(Scheme::Unknown),
            tokens: tokio::sync::Mutex::new(HashMap::new()),
            token_requests: AtomicU64::new(0),
        }
    }

    /// Token requests sent to the token service so far.
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    fn scheme(&self) -> Scheme {
        self.scheme.lock().expect("auth scheme lock").clone()
    }

    /// The authorization for a request needing `scope`: none until the registry asked; Basic
    /// credentials; or a Bearer token for the scope, reused until shortly before it expires.
    pub async fn authorization(
        &self,
        client: TokenClient<'_>,
        scope: &str,
    ) -> Result<Authorization, RegistryError> {
        match self.scheme() {
            Scheme::Unknown => Ok(Authorization::None),
            Scheme::Basic => Ok(Authorization::Basic),
            Scheme::Bearer(challenge) => {
                let mut tokens = self.tokens.lock().await;
                if let Some(token) = tokens.get(scope).filter(|t| t.use_until > Instant::now()) {
                    return Ok(Authorization::Bearer(token.value.clone()));
                }
                self.token_requests.fetch_add(1, Ordering::Relaxed);
                let token = fetch_token(client, &challenge, Some(scope)).await?;
                tracing::debug!(scope, "obtained a registry token");
                let value = token.value.clone();
                tokens.insert(scope.to_owned(), token);
                Ok(Authorization::Bearer(value))
            }
        }
    }

    /// Learns from a 401: remembers the scheme (and Bearer challenge) and drops the token that was
    /// refused, so the retry asks for a new one. Errors when a retry cannot help.
    pub async fn on_unauthorized(
        &self,
        url: &str,
        header: Option<&str>,
        sent: &Authorization,
        credentials: &Credentials,
        scope: &str,
    ) -> Result<(), RegistryError> {
        let challenge = header.and_then(Challenge::parse).ok_or_else(|| RegistryError::Protocol {
            url: url.to_owned(),
            reason: crate::msg!(RegNoChallenge),
        })?;
        match challenge.scheme.as_str() {
            "basic" => {
                if !credentials.is_configured() {
                    return Err(RegistryError::CredentialsRequired {
                        url: url.to_owned(),
                        scheme: "Basic".to_owned(),
                    });
                }
                if matches!(sent, Authorization::Basic) {
                    return Err(RegistryError::CredentialsRefused { url: url.to_owned(), status: 401 });
                }
                *self.scheme.lock().expect("auth scheme lock") = Scheme::Basic;
                Ok(())
            }
            "bearer" => {
                // The challenge's realm and service are what the token request needs; its scope is
                // the one this request needs, which we ask for ourselves.
                *self.scheme.lock().expect("auth scheme lock") = Scheme::Bearer(challenge);
                self.tokens.lock().await.remove(scope);
                Ok(())
            }
            other => Err(RegistryError::Protocol {
                url: url.to_owned(),
                reason: crate::msg!(RegUnsupportedScheme, &format!("{other:?}")),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenges_with_commas_in_quotes() {
        let c = Challenge::parse(
            r#"Bearer realm="http://127.0.0.1:9000/token",service="registry.test",scope="repository:a/b:pull,push""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.realm(), Some("http://127.0.0.1:9000/token"));
        assert_eq!(c.params["service"], "registry.test");
        assert_eq!(c.params["scope"], "repository:a/b:pull,push");
    }

    #[test]
    fn parses_basic_and_unquoted_and_escaped_values() {
        let c = Challenge::parse(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!((c.scheme.as_str(), c.realm()), ("basic", Some("Registry Realm")));
        let c = Challenge::parse(r#"BEARER Realm=http://x/t, error="insufficient \"scope\"""#).unwrap();
        assert_eq!(c.realm(), Some("http://x/t"));
        assert_eq!(c.params["error"], r#"insufficient "scope""#);
        let c = Challenge::parse("Basic").unwrap();
        assert!(c.params.is_empty());
        assert_eq!(Challenge::parse("   "), None);
    }

    #[test]
    fn tokens_are_dropped_a_margin_before_they_expire() {
        assert_eq!(usable_lifetime(None), Duration::from_secs(54));
        assert_eq!(usable_lifetime(Some(300)), Duration::from_secs(270));
        assert_eq!(usable_lifetime(Some(3600)), Duration::from_secs(3570));
        assert_eq!(usable_lifetime(Some(20)), Duration::from_secs(15));
        assert_eq!(usable_lifetime(Some(3)), Duration::ZERO);
    }

    // Guards the refresh on 401: a refused token must not be reused for the retry.
    #[tokio::test]
    async fn a_401_teaches_the_scheme_and_drops_the_refused_token() {
        let state = AuthState::new();
        let creds = Credentials::Basic { username: "u".into(), password: Secret::new("p") };
        let scope = "repository:a:pull";
        state.tokens.lock().await.insert(
            scope.into(),
            Token { value: "old".into(), use_until: Instant::now() + Duration::from_secs(60) },
        );
        let bearer = r#"Bearer realm="http://127.0.0.1:1/token",service="reg",scope="repository:a:pull""#;
        let sent = Authorization::Bearer("old".into());
        state.on_unauthorized("u", Some(bearer), &sent, &creds, scope).await.unwrap();
        assert!(matches!(state.scheme(), Scheme::Bearer(c) if c.params["service"] == "reg"));
        assert!(!state.tokens.lock().await.contains_key(scope));

        let basic = Some(r#"Basic realm="r""#);
        let anonymous = AuthState::new();
        let error =
            anonymous.on_unauthorized("u", basic, &Authorization::None, &Credentials::Anonymous, scope).await;
        assert!(matches!(error, Err(RegistryError::CredentialsRequired { .. })), "{error:?}");
        anonymous.on_unauthorized("u", basic, &Authorization::None, &creds, scope).await.unwrap();
        assert!(matches!(anonymous.scheme(), Scheme::Basic));
        let error = anonymous.on_unauthorized("u", basic, &Authorization::Basic, &creds, scope).await;
        assert!(matches!(error, Err(RegistryError::CredentialsRefused { status: 401, .. })), "{error:?}");
        let error = anonymous.on_unauthorized("u", None, &Authorization::None, &creds, scope).await;
        assert!(matches!(error, Err(RegistryError::Protocol { .. })), "{error:?}");
    }

    #[test]
    fn credentials_never_print() {
        let c = Credentials::Basic { username: "alice".into(), password: Secret::new("s3cret") };
        assert_eq!(format!("{c:?}"), "Basic(alice, <redacted>)");
    }
}
