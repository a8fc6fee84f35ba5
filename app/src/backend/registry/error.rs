use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::outbound::Refusal;
use crate::backend::redact::{scrub_urls, url_for_display};
use crate::messages::Arg;
use crate::model::Message;

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

/// The registry client's one error type: every variant carries the URL it concerns. Messages
/// show URLs without userinfo, query or fragment (a storage redirect's signature, a token
/// service's parameters), so job logs and `/api/health` carry no secret. Our words are keyed
/// ([`RegistryError::message`], in the reader's language); the registry's own reasons (its error
/// body, a connection failure's text) stay as they came. `Display` is the English.
#[derive(Debug)]
pub enum RegistryError {
    /// No HTTP answer: connection refused, DNS, TLS handshake, timeout.
    Unreachable { url: String, reason: Message },
    /// The registry wants credentials that are not configured.
    CredentialsRequired { url: String, scheme: String },
    /// The configured credentials were refused (by the registry or its token service).
    CredentialsRefused { url: String, status: u16 },
    /// Any other non-success answer, with the registry's parsed error body.
    Status { url: String, status: u16, body: OciErrorBody },
    /// A non-success answer that said when to come back (`Retry-After`, usually with 429 or 503):
    /// the registry is rate limiting or briefly unavailable. Callers that retry wait that long.
    RetryLater { url: String, status: u16, retry_after: Duration, body: OciErrorBody },
    /// An answer we could not understand (bad challenge header, bad token JSON, …).
    Protocol { url: String, reason: Message },
    /// A DELETE answered 405: the registry runs with deletion disabled. Nothing was changed.
    DeletionDisabled { url: String },
    /// Only one tag of an image was to be deleted, but its manifest is not a JSON document that
    /// can be copied with one more annotation (see `delete.rs`). Nothing was changed.
    NotRepointable { url: String, media_type: String, tags: usize },
    /// Deleting one tag went part-way: the reason says what state the tags are in now.
    TagDeleteIncomplete { url: String, reason: Message },
    /// The outbound policy refused a destination (an address class, a redirect, a token realm, a
    /// `Link` to another host); `rule` names the rule and the setting that would allow it. Nothing
    /// was sent there. Users see 400: the source they chose is not allowed.
    Refused { url: String, rule: Message },
    /// An answer larger than we read for its kind (a manifest over 4 MiB, …), announced or
    /// streamed; reading stopped at the limit. `what` names the kind ([`super::limits::Body`]).
    TooLarge { url: String, what: super::limits::Body, limit: u64 },
}

impl RegistryError {
    /// What went wrong, in the reader's language, with URLs shown without secrets.
    pub fn message(&self) -> Message {
        use crate::msg;
        match self {
            Self::Unreachable { url, reason } => msg!(RegUnreachable, shown(url), scrubbed(reason)),
            Self::CredentialsRequired { url, scheme } => msg!(RegCredentialsRequired, shown(url), scheme),
            Self::CredentialsRefused { url, status } => msg!(RegCredentialsRefused, shown(url), *status),
            Self::Status { url, status, body } => match body.summary() {
                summary if summary.is_empty() => msg!(RegStatus, shown(url), *status),
                summary => msg!(RegStatusBody, shown(url), *status, summary),
            },
            Self::RetryLater { url, status, retry_after, body } => match body.summary() {
                summary if summary.is_empty() => {
                    msg!(RegRetryLater, shown(url), *status, retry_after.as_secs())
                }
                summary => msg!(RegRetryLaterBody, shown(url), *status, summary, retry_after.as_secs()),
            },
            Self::Protocol { url, reason } => msg!(RegProtocol, shown(url), scrubbed(reason)),
            Self::DeletionDisabled { url } => msg!(RegDeletionDisabled, shown(url)),
            Self::NotRepointable { media_type, tags, .. } => msg!(RegNotRepointable, media_type, *tags),
            Self::TagDeleteIncomplete { url, reason } => {
                msg!(RegTagDeleteIncomplete, shown(url), scrubbed(reason))
            }
            Self::Refused { url, rule } => msg!(RegRefused, shown(url), scrubbed(rule)),
            Self::TooLarge { url, what, limit } => {
                msg!(RegTooLarge, what.message(), crate::format::bytes(*limit), *limit, shown(url))
            }
        }
    }
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.message(), f)
    }
}

impl std::error::Error for RegistryError {}

/// A message with URLs in its verbatim parts shown without secrets (see [`scrub_urls`]).
fn scrubbed(message: &Message) -> Message {
    match message {
        Message::Text(text) => Message::Text(scrub_urls(text)),
        Message::Keyed(keyed) => Message::Keyed(crate::messages::Keyed {
            key: keyed.key,
            args: keyed
                .args
                .iter()
                .map(|arg| match arg {
                    Arg::Text(text) => Arg::Text(scrub_urls(text)),
                    Arg::Message(message) => Arg::Message(scrubbed(message)),
                    other => other.clone(),
                })
                .collect(),
        }),
    }
}

/// A URL as messages show it.
fn shown(url: &str) -> String {
    url_for_display(url)
}

impl RegistryError {
    /// A request that got no answer; a refusal by the outbound policy (from the resolver or the
    /// redirect policy, deep in reqwest's error chain) becomes [`RegistryError::Refused`].
    pub(super) fn unreachable(url: &str, error: &reqwest::Error) -> Self {
        let url = url_for_display(url);
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = source {
            if let Some(refusal) = e.downcast_ref::<Refusal>() {
                return Self::Refused { url, rule: refusal.0.clone() };
            }
            source = e.source();
        }
        Self::Unreachable { url, reason: scrub_urls(&crate::backend::error_text::error_chain(error)).into() }
    }

    /// A refusal by the outbound policy of a request to `url`.
    pub(super) fn refused(url: &url::Url, refusal: Refusal) -> Self {
        Self::Refused { url: url_for_display(url.as_str()), rule: refusal.0 }
    }

    /// The HTTP status the registry answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. }
            | Self::RetryLater { status, .. }
            | Self::CredentialsRefused { status, .. } => Some(*status),
            Self::DeletionDisabled { .. } => Some(405),
            _ => None,
        }
    }

    /// The registry's error codes (`NAME_UNKNOWN`, `MANIFEST_UNKNOWN`, …), if it sent any.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        let errors = match self {
            Self::Status { body, .. } | Self::RetryLater { body, .. } => body.errors.as_slice(),
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
            | Self::RetryLater { url, .. }
            | Self::Protocol { url, .. }
            | Self::DeletionDisabled { url }
            | Self::NotRepointable { url, .. }
            | Self::TagDeleteIncomplete { url, .. }
            | Self::Refused { url, .. }
            | Self::TooLarge { url, .. } => url,
        }
    }
}

impl RegistryError {
    /// A non-success answer as an error: [`RegistryError::RetryLater`] when a transient failure
    /// (408, 429, 5xx) came with a usable `Retry-After`, [`RegistryError::Status`] otherwise.
    pub(super) fn from_answer(url: &str, status: u16, retry_after: Option<&str>, body: &[u8]) -> Self {
        let body = OciErrorBody::parse(body);
        let retry_after = retry_after
            .filter(|_| transient_status(status))
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let url = url_for_display(url);
        match retry_after {
            Some(retry_after) => Self::RetryLater { url, status, retry_after, body },
            None => Self::Status { url, status, body },
        }
    }

    /// Whether trying again later may succeed: no answer at all (connection refused or reset,
    /// timeout), or a 408, 429 or 5xx. Everything else (4xx, refused credentials) would fail
    /// the same way again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::RetryLater { .. } => true,
            Self::Status { status, .. } => transient_status(*status),
            _ => false,
        }
    }

    /// How long the registry asked us to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RetryLater { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

impl From<RegistryError> for crate::model::AppError {
    /// Missing things are 404; a registry with deletion disabled is 403 with the setting to
    /// change; a manifest that cannot be re-pointed is 400 (delete the image instead); everything
    /// else the registry did (or did not) answer is 502 with its reason. URLs in the message lose
    /// credentials and query strings.
    fn from(error: RegistryError) -> Self {
        use crate::model::AppError;
        let message = error.message();
        match &error {
            RegistryError::DeletionDisabled { .. } => AppError::Forbidden(message),
            RegistryError::NotRepointable { .. } => AppError::BadRequest(message),
            // The outbound policy refused where the request leads: the chosen registry's to fix.
            RegistryError::Refused { .. } => AppError::BadRequest(message),
            e if e.is_not_found() => AppError::NotFound(crate::msg!(NotFoundInRegistry, message)),
            _ => {
                tracing::warn!(error = %message, "registry request failed");
                AppError::Upstream(message)
            }
        }
    }
}

/// Request timeout, too many requests, and server-side failures.
fn transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

/// A `Retry-After` value: delay seconds, or an HTTP date (then the time from `now` until it, zero
/// if it has passed) (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let until = SystemTime::from(date);
    Some(until.duration_since(now).unwrap_or(Duration::ZERO))
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
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn transient_failures_are_retryable_and_carry_retry_after() {
        let status =
            |status| RegistryError::Status { url: "u".into(), status, body: OciErrorBody::default() };
        for retryable in [408, 429, 500, 502, 503, 504] {
            assert!(status(retryable).is_retryable(), "{retryable}");
        }
        for permanent in [400, 401, 403, 404, 405, 409] {
            assert!(!status(permanent).is_retryable(), "{permanent}");
        }
        assert!(RegistryError::Unreachable { url: "u".into(), reason: "reset".into() }.is_retryable());
        assert!(!RegistryError::CredentialsRefused { url: "u".into(), status: 401 }.is_retryable());

        let busy =
            RegistryError::from_answer("u", 429, Some("2"), br#"{"errors":[{"code":"TOOMANYREQUESTS"}]}"#);
        assert_eq!((busy.status(), busy.retry_after()), (Some(429), Some(Duration::from_secs(2))));
        assert!(busy.is_retryable());
        assert_eq!(busy.codes().collect::<Vec<_>>(), ["TOOMANYREQUESTS"]);
        assert_eq!(
            busy.to_string(),
            "the registry at u answered HTTP 429 (TOOMANYREQUESTS) and asked to retry after 2s"
        );
        let plain = RegistryError::from_answer("u", 503, Some("whenever"), b"");
        assert!(matches!(plain, RegistryError::Status { status: 503, .. }) && plain.retry_after().is_none());
        let not_found = RegistryError::from_answer("u", 404, Some("5"), b"");
        assert!(matches!(not_found, RegistryError::Status { status: 404, .. }) && !not_found.is_retryable());
    }

    // Guards issue 11 point 7: a storage redirect's signature or a token service's query must not
    // reach job logs or /api/health.
    #[test]
    fn messages_show_urls_without_credentials_or_query() {
        let secret_url = "https://alice:pw@s3.example/blob?X-Amz-Signature=SECRET#f";
        let errors = [
            RegistryError::from_answer(secret_url, 403, None, b""),
            RegistryError::from_answer(secret_url, 503, Some("1"), b""),
            RegistryError::Unreachable {
                url: secret_url.into(),
                reason: format!("error following redirect for url ({secret_url})").into(),
            },
            RegistryError::Protocol { url: secret_url.into(), reason: "bad".into() },
            RegistryError::Protocol {
                url: "WWW-Authenticate".into(),
                reason: crate::msg!(RegTokenRealmNotUrl, format!("cannot parse {secret_url}")),
            },
            RegistryError::CredentialsRefused { url: secret_url.into(), status: 401 },
            RegistryError::CredentialsRequired { url: secret_url.into(), scheme: "Bearer".into() },
            RegistryError::DeletionDisabled { url: secret_url.into() },
            RegistryError::Refused {
                url: secret_url.into(),
                rule: crate::msg!(OutRedirectRefused, secret_url, crate::msg!(OutNoHost)),
            },
            RegistryError::TooLarge {
                url: secret_url.into(),
                what: super::super::limits::Body::Manifest,
                limit: 4 << 20,
            },
        ];
        for error in errors {
            let shown = error.to_string();
            assert!(!shown.contains("SECRET") && !shown.contains("pw@"), "{shown}");
            let zh = error.message().render(crate::ui::lang::Lang::ZhCn);
            assert!(!zh.contains("SECRET") && !zh.contains("pw@"), "{zh}");
            assert!(shown.contains("https://s3.example/blob"), "{shown}");
        }
        let stored = RegistryError::from_answer(secret_url, 404, None, b"");
        assert_eq!(stored.url(), "https://s3.example/blob");
    }

    #[test]
    fn size_limits_are_shown_in_binary_units() {
        let error = RegistryError::TooLarge {
            url: "http://r/v2/a/manifests/v1".into(),
            what: super::super::limits::Body::Manifest,
            limit: 4 << 20,
        };
        assert_eq!(
            error.to_string(),
            "manifest larger than 4.0 MiB (4194304 bytes) from http://r/v2/a/manifests/v1"
        );
        assert_eq!(
            error.message().render(crate::ui::lang::Lang::ZhCn),
            "清单超过 4.0 MiB（4194304 字节），来自 http://r/v2/a/manifests/v1"
        );
    }

    #[test]
    fn an_incomplete_tag_delete_and_a_stalled_blob_read_in_chinese_around_their_names() {
        use crate::ui::lang::Lang;
        let incomplete = RegistryError::TagDeleteIncomplete {
            url: "http://r/v2/a/manifests/v1".into(),
            reason: crate::msg!(TagDeleteStillThere, "v1", "sha256:b"),
        };
        assert_eq!(
            incomplete.to_string(),
            "deleting the tag at http://r/v2/a/manifests/v1 did not complete: `v1` still exists after the delete (it points to sha256:b)"
        );
        assert_eq!(
            incomplete.message().render(Lang::ZhCn),
            "删除 http://r/v2/a/manifests/v1 处的标签未完成：删除后 `v1` 仍然存在（它指向 sha256:b）"
        );
        let stalled = RegistryError::Unreachable {
            url: "http://r/v2/a/blobs/sha256:c".into(),
            reason: crate::msg!(BlobNoDataAfter, "30s", 10u64, 20u64),
        };
        assert!(stalled.to_string().ends_with("no data for 30s after 10 of 20 bytes"), "{stalled}");
        assert!(
            stalled.message().render(Lang::ZhCn).ends_with("30s 内没有收到数据（已收到 10 / 20 字节）"),
            "{}",
            stalled.message().render(Lang::ZhCn)
        );
        assert!(stalled.is_retryable(), "a stall stays retryable");
    }

    #[test]
    fn non_spec_bodies_are_tolerated() {
        assert!(OciErrorBody::parse(b"<html>bad gateway</html>").errors.is_empty());
        let error = RegistryError::Status { url: "u".into(), status: 502, body: OciErrorBody::parse(b"") };
        assert_eq!(error.to_string(), "the registry at u answered HTTP 502");
    }

    #[test]
    fn registry_errors_become_app_errors() {
        use crate::model::AppError;
        let disabled: AppError = RegistryError::DeletionDisabled { url: "u".into() }.into();
        assert!(
            matches!(&disabled, AppError::Forbidden(m) if m.contains("REGISTRY_STORAGE_DELETE_ENABLED=true"))
        );
        let body = OciErrorBody::parse(br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#);
        let missing: AppError = RegistryError::Status { url: "u".into(), status: 404, body }.into();
        assert!(matches!(missing, AppError::NotFound(_)));
        let down: AppError = RegistryError::Unreachable { url: "u".into(), reason: "refused".into() }.into();
        assert!(matches!(down, AppError::Upstream(m) if m.contains("refused")));
        let broken: AppError =
            RegistryError::Status { url: "u".into(), status: 503, body: Default::default() }.into();
        assert_eq!(broken.status_code(), 502);
        let odd: AppError =
            RegistryError::NotRepointable { url: "u".into(), media_type: "x".into(), tags: 2 }.into();
        assert!(matches!(odd, AppError::BadRequest(m) if m.contains("delete the image (all 2 tags)")));
        let secret: AppError =
            RegistryError::Unreachable { url: "http://u:pw@r/v2/?token=t".into(), reason: "down".into() }
                .into();
        assert!(!secret.to_string().contains("pw") && !secret.to_string().contains("token=t"), "{secret}");
    }
}
