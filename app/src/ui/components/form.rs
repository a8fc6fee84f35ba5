//! Form pieces the dialogs share: radio choices, checkboxes, text and password fields bound to
//! signals, and the state and footer of a "preview, then start" dialog.

use std::future::Future;

use leptos::prelude::*;

use crate::model::AppError;
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
    required: bool,
    disabled: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type="text"
                placeholder=placeholder
                required=required
                autocomplete="off"
                spellcheck="false"
                disabled=disabled
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// A password input bound to `value`. `autocomplete` is `current-password` or `new-password`, so
/// password managers fill or offer the right one.
pub fn password_field(
    label: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type="password"
                required=true
                autocomplete=autocomplete
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

/// The footer of a dialog that asks before something that cannot be undone: the action as a
/// danger button (disabled while `busy`, e.g. while its request is on its way), then Cancel.
#[component]
pub fn ConfirmActions(
    label: &'static str,
    #[prop(into)] busy: Signal<bool>,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let s = strings();
    view! {
        <div class="dialog-actions">
            <button type="button" class="button danger" disabled=move || busy.get() on:click=move |_| on_confirm.run(())>
                {label}
            </button>
            <button type="button" class="button secondary" on:click=move |_| on_cancel.run(())>
                {s.cancel}
            </button>
        </div>
    }
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

/// A dialog's preview: the last answer with the request it was asked for, and whether one is on
/// its way. Start is offered only for the request that was previewed ([`Self::allows`]), so a
/// change of settings after the preview asks for a new one.
pub struct Previewed<Req: Send + Sync + 'static, Res: Send + Sync + 'static> {
    last: RwSignal<Option<(Req, Result<Res, AppError>)>>,
    /// A preview is on its way.
    pub running: RwSignal<bool>,
}

impl<Req: Send + Sync + 'static, Res: Send + Sync + 'static> Clone for Previewed<Req, Res> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Req: Send + Sync + 'static, Res: Send + Sync + 'static> Copy for Previewed<Req, Res> {}

impl<Req: Send + Sync + 'static, Res: Send + Sync + 'static> Default for Previewed<Req, Res> {
    fn default() -> Self {
        Self { last: RwSignal::new(None), running: RwSignal::new(false) }
    }
}

impl<Req, Res> Previewed<Req, Res>
where
    Req: Clone + PartialEq + Send + Sync + 'static,
    Res: Clone + Send + Sync + 'static,
{
    /// Asks `fetch` (the preview server function) about `request`; its answer replaces the last.
    pub fn ask<Fut>(self, request: Req, fetch: impl FnOnce(Req) -> Fut + 'static)
    where
        Fut: Future<Output = Result<Res, AppError>> + 'static,
    {
        self.running.set(true);
        leptos::task::spawn_local(async move {
            let answer = fetch(request.clone()).await;
            self.last.set(Some((request, answer)));
            self.running.set(false);
        });
    }

    /// Whether `request` is the one last previewed and its answer passes `clean` (tracked).
    pub fn allows(self, request: &Req, clean: impl Fn(&Res) -> bool) -> bool {
        self.last.with(
            |last| matches!(last, Some((previewed, Ok(answer))) if previewed == request && clean(answer)),
        )
    }

    /// The last answer: `render` of it, or the server's reason.
    pub fn outcome<V: IntoView + 'static>(
        self,
        render: impl Fn(Res) -> V + Send + Sync + 'static,
    ) -> impl IntoView {
        move || {
            self.last.with(|last| last.as_ref().map(|(_, answer)| answer.clone())).map(
                |answer| match answer {
                    Ok(result) => render(result).into_any(),
                    Err(error) => reason(error).into_any(),
                },
            )
        }
    }
}

/// The errors a preview found, one per line, as an alert (nothing when there are none).
pub fn preview_errors(errors: Vec<String>) -> impl IntoView {
    (!errors.is_empty()).then(|| {
        view! {
            <ul class="error-box" role="alert">
                {errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
            </ul>
        }
    })
}
