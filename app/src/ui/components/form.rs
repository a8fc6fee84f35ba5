//! Form pieces the dialogs share: radio choices, checkboxes, text fields bound to signals, and
//! the footer of a "preview, then start" dialog.

use leptos::prelude::*;

use crate::ui::strings::strings;

/// One radio button of the group `group`, bound to `current`.
pub fn choice<T>(
    group: &'static str,
    value: T,
    name: &'static str,
    label: &'static str,
    current: RwSignal<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    view! {
        <label class="choice">
            <input
                type="radio"
                name=group
                value=name
                prop:checked=move || current.get() == value
                on:change=move |_| current.set(value)
            />
            {label}
        </label>
    }
}

pub fn checkbox(label: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="choice">
            <input type="checkbox" prop:checked=value on:change=move |ev| value.set(event_target_checked(&ev)) />
            {label}
        </label>
    }
}

pub fn text_field(
    label: &'static str,
    placeholder: &'static str,
    value: RwSignal<String>,
    disabled: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type="text"
                placeholder=placeholder
                autocomplete="off"
                spellcheck="false"
                disabled=disabled
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// An error from the server, as an alert.
pub fn reason(error: impl std::fmt::Display) -> impl IntoView {
    view! { <p class="reason" role="alert">{error.to_string()}</p> }
}

/// The footer of a dialog whose action must be previewed first: the hint while the current
/// settings have no clean preview, then Preview, Start (enabled only for a clean preview of the
/// current settings) and Cancel.
#[component]
pub fn PreviewStartActions(
    #[prop(into)] previewing: Signal<bool>,
    #[prop(into)] startable: Signal<bool>,
    #[prop(into)] starting: Signal<bool>,
    on_preview: Callback<()>,
    on_start: Callback<()>,
    start_label: &'static str,
    /// Shown while Start is disabled for want of a preview.
    hint: &'static str,
    /// Set to false to close the dialog.
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = strings();
    view! {
        <Show when=move || !startable.get()>
            <p class="muted">{hint}</p>
        </Show>
        <div class="dialog-actions">
            <button type="button" class="button secondary" disabled=move || previewing.get() on:click=move |_| on_preview.run(())>
                {s.rename_preview}
            </button>
            <button
                type="button"
                class="button"
                disabled=move || !startable.get() || starting.get()
                on:click=move |_| on_start.run(())
            >
                {start_label}
            </button>
            <button type="button" class="button secondary" on:click=move |_| open.set(false)>
                {s.cancel}
            </button>
        </div>
    }
}
