//! `/local-images`: the Docker daemon's images, filtered in the browser, selected for a push to
//! the registry or a delete. Filter and "show untagged" live in the URL, so the view can be linked.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::PageHeader;
use super::local_image_actions::{LocalImagesDialog, lazy_local_images_dialog};
use crate::api::local::list_local_images;
use crate::model::{AppError, JobKind, LocalImage, LocalImageList, Operation};
use crate::ui::components::{Badge, LocalTime, SelectionActions, SelectionBar, Tone};
use crate::ui::format;
use crate::ui::live::refresh_when_jobs_finish;
use crate::ui::session::{allows, use_session};
use crate::ui::strings::strings;

/// The jobs that tag or remove local images: when one finishes, the page reads the list again.
const CHANGES_LOCAL_IMAGES: &[JobKind] = &[JobKind::LocalPush, JobKind::LocalDelete];

/// What a selection of local images is for.
const PUSH: Operation = Operation::StartLocalPush;
const DELETE: Operation = Operation::StartLocalDelete;

/// Where the page shows `filter`, with or without untagged images.
fn local_images_href(filter: &str, untagged: bool) -> String {
    let mut params = Vec::new();
    if !filter.is_empty() {
        params.push(format!("q={}", format::query_value(filter)));
    }
    if untagged {
        params.push("untagged=1".to_owned());
    }
    if params.is_empty() { "/local-images".to_owned() } else { format!("/local-images?{}", params.join("&")) }
}

/// What a selection holds for an image: its reference, or for an untagged image (whose reference
/// is `<none>:<none>`) its ID — both are what the push and delete requests accept.
fn selection_key(image: &LocalImage) -> String {
    if image.dangling { image.image_id.clone() } else { image.reference.clone() }
}

/// Whether the filter (case-insensitive, substring) matches the image's reference, or its ID for
/// an untagged image that has no reference to match.
fn matches_filter(image: &LocalImage, filter: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    filter.is_empty()
        || image.reference.to_lowercase().contains(&filter)
        || (image.dangling && image.image_id.to_lowercase().contains(&filter))
}

/// The local images page: scan, filter, select, then push or delete through a dialog.
#[component]
pub fn LocalImagesPage() -> impl IntoView {
    let s = strings();
    let query = use_query_map();
    let filter = Signal::derive(move || query.read().get("q").unwrap_or_default());
    let untagged = move || query.read().get("untagged").is_some_and(|v| v == "1");
    let images = crate::ui::resource::resource(untagged, list_local_images);
    let refreshed_by_job = RwSignal::new(false);
    refresh_when_jobs_finish(CHANGES_LOCAL_IMAGES, move || {
        images.refetch();
        refreshed_by_job.set(true);
    });
    let session = use_session();
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let pushing = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let none_selected = move || selected.read().is_empty();
    let selection = move || selected.get().into_iter().collect::<Vec<_>>();
    let navigate = use_navigate();
    let go = move |href: String| navigate(&href, NavigateOptions { replace: true, ..Default::default() });
    let on_filter = {
        let go = go.clone();
        move |ev| go(local_images_href(&event_target_value(&ev), untagged()))
    };
    let on_untagged = move |ev| go(local_images_href(&filter.get_untracked(), event_target_checked(&ev)));
    view! {
        <section class="page">
            <PageHeader title=s.local_images_title intro=s.local_images_intro />
            <div class="toolbar">
                <label class="field">
                    <span>{s.filter_label}</span>
                    <input type="search" aria-keyshortcuts="/" placeholder=s.local_filter_placeholder prop:value=filter on:input=on_filter />
                </label>
                <label class="choice">
                    <input type="checkbox" prop:checked=untagged on:change=on_untagged />
                    {s.local_show_untagged}
                </label>
                <button type="button" class="button secondary" on:click=move |_| images.refetch()>
                    {s.refresh}
                </button>
                // Selecting is for the actions; a role with neither sees no selection at all.
                <SelectionActions
                    action=(PUSH, s.local_push_action, pushing)
                    danger=(DELETE, s.local_delete_action, deleting)
                    none_selected=Signal::derive(none_selected)
                />
            </div>
            <p class="muted" role="status" data-testid="refreshed-by-job">
                {move || refreshed_by_job.get().then_some(s.refreshed_after_job)}
            </p>
            // Lazy dialogs, as on the repositories page.
            {move || pushing.get().then(|| {
                // The custom arch starts as the host's own (what the automatic mode would use).
                let detected_arch =
                    images.get_untracked().and_then(Result::ok).map(|list| list.detected_arch).unwrap_or_default();
                let dialog = lazy_local_images_dialog(LocalImagesDialog::Push { detected_arch }, selection(), pushing);
                view! { <Suspense fallback=|| ()>{Suspend::new(dialog)}</Suspense> }
            })}
            {move || deleting.get().then(|| {
                let dialog = lazy_local_images_dialog(LocalImagesDialog::Delete, selection(), deleting);
                view! { <Suspense fallback=|| ()>{Suspend::new(dialog)}</Suspense> }
            })}
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                {move || Suspend::new(async move {
                    let me = session.me().await;
                    let selectable = allows(me.as_ref(), PUSH) || allows(me.as_ref(), DELETE);
                    match images.await {
                        Ok(list) => view! { <LocalImageTable list filter selected selectable /> }.into_any(),
                        Err(error) => view! { <DaemonUnavailable error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Why the images cannot be listed (usually: the daemon is down or unreachable), said plainly,
/// with the way to the Status page. Only this page depends on the daemon.
#[component]
fn DaemonUnavailable(error: AppError) -> impl IntoView {
    let s = strings();
    view! {
        <div class="error-box" role="alert" data-testid="local-images-error">
            <strong>{s.local_unavailable}</strong>
            <p class="error-reason">{error.to_string()}</p>
            <p>{s.local_unavailable_hint} " " <a href="/status">{s.local_status_link}</a></p>
        </div>
    }
}

#[component]
fn LocalImageTable(
    list: LocalImageList,
    /// The client-side filter over references.
    filter: Signal<String>,
    selected: RwSignal<BTreeSet<String>>,
    /// Whether images can be selected (the role may push or delete them).
    selectable: bool,
) -> impl IntoView {
    let s = strings();
    let empty = list.images.is_empty();
    let images = StoredValue::new(list.images);
    let visible = Memo::new(move |_| {
        let filter = filter.get();
        images
            .with_value(|all| all.iter().filter(|i| matches_filter(i, &filter)).cloned().collect::<Vec<_>>())
    });
    let visible_keys =
        Signal::derive(move || visible.with(|v| v.iter().map(selection_key).collect::<Vec<_>>()));
    let total = images.with_value(Vec::len);
    view! {
        <p class="muted host-arch">
            {s.local_detected_arch} ": " <code data-testid="detected-arch">{list.detected_arch}</code>
        </p>
        {if empty {
            view! { <p class="empty-state">{s.local_empty}</p> }.into_any()
        } else {
            view! {
                {selectable.then(|| view! { <SelectionBar selected visible=visible_keys total=Signal::stored(total) /> })}
                <table class="table local-images" aria-label=s.local_list_label>
                    <thead>
                        <tr>
                            {selectable.then(|| view! { <th class="select"></th> })}
                            <th>{s.column_reference}</th>
                            <th>{s.column_image_id}</th>
                            <th>{s.column_os_arch}</th>
                            <th class="num">{s.column_size}</th>
                            <th>{s.column_created}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || visible.get() key=selection_key children=move |image| view! { <LocalImageRow image selected selectable /> } />
                    </tbody>
                </table>
                <Show when=move || visible.with(Vec::is_empty)>
                    <p class="empty-state">{s.local_none_match}</p>
                </Show>
            }
            .into_any()
        }}
    }
}

#[component]
fn LocalImageRow(image: LocalImage, selected: RwSignal<BTreeSet<String>>, selectable: bool) -> impl IntoView {
    let s = strings();
    let key = selection_key(&image);
    let checked = {
        let key = key.clone();
        move || selected.read().contains(&key)
    };
    let toggle = {
        let key = key.clone();
        move |_| {
            selected.update(|set| {
                if !set.remove(&key) {
                    set.insert(key.clone());
                }
            })
        }
    };
    let name = if image.dangling {
        format!("{} {}", s.local_untagged, format::short_image_id(&image.image_id))
    } else {
        image.reference.clone()
    };
    let reference = if image.dangling {
        view! { <Badge tone=Tone::Neutral text=s.local_untagged /> }.into_any()
    } else {
        view! { <code>{image.reference.clone()}</code> }.into_any()
    };
    let platform = match (image.os.as_str(), image.architecture.as_str()) {
        ("", "") => String::new(),
        (os, arch) => format!("{os}/{arch}"),
    };
    view! {
        <tr data-testid="local-image" data-reference=image.reference.clone() class:dangling=image.dangling>
            {selectable.then(|| view! {
                <td class="select">
                    <input type="checkbox" aria-label=format!("{} {}", s.select, name) prop:checked=checked on:change=toggle />
                </td>
            })}
            <td>{reference}</td>
            <td>
                <code title=image.image_id.clone()>{format::short_image_id(&image.image_id)}</code>
            </td>
            <td>{platform}</td>
            <td class="num" title=image.size.clone()>{format::bytes(image.size_bytes)}</td>
            <td>{image.created.map(|at| view! { <LocalTime at /> })}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::{local_images_href, matches_filter, selection_key};
    use crate::model::LocalImage;

    fn image(reference: &str, dangling: bool) -> LocalImage {
        LocalImage {
            reference: reference.to_owned(),
            repository: String::new(),
            tag: String::new(),
            image_id: "sha256:0123456789abcdef".to_owned(),
            size: String::new(),
            size_bytes: 0,
            created: None,
            architecture: "amd64".to_owned(),
            os: "linux".to_owned(),
            dangling,
        }
    }

    #[test]
    fn links_keep_filter_and_untagged_choice() {
        assert_eq!(local_images_href("", false), "/local-images");
        assert_eq!(local_images_href("", true), "/local-images?untagged=1");
        assert_eq!(local_images_href("web app", true), "/local-images?q=web%20app&untagged=1");
    }

    #[test]
    fn untagged_images_are_selected_by_id() {
        assert_eq!(selection_key(&image("team/web:1.0", false)), "team/web:1.0");
        assert_eq!(selection_key(&image("<none>:<none>", true)), "sha256:0123456789abcdef");
    }

    #[test]
    fn filter_matches_references_case_insensitively() {
        let web = image("e2e/local/Web:1.0", false);
        assert!(matches_filter(&web, ""));
        assert!(matches_filter(&web, " local/web "));
        assert!(!matches_filter(&web, "api"));
        // An untagged image has no name to match; its ID stands in.
        assert!(matches_filter(&image("<none>:<none>", true), "0123"));
        assert!(!matches_filter(&web, "0123"));
    }
}
