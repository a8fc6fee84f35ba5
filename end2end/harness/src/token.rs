//! Bearer token issuing: JWTs distribution 2.8.2 accepts, and the token endpoint (an axum
//! server on its own thread and runtime, so it outlives any single `#[tokio::test]` runtime).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use crate::certs::SigningCert;
use crate::serve::ThreadServer;

/// How long minted tokens are valid.
pub const TOKEN_TTL_SECS: i64 = 3600;

/// Mints RS256 tokens with an `x5c` header, for one registry `service`.
pub struct TokenIssuer {
    key: EncodingKey,
    x5c: String,
    pub issuer: String,
    pub service: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("issuer", &self.issuer)
            .field("service", &self.service)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// One entry of the `access` claim.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Access {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub actions: Vec<String>,
}

impl Access {
    /// Parse a scope like `repository:foo/bar:pull,push` or `registry:catalog:*`.
    /// The name is everything between the first and the last colon.
    pub fn parse(scope: &str) -> Option<Access> {
        let (kind, rest) = scope.split_once(':')?;
        let (name, actions) = rest.rsplit_once(':')?;
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        Some(Access {
            kind: kind.to_string(),
            name: name.to_string(),
            actions: actions.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect(),
        })
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    nbf: i64,
    iat: i64,
    jti: String,
    access: Vec<Access>,
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn unique_id() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos:x}-{:x}-{:x}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

impl TokenIssuer {
    pub fn new(
        cert: &SigningCert,
        issuer: &str,
        service: &str,
        username: &str,
        password: &str,
    ) -> Result<TokenIssuer> {
        Ok(TokenIssuer {
            key: EncodingKey::from_rsa_pem(&cert.key_pem).context("loading the token RSA key")?,
            x5c: cert.cert_der_b64.clone(),
            issuer: issuer.to_string(),
            service: service.to_string(),
            username: username.to_string(),
            password: password.to_string(),
        })
    }

    /// A signed token granting exactly `scopes` (unparseable scopes are skipped).
    pub fn mint<S: AsRef<str>>(&self, subject: &str, scopes: &[S]) -> Result<String> {
        let now = now_secs();
        let claims = Claims {
            iss: &self.issuer,
            sub: subject,
            aud: &self.service,
            exp: now + TOKEN_TTL_SECS,
            nbf: now - 30,
            iat: now,
            jti: unique_id(),
            access: scopes.iter().filter_map(|s| Access::parse(s.as_ref())).collect(),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.x5c = Some(vec![self.x5c.clone()]);
        jsonwebtoken::encode(&header, &claims, &self.key).context("signing a token")
    }

    fn check_basic(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some(b64) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) else {
            return false;
        };
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
            return false;
        };
        let expected = format!("{}:{}", self.username, self.password);
        raw == expected.as_bytes()
    }
}

/// Parsed query of `GET /token`: `scope` may repeat, and each may hold several
/// space-separated scopes.
fn parse_token_query(raw: Option<&str>) -> (Option<String>, Vec<String>) {
    let mut service = None;
    let mut scopes = Vec::new();
    if let Some(raw) = raw {
        for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
            match k.as_ref() {
                "service" => service = Some(v.into_owned()),
                "scope" => scopes.extend(v.split(' ').filter(|s| !s.is_empty()).map(String::from)),
                _ => {}
            }
        }
    }
    (service, scopes)
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
    access_token: String,
    expires_in: i64,
    issued_at: String,
}

async fn token_handler(
    State(issuer): State<Arc<TokenIssuer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if !issuer.check_basic(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Basic realm=\"rm-harness token\"")],
            Json(serde_json::json!({"errors":[{"code":"UNAUTHORIZED","message":"credentials required"}]})),
        )
            .into_response();
    }
    let (service, scopes) = parse_token_query(query.as_deref());
    if let Some(s) = &service
        && s != &issuer.service
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"errors":[{"code":"DENIED","message":format!("unknown service {s}")}]})),
        )
            .into_response();
    }
    match issuer.mint(&issuer.username, &scopes) {
        Ok(token) => Json(TokenResponse {
            access_token: token.clone(),
            token,
            expires_in: TOKEN_TTL_SECS,
            issued_at: rfc3339_now(),
        })
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")).into_response(),
    }
}

/// The token endpoint, served on 127.0.0.1 by a dedicated thread; stopped on drop.
pub struct TokenServer {
    server: ThreadServer,
}

impl TokenServer {
    pub fn start(issuer: Arc<TokenIssuer>) -> Result<TokenServer> {
        let server = ThreadServer::start("token endpoint", |_| {
            axum::Router::new().route("/token", get(token_handler)).with_state(issuer)
        })?;
        Ok(TokenServer { server })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `http://127.0.0.1:PORT/token`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port())
    }
}

/// Now, as the token answer's `issued_at` (RFC 3339 UTC, to the second).
fn rfc3339_now() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).expect("0 is a valid nanosecond");
    now.format(&time::format_description::well_known::Rfc3339).expect("now formats")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scopes() {
        assert_eq!(
            Access::parse("repository:a/b/c:pull,push"),
            Some(Access {
                kind: "repository".into(),
                name: "a/b/c".into(),
                actions: vec!["pull".into(), "push".into()]
            })
        );
        assert_eq!(Access::parse("registry:catalog:*").unwrap().actions, vec!["*"]);
        assert_eq!(Access::parse("nonsense"), None);
        let (svc, scopes) = parse_token_query(Some(
            "service=rmh&scope=repository%3Aa%3Apull&scope=repository:b:pull,push%20registry:catalog:*",
        ));
        assert_eq!(svc.as_deref(), Some("rmh"));
        assert_eq!(scopes, vec!["repository:a:pull", "repository:b:pull,push", "registry:catalog:*"]);
    }
}
