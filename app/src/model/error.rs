use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use super::Message;

/// The one error type of the application layer: what server functions return to the browser and
/// REST routes return to scripts. Messages are written for the user: what was wrong and how to fix it.
/// On the server a message is typed ([`Message::Keyed`], `crate::msg!`) and rendered in the
/// requester's language when the error leaves: a server function's in [`FromServerFnError::ser`],
/// a REST route's by the server's `localize_errors` middleware (with [`Localizable`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", content = "detail", rename_all = "snake_case")]
pub enum AppError {
    /// 400: the input broke a rule; the message names the rule and the accepted form.
    #[error("{0}")]
    BadRequest(Message),
    /// 401: no credentials, or credentials that are wrong, expired, revoked or disabled. The
    /// message says which kind of credential to send, never which part was wrong.
    #[error("{0}")]
    Unauthorized(Message),
    /// 403: the caller's role, or the server's policy (e.g. `READ_ONLY=true`), forbids this; the
    /// message names the role needed.
    #[error("{0}")]
    Forbidden(Message),
    /// 404: the named repository, tag, image or job does not exist.
    #[error("{0}")]
    NotFound(Message),
    /// 429: too many failed logins, jobs already waiting in the queue (`MAX_QUEUED_JOBS`), or
    /// live streams open for one user; the response's `Retry-After` says when to try again.
    #[error("{0}")]
    TooManyRequests(Message),
    /// 413: the request body is larger than the server reads (1 MiB); the message names the limit.
    #[error("{0}")]
    PayloadTooLarge(Message),
    /// 502: the registry or the Docker daemon failed or refused; the message carries its reason.
    #[error("{0}")]
    Upstream(Message),
    /// 500: a bug or an environment failure. Details go to the server log, not to the client.
    #[error("internal error: see the server log for details")]
    Internal,
    /// The call itself failed between browser and server (network, encoding).
    #[error("request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The message, if the kind carries one.
    pub fn message(&self) -> Option<&Message> {
        match self {
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::TooManyRequests(m)
            | Self::PayloadTooLarge(m)
            | Self::Upstream(m) => Some(m),
            Self::Internal | Self::Transport(_) => None,
        }
    }

    /// What the user is told: the message, or the error's text where the kind carries none.
    pub fn to_message(&self) -> Message {
        self.message().cloned().unwrap_or_else(|| Message::Text(self.to_string()))
    }

    /// The stable code of the message (`job_not_found`), for REST bodies; `None` for text that
    /// has none (an upstream reason passed on, an internal error).
    pub fn code(&self) -> Option<&'static str> {
        self.message().and_then(Message::code)
    }

    /// The same error with its message rendered in `lang`.
    #[cfg(feature = "ssr")]
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        match self {
            Self::BadRequest(m) => Self::BadRequest(m.localized(lang)),
            Self::Unauthorized(m) => Self::Unauthorized(m.localized(lang)),
            Self::Forbidden(m) => Self::Forbidden(m.localized(lang)),
            Self::NotFound(m) => Self::NotFound(m.localized(lang)),
            Self::TooManyRequests(m) => Self::TooManyRequests(m.localized(lang)),
            Self::PayloadTooLarge(m) => Self::PayloadTooLarge(m.localized(lang)),
            Self::Upstream(m) => Self::Upstream(m.localized(lang)),
            other @ (Self::Internal | Self::Transport(_)) => other,
        }
    }

    /// The REST body: `{"error": "<kind>", "detail": "<message in lang>"}`, plus `"code"` when the
    /// message has one. `detail` is what the original tool's clients read.
    #[cfg(feature = "ssr")]
    pub fn rest_body(&self, lang: crate::ui::lang::Lang) -> serde_json::Value {
        let mut body = serde_json::to_value(self.clone().localized(lang)).unwrap_or_default();
        if let (Some(code), Some(object)) = (self.code(), body.as_object_mut()) {
            object.insert("code".to_owned(), code.into());
        }
        body
    }

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

    /// A server function's error leaves rendered in the language of the request it answers (the
    /// `lang` cookie, else `Accept-Language`): leptos_axum still provides that request as context
    /// while it encodes the error. The browser decodes finished text, as it always did.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        let localized = self.clone().localized(crate::ui::lang::Lang::of_current_request());
        #[cfg(not(feature = "ssr"))]
        let localized = self.clone();
        <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(&localized)
            .unwrap_or_else(|_| leptos::server_fn::Bytes::from_static(br#"{"error":"internal"}"#))
    }
}

/// Put on a REST error response by [`AppError`]'s `IntoResponse`, so that the server's
/// `localize_errors` middleware, which knows the request, can render the body in its language.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct Localizable(pub AppError);

#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    /// REST routes answer [`AppError::rest_body`], in English here; the server's
    /// `localize_errors` middleware renders it again in the request's language (it finds the
    /// error in the response's [`Localizable`] extension). A `429` says when to come back
    /// (`Retry-After`).
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = self.retry_after();
        let body = self.rest_body(crate::ui::lang::Lang::En);
        let mut response = (status, axum::Json(body)).into_response();
        response.extensions_mut().insert(Localizable(self));
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::{AppError, Message};

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
            (AppError::BadRequest(Message::from("")), 400),
            (AppError::Unauthorized(Message::from("")), 401),
            (AppError::Forbidden(Message::from("")), 403),
            (AppError::TooManyRequests(Message::from("")), 429),
            (AppError::PayloadTooLarge(Message::from("")), 413),
            (AppError::NotFound(Message::from("")), 404),
            (AppError::Upstream(Message::from("")), 502),
            (AppError::Internal, 500),
            (AppError::Transport(String::new()), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code(), status, "{error:?}");
        }
    }

    #[test]
    fn only_too_many_requests_says_when_to_retry() {
        assert_eq!(
            AppError::TooManyRequests(Message::from("")).retry_after(),
            Some(AppError::RETRY_AFTER_SECS)
        );
        assert_eq!(AppError::PayloadTooLarge(Message::from("")).retry_after(), None);
        assert_eq!(AppError::BadRequest(Message::from("")).retry_after(), None);
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

    #[cfg(feature = "ssr")]
    #[test]
    fn rest_bodies_carry_the_detail_in_the_language_asked_and_a_stable_code() {
        use crate::ui::lang::Lang;
        let error = AppError::NotFound(crate::msg!(JobNotFound, "j-1"));
        let en = error.rest_body(Lang::En);
        assert_eq!(en["error"], "not_found");
        assert_eq!(en["code"], "job_not_found");
        assert!(en["detail"].as_str().unwrap().starts_with("no job with id j-1"), "{en}");
        let zh = error.rest_body(Lang::ZhCn);
        assert_eq!((&zh["error"], &zh["code"]), (&en["error"], &en["code"]));
        assert!(zh["detail"].as_str().unwrap().starts_with("没有 ID 为 j-1 的任务"), "{zh}");
        // A reason passed on verbatim has no code, and stays as it was.
        let upstream = AppError::Upstream("connection refused".into()).rest_body(Lang::ZhCn);
        assert_eq!(upstream, serde_json::json!({"error": "upstream", "detail": "connection refused"}));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn errors_cross_to_the_browser_as_finished_text() {
        use crate::ui::lang::Lang;
        let error = AppError::Forbidden(crate::msg!(ReadOnly, crate::model::Operation::DeleteTag));
        let json = serde_json::to_value(error.clone().localized(Lang::ZhCn)).unwrap();
        let back: AppError = serde_json::from_value(json).unwrap();
        assert_eq!(back, AppError::Forbidden(Message::Text(error.message().unwrap().render(Lang::ZhCn))));
        assert!(back.to_string().contains("只读"), "{back}");
    }
}
