//! Who is signed in: fetched once by the shell, provided as context, read by pages to hide what
//! the role may not do. The rules are `model::Operation`'s table; nothing here restates them.
//!
//! Read the session only under a `<Suspense>`/`<Transition>` (`.await` it in a `Suspend`, or use
//! [`Allowed`]): the server renders those parts once it knows the user, so the browser hydrates
//! the same markup. While it is loading, nothing that needs a role is shown.

use leptos::prelude::*;

use crate::api::accounts::get_me;
use crate::model::{Me, Operation, Role};
use crate::ui::strings::strings;

/// Pages served without a session (the server lets them through): they render no shell and ask
/// the server nothing, so a signed-out visitor gets no failing request.
const PUBLIC_PATHS: [&str; 2] = ["/login", "/setup"];

/// Whether `path` is one of the [`PUBLIC_PATHS`].
pub fn is_public(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    PUBLIC_PATHS.contains(&path)
}

/// Whether `me` may do `operation`; nobody may while the user is unknown.
pub fn allows(me: Option<&Me>, operation: Operation) -> bool {
    me.is_some_and(|me| operation.allowed(me.role))
}

/// The shell's one request for the signed-in user, shared through context.
#[derive(Clone, Copy)]
pub struct Session {
    me: crate::ui::resource::JsonResource<Option<Me>>,
}

impl Session {
    /// The signed-in user, or `None` when the session is missing or could not be read.
    pub async fn me(self) -> Option<Me> {
        self.me.await
    }

    /// Whether the signed-in user may do `operation`.
    pub async fn can(self, operation: Operation) -> bool {
        allows(self.me().await.as_ref(), operation)
    }
}

/// Fetches the user (only while `signed_in`, i.e. off the public pages) and provides the session.
pub fn provide_session(signed_in: Signal<bool>) -> Session {
    let me = crate::ui::resource::resource(
        move || signed_in.get(),
        |signed_in| async move {
            if signed_in {
                // A failure (session gone, server down) reads as "nobody": nothing role-gated shows,
                // and the next page load goes through the server's redirect to /login.
                get_me().await.ok()
            } else {
                None
            }
        },
    );
    let session = Session { me };
    provide_context(session);
    session
}

/// The session the shell provided.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The signed-in user as a signal, `None` while loading. Read it under a Suspense.
pub fn use_me() -> Signal<Option<Me>> {
    let session = use_session();
    Signal::derive(move || session.me.get().flatten())
}

/// Whether the signed-in user may do `operation`, `false` while loading. Read it under a Suspense.
pub fn can(operation: Operation) -> Signal<bool> {
    let me = use_me();
    Signal::derive(move || me.with(|me| allows(me.as_ref(), operation)))
}

/// Renders `children` only once the session is known and allows `op`.
#[component]
pub fn Allowed(
    /// The operation the children offer.
    op: Operation,
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move { session.can(op).await.then(|| children()) })
            }}
        </Transition>
    }
}

/// A role's name as the UI shows it.
pub fn role_label(role: Role) -> &'static str {
    let s = strings();
    match role {
        Role::Viewer => s.role_viewer,
        Role::Operator => s.role_operator,
        Role::Admin => s.role_admin,
    }
}

/// `<option>`s for `roles`, the one `current` returns selected (also in the server's HTML).
pub fn role_options(
    roles: impl IntoIterator<Item = Role>,
    current: impl Fn() -> Role + Copy + Send + Sync + 'static,
) -> impl IntoView {
    roles
        .into_iter()
        .map(|role| {
            view! {
                <option value=role.as_str() selected=move || current() == role>
                    {role_label(role)}
                </option>
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::{allows, is_public};
    use crate::model::{Me, Operation, Role};

    fn me(role: Role) -> Me {
        Me { username: "u".to_owned(), role, auth_enabled: true }
    }

    #[test]
    fn only_login_and_setup_render_without_a_session() {
        assert!(is_public("/login"));
        assert!(is_public("/setup/"));
        assert!(!is_public("/"));
        assert!(!is_public("/login-help"));
        assert!(!is_public("/tokens"));
    }

    #[test]
    fn controls_follow_the_permission_table_and_hide_while_unknown() {
        let cases = [
            (None, Operation::DeleteTag, false),
            (None, Operation::ListTags, false),
            (Some(Role::Viewer), Operation::DeleteTag, false),
            (Some(Role::Viewer), Operation::ManageOwnTokens, true),
            (Some(Role::Operator), Operation::DeleteTag, true),
            (Some(Role::Operator), Operation::DeleteImage, false),
            (Some(Role::Admin), Operation::StartRepositoryDelete, true),
        ];
        for (role, operation, expected) in cases {
            assert_eq!(allows(role.map(me).as_ref(), operation), expected, "{role:?} {operation}");
        }
    }
}
