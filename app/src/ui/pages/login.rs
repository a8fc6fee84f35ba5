//! `/login`: a plain HTML form posted to the server's `POST /login`, so signing in works before
//! hydration and without JavaScript. The server sends a failed attempt back here with `?error=`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::ui::LangSwitch;
use crate::ui::strings::strings;

/// The sign-in form: username, password, and the page to return to (`?next=`).
#[component]
pub fn LoginPage() -> impl IntoView {
    let s = strings();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <PublicCard title=s.login_title intro=s.login_intro>
            <QueryError />
            <form method="post" action="/login" class="public-form">
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span>{s.username}</span>
                    <input
                        type="text"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        autofocus
                    />
                </label>
                <label class="field">
                    <span>{s.password}</span>
                    <input type="password" name="password" autocomplete="current-password" required />
                </label>
                <button type="submit" class="button">
                    {s.sign_in}
                </button>
            </form>
        </PublicCard>
    }
}

/// The centred card of the public pages (no navigation: the visitor is not signed in).
#[component]
pub(super) fn PublicCard(
    /// The `<h1>`.
    title: &'static str,
    /// What the page is for.
    intro: &'static str,
    children: Children,
) -> impl IntoView {
    let s = strings();
    view! {
        <section class="card public-card" aria-labelledby="public-title">
            <div class="public-top">
                <p class="public-brand">{s.app_name}</p>
                <LangSwitch />
            </div>
            <h1 id="public-title">{title}</h1>
            <p class="muted">{intro}</p>
            {children()}
        </section>
    }
}

/// The server's reason for sending the visitor back (`?error=`), as text in an alert.
#[component]
pub(super) fn QueryError() -> impl IntoView {
    let query = use_query_map();
    move || {
        query
            .read()
            .get("error")
            .filter(|e| !e.is_empty())
            .map(|error| view! { <p class="error-box" role="alert">{error}</p> })
    }
}
