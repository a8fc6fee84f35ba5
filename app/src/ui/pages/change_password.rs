//! The signed-in user's own password: current, new, and the new one again.

use leptos::prelude::*;

use crate::api::accounts::ChangePassword;
use crate::ui::components::{password_field, reason};
use crate::ui::strings::strings;

#[component]
pub fn ChangePasswordForm() -> impl IntoView {
    let s = strings();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let differ = RwSignal::new(false);
    let action = ServerAction::<ChangePassword>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            for field in [current, new, confirm] {
                field.set(String::new());
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Typed twice to catch a typo, which the server cannot see.
        let same = new.get_untracked() == confirm.get_untracked();
        differ.set(!same);
        if same {
            action.dispatch(ChangePassword { current: current.get_untracked(), new: new.get_untracked() });
        }
    };
    let outcome = move || match action.value().get() {
        Some(Ok(())) => Some(view! { <p class="notice" role="status">{s.password_changed}</p> }.into_any()),
        Some(Err(error)) => Some(reason(error).into_any()),
        None => None,
    };
    view! {
        <section class="card account-card" aria-labelledby="password-title">
            <h2 id="password-title">{s.password_title}</h2>
            <p class="muted">{s.password_intro}</p>
            <form on:submit=submit>
                <div class="form-grid">
                    {password_field(s.current_password, "current-password", current)}
                    {password_field(s.new_password, "new-password", new)}
                    {password_field(s.confirm_new_password, "new-password", confirm)}
                </div>
                {move || differ.get().then(|| reason(s.passwords_differ))}
                {outcome}
                <div class="dialog-actions">
                    <button type="submit" class="button" disabled=move || action.pending().get()>
                        {s.change_password}
                    </button>
                </div>
            </form>
        </section>
    }
}
