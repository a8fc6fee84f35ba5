//! What the repositories page does with a selection: rename by prefix and batch delete, each
//! confirmed in a dialog and run as a job (the page then opens the job).

use leptos::prelude::*;

use super::jobs::open_started_job;
use crate::api::jobs::{StartRemotePrefix, StartRepositoryDelete, preview_remote_prefix};
use crate::model::{RemotePrefixRequest, RenamePreview, RenamePreviewRepository};
use crate::naming::{PrefixMode, batch_delete_phrase};
use crate::ui::components::{
    Badge, Dialog, PreviewStartActions, Previewed, Tone, checkbox, choice, preview_errors, reason, text_field,
};
use crate::ui::strings::strings;

/// "Rename by prefix": mode, prefix and options; Preview lists every repository old → new with
/// its tags, conflicts and errors; Start is enabled only for the request that was previewed
/// without errors.
#[component]
pub fn RenameDialog(
    /// The selected repositories.
    repositories: Vec<String>,
    /// Set to false to close.
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = strings();
    let mode = RwSignal::new(PrefixMode::Add);
    let prefix = RwSignal::new(String::new());
    let cleanup = RwSignal::new(false);
    let overwrite = RwSignal::new(false);
    let request = Memo::new(move |_| RemotePrefixRequest {
        repositories: repositories.clone(),
        prefix_mode: mode.get(),
        prefix_value: prefix.get().trim().to_owned(),
        cleanup_source_tag: cleanup.get(),
        target_registry_host: None,
        overwrite: overwrite.get(),
    });

    let preview = Previewed::default();
    let run_preview = move |()| preview.ask(request.get_untracked(), preview_remote_prefix);
    let startable = move || preview.allows(&request.get(), |result: &RenamePreview| result.errors.is_empty());

    let start = ServerAction::<StartRemotePrefix>::new();
    open_started_job(move || start.value().get());

    view! {
        <Dialog title=s.rename_title on_close=move || open.set(false)>
            <fieldset class="choices">
                <legend>{s.rename_mode}</legend>
                {choice("prefix-mode", PrefixMode::Add, PrefixMode::Add.as_str(), s.rename_mode_add, mode)}
                {choice("prefix-mode", PrefixMode::Remove, PrefixMode::Remove.as_str(), s.rename_mode_remove, mode)}
            </fieldset>
            {text_field(s.rename_prefix, s.rename_prefix_placeholder, prefix, false, || false)}
            {checkbox(s.rename_cleanup, cleanup)}
            {checkbox(s.rename_overwrite, overwrite)}
            {preview.outcome(|result| view! { <RenamePreviewList preview=result /> })}
            {move || start.value().get().and_then(Result::err).map(reason)}
            <PreviewStartActions
                previewing=preview.running
                startable=Signal::derive(startable)
                starting=start.pending()
                on_preview=Callback::new(run_preview)
                on_start=Callback::new(move |()| {
                    start.dispatch(StartRemotePrefix { request: request.get_untracked() });
                })
                start_label=s.rename_start
                hint=s.rename_preview_first
                open=open
            />
        </Dialog>
    }
}

#[component]
fn RenamePreviewList(preview: RenamePreview) -> impl IntoView {
    let s = strings();
    view! {
        {preview_errors(preview.errors)}
        <ul class="rename-preview" data-testid="rename-preview" aria-label=s.rename_preview_label>
            {preview.repositories.into_iter().map(|repo| view! { <RenamePreviewRow repo /> }).collect_view()}
        </ul>
    }
}

#[component]
fn RenamePreviewRow(repo: RenamePreviewRepository) -> impl IntoView {
    let s = strings();
    let tags = repo
        .tags
        .into_iter()
        .map(|tag| {
            let conflict = tag.is_conflict();
            let same = !conflict && tag.target_digest.is_some();
            view! {
                <li class:conflict=conflict>
                    <code>{tag.tag}</code>
                    {conflict.then(|| view! { " " <Badge tone=Tone::Bad text=s.rename_conflict /> })}
                    {same.then(|| view! { " " <Badge tone=Tone::Neutral text=s.rename_exists /> })}
                </li>
            }
        })
        .collect_view();
    let outcome = match (repo.unchanged, repo.error) {
        (true, _) => view! { " " <Badge tone=Tone::Neutral text=s.rename_unchanged /> }.into_any(),
        (false, Some(error)) => view! { " " <span class="reason" role="alert">{error}</span> }.into_any(),
        (false, None) => view! { " → " <code class="new-name">{repo.target}</code> }.into_any(),
    };
    view! {
        <li data-testid="rename-preview-repository">
            <code class="old-name">{repo.source}</code>
            {outcome}
            <ul class="tag-list">{tags}</ul>
        </li>
    }
}

/// "Delete repositories": lists the selection and asks for the phrase
/// [`batch_delete_phrase`] gives for its size.
#[component]
pub fn BatchDeleteDialog(
    /// The selected repositories.
    repositories: Vec<String>,
    /// Set to false to close.
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = strings();
    let phrase = batch_delete_phrase(repositories.len());
    let typed = RwSignal::new(String::new());
    let start = ServerAction::<StartRepositoryDelete>::new();
    open_started_job(move || start.value().get());
    let matches = {
        let phrase = phrase.clone();
        move || typed.get().trim() == phrase
    };
    let listed = repositories.iter().map(|r| view! { <li><code>{r.clone()}</code></li> }).collect_view();
    let submit = move |_| {
        start.dispatch(StartRepositoryDelete {
            repositories: repositories.clone(),
            confirmation: typed.get_untracked().trim().to_owned(),
        });
    };
    view! {
        <Dialog title=s.batch_delete_title on_close=move || open.set(false)>
            <p>{s.batch_delete_warning}</p>
            <ul class="siblings" aria-label=s.batch_delete_list>{listed}</ul>
            <label class="field">
                <span>{s.batch_delete_confirm} " " <strong class="phrase">{phrase.clone()}</strong></span>
                <input type="text" autocomplete="off" prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev)) />
            </label>
            {move || start.value().get().and_then(Result::err).map(reason)}
            <div class="dialog-actions">
                <button type="button" class="button danger" disabled=move || !matches() || start.pending().get() on:click=submit>
                    {s.batch_delete_start}
                </button>
                <button type="button" class="button secondary" on:click=move |_| open.set(false)>
                    {s.cancel}
                </button>
            </div>
        </Dialog>
    }
}

/// Which of the repositories page's dialogs [`lazy_repositories_dialog`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepositoriesDialog {
    Rename,
    BatchDelete,
}

/// [`RenameDialog`] or [`BatchDeleteDialog`] from a WASM chunk of their own (`cargo leptos build
/// --split`): fetched the first time one opens, so the repositories page, the first page most
/// visits show, does not carry the preview tables, the form fields and their server functions.
/// One split point for both: each split point multiplies the shared chunks a page fetches (one per
/// set of split points that share code), and the two dialogs share most of theirs.
#[leptos::lazy]
pub fn lazy_repositories_dialog(
    dialog: RepositoriesDialog,
    repositories: Vec<String>,
    open: RwSignal<bool>,
) -> AnyView {
    match dialog {
        RepositoriesDialog::Rename => view! { <RenameDialog repositories open /> }.into_any(),
        RepositoriesDialog::BatchDelete => view! { <BatchDeleteDialog repositories open /> }.into_any(),
    }
}
