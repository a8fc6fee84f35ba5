use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The one error type of the application layer: what server functions return to the browser and
/// REST routes return to scripts. Messages are written for the user: what was wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// 400: the input broke a rule; the message names the rule and the accepted form.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no credentials, or credentials that are wrong, expired, revoked or disabled. The
    /// message says which kind of credential to send, never which part was wrong.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller's role, or the server's policy (e.g. `READ_ONLY=true`), forbids this; the
    /// message names the role needed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the named repository, tag, image or job does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 429: too many failed logins, jobs already waiting in the queue (`MAX_QUEUED_JOBS`), or
    /// live streams open for one user; the response's `Retry-After` says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
    /// 413: the request body is larger than the server reads (1 MiB); the message names the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 502: the registry or the Docker daemon failed or refused; the message carries its reason.
    #[error("{0}")]
    Upstream(String),
    /// 500: a bug or an environment failure. Details go to the server log, not to the client.
    #[error("internal error: see the server log for details")]
    Internal,
    /// The call itself failed between browser and server (network, encoding).
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error maps to.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::TooManyRequests(_) => 429,
            Self::PayloadTooLarge(_) => 413,
            Self::Upstream(_) => 502,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// The `Retry-After` (seconds) a `429` carries when nothing more exact is known: a full job
    /// queue or a user's streams free up as jobs start and pages close, at no time one can
    /// predict. The login throttle knows its wait and sends that instead.
    pub const RETRY_AFTER_SECS: u64 = 5;

    /// The `Retry-After` this error's response carries, if any.
    pub fn retry_after(&self) -> Option<u64> {
        matches!(self, Self::TooManyRequests(_)).then_some(Self::RETRY_AFTER_SECS)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    /// REST routes answer `{"error": "<kind>", "detail": "<message>"}`; `detail` is what the
    /// original tool's clients read. A `429` says when to come back (`Retry-After`).
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after();
        let mut response = (status, axum::Json(self)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;

    #[test]
    fn errors_serialise_with_kind_and_detail() {
        let json = serde_json::to_value(AppError::BadRequest("tag is empty".into())).unwrap();
        assert_eq!(json, serde_json::json!({"error": "bad_request", "detail": "tag is empty"}));
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, AppError::BadRequest("tag is empty".into()));
    }

    #[test]
    fn each_kind_maps_to_its_status() {
        let cases = [
            (AppError::BadRequest(String::new()), 400),
            (AppError::Unauthorized(String::new()), 401),
            (AppError::Forbidden(String::new()), 403),
            (AppError::TooManyRequests(String::new()), 429),
            (AppError::PayloadTooLarge(String::new()), 413),
            (AppError::NotFound(String::new()), 404),
            (AppError::Upstream(String::new()), 502),
            (AppError::Internal, 500),
            (AppError::Transport(String::new()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code(), status, "{error:?}");
        }
    }

    #[test]
    fn only_too_many_requests_says_when_to_retry() {
        assert_eq!(AppError::TooManyRequests(String::new()).retry_after(), Some(AppError::RETRY_AFTER_SECS));
        assert_eq!(AppError::PayloadTooLarge(String::new()).retry_after(), None);
        assert_eq!(AppError::BadRequest(String::new()).retry_after(), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn responses_carry_the_status_the_kind_maps_to() {
        use axum::response::IntoResponse as _;
        let response = AppError::PayloadTooLarge("request body over 1 MiB".into()).into_response();
        assert_eq!(response.status(), 413);
        assert!(response.headers().get("retry-after").is_none());
        let response = AppError::TooManyRequests("queue full".into()).into_response();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], AppError::RETRY_AFTER_SECS.to_string().as_str());
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
