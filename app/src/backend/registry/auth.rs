//! Registry authentication: anonymous, HTTP Basic, and Bearer tokens obtained through the
//! `WWW-Authenticate` challenge (https://distribution.github.io/distribution/spec/auth/token/).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::RegistryError;
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
}

/// Asks the token service named by a Bearer challenge for a token covering `scope` (none for the
/// `/v2/` ping), sending the configured credentials if any.
pub(super) async fn fetch_token(
    http: &reqwest::Client,
    challenge: &Challenge,
    scope: Option<&str>,
    credentials: &Credentials,
) -> Result<String, RegistryError> {
    let realm = challenge.realm().ok_or_else(|| RegistryError::Protocol {
        url: "WWW-Authenticate".to_owned(),
        reason: "Bearer challenge without a realm".to_owned(),
    })?;
    let mut url = url::Url::parse(realm).map_err(|e| RegistryError::Protocol {
        url: realm.to_owned(),
        reason: format!("token realm is not a URL: {e}"),
    })?;
    {
        let mut query = url.query_pairs_mut();
        if let Some(service) = challenge.params.get("service") {
            query.append_pair("service", service);
        }
        if let Some(scope) = scope.or(challenge.params.get("scope").map(String::as_str)) {
            query.append_pair("scope", scope);
        }
    }
    let response = credentials
        .apply(http.get(url.clone()))
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
    let body = response.bytes().await.map_err(|e| RegistryError::unreachable(url.as_str(), &e))?;
    if !status.is_success() {
        return Err(RegistryError::Status {
            url: url.to_string(),
            status: status.as_u16(),
            body: super::OciErrorBody::parse(&body),
        });
    }
    let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| RegistryError::Protocol {
        url: url.to_string(),
        reason: format!("token response is not JSON with a token: {e}"),
    })?;
    token.token.or(token.access_token).filter(|t| !t.is_empty()).ok_or_else(|| RegistryError::Protocol {
        url: url.to_string(),
        reason: "token response has neither `token` nor `access_token`".to_owned(),
    })
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
    fn credentials_never_print() {
        let c = Credentials::Basic { username: "alice".into(), password: Secret::new("s3cret") };
        assert_eq!(format!("{c:?}"), "Basic(alice, <redacted>)");
    }
}
