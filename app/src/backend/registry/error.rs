use serde::Deserialize;

/// One entry of the registry's `{"errors":[{code,message,detail}]}` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct OciErrorEntry {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub detail: serde_json::Value,
}

/// The registry's error body, as the distribution spec defines it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct OciErrorBody {
    #[serde(default)]
    pub errors: Vec<OciErrorEntry>,
}

impl OciErrorBody {
    /// Parses an error body; anything that is not the spec's shape yields no entries.
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                (false, false) => format!("{}: {}", e.code, e.message),
                (false, true) => e.code.clone(),
                _ => e.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The registry client's one error type: every variant carries the URL it concerns.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No HTTP answer: connection refused, DNS, TLS handshake, timeout.
    #[error("cannot reach the registry at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The registry wants credentials that are not configured.
    #[error(
        "the registry at {url} requires {scheme} authentication: set REGISTRY_USERNAME and REGISTRY_PASSWORD"
    )]
    CredentialsRequired { url: String, scheme: String },
    /// The configured credentials were refused (by the registry or its token service).
    #[error(
        "the registry at {url} refused the configured credentials (HTTP {status}): check REGISTRY_USERNAME and REGISTRY_PASSWORD"
    )]
    CredentialsRefused { url: String, status: u16 },
    /// Any other non-success answer, with the registry's parsed error body.
    #[error("the registry at {url} answered HTTP {status}{}", describe_body(.body))]
    Status { url: String, status: u16, body: OciErrorBody },
    /// An answer we could not understand (bad challenge header, bad token JSON, …).
    #[error("unexpected answer from {url}: {reason}")]
    Protocol { url: String, reason: String },
}

fn describe_body(body: &OciErrorBody) -> String {
    let summary = body.summary();
    if summary.is_empty() { String::new() } else { format!(" ({summary})") }
}

impl RegistryError {
    pub(super) fn unreachable(url: &str, error: &reqwest::Error) -> Self {
        Self::Unreachable { url: url.to_owned(), reason: root_cause(error) }
    }
}

/// reqwest's top-level message is "error sending request for url (…)"; the useful part
/// ("Connection refused", "invalid peer certificate: UnknownIssuer") is at the end of the chain.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !text.starts_with("error sending request") && !parts.contains(&text) {
            parts.push(text);
        }
        current = e.source();
    }
    if parts.is_empty() { error.to_string() } else { parts.join(": ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_show_the_registry_error_codes() {
        let body = OciErrorBody::parse(
            br#"{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported.","detail":null}]}"#,
        );
        let error = RegistryError::Status {
            url: "http://127.0.0.1:5000/v2/a/manifests/sha256:x".into(),
            status: 405,
            body,
        };
        assert_eq!(
            error.to_string(),
            "the registry at http://127.0.0.1:5000/v2/a/manifests/sha256:x answered HTTP 405 (UNSUPPORTED: The operation is unsupported.)"
        );
    }

    #[test]
    fn non_spec_bodies_are_tolerated() {
        assert!(OciErrorBody::parse(b"<html>bad gateway</html>").errors.is_empty());
        let error = RegistryError::Status { url: "u".into(), status: 502, body: OciErrorBody::parse(b"") };
        assert_eq!(error.to_string(), "the registry at u answered HTTP 502");
    }
}
