//! `/users` (admin): every account, with its role, state and last login; change a role, disable
//! or enable an account, reset a password, add a user. The server refuses what would leave no
//! enabled admin, and the refusal is shown where the change was asked for.

use leptos::prelude::*;
use strum::VariantArray as _;

use super::PageHeader;
use crate::api::accounts::{AddUser, UpdateUser, list_users};
use crate::model::{Operation, Role, UserInfo};
use crate::ui::components::{Badge, Dialog, ErrorList, LocalTime, Tone, password_field, reason, text_field};
use crate::ui::session::{Allowed, role_options};
use crate::ui::strings::{fill, strings};

#[component]
pub fn UsersPage() -> impl IntoView {
    let s = strings();
    // Bumped after every change, so the table is read again.
    let version = RwSignal::new(0u32);
    let users = crate::ui::resource::resource(move || version.get(), |_| list_users());
    let notice = RwSignal::new(None::<String>);
    let resetting = RwSignal::new(None::<String>);
    view! {
        <section class="page">
            <PageHeader title=s.users_title intro=s.users_intro />
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        users.await.map(|list| view! { <UserTable users=list.users version resetting /> })
                    })}
                </ErrorBoundary>
            </Transition>
            <Allowed op=Operation::ManageUsers>
                <AddUserForm version notice />
            </Allowed>
            {move || resetting.get().map(|username| view! { <ResetPasswordDialog username resetting notice /> })}
        </section>
    }
}

#[component]
fn UserTable(
    users: Vec<UserInfo>,
    version: RwSignal<u32>,
    resetting: RwSignal<Option<String>>,
) -> impl IntoView {
    let s = strings();
    view! {
        <table class="table users" aria-label=s.users_list_label data-testid="users">
            <thead>
                <tr>
                    <th>{s.username}</th>
                    <th>{s.column_role}</th>
                    <th>{s.column_created}</th>
                    <th>{s.column_last_login}</th>
                    <th>{s.column_status}</th>
                    <th>{s.column_actions}</th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| view! { <UserRow user version resetting /> }).collect_view()}
            </tbody>
        </table>
    }
}

/// One account. Its changes (role, disable/enable) go through one action, whose refusal is shown
/// in the row.
#[component]
fn UserRow(user: UserInfo, version: RwSignal<u32>, resetting: RwSignal<Option<String>>) -> impl IntoView {
    let s = strings();
    let username = user.username.clone();
    let saved_role = user.role;
    let role = RwSignal::new(saved_role);
    let action = ServerAction::<UpdateUser>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            version.update(|v| *v += 1);
        }
    });
    let change = {
        let username = username.clone();
        move |role: Option<Role>, disabled: Option<bool>| {
            action.dispatch(UpdateUser { username: username.clone(), role, disabled, password: None });
        }
    };
    let save = {
        let change = change.clone();
        move |_| change(Some(role.get_untracked()), None)
    };
    let disabled = user.disabled;
    let toggle = move |_| change(None, Some(!disabled));
    let reset = {
        let username = username.clone();
        move |_| resetting.set(Some(username.clone()))
    };
    let (state, tone) = if disabled { (s.user_disabled, Tone::Bad) } else { (s.user_enabled, Tone::Ok) };
    view! {
        <tr data-testid="user-row" data-username=username.clone() class:disabled-user=disabled>
            <td>{username.clone()}</td>
            <td class="role-cell">
                <select
                    aria-label=fill(s.role_of, &[&username])
                    on:change=move |ev| {
                        if let Ok(picked) = event_target_value(&ev).parse() {
                            role.set(picked);
                        }
                    }
                >
                    {role_options(Role::VARIANTS.iter().copied(), move || role.get())}
                </select>
                <button
                    type="button"
                    class="button small secondary"
                    disabled=move || role.get() == saved_role || action.pending().get()
                    on:click=save
                >
                    {s.save}
                </button>
            </td>
            <td><LocalTime at=user.created_at.clone() /></td>
            <td>
                {match user.last_login_at.clone() {
                    Some(at) => view! { <LocalTime at /> }.into_any(),
                    None => s.never.into_any(),
                }}
            </td>
            <td>
                <Badge tone text=state />
            </td>
            <td class="actions">
                <button type="button" class="button small secondary" disabled=move || action.pending().get() on:click=toggle>
                    {if disabled { s.enable } else { s.disable }}
                </button>
                <button type="button" class="button small secondary" on:click=reset>
                    {s.reset_password}
                </button>
                {move || action.value().get().and_then(Result::err).map(reason)}
            </td>
        </tr>
    }
}

/// Username, password and role (viewer unless chosen otherwise).
#[component]
fn AddUserForm(version: RwSignal<u32>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let s = strings();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let action = ServerAction::<AddUser>::new();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            notice.set(Some(fill(s.user_added, &[&user.username])));
            username.set(String::new());
            password.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(AddUser {
            username: username.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role: role.get_untracked(),
        });
    };
    view! {
        <section class="card add-user" aria-labelledby="add-user-title">
            <h2 id="add-user-title">{s.add_user_title}</h2>
            <form on:submit=submit>
                <div class="form-grid">
                    {text_field(s.username, "", username, true, || false)}
                    {password_field(s.password, "new-password", password)}
                    <label class="field">
                        <span>{s.column_role}</span>
                        <select on:change=move |ev| {
                            if let Ok(picked) = event_target_value(&ev).parse() {
                                role.set(picked);
                            }
                        }>
                            {role_options(Role::VARIANTS.iter().copied(), move || role.get())}
                        </select>
                    </label>
                </div>
                {move || action.value().get().and_then(Result::err).map(reason)}
                <div class="dialog-actions">
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        {s.add_user}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Sets a new password for `username`; their sessions end.
#[component]
fn ResetPasswordDialog(
    username: String,
    /// Set to `None` to close.
    resetting: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let s = strings();
    let password = RwSignal::new(String::new());
    let action = ServerAction::<UpdateUser>::new();
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            notice.set(Some(fill(s.password_reset_done, &[&user.username])));
            resetting.set(None);
        }
    });
    let submit = {
        let username = username.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            action.dispatch(UpdateUser {
                username: username.clone(),
                role: None,
                disabled: None,
                password: Some(password.get_untracked()),
            });
        }
    };
    view! {
        <Dialog title=fill(s.reset_password_title, &[&username]) on_close=move || resetting.set(None)>
            <p>{s.reset_password_intro}</p>
            <form on:submit=submit>
                {password_field(s.new_password, "new-password", password)}
                {move || action.value().get().and_then(Result::err).map(reason)}
                <div class="dialog-actions">
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        {s.set_password}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| resetting.set(None)>
                        {s.cancel}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
