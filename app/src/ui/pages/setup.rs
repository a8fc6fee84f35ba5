//! `/setup?token=…`: the first admin account, through the one-time link the server logs at start.
//! A plain HTML form posted to `POST /setup` (works without JavaScript); on success the server
//! signs the new admin in, on failure it sends them back here with `?error=`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::login::{PublicCard, QueryError};
use crate::ui::strings::strings;

#[component]
pub fn SetupPage() -> impl IntoView {
    let s = strings();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let no_token = move || token().is_empty();
    view! {
        <PublicCard title=s.setup_title intro=s.setup_intro>
            <QueryError />
            <Show when=no_token>
                <p class="warning-box" role="alert">{s.setup_no_token}</p>
            </Show>
            <form method="post" action="/setup" class="public-form">
                <input type="hidden" name="token" value=token />
                <label class="field">
                    <span>{s.username}</span>
                    <input
                        type="text"
                        name="username"
                        value=s.setup_default_username
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                    />
                </label>
                <label class="field">
                    <span>{s.password}</span>
                    <input type="password" name="password" autocomplete="new-password" required autofocus />
                </label>
                <label class="field">
                    <span>{s.confirm_password}</span>
                    <input type="password" name="confirm" autocomplete="new-password" required />
                </label>
                <button type="submit" class="button">
                    {s.create_admin}
                </button>
            </form>
        </PublicCard>
    }
}
