//! What the tokens page opens: the "New token" dialog, the box that shows a new token's secret
//! (the only time it is ever shown), and the revoke confirmation.

use leptos::prelude::*;
use strum::VariantArray as _;

use crate::api::accounts::{CreateToken, RevokeToken};
use crate::model::{CreatedToken, Role, TokenInfo};
use crate::ui::components::{ConfirmActions, CopyButton, Dialog, reason, text_field};
use crate::ui::session::{role_options, use_session};
use crate::ui::strings::{fill, strings};

/// The expiry field: empty means never; otherwise a whole number of days (the server checks the
/// range).
fn expiry_days(text: &str) -> Result<Option<u32>, ()> {
    let text = text.trim();
    if text.is_empty() { Ok(None) } else { text.parse().map(Some).map_err(|_| ()) }
}

/// Name, role (up to the user's own, which is the default) and expiry; on success the dialog
/// closes and the page shows the secret.
#[component]
pub fn NewTokenDialog(
    /// Set to false to close.
    open: RwSignal<bool>,
    /// Receives the new token.
    created: RwSignal<Option<CreatedToken>>,
    /// Bumped once the token exists, so the list is read again.
    version: RwSignal<u32>,
) -> impl IntoView {
    let s = strings();
    let session = use_session();
    let name = RwSignal::new(String::new());
    // `None`: the user's own role, which the server also takes when none is sent.
    let role = RwSignal::new(None::<Role>);
    let days = RwSignal::new(String::new());
    let bad_days = RwSignal::new(false);
    let action = ServerAction::<CreateToken>::new();
    Effect::new(move |_| {
        if let Some(Ok(token)) = action.value().get() {
            created.set(Some(token));
            version.update(|v| *v += 1);
            open.set(false);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match expiry_days(&days.get_untracked()) {
            Ok(expires_in_days) => {
                bad_days.set(false);
                action.dispatch(CreateToken {
                    name: name.get_untracked().trim().to_owned(),
                    role: role.get_untracked(),
                    expires_in_days,
                });
            }
            Err(()) => bad_days.set(true),
        }
    };
    view! {
        <Dialog title=s.new_token_title on_close=move || open.set(false)>
            <form on:submit=submit>
                {text_field(s.token_name, s.token_name_placeholder, name, true, || false)}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        session.me().await.map(|me| {
                            let own = me.role;
                            // A token never acts above its creator, so higher roles are not offered.
                            let roles = Role::VARIANTS.iter().copied().filter(move |r| *r <= own);
                            view! {
                                <label class="field">
                                    <span>{s.token_role}</span>
                                    <select on:change=move |ev| role.set(event_target_value(&ev).parse().ok())>
                                        {role_options(roles, move || role.get().unwrap_or(own))}
                                    </select>
                                </label>
                            }
                        })
                    })}
                </Suspense>
                <label class="field">
                    <span>{s.token_expiry}</span>
                    <input
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        placeholder=s.never
                        prop:value=days
                        on:input=move |ev| days.set(event_target_value(&ev))
                    />
                </label>
                {move || bad_days.get().then(|| reason(s.token_expiry_invalid))}
                {move || action.value().get().and_then(Result::err).map(reason)}
                <div class="dialog-actions">
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        {s.create_token}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| open.set(false)>
                        {s.cancel}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}

/// This page's origin in the browser (empty on the server, which never renders a secret).
fn page_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        document().url().map(|url| crate::ui::format::origin(&url).to_owned()).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// A new token's secret, once: highlighted, with copy buttons and a curl example using it.
#[component]
pub fn CreatedSecret(
    created: CreatedToken,
    /// Set to `None` to hide the box (the secret is then gone for good).
    shown: RwSignal<Option<CreatedToken>>,
) -> impl IntoView {
    let s = strings();
    let secret = created.secret;
    let curl = format!("curl -H \"Authorization: Bearer {secret}\" {}/api/repositories", page_origin());
    view! {
        <section class="secret-box" role="status" aria-labelledby="secret-title">
            <h2 id="secret-title">{fill(s.token_created, &[&created.token.name])}</h2>
            <p>
                <strong>{s.token_copy_now}</strong>
            </p>
            <div class="secret-line">
                <code data-testid="token-secret">{secret.clone()}</code>
                <CopyButton text=secret label=s.copy_token />
            </div>
            <p class="muted">{s.token_curl_intro}</p>
            <div class="secret-line">
                <code data-testid="token-curl">{curl.clone()}</code>
                <CopyButton text=curl label=s.copy_curl />
            </div>
            <div class="dialog-actions">
                <button type="button" class="button secondary small" on:click=move |_| shown.set(None)>
                    {s.done}
                </button>
            </div>
        </section>
    }
}

/// Confirms revoking a token; scripts using it stop working at once.
#[component]
pub fn RevokeDialog(
    token: TokenInfo,
    /// Set to `None` to close.
    revoking: RwSignal<Option<TokenInfo>>,
    /// Bumped once revoked, so the list is read again.
    version: RwSignal<u32>,
) -> impl IntoView {
    let s = strings();
    let action = ServerAction::<RevokeToken>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            version.update(|v| *v += 1);
            revoking.set(None);
        }
    });
    let id = token.id.clone();
    view! {
        <Dialog title=fill(s.revoke_title, &[&token.name]) on_close=move || revoking.set(None)>
            <p>{s.revoke_warning}</p>
            <p>
                <code>{token.prefix.clone()}</code>
            </p>
            {move || action.value().get().and_then(Result::err).map(reason)}
            <ConfirmActions
                label=s.revoke
                busy=action.pending()
                on_confirm=Callback::new(move |()| {
                    action.dispatch(RevokeToken { id: id.clone() });
                })
                on_cancel=Callback::new(move |()| revoking.set(None))
            />
        </Dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::expiry_days;

    #[test]
    fn an_empty_expiry_means_never_and_text_is_refused() {
        assert_eq!(expiry_days(""), Ok(None));
        assert_eq!(expiry_days("  "), Ok(None));
        assert_eq!(expiry_days(" 30 "), Ok(Some(30)));
        assert_eq!(expiry_days("thirty"), Err(()));
        assert_eq!(expiry_days("-1"), Err(()));
        assert_eq!(expiry_days("1.5"), Err(()));
    }
}
