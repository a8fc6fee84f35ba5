use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::merge_dialog::lazy_merge_dialog;
use super::tag::TagPage;
use crate::api::registry::{DeleteRepository, DeleteTag, get_repository_storage, get_tag_detail, list_tags};
use crate::api::status::get_ui_config;
use crate::model::{DeleteScope, Operation, RepositoryStorage, TagList, TagSort, TagSummary};
use crate::naming::RepositoryPath;
use crate::ui::components::{CopyButton, Dialog, ErrorList, LocalTime, reason};
use crate::ui::format;
use crate::ui::session::{Allowed, use_session};
use crate::ui::strings::{fill, strings};

/// Tags shown per page; sorting and filtering cover the whole repository.
const PAGE_SIZE: usize = 100;

/// `/repositories/*path`: a repository's tags, or one tag's detail (`…/tags/{tag}`).
#[component]
pub fn RepositoryRoute() -> impl IntoView {
    let params = use_params_map();
    move || {
        let path = params.read().get("path").unwrap_or_default();
        match RepositoryPath::parse(&path) {
            RepositoryPath::Tag(repository, tag) => {
                view! { <TagPage repository=repository.to_owned() tag=tag.to_owned() /> }.into_any()
            }
            RepositoryPath::Repository(name) | RepositoryPath::Tags(name) => {
                view! { <RepositoryView name=name.to_owned() /> }.into_any()
            }
        }
    }
}

/// Table state the user controls.
#[derive(Clone, Copy)]
struct TableState {
    filter: RwSignal<String>,
    sort: RwSignal<TagSort>,
    descending: RwSignal<bool>,
    offset: RwSignal<usize>,
    /// Bumped after every change, so the table is read again.
    version: RwSignal<u32>,
}

#[component]
fn RepositoryView(name: String) -> impl IntoView {
    let s = strings();
    let state = TableState {
        filter: RwSignal::new(String::new()),
        sort: RwSignal::new(TagSort::Name),
        descending: RwSignal::new(false),
        offset: RwSignal::new(0),
        version: RwSignal::new(0),
    };
    let ui = crate::ui::resource::resource(|| (), |_| get_ui_config());
    let tags = {
        let name = name.clone();
        crate::ui::resource::resource(
            move || {
                (
                    state.filter.get(),
                    state.sort.get(),
                    state.descending.get(),
                    state.offset.get(),
                    state.version.get(),
                )
            },
            move |(filter, sort, descending, offset, _)| {
                let filter = Some(filter).filter(|f| !f.is_empty());
                list_tags(name.clone(), filter, sort, descending, offset, PAGE_SIZE)
            },
        )
    };
    // The repository's storage figures (kept from the last scan: answered at once).
    let figures = {
        let name = name.clone();
        crate::ui::resource::resource(
            move || state.version.get(),
            move |_| get_repository_storage(name.clone()),
        )
    };
    let session = use_session();
    let pending_delete = RwSignal::new(None::<String>);
    let deleting_repository = RwSignal::new(false);
    let merging = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let push_host = move || ui.get().and_then(Result::ok).map(|c| c.registry_push_host).unwrap_or_default();
    let (table_name, tag_dialog_name, repo_dialog_name) = (name.clone(), name.clone(), name.clone());
    let merge_name = name.clone();
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <p class="breadcrumb">
                        <a href="/">{s.repositories_title}</a>
                    </p>
                    <h1>{name.clone()}</h1>
                </div>
                <div class="page-actions">
                    <Allowed op=Operation::StartMerge>
                        <button type="button" class="button secondary" on:click=move |_| merging.set(true)>
                            {s.merge_action}
                        </button>
                    </Allowed>
                    <Allowed op=Operation::DeleteRepository>
                        <button type="button" class="button danger" on:click=move |_| deleting_repository.set(true)>
                            {s.delete_repository}
                        </button>
                    </Allowed>
                </div>
            </header>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="toolbar">
                <label class="field">
                    <span>{s.filter_label}</span>
                    <input
                        type="search"
                        aria-keyshortcuts="/"
                        placeholder=s.tags_filter_placeholder
                        prop:value=state.filter
                        on:input=move |ev| {
                            state.offset.set(0);
                            state.filter.set(event_target_value(&ev));
                        }
                    />
                </label>
                <button type="button" class="button secondary" on:click=move |_| state.version.update(|v| *v += 1)>
                    {s.refresh}
                </button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {
                        move || {
                            let name = table_name.clone();
                            Suspend::new(async move {
                                let may_delete = session.can(Operation::DeleteTag).await;
                                let list = tags.await?;
                                let host = push_host();
                                // Figures that cannot be read leave the column empty, never the page.
                                let figures = figures.await.ok();
                                let only = only_bytes(figures.as_ref());
                                Ok::<_, crate::model::AppError>(view! {
                                    {figures.map(|figures| view! { <RepositoryFigures figures /> })}
                                    <TagTable name list state pending_delete may_delete push_host=host only />
                                })
                            })
                        }
                    }
                </ErrorBoundary>
            </Transition>
            {move || {
                pending_delete
                    .get()
                    .map(|tag| view! { <DeleteTagDialog repository=tag_dialog_name.clone() tag pending_delete notice state /> })
            }}
            // Lazy, as the repositories page's dialogs are: never rendered on the server.
            {move || merging.get().then(|| {
                let dialog = lazy_merge_dialog(merge_name.clone(), merging);
                view! { <Suspense fallback=|| ()>{Suspend::new(dialog)}</Suspense> }
            })}
            {move || {
                deleting_repository
                    .get()
                    .then(|| view! { <DeleteRepositoryDialog repository=repo_dialog_name.clone() open=deleting_repository /> })
            }}
        </section>
    }
}

/// Each tag's "only this tag" bytes, when the figures are computed.
fn only_bytes(figures: Option<&RepositoryStorage>) -> Option<std::collections::HashMap<String, u64>> {
    let figures = figures.filter(|f| !f.computed_at.is_empty())?;
    Some(figures.tags.iter().map(|t| (t.tag.clone(), t.only_bytes)).collect())
}

/// The repository's own storage figures: the bytes only it holds, those it shares, and how fresh.
#[component]
fn RepositoryFigures(figures: RepositoryStorage) -> impl IntoView {
    let s = strings();
    if figures.computed_at.is_empty() {
        // No scan has finished yet: one runs, or the Storage page starts one.
        let text = if figures.scan_job_id.is_some() { s.storage_scanning } else { s.repository_storage_none };
        return view! {
            <p class="muted" data-testid="repository-storage">
                {text} " " <a href="/storage">{s.nav_storage}</a>
            </p>
        }
        .into_any();
    }
    view! {
        <p class="storage-total" data-testid="repository-storage">
            {fill(
                s.repository_storage,
                &[&format::bytes(figures.unique_bytes), &format::bytes(figures.shared_bytes)],
            )}
            " "
            <span class="muted">{fill(s.storage_computed_at, &[&format::created(&figures.computed_at)])}</span>
            {figures.error.map(|error| view! { " " <span class="reason">{error.to_string()}</span> })}
            " "
            <a href="/storage">{s.nav_storage}</a>
        </p>
    }
    .into_any()
}

/// A column header that sorts the whole repository by `sort` (clicking again reverses).
fn sort_header(label: &'static str, sort: TagSort, state: TableState, numeric: bool) -> impl IntoView {
    let aria = move || {
        (state.sort.get() == sort).then(|| if state.descending.get() { "descending" } else { "ascending" })
    };
    let click = move |_| {
        if state.sort.get_untracked() == sort {
            state.descending.update(|d| *d = !*d);
        } else {
            state.sort.set(sort);
            // Newest and largest first is what people look for.
            state.descending.set(sort != TagSort::Name);
        }
        state.offset.set(0);
    };
    view! {
        <th aria-sort=aria class:num=numeric>
            <button type="button" class="sort" on:click=click>
                {label}
                {move || match aria() {
                    Some("ascending") => " ▲",
                    Some(_) => " ▼",
                    None => "",
                }}
            </button>
        </th>
    }
}

#[component]
fn TagTable(
    name: String,
    list: TagList,
    state: TableState,
    pending_delete: RwSignal<Option<String>>,
    /// Whether the role may delete a tag (else no Delete buttons).
    may_delete: bool,
    push_host: String,
    /// Bytes only each tag holds, when the storage figures are computed.
    only: Option<std::collections::HashMap<String, u64>>,
) -> impl IntoView {
    let s = strings();
    let total = list.total;
    let refreshing = list.refreshing;
    let offset = state.offset.get_untracked();
    let shown = list.tags.len();
    let rows = list
        .tags
        .into_iter()
        .map(|tag| {
            // A tag pushed since the scan has no figure yet: an empty cell.
            let only = only.as_ref().map(|only| only.get(&tag.tag).copied());
            view! { <TagRow repository=name.clone() tag pending_delete may_delete push_host=push_host.clone() only /> }
        })
        .collect_view();
    let only_column = only.is_some();
    view! {
        <p class="muted">{fill(s.tags_total, &[&total])}</p>
        {refreshing.then(|| view! { <p class="notice refreshing" role="status">{s.tags_refreshing}</p> })}
        <table class="table tags">
            <thead>
                <tr>
                    {sort_header(s.column_tag, TagSort::Name, state, false)}
                    <th>{s.column_digest}</th>
                    {sort_header(s.column_size, TagSort::Size, state, true)}
                    {only_column.then(|| view! { <th class="num" title=s.column_only_tag_title>{s.column_only_tag}</th> })}
                    {sort_header(s.column_created, TagSort::Created, state, false)}
                    <th>{s.column_platforms}</th>
                    <th>{s.column_actions}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label=s.pager_label>
            {(offset > 0).then(|| view! {
                <button type="button" class="button secondary" on:click=move |_| state.offset.update(|o| *o = o.saturating_sub(PAGE_SIZE))>
                    {s.previous_page}
                </button>
            })}
            <span class="muted">{format!("{}–{} / {total}", if shown == 0 { 0 } else { offset + 1 }, offset + shown)}</span>
            {(offset + shown < total).then(|| view! {
                <button type="button" class="button secondary" on:click=move |_| state.offset.update(|o| *o += PAGE_SIZE)>
                    {s.next_page}
                </button>
            })}
        </nav>
    }
}

#[component]
fn TagRow(
    repository: String,
    tag: TagSummary,
    pending_delete: RwSignal<Option<String>>,
    may_delete: bool,
    push_host: String,
    /// The "only this tag" cell: `None` without the column, `Some(None)` for a tag not scanned yet.
    only: Option<Option<u64>>,
) -> impl IntoView {
    let s = strings();
    let pull = format!("docker pull {push_host}/{repository}:{}", tag.tag);
    let href = format!("/repositories/{repository}/tags/{}", tag.tag);
    let name = tag.tag.clone();
    let digest = tag.digest.clone().unwrap_or_default();
    // An index's size is the sum over its platforms; each platform's own size is listed under it.
    let per_platform = (tag.platform_sizes.len() > 1).then(|| {
        let items = tag
            .platform_sizes
            .iter()
            .map(|p| {
                let arch = match &p.platform.variant {
                    Some(variant) => format!("{}/{variant}", p.platform.architecture),
                    None => p.platform.architecture.clone(),
                };
                view! { <li>{format!("{arch} {}", format::bytes(p.size_bytes))}</li> }
            })
            .collect_view();
        view! { <ul class="platform-sizes" aria-label=s.per_platform_sizes>{items}</ul> }
    });
    view! {
        <tr>
            <td>
                <a href=href>{tag.tag.clone()}</a>
                {tag.error.map(|e| view! { <span class="reason">" " {e.to_string()}</span> })}
            </td>
            <td>
                <code title=digest.clone()>{format::short_digest(&digest)}</code>
                {(!digest.is_empty()).then(|| view! { <CopyButton text=digest.clone() label=s.copy_digest /> })}
            </td>
            <td class="num">{tag.size_bytes.map(format::bytes)} {per_platform}</td>
            {only.map(|only| view! { <td class="num" data-column="only-tag">{only.map(format::bytes)}</td> })}
            <td>{tag.created_at.map(|at| view! { <LocalTime at /> })}</td>
            <td>
                {tag.platforms.into_iter().map(|p| view! { <span class="badge badge-neutral">{p}</span> " " }).collect_view()}
            </td>
            <td class="actions">
                <CopyButton text=pull label=s.copy_pull />
                {may_delete.then(|| view! {
                    <button type="button" class="button small danger" aria-label=format!("{} {name}", s.delete) on:click=move |_| pending_delete.set(Some(name.clone()))>
                        {s.delete}
                    </button>
                })}
            </td>
        </tr>
    }
}

/// Confirms deleting a tag, listing every other tag on the same digest first.
#[component]
fn DeleteTagDialog(
    repository: String,
    tag: String,
    pending_delete: RwSignal<Option<String>>,
    notice: RwSignal<Option<String>>,
    state: TableState,
) -> impl IntoView {
    let s = strings();
    let session = use_session();
    let detail = {
        let (repository, tag) = (repository.clone(), tag.clone());
        crate::ui::resource::resource(|| (), move |_| get_tag_detail(repository.clone(), tag.clone()))
    };
    let action = ServerAction::<DeleteTag>::new();
    Effect::new(move |_| {
        if let Some(Ok(result)) = action.value().get() {
            notice.set(Some(fill(s.deleted_tags, &[&result.removed_tags.join(", ")])));
            pending_delete.set(None);
            state.version.update(|v| *v += 1);
        }
    });
    let failure = move || action.value().get().and_then(Result::err).map(reason);
    view! {
        <Dialog title=format!("{} {repository}:{tag}", s.delete) on_close=move || pending_delete.set(None)>
            <Suspense fallback=move || view! { <p class="muted">{s.loading}</p> }>
                {
                    let (repository, tag) = (repository.clone(), tag.clone());
                    move || {
                        let (repository, tag) = (repository.clone(), tag.clone());
                        Suspend::new(async move {
                            // Deleting the image takes every sibling tag with it: a higher role.
                            let may_delete_image = session.can(Operation::DeleteImage).await;
                            let detail = match detail.await {
                                Ok(detail) => detail,
                                Err(e) => return reason(e).into_any(),
                            };
                            let siblings = detail.sibling_tags.clone();
                            let all = siblings.len() + 1;
                            let delete = move |scope: DeleteScope| {
                                action.dispatch(DeleteTag { repository: repository.clone(), tag: tag.clone(), scope });
                            };
                            let delete_image = delete.clone();
                            view! {
                                <p>
                                    {s.digest_label} " " <code>{detail.digest.clone()}</code>
                                </p>
                                {if siblings.is_empty() {
                                    view! { <p>{s.no_sibling_tags}</p> }.into_any()
                                } else {
                                    let intro = if may_delete_image { s.sibling_tags_intro } else { s.sibling_tags_intro_tag_only };
                                    view! {
                                        <p>{intro}</p>
                                        <ul class="siblings" aria-label=s.sibling_tags_label>
                                            {siblings.into_iter().map(|t| view! { <li><code>{t}</code></li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <div class="dialog-actions">
                                    <button type="button" class="button danger" disabled=move || action.pending().get() on:click=move |_| delete(DeleteScope::Tag)>
                                        {s.delete_only_this_tag}
                                    </button>
                                    {may_delete_image.then(|| view! {
                                        <button type="button" class="button danger" disabled=move || action.pending().get() on:click=move |_| delete_image(DeleteScope::Image)>
                                            {fill(s.delete_image_tags, &[&all])}
                                        </button>
                                    })}
                                    <button type="button" class="button secondary" on:click=move |_| pending_delete.set(None)>
                                        {s.cancel}
                                    </button>
                                </div>
                            }.into_any()
                        })
                    }
                }
            </Suspense>
            {failure}
        </Dialog>
    }
}

/// Deletes a whole repository after the user types its name.
#[component]
fn DeleteRepositoryDialog(repository: String, open: RwSignal<bool>) -> impl IntoView {
    let s = strings();
    let typed = RwSignal::new(String::new());
    let action = ServerAction::<DeleteRepository>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            open.set(false);
            navigate("/", Default::default());
        }
    });
    let matches = {
        let repository = repository.clone();
        move || typed.get() == repository
    };
    let submit = {
        let repository = repository.clone();
        move |_| {
            action.dispatch(DeleteRepository {
                repository: repository.clone(),
                confirmation: typed.get_untracked(),
            });
        }
    };
    view! {
        <Dialog title=format!("{} {repository}", s.delete_repository) on_close=move || open.set(false)>
            <p>{s.delete_repository_warning}</p>
            <label class="field">
                <span>{fill(s.type_to_confirm, &[&repository])}</span>
                <input type="text" prop:value=typed on:input=move |ev| typed.set(event_target_value(&ev)) />
            </label>
            {move || action.value().get().and_then(Result::err).map(reason)}
            <div class="dialog-actions">
                <button type="button" class="button danger" disabled=move || !matches() || action.pending().get() on:click=submit>
                    {s.delete_repository}
                </button>
                <button type="button" class="button secondary" on:click=move |_| open.set(false)>{s.cancel}</button>
            </div>
        </Dialog>
    }
}
