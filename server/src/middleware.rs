//! Request middleware, outermost first:
//! - [`security_headers`]: a Content-Security-Policy nonce for the request, and the security
//!   headers on every response;
//! - [`refuse_foreign`]: the Host check (DNS rebinding, `421`) and the cross-site check (`403`)
//!   of `app::backend::http_policy`, before anything else reads the request;
//! - [`limit_body`]: no request body over [`MAX_REQUEST_BODY`] reaches a handler or a server
//!   function (`413`);
//! - [`authenticate`]: who is calling. Every request gets a [`Principal`] in its extensions,
//!   built by `app::backend::auth` from the session cookie (pages, `/rpc`) or also an API token or
//!   Basic credentials (`/api`). Nothing here decides what the caller may do: the service layer
//!   does. The one exception is navigation: a page requested without a session is redirected to
//!   `/login`.

use std::net::SocketAddr;
use std::sync::Arc;

use app::backend::AppState;
use app::backend::auth::principal::{Channel, Principal};
use app::backend::http_policy::{self, CspNonce, HttpPolicy, Misdirected};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Makes the request's CSP nonce (see [`provide_csp_nonce`]) and puts the security headers on
/// whatever answers, refusals included.
pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    for (name, value) in http_policy::security_headers(&nonce) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// Leptos context for a page: the nonce [`security_headers`] made for this request, so the
/// hydration script carries the one the response's policy names. (leptos_axum provides a nonce
/// of its own first; this one replaces it.) Outside a request (static files) it does nothing.
pub fn provide_csp_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// Answers `421` to a Host this server is not reached by, and `403` to a change sent from
/// another origin, before the request is authenticated or read.
pub async fn refuse_foreign(State(policy): State<Arc<HttpPolicy>>, request: Request, next: Next) -> Response {
    let authority = request.uri().authority().map(|a| a.as_str());
    if let Err(Misdirected(detail)) = policy.check_host(authority, request.headers()) {
        let lang = app::ui::lang::Lang::of_headers(request.headers());
        let body = serde_json::json!({"error": "misdirected_request", "detail": detail.render(lang), "code": detail.code()});
        return (StatusCode::MISDIRECTED_REQUEST, axum::Json(body)).into_response();
    }
    if let Err(error) = policy.check_origin(request.method(), request.uri().path(), request.headers()) {
        let origin = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-");
        let origin = app::backend::redact::url_for_display(origin);
        tracing::warn!(method = %request.method(), path = request.uri().path(), origin = %origin, "cross-site request refused");
        return error.into_response();
    }
    next.run(request).await
}

/// The largest request body the server reads: 1 MiB. Our bodies are small JSON or form posts
/// (the largest, a batch of a few thousand repository names, is tens of KiB).
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// Answers `413` (JSON, as every API error) to a body over [`MAX_REQUEST_BODY`]: at once when
/// its `Content-Length` says so, else once that much of it has arrived. Handlers and server
/// functions then get the body already read, so none of them reads more, whatever extractor or
/// codec it uses.
pub async fn limit_body(request: Request, next: Next) -> Response {
    use axum::body::HttpBody as _;
    let too_large = || {
        app::model::AppError::PayloadTooLarge(app::msg!(BodyTooLarge, MAX_REQUEST_BODY / (1024 * 1024)))
            .into_response()
    };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_REQUEST_BODY as u64) {
        return too_large();
    }
    if request.body().size_hint().exact() == Some(0) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_REQUEST_BODY).await {
        Ok(bytes) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(error) if is_length_limit(&error) => too_large(),
        // The client went away or sent a broken chunked body: nothing to answer but that.
        Err(_) => app::model::AppError::BadRequest(app::msg!(BodyUnreadable)).into_response(),
    }
}

/// Whether reading a body failed on the length limit rather than on the connection.
fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// Resolves the caller and puts it on the request.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let channel = if path == "/api" || path.starts_with("/api/") { Channel::Rest } else { Channel::Ui };
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let principal = match state.auth.principal_for(request.headers(), peer, channel).await {
        Ok(principal) => principal,
        Err((error, retry_after)) => return too_many(error, retry_after),
    };
    if principal.role.is_none() && wants_page(&request) {
        let next_path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        return Redirect::to(&login_url(next_path)).into_response();
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

/// A 429 with `Retry-After` (whole seconds).
pub fn too_many(error: app::model::AppError, retry_after: std::time::Duration) -> Response {
    let mut response = error.into_response();
    let seconds = retry_after.as_secs().max(1).to_string();
    if let Ok(value) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A browser navigating to one of our pages (not an asset, not the API, not login, setup, or the
/// language and theme switches, which only set a cookie and must work on the sign-in page too).
fn wants_page(request: &Request) -> bool {
    let path = request.uri().path();
    let open = ["/login", "/setup", "/logout"].contains(&path)
        || path.starts_with("/lang/")
        || path.starts_with("/theme/")
        || path.starts_with("/api/")
        || path.starts_with("/rpc/")
        || path.starts_with("/pkg/");
    let html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    request.method() == Method::GET && html && !open
}

/// `/login?next=<path>`, the path percent-encoded.
fn login_url(next: &str) -> String {
    if next == "/" {
        return "/login".to_owned();
    }
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={encoded}")
}

/// The principal [`authenticate`] put on the request: the extractor of every REST handler.
pub struct Caller(pub Principal);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = app::model::AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // Missing only if a route were served outside the middleware: a bug, never a way in.
        parts.extensions.get::<Principal>().cloned().map(Caller).ok_or(app::model::AppError::Internal)
    }
}

/// Renders a REST error (an [`AppError`](app::model::AppError) answered by any route or
/// middleware inside this layer) in the request's language: the `lang` cookie, else
/// `Accept-Language`, else English, which is what the body already holds. The error's `IntoResponse`
/// leaves it in the response's [`Localizable`](app::model::Localizable) extension for this; `error`,
/// `code` and the status stay as they are, only `detail`'s text changes.
pub async fn localize_errors(request: Request, next: Next) -> Response {
    let lang = app::ui::lang::Lang::of_headers(request.headers());
    let mut response = next.run(request).await;
    let Some(app::model::Localizable(error)) = response.extensions_mut().remove::<app::model::Localizable>()
    else {
        return response;
    };
    if lang == app::ui::lang::Lang::En {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&error.rest_body(lang)).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// Server functions answer every error with `500` and the error in the body. This gives a
/// `/rpc/*` error the status its [`AppError`](app::model::AppError) maps to (`401`, `403`,
/// `404`…), as REST does, so proxies, logs and scripts see what happened; a `429` also gets the
/// `Retry-After` a REST answer carries.
pub async fn rpc_error_status(request: Request, next: Next) -> Response {
    let is_rpc = request.uri().path().starts_with("/rpc/");
    let response = next.run(request).await;
    if !is_rpc || response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are a few hundred bytes; anything larger is not ours to reinterpret.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::model::AppError>(&bytes)
        && let Ok(status) = axum::http::StatusCode::from_u16(error.status_code())
    {
        parts.status = status;
        if let Some(seconds) = error.retry_after() {
            parts.headers.insert(header::RETRY_AFTER, seconds.into());
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
