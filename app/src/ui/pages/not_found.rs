use leptos::prelude::*;

use crate::ui::strings::strings;

/// Shown for unknown paths; the server answers 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    let s = strings();
    view! {
        <section class="page">
            <h1>{s.not_found_title}</h1>
            <p>{s.not_found_body}</p>
            <a href="/">{s.not_found_link}</a>
        </section>
    }
}
