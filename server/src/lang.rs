//! `GET /lang/{code}?next=<path>`: the header's language switch. Sets the `lang` cookie (a year,
//! `SameSite=Strict`, `Path=/`) and sends the browser back to `next`, a path on this server
//! only ([`safe_next`]). A plain link, so it works before hydration and on the sign-in page
//! (the middleware lets `/lang/` through without a session). Choosing a language is not an
//! operation on anything: there is no permission to check and nothing to audit.

use app::ui::lang::Lang;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::session::safe_next;

/// The language of the request a handler answers (the `lang` cookie, else `Accept-Language`,
/// else English: [`Lang::of_headers`]), for what it renders: job log lines, messages.
pub struct RequestLang(pub Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestLang(Lang::of_headers(&parts.headers)))
    }
}

/// How long the choice is kept: a year.
const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

#[derive(Debug, Deserialize)]
pub struct Next {
    /// The page to return to (a path on this server, with its query).
    #[serde(default)]
    pub next: Option<String>,
}

/// The `Set-Cookie` value that keeps a visitor's choice (the language, the theme). `HttpOnly`:
/// the page reads its language from `<html lang>` and its theme from `<html data-theme>`, so no
/// script needs the cookie.
pub fn preference_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Max-Age={COOKIE_MAX_AGE_SECS}; SameSite=Strict; HttpOnly")
}

/// `303` to `next` ([`safe_next`]) with the cookie `name=value` set ([`preference_cookie`]).
pub fn remember(name: &str, value: &str, next: Option<&str>) -> Response {
    let mut response = Redirect::to(safe_next(next)).into_response();
    if let Ok(value) = HeaderValue::from_str(&preference_cookie(name, value)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `303` to `next` with the cookie set; `404` for a language we do not have.
pub async fn switch(Path(code): Path<String>, Query(query): Query<Next>) -> Response {
    let Some(lang) = Lang::from_code(&code) else {
        return app::model::AppError::NotFound(app::msg!(
            NoSuchLanguage,
            &format!("{code:?}"),
            Lang::ALL.map(Lang::code).join(", ")
        ))
        .into_response();
    };
    remember(Lang::COOKIE, lang.code(), query.next.as_deref())
}
