//! "Combine architectures…" on the repository page: every tag of the repository ending with an
//! arch suffix is grouped by its base (`1.0-x86` + `1.0-arm` → `1.0`) and written as one
//! multi-arch tag. Preview lists each target tag with its images (tag, platform, digest, size)
//! and conflicts; Start is enabled only for the request that was previewed and can run as shown.

use leptos::prelude::*;

use super::jobs::open_started_job;
use crate::api::jobs::{StartMerge, preview_merge};
use crate::model::{DEFAULT_ARCH_SUFFIXES, MergeConflict, MergeGroupPreview, MergePreview, MergeRequest};
use crate::ui::components::{
    Badge, Dialog, PreviewStartActions, Previewed, Tone, checkbox, preview_errors, reason, text_field,
};
use crate::ui::format;
use crate::ui::strings::{fill, strings};

/// Suffixes as typed: separated by commas or spaces.
fn suffix_list(typed: &str) -> Vec<String> {
    typed.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Whether the job would write every group as previewed: no errors, something to write, no
/// group it would refuse, and `overwrite` where a target exists with another image.
fn runnable(preview: &MergePreview, overwrite: bool) -> bool {
    preview.errors.is_empty()
        && !preview.groups.is_empty()
        && preview.groups.iter().all(|g| {
            g.error.is_none()
                && (overwrite || !g.needs_overwrite())
                && !g.conflicts.iter().any(|c| matches!(c, MergeConflict::SamePlatform { .. }))
        })
}

#[component]
pub fn MergeDialog(
    /// The repository whose suffixed tags are combined.
    repository: String,
    /// Set to false to close.
    open: RwSignal<bool>,
) -> impl IntoView {
    let s = strings();
    let suffixes = RwSignal::new(DEFAULT_ARCH_SUFFIXES.join(", "));
    let target_repository = RwSignal::new(repository.clone());
    let overwrite = RwSignal::new(false);
    let delete_sources = RwSignal::new(false);
    let request = Memo::new(move |_| MergeRequest {
        repository: Some(repository.clone()),
        suffixes: suffix_list(&suffixes.get()),
        target_repository: Some(target_repository.get().trim().to_owned()).filter(|t| !t.is_empty()),
        overwrite: overwrite.get(),
        delete_sources: delete_sources.get(),
        ..MergeRequest::default()
    });

    let preview = Previewed::default();
    // Overwrite and delete change nothing the preview shows: only the inputs ask for a new one.
    let inputs =
        move |r: &MergeRequest| MergeRequest { overwrite: false, delete_sources: false, ..r.clone() };
    let run_preview = move |()| preview.ask(inputs(&request.get_untracked()), preview_merge);
    let startable = move || {
        let request = request.get();
        preview.allows(&inputs(&request), |result: &MergePreview| runnable(result, request.overwrite))
    };

    let start = ServerAction::<StartMerge>::new();
    open_started_job(move || start.value().get());

    view! {
        <Dialog title=s.merge_title on_close=move || open.set(false)>
            <p class="muted">{s.merge_intro}</p>
            {text_field(s.merge_suffixes, "", suffixes, true, || false)}
            {text_field(s.merge_target_repository, "", target_repository, false, || false)}
            {checkbox(s.merge_overwrite, overwrite)}
            {checkbox(s.merge_delete_sources, delete_sources)}
            {preview.outcome(|result| view! { <MergePreviewList preview=result /> })}
            {move || start.value().get().and_then(Result::err).map(reason)}
            <PreviewStartActions
                previewing=preview.running
                startable=Signal::derive(startable)
                starting=start.pending()
                on_preview=Callback::new(run_preview)
                on_start=Callback::new(move |()| {
                    start.dispatch(StartMerge { request: request.get_untracked() });
                })
                start_label=s.merge_start
                hint=s.merge_preview_first
                open=open
            />
        </Dialog>
    }
}

#[component]
fn MergePreviewList(preview: MergePreview) -> impl IntoView {
    let s = strings();
    let singles = (!preview.singles.is_empty())
        .then(|| view! { <p class="muted">{fill(s.merge_singles, &[&preview.singles.join(", ")])}</p> });
    view! {
        {preview_errors(preview.errors)}
        <ul class="rename-preview" data-testid="merge-preview" aria-label=s.merge_preview_label>
            {preview.groups.into_iter().map(|group| view! { <MergeGroupRow group /> }).collect_view()}
        </ul>
        {singles}
    }
}

#[component]
fn MergeGroupRow(group: MergeGroupPreview) -> impl IntoView {
    let s = strings();
    let up_to_date = group.up_to_date();
    let conflicts = group
        .conflicts
        .iter()
        .map(|conflict| {
            let text = match conflict {
                MergeConflict::SamePlatform { platform, .. } => fill(s.merge_same_platform, &[platform]),
                MergeConflict::TargetExists { .. } => s.merge_target_exists.to_owned(),
            };
            view! { " " <Badge tone=Tone::Bad text=text /> }
        })
        .collect_view();
    let children = group
        .children
        .into_iter()
        .map(|child| {
            view! {
                <tr>
                    <td><code>{child.source}</code></td>
                    <td>{child.platform.unwrap_or_default()}</td>
                    <td>
                        {child.digest.map(|d| view! { <code title=d.clone()>{format::short_digest(&d)}</code> })}
                    </td>
                    <td class="num">{child.size_bytes.map(format::bytes)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <li data-testid="merge-preview-group" class:conflict=!group.conflicts.is_empty()>
            <code class="new-name">{group.target}</code>
            {up_to_date.then(|| view! { " " <Badge tone=Tone::Neutral text=s.merge_up_to_date /> })}
            {conflicts}
            {group.error.map(|error| view! { " " <span class="reason" role="alert">{error}</span> })}
            <table class="table compact">
                <thead>
                    <tr>
                        <th scope="col">{s.column_tag}</th>
                        <th scope="col">{s.column_platforms}</th>
                        <th scope="col">{s.column_digest}</th>
                        <th scope="col" class="num">{s.column_size}</th>
                    </tr>
                </thead>
                <tbody>{children}</tbody>
            </table>
        </li>
    }
}

/// [`MergeDialog`] in a WASM chunk of its own, fetched the first time it opens.
#[leptos::lazy]
pub fn lazy_merge_dialog(repository: String, open: RwSignal<bool>) -> AnyView {
    view! { <MergeDialog repository open /> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_read_as_typed_and_start_needs_a_clean_preview() {
        assert_eq!(suffix_list(" -x86, -arm  -v7,,"), ["-x86", "-arm", "-v7"]);
        let group = MergeGroupPreview { target: "app:1.0".into(), ..MergeGroupPreview::default() };
        let clean = MergePreview { groups: vec![group.clone()], ..MergePreview::default() };
        assert!(runnable(&clean, false));
        assert!(!runnable(&MergePreview::default(), false), "nothing to write");
        let exists = MergeGroupPreview {
            conflicts: vec![MergeConflict::TargetExists { digest: "sha256:1".into() }],
            ..group.clone()
        };
        let conflicting = MergePreview { groups: vec![exists], ..MergePreview::default() };
        assert!(!runnable(&conflicting, false) && runnable(&conflicting, true));
        let same = MergeGroupPreview {
            conflicts: vec![MergeConflict::SamePlatform { platform: "linux/amd64".into(), sources: vec![] }],
            ..group
        };
        assert!(!runnable(&MergePreview { groups: vec![same], ..MergePreview::default() }, true));
    }
}
