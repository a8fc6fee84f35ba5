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
    /// A DELETE answered 405: the registry runs with deletion disabled. Nothing was changed.
    #[error(
        "the registry has deletion disabled (HTTP 405 from {url}): set REGISTRY_STORAGE_DELETE_ENABLED=true \
         (storage.delete.enabled: true) on the registry and restart it"
    )]
    DeletionDisabled { url: String },
}

fn describe_body(body: &OciErrorBody) -> String {
    let summary = body.summary();
    if summary.is_empty() { String::new() } else { format!(" ({summary})") }
}

impl RegistryError {
    pub(super) fn unreachable(url: &str, error: &reqwest::Error) -> Self {
        Self::Unreachable { url: url.to_owned(), reason: root_cause(error) }
    }

    /// The HTTP status the registry answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } | Self::CredentialsRefused { status, .. } => Some(*status),
            Self::DeletionDisabled { .. } => Some(405),
            _ => None,
        }
    }

    /// The registry's error codes (`NAME_UNKNOWN`, `MANIFEST_UNKNOWN`, …), if it sent any.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        let errors = match self {
            Self::Status { body, .. } => body.errors.as_slice(),
            _ => &[],
        };
        errors.iter().map(|e| e.code.as_str())
    }

    /// A 404, or one of the spec's "unknown" codes: the repository, manifest or blob does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
            || self.codes().any(|c| matches!(c, "NAME_UNKNOWN" | "MANIFEST_UNKNOWN" | "BLOB_UNKNOWN"))
    }

    /// The URL the error concerns.
    pub fn url(&self) -> &str {
        match self {
            Self::Unreachable { url, .. }
            | Self::CredentialsRequired { url, .. }
            | Self::CredentialsRefused { url, .. }
            | Self::Status { url, .. }
            | Self::Protocol { url, .. }
            | Self::DeletionDisabled { url } => url,
        }
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
    fn not_found_is_recognised_by_status_or_code() {
        let body = OciErrorBody::parse(
            br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#,
        );
        let e = RegistryError::Status { url: "u".into(), status: 404, body };
        assert!(e.is_not_found());
        assert_eq!(e.codes().collect::<Vec<_>>(), ["NAME_UNKNOWN"]);
        let e = RegistryError::Status { url: "u".into(), status: 500, body: OciErrorBody::default() };
        assert!(!e.is_not_found());
    }

    #[test]
    fn deletion_disabled_names_the_setting() {
        let e = RegistryError::DeletionDisabled { url: "http://r/v2/a/manifests/sha256:x".into() };
        assert!(e.to_string().contains("REGISTRY_STORAGE_DELETE_ENABLED=true"), "{e}");
        assert_eq!(e.status(), Some(405));
    }

    #[test]
    fn non_spec_bodies_are_tolerated() {
        assert!(OciErrorBody::parse(b"<html>bad gateway</html>").errors.is_empty());
        let error = RegistryError::Status { url: "u".into(), status: 502, body: OciErrorBody::parse(b"") };
        assert_eq!(error.to_string(), "the registry at u answered HTTP 502");
    }
}
