//! `GET /theme/{mode}?next=<path>`: the header's theme switch (`light`, `dark` or `system`).
//! Sets the `theme` cookie and returns to `next`, exactly as the language switch does
//! ([`crate::lang`]: a year, `SameSite=Strict`, `HttpOnly`, a path on this server only). A plain
//! link, so it works without JavaScript; open without a session, as `/lang/` is. Choosing colours
//! is not an operation on anything: there is no permission to check and nothing to audit.

use app::ui::theme::Theme;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};

use crate::lang::{Next, remember};

/// `303` to `next` with the cookie set; `404` for a theme we do not have.
pub async fn switch(Path(code): Path<String>, Query(query): Query<Next>) -> Response {
    let Some(theme) = Theme::from_code(&code) else {
        return app::model::AppError::NotFound(app::msg!(
            NoSuchTheme,
            &format!("{code:?}"),
            Theme::ALL.map(Theme::code).join(", ")
        ))
        .into_response();
    };
    remember(Theme::COOKIE, theme.code(), query.next.as_deref())
}
