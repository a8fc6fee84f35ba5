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
    /// 429: too many failed logins; the response's `Retry-After` says when to try again.
    #[error("{0}")]
    TooManyRequests(String),
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
            Self::Upstream(_) => 502,
            Self::Internal | Self::Transport(_) => 500,
        }
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
    /// original tool's clients read.
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
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
            (AppError::NotFound(String::new()), 404),
            (AppError::Upstream(String::new()), 502),
            (AppError::Internal, 500),
            (AppError::Transport(String::new()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code(), status, "{error:?}");
        }
    }
}
