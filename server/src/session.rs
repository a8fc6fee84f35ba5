//! `POST /login`, `POST /logout`, `POST /setup`: plain form posts (they work before hydration and
//! without JavaScript), or JSON for scripts. A form gets a `303` to the next page (or back to the
//! form with the reason); JSON gets the status itself (`401`, `429` with `Retry-After`).
//! The pages that show the forms are the UI's (`/login`, `/setup`).

use std::net::SocketAddr;

use app::backend::AppState;
use app::backend::auth::authenticator::{
    NewSession, SESSION_COOKIE, clear_session_cookie, cookie_value, session_cookie,
};
use app::backend::service::accounts;
use app::model::{AppError, Me};
use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::middleware::{Caller, too_many};

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    /// Where to go after signing in (a path on this server).
    #[serde(default)]
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    token: String,
    username: String,
    password: String,
    /// Typed twice in the form; absent in JSON.
    #[serde(default)]
    confirm: Option<String>,
}

/// A form post or a JSON body, and which one it was.
async fn body<T: serde::de::DeserializeOwned>(request: Request) -> Result<(T, bool), AppError> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let bytes = axum::body::to_bytes(request.into_body(), 64 * 1024)
        .await
        .map_err(|_| AppError::BadRequest(app::msg!(LoginBodyTooLarge)))?;
    let parsed = if json {
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    } else {
        serde_urlencoded::from_bytes(&bytes).map_err(|e| e.to_string())
    };
    parsed.map(|value| (value, json)).map_err(|e| AppError::BadRequest(app::msg!(InvalidLogin, e)))
}

fn peer(request: &Request) -> Option<std::net::IpAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// Only a path on this server, else `/`: `/…` but not `//host` or `/\\host` (an open redirect),
/// and nothing but printable ASCII without backslashes: browsers drop tabs and newlines from a
/// `Location` (`/<TAB>/evil.test` is `//evil.test`), and a `\r\n` makes the redirect a `500`.
/// A page's own path and query come percent-encoded, so nothing of ours is refused.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path
        }
        _ => "/",
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
    session: NewSession,
    json: bool,
    next: &str,
) -> Response {
    let secure = state.auth.is_https(headers, peer);
    let cookie = session_cookie(&session.id, secure, state.auth.settings().session_max);
    let response = if json {
        let me = Me {
            username: session.account.info.username,
            role: session.account.info.role,
            auth_enabled: true,
        };
        Json(me).into_response()
    } else {
        Redirect::to(next).into_response()
    };
    with_cookie(response, &cookie)
}

fn query_escape(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `POST /login {username, password, next?}`.
pub async fn login(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let peer = peer(&request);
    let client =
        app::backend::auth::client::client_addr(peer, &headers, &state.auth.settings().trusted_proxies);
    let (form, json) = match body::<LoginForm>(request).await {
        Ok(parsed) => parsed,
        Err(error) => return error.into_response(),
    };
    let next = safe_next(form.next.as_deref()).to_owned();
    // A login always starts a new session id; the one the browser held (if any) ends.
    if let Some(old) = cookie_value(&headers, SESSION_COOKIE) {
        let _ = state.auth.logout(&old);
    }
    match accounts::login(&state.auth, &form.username, &form.password, client).await {
        Ok(session) => signed_in(&state, &headers, peer, session, json, &next),
        Err((error, retry_after)) if json => match retry_after {
            Some(wait) => too_many(error, wait),
            None => error.into_response(),
        },
        Err((error, retry_after)) => {
            let reason = login_failure_text(&headers, &error, retry_after);
            let mut url = format!("/login?error={}", query_escape(&reason));
            if next != "/" {
                url.push_str(&format!("&next={}", query_escape(&next)));
            }
            Redirect::to(&url).into_response()
        }
    }
}

/// What the sign-in form shows after a failed login, in the page's language: the two failures a
/// person causes (wrong credentials, throttled) from the UI's string table, anything else as the
/// server words it.
fn login_failure_text(
    headers: &HeaderMap,
    error: &AppError,
    retry_after: Option<std::time::Duration>,
) -> String {
    use app::ui::lang::Lang;
    use app::ui::strings::fill;
    let lang = Lang::of_headers(headers);
    let s = lang.strings();
    match (error, retry_after) {
        (AppError::Unauthorized(_), _) => s.login_failed.to_owned(),
        (AppError::TooManyRequests(_), Some(wait)) => fill(s.login_throttled, &[&wait.as_secs().max(1)]),
        _ => error.clone().localized(lang).to_string(),
    }
}

/// `POST /logout`: ends this session and clears the cookie.
pub async fn logout(State(state): State<AppState>, Caller(who): Caller, headers: HeaderMap) -> Response {
    if let Some(id) = cookie_value(&headers, SESSION_COOKIE) {
        let _ = accounts::logout(&state.auth, &who, &id);
    }
    let secure = state.auth.is_https(&headers, None);
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let response =
        if json { StatusCode::NO_CONTENT.into_response() } else { Redirect::to("/login").into_response() };
    with_cookie(response, &clear_session_cookie(secure))
}

/// `POST /setup {token, username, password, confirm?}`: the first admin, through the link the
/// server logged at start.
pub async fn setup(State(state): State<AppState>, request: Request) -> Response {
    let headers = request.headers().clone();
    let peer = peer(&request);
    let client =
        app::backend::auth::client::client_addr(peer, &headers, &state.auth.settings().trusted_proxies);
    let (form, json) = match body::<SetupForm>(request).await {
        Ok(parsed) => parsed,
        Err(error) => return error.into_response(),
    };
    let result = match form.confirm.as_deref() {
        Some(confirm) if confirm != form.password => Err(AppError::BadRequest(app::msg!(PasswordsDiffer))),
        _ => accounts::setup(&state.auth, &form.token, &form.username, &form.password, client).await,
    };
    match result {
        Ok(session) => signed_in(&state, &headers, peer, session, json, "/"),
        Err(error) if json => error.into_response(),
        Err(error) => Redirect::to(&format!(
            "/setup?token={}&error={}",
            query_escape(&form.token),
            query_escape(&error.to_string())
        ))
        .into_response(),
    }
}
