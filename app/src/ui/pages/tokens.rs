//! `/tokens`: the caller's API tokens (admins: everyone's, with the owner), creating one (its
//! secret shown once) and revoking one; and, for a signed-in user, changing their password.

use leptos::prelude::*;

use super::PageHeader;
use super::change_password::ChangePasswordForm;
use super::token_dialogs::{CreatedSecret, NewTokenDialog, RevokeDialog};
use crate::api::accounts::list_tokens;
use crate::model::{CreatedToken, Operation, TokenInfo};
use crate::ui::components::{Badge, ErrorList, LocalTime, Tone};
use crate::ui::format;
use crate::ui::session::{Allowed, role_label, use_session};
use crate::ui::strings::strings;

/// Where a token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    /// At `now` (a time as the server writes them, see [`format::rfc3339_utc`]).
    fn of(token: &TokenInfo, now: &str) -> Self {
        if token.revoked_at.is_some() {
            Self::Revoked
        } else if token.expires_at.as_deref().is_some_and(|at| at <= now) {
            Self::Expired
        } else {
            Self::Active
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    fn label(self) -> &'static str {
        let s = strings();
        match self {
            Self::Active => s.token_active,
            Self::Expired => s.token_expired,
            Self::Revoked => s.token_revoked,
        }
    }

    fn tone(self) -> Tone {
        match self {
            Self::Active => Tone::Ok,
            Self::Expired => Tone::Warn,
            Self::Revoked => Tone::Neutral,
        }
    }
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let s = strings();
    let session = use_session();
    let all = RwSignal::new(false);
    // Bumped after a create or revoke, so the table is read again.
    let version = RwSignal::new(0u32);
    let tokens =
        crate::ui::resource::resource(move || (all.get(), version.get()), |(all, _)| list_tokens(all));
    let creating = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedToken>);
    let revoking = RwSignal::new(None::<TokenInfo>);
    view! {
        <section class="page">
            <PageHeader title=s.tokens_title intro=s.tokens_intro>
                <button type="button" class="button" on:click=move |_| creating.set(true)>
                    {s.new_token}
                </button>
            </PageHeader>
            {move || created.get().map(|created_token| view! { <CreatedSecret created=created_token shown=created /> })}
            <Allowed op=Operation::ManageAllTokens>
                <div class="toolbar">
                    <label class="choice">
                        <input type="checkbox" prop:checked=all on:change=move |ev| all.set(event_target_checked(&ev)) />
                        {s.tokens_all_users}
                    </label>
                </div>
            </Allowed>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || {
                        let show_owner = all.get();
                        Suspend::new(async move {
                            tokens.await.map(|list| view! { <TokenTable tokens=list.tokens show_owner revoking /> })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
            {move || creating.get().then(|| view! { <NewTokenDialog open=creating created version /> })}
            {move || revoking.get().map(|token| view! { <RevokeDialog token revoking version /> })}
            // Only an account has a password (not the AUTH=none "local" user).
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    session
                        .me()
                        .await
                        .filter(|me| me.auth_enabled && Operation::ChangePassword.allowed(me.role))
                        .map(|_| view! { <ChangePasswordForm /> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokenTable(
    tokens: Vec<TokenInfo>,
    /// Everyone's tokens are listed: say whose each is.
    show_owner: bool,
    revoking: RwSignal<Option<TokenInfo>>,
) -> impl IntoView {
    let s = strings();
    if tokens.is_empty() {
        return view! { <p class="empty-state">{s.tokens_empty}</p> }.into_any();
    }
    let now = format::rfc3339_utc(format::now_unix_ms() as i64);
    let rows = tokens
        .into_iter()
        .map(|token| {
            let state = TokenState::of(&token, &now);
            view! { <TokenRow token state show_owner revoking /> }
        })
        .collect_view();
    view! {
        <table class="table tokens" aria-label=s.tokens_list_label data-testid="tokens">
            <thead>
                <tr>
                    <th>{s.column_name}</th>
                    {show_owner.then(|| view! { <th>{s.column_owner}</th> })}
                    <th>{s.column_prefix}</th>
                    <th>{s.column_role}</th>
                    <th>{s.column_created}</th>
                    <th>{s.column_expires}</th>
                    <th>{s.column_last_used}</th>
                    <th>{s.column_status}</th>
                    <th>{s.column_actions}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn TokenRow(
    token: TokenInfo,
    state: TokenState,
    show_owner: bool,
    revoking: RwSignal<Option<TokenInfo>>,
) -> impl IntoView {
    let s = strings();
    let time = |at: Option<String>| match at {
        Some(at) => view! { <LocalTime at /> }.into_any(),
        None => s.never.into_any(),
    };
    let revocable = state != TokenState::Revoked;
    let revoke = {
        let token = token.clone();
        move |_| revoking.set(Some(token.clone()))
    };
    view! {
        <tr data-testid="token-row" data-token-id=token.id.clone() data-status=state.as_str()>
            <td>{token.name.clone()}</td>
            {show_owner.then(|| view! { <td>{token.owner.clone()}</td> })}
            <td>
                <code>{token.prefix.clone()}</code>
            </td>
            <td>{role_label(token.role)}</td>
            <td><LocalTime at=token.created_at.clone() /></td>
            <td>{time(token.expires_at.clone())}</td>
            <td>{time(token.last_used_at.clone())}</td>
            <td>
                <Badge tone=state.tone() text=state.label() />
            </td>
            <td class="actions">
                {revocable.then(|| view! {
                    <button type="button" class="button small danger" on:click=revoke>
                        {s.revoke}
                    </button>
                })}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::TokenState;
    use crate::model::{Role, TokenInfo};

    fn token(expires_at: Option<&str>, revoked_at: Option<&str>) -> TokenInfo {
        TokenInfo {
            id: "t1".to_owned(),
            name: "ci".to_owned(),
            role: Role::Viewer,
            owner: "alice".to_owned(),
            prefix: "rmt_AbCd".to_owned(),
            created_at: "2026-11-01T10:00:00.000Z".to_owned(),
            expires_at: expires_at.map(str::to_owned),
            last_used_at: None,
            revoked_at: revoked_at.map(str::to_owned),
        }
    }

    #[test]
    fn a_token_is_revoked_expired_or_active() {
        let now = "2026-11-26T12:00:00.000Z";
        let cases = [
            (token(None, None), TokenState::Active),
            (token(Some("2026-11-27T00:00:00.000Z"), None), TokenState::Active),
            (token(Some("2026-11-26T12:00:00.000Z"), None), TokenState::Expired),
            (token(Some("2026-11-01T00:00:00.000Z"), None), TokenState::Expired),
            // Revoked wins over expired: it is what the owner did.
            (token(Some("2026-11-01T00:00:00.000Z"), Some("2026-11-02T00:00:00.000Z")), TokenState::Revoked),
        ];
        for (token, expected) in cases {
            assert_eq!(TokenState::of(&token, now), expected, "{token:?}");
        }
    }
}
