use std::time::Duration;

use leptos::prelude::*;

use crate::api::jobs::{StartSync, preview_sync};
use crate::model::{AppError, SyncEngine, SyncPreview, SyncRequest};
use crate::ui::components::{reason, text_field};
use crate::ui::strings::strings;

/// How long typing must pause before the preview is asked for.
const PREVIEW_DELAY: Duration = Duration::from_millis(250);

/// The request the form's fields describe. Empty optional fields mean "derive it".
fn sync_request(
    source: &str,
    repository: &str,
    tag: &str,
    platforms: &str,
    engine: SyncEngine,
    overwrite: bool,
) -> SyncRequest {
    let optional = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
    SyncRequest {
        source_image: source.trim().to_owned(),
        target_repository: optional(repository),
        target_tag: optional(tag),
        platforms: platforms
            .split([',', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        cleanup_local_images: false,
        engine,
        // The UI always says: a tag holding another image is replaced only when ticked.
        overwrite: Some(overwrite),
    }
}

/// "Sync an image": source, optional target and platforms; a live preview of the resulting
/// reference by the server's own rules (its validation message when the input is wrong); Start
/// opens the new job.
#[component]
pub fn SyncForm() -> impl IntoView {
    let s = strings();
    let source = RwSignal::new(String::new());
    let repository = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let platforms = RwSignal::new(String::new());
    let engine = RwSignal::new(SyncEngine::default());
    let overwrite = RwSignal::new(false);
    let request = Memo::new(move |_| {
        let (source, repository, tag, platforms) =
            (source.read(), repository.read(), tag.read(), platforms.read());
        sync_request(&source, &repository, &tag, &platforms, engine.get(), overwrite.get())
    });

    // Debounced preview. Only the answer to the latest request is shown, whatever order answers
    // arrive in.
    let preview = RwSignal::new(None::<Result<SyncPreview, AppError>>);
    let asked = StoredValue::new(0u64);
    Effect::new(move |timer: Option<Option<TimeoutHandle>>| {
        let request = request.get();
        if let Some(Some(timer)) = timer {
            timer.clear();
        }
        let ticket = asked.get_value() + 1;
        asked.set_value(ticket);
        if request.source_image.is_empty() {
            preview.set(None);
            return None;
        }
        set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    let answer = preview_sync(request).await;
                    if asked.get_value() == ticket {
                        preview.set(Some(answer));
                    }
                });
            },
            PREVIEW_DELAY,
        )
        .ok()
    });

    let start = ServerAction::<StartSync>::new();
    super::open_started_job(move || start.value().get());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        start.dispatch(StartSync { request: request.get_untracked() });
    };
    let engine_option = move |value: SyncEngine, label: &'static str, hint: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="sync-engine"
                    value=value.as_str()
                    prop:checked=move || engine.get() == value
                    on:change=move |_| engine.set(value)
                />
                <span>
                    {label} <span class="muted">" — " {hint}</span>
                </span>
            </label>
        }
    };
    view! {
        <section class="card sync-form" aria-labelledby="sync-title">
            <h2 id="sync-title">{s.sync_title}</h2>
            <p class="muted">{s.sync_intro}</p>
            <form on:submit=submit>
                <div class="form-grid">
                    {text_field(s.sync_source, s.sync_source_placeholder, source, true, || false)}
                    {text_field(s.sync_target_repository, "", repository, false, || false)}
                    {text_field(s.sync_target_tag, "", tag, false, || false)}
                    {text_field(s.sync_platforms, s.sync_platforms_placeholder, platforms, false, || false)}
                </div>
                <fieldset class="choices engines">
                    <legend>{s.sync_engine}</legend>
                    {engine_option(SyncEngine::Registry, s.sync_engine_registry, s.sync_engine_registry_hint)}
                    {engine_option(SyncEngine::Docker, s.sync_engine_docker, s.sync_engine_docker_hint)}
                </fieldset>
                <div class="preview" data-testid="sync-preview" aria-live="polite">
                    {move || match preview.get() {
                        Some(Ok(p)) => Some(view! {
                            <p>
                                <span class="muted">{s.sync_preview_label} ": "</span>
                                <code>{p.source}</code>
                                " → "
                                <code data-testid="sync-preview-target">{p.target}</code>
                            </p>
                            <dl class="digests">
                                <dt>{s.sync_source_digest}</dt>
                                <dd data-testid="sync-preview-source-digest">
                                    {match (p.source_digest, p.source_error) {
                                        (Some(digest), _) => view! { <code>{digest}</code> }.into_any(),
                                        (None, error) => view! { <span class="reason">{error.unwrap_or_default()}</span> }.into_any(),
                                    }}
                                </dd>
                                <dt>{s.sync_target_digest}</dt>
                                <dd data-testid="sync-preview-target-digest">
                                    {match p.target_digest {
                                        Some(digest) => view! { <code>{digest}</code> }.into_any(),
                                        None => view! { <span class="muted">{s.sync_target_new}</span> }.into_any(),
                                    }}
                                </dd>
                            </dl>
                            {p.conflict.then(|| view! {
                                <p class="reason" role="alert" data-testid="sync-conflict">{s.sync_conflict}</p>
                                <label class="choice">
                                    <input
                                        type="checkbox"
                                        data-testid="sync-overwrite"
                                        prop:checked=move || overwrite.get()
                                        on:change=move |ev| overwrite.set(event_target_checked(&ev))
                                    />
                                    <span>{s.sync_overwrite}</span>
                                </label>
                            })}
                        }.into_any()),
                        Some(Err(e)) => Some(view! { <span class="reason" role="alert">{e.to_string()}</span> }.into_any()),
                        None => None,
                    }}
                </div>
                {move || start.value().get().and_then(Result::err).map(reason)}
                <div class="dialog-actions">
                    <button type="submit" class="button" disabled=move || source.read().trim().is_empty() || start.pending().get()>
                        {s.sync_start}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::sync_request;
    use crate::model::SyncEngine;

    #[test]
    fn empty_optional_fields_let_the_server_derive_them() {
        let request = sync_request(" 127.0.0.1:5000/team/app:v1 ", " ", "", "", SyncEngine::Registry, false);
        assert_eq!(request.source_image, "127.0.0.1:5000/team/app:v1");
        assert_eq!(request.target_repository, None);
        assert_eq!(request.target_tag, None);
        assert!(request.platforms.is_empty());
        assert_eq!(request.engine, SyncEngine::Registry);
        // The UI never leaves overwrite to the server's REST default.
        assert_eq!(request.overwrite, Some(false));
    }

    #[test]
    fn platforms_are_split_on_commas_and_spaces() {
        let request = sync_request(
            "app",
            "mirror/app",
            "v2",
            "linux/amd64, linux/arm64/v8 ,,",
            SyncEngine::Docker,
            true,
        );
        assert_eq!(request.target_repository.as_deref(), Some("mirror/app"));
        assert_eq!(request.target_tag.as_deref(), Some("v2"));
        assert_eq!(request.platforms, ["linux/amd64", "linux/arm64/v8"]);
        assert_eq!(request.engine, SyncEngine::Docker);
    }
}
