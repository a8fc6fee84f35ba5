//! What the local images page does with a selection: push to the registry (prefix, arch suffix)
//! and delete, each previewed in a dialog by the server's own rules and run as a job (the page
//! then opens the job).

use leptos::prelude::*;

use super::jobs::open_started_job;
use crate::api::local::{StartLocalDelete, StartLocalPush, preview_local_delete, preview_local_push};
use crate::model::{
    AppError, LocalDeletePreview, LocalDeletePreviewImage, LocalPushPreview, LocalPushRequest,
};
use crate::naming::{ArchMode, PrefixMode};
use crate::ui::components::{
    Dialog, PreviewStartActions, Previewed, checkbox, choice, preview_errors, reason, text_field,
};
use crate::ui::format;
use crate::ui::strings::strings;

/// The push request the dialog's fields describe. A value its mode ignores is left out, so that
/// editing it does not invalidate a preview of the same request.
fn push_request(
    image_refs: Vec<String>,
    prefix_mode: PrefixMode,
    prefix: &str,
    arch_mode: ArchMode,
    arch: &str,
    cleanup_local_tag: bool,
    cleanup_registry_source_tag: bool,
) -> LocalPushRequest {
    LocalPushRequest {
        image_refs,
        prefix_mode,
        prefix_value: if prefix_mode == PrefixMode::None { String::new() } else { prefix.trim().to_owned() },
        arch_mode,
        arch_value: if arch_mode == ArchMode::Custom { arch.trim().to_owned() } else { String::new() },
        target_registry_host: None,
        cleanup_local_tag,
        cleanup_registry_source_tag,
        multi_arch_tag: false,
    }
}

/// "Push to registry": prefix and arch-suffix rules and cleanup options; Preview lists every
/// image old → new (or why it cannot be pushed); Start is enabled only for the request that was
/// previewed without errors.
#[component]
pub fn LocalPushDialog(
    /// The selected references (or image IDs).
    images: Vec<String>,
    /// The host's architecture as the server detected it: the custom arch field starts with it.
    detected_arch: String,
    /// Set to false to close.
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = strings();
    let prefix_mode = RwSignal::new(PrefixMode::None);
    let prefix = RwSignal::new(String::new());
    let arch_mode = RwSignal::new(ArchMode::Auto);
    let arch = RwSignal::new(detected_arch);
    let cleanup_local = RwSignal::new(false);
    let cleanup_registry = RwSignal::new(false);
    let multi_arch = RwSignal::new(false);
    let request = Memo::new(move |_| {
        let request = push_request(
            images.clone(),
            prefix_mode.get(),
            &prefix.read(),
            arch_mode.get(),
            &arch.read(),
            cleanup_local.get(),
            cleanup_registry.get(),
        );
        // Without an arch suffix there is no architecture to combine.
        LocalPushRequest {
            multi_arch_tag: multi_arch.get() && request.arch_mode != ArchMode::None,
            ..request
        }
    });

    let preview = Previewed::default();
    let run_preview = move |()| preview.ask(request.get_untracked(), preview_local_push);
    let startable = move || {
        preview.allows(&request.get(), |result: &LocalPushPreview| {
            result.items.iter().all(|i| i.error.is_none())
        })
    };

    let start = ServerAction::<StartLocalPush>::new();
    open_started_job(move || start.value().get());

    view! {
        <Dialog title=s.local_push_title on_close=move || open.set(false)>
            <fieldset class="choices">
                <legend>{s.local_prefix_mode}</legend>
                {choice("local-prefix-mode", PrefixMode::None, "none", s.local_prefix_none, prefix_mode)}
                {choice("local-prefix-mode", PrefixMode::Add, "add", s.rename_mode_add, prefix_mode)}
                {choice("local-prefix-mode", PrefixMode::Remove, "remove", s.rename_mode_remove, prefix_mode)}
            </fieldset>
            {text_field(s.rename_prefix, s.rename_prefix_placeholder, prefix, false, move || prefix_mode.get() == PrefixMode::None)}
            <fieldset class="choices">
                <legend>{s.local_arch_mode}</legend>
                {choice("local-arch-mode", ArchMode::Auto, "auto", s.local_arch_auto, arch_mode)}
                {choice("local-arch-mode", ArchMode::Custom, "custom", s.local_arch_custom, arch_mode)}
                {choice("local-arch-mode", ArchMode::None, "none", s.local_arch_none, arch_mode)}
            </fieldset>
            {text_field(s.local_arch_value, s.local_arch_value_placeholder, arch, false, move || arch_mode.get() != ArchMode::Custom)}
            {checkbox(s.local_cleanup_local_tag, cleanup_local)}
            {checkbox(s.local_cleanup_registry_tag, cleanup_registry)}
            {checkbox(s.local_multi_arch_tag, multi_arch)}
            {preview.outcome(|result| view! { <PushPreviewList preview=result /> })}
            {move || start.value().get().and_then(Result::err).map(reason)}
            <PreviewStartActions
                previewing=preview.running
                startable=Signal::derive(startable)
                starting=start.pending()
                on_preview=Callback::new(run_preview)
                on_start=Callback::new(move |()| {
                    start.dispatch(StartLocalPush { request: request.get_untracked() });
                })
                start_label=s.local_push_start
                hint=s.local_push_preview_first
                open=open
            />
        </Dialog>
    }
}

#[component]
fn PushPreviewList(preview: LocalPushPreview) -> impl IntoView {
    let s = strings();
    let rows = preview
        .items
        .into_iter()
        .map(|item| {
            let failed = item.error.is_some();
            let outcome = match item.error {
                Some(error) => view! { <span class="reason" role="alert">{error}</span> }.into_any(),
                None => view! { <code class="new-name">{item.target}</code> }.into_any(),
            };
            view! {
                <li data-testid="push-preview-item" class:conflict=failed>
                    <code class="old-name">{item.source}</code>
                    " → "
                    {outcome}
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="rename-preview" data-testid="push-preview" aria-label=s.rename_preview_label>
            {rows}
        </ul>
    }
}

/// "Delete local images": asks the server what the selection removes — per image ID, the tags
/// selected and, as a warning, the other tags on the same image that go with it — then starts
/// the delete once confirmed.
#[component]
pub fn LocalDeleteDialog(
    /// The selected references (or image IDs).
    images: Vec<String>,
    /// Set to false to close.
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = strings();
    let preview = RwSignal::new(None::<Result<LocalDeletePreview, AppError>>);
    // Asked once, as the dialog opens (an effect: only ever in the browser).
    let asked = images.clone();
    Effect::new(move |_| {
        let images = asked.clone();
        leptos::task::spawn_local(async move { preview.set(Some(preview_local_delete(images).await)) });
    });
    let start = ServerAction::<StartLocalDelete>::new();
    open_started_job(move || start.value().get());
    let ready = move || preview.with(|p| matches!(p, Some(Ok(p)) if !p.images.is_empty()));
    let submit = move |_| {
        start.dispatch(StartLocalDelete { image_refs: images.clone() });
    };
    view! {
        <Dialog title=s.local_delete_title on_close=move || open.set(false)>
            <p>{s.local_delete_warning}</p>
            {move || match preview.get() {
                None => view! { <p class="muted">{s.loading}</p> }.into_any(),
                Some(Ok(result)) => view! { <DeletePreviewList preview=result /> }.into_any(),
                Some(Err(e)) => reason(e).into_any(),
            }}
            {move || start.value().get().and_then(Result::err).map(reason)}
            <div class="dialog-actions">
                <button type="button" class="button danger" disabled=move || !ready() || start.pending().get() on:click=submit>
                    {s.local_delete_start}
                </button>
                <button type="button" class="button secondary" on:click=move |_| open.set(false)>
                    {s.cancel}
                </button>
            </div>
        </Dialog>
    }
}

#[component]
fn DeletePreviewList(preview: LocalDeletePreview) -> impl IntoView {
    let s = strings();
    view! {
        {preview_errors(preview.errors)}
        <ul class="rename-preview local-delete-preview" aria-label=s.local_delete_images_label>
            {preview.images.into_iter().map(|image| view! { <DeletePreviewImage image /> }).collect_view()}
        </ul>
    }
}

#[component]
fn DeletePreviewImage(image: LocalDeletePreviewImage) -> impl IntoView {
    let s = strings();
    let also = (!image.also_removed.is_empty()).then(|| {
        view! {
            <div class="warning-box" role="alert">
                <p>{s.local_delete_also_removed}</p>
                <ul class="tag-list" aria-label=s.local_delete_also_removed_label>
                    {image.also_removed.into_iter().map(|tag| view! { <li><code>{tag}</code></li> }).collect_view()}
                </ul>
            </div>
        }
    });
    view! {
        <li data-testid="delete-preview-image">
            <code title=image.image_id.clone()>{format::short_image_id(&image.image_id)}</code>
            " " <span class="muted">{s.local_delete_selected}</span> " "
            {image.selected.into_iter().map(|tag| view! { <code class="selected-tag">{tag}</code> " " }).collect_view()}
            {also}
        </li>
    }
}

/// Which of the local images page's dialogs [`lazy_local_images_dialog`] shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalImagesDialog {
    /// The push, its custom architecture starting as the host's own.
    Push {
        detected_arch: String,
    },
    Delete,
}

/// [`LocalPushDialog`] or [`LocalDeleteDialog`] from a WASM chunk of their own (`cargo leptos
/// build --split`), fetched the first time one opens: the local images page loads without them.
/// One split point for both, as `lazy_repositories_dialog` is.
#[leptos::lazy]
pub fn lazy_local_images_dialog(
    dialog: LocalImagesDialog,
    images: Vec<String>,
    open: RwSignal<bool>,
) -> AnyView {
    match dialog {
        LocalImagesDialog::Push { detected_arch } => {
            view! { <LocalPushDialog images detected_arch open /> }.into_any()
        }
        LocalImagesDialog::Delete => view! { <LocalDeleteDialog images open /> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::push_request;
    use crate::naming::{ArchMode, PrefixMode};

    #[test]
    fn values_a_mode_ignores_are_left_out() {
        let refs = vec!["web:1.0".to_owned()];
        let request = push_request(refs.clone(), PrefixMode::None, "x86", ArchMode::Auto, "arm", true, false);
        assert_eq!(request.prefix_value, "");
        assert_eq!(request.arch_value, "");
        assert!(request.cleanup_local_tag);
        assert!(!request.cleanup_registry_source_tag);

        let request =
            push_request(refs, PrefixMode::Add, " mirror/x86 ", ArchMode::Custom, " arm ", false, true);
        assert_eq!(request.image_refs, ["web:1.0"]);
        assert_eq!(request.prefix_value, "mirror/x86");
        assert_eq!(request.arch_value, "arm");
        assert!(request.cleanup_registry_source_tag);
    }
}
