use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::PageHeader;
use super::repository_actions::{RepositoriesDialog, lazy_repositories_dialog};
use crate::api::registry::list_repositories;
use crate::model::{JobKind, Operation, RepositoryPage, RepositorySummary};
use crate::ui::components::{ErrorList, SelectionActions, SelectionBar};
use crate::ui::format;
use crate::ui::live::refresh_when_jobs_finish;
use crate::ui::session::{allows, use_session};
use crate::ui::strings::strings;

/// The jobs that add, rename or remove repositories: when one finishes, the page reads the
/// catalog again.
const CHANGES_REPOSITORIES: &[JobKind] =
    &[JobKind::Sync, JobKind::RemotePrefix, JobKind::RepositoryDelete, JobKind::LocalPush];

/// What a selection of repositories is for.
const RENAME: Operation = Operation::StartRemotePrefix;
const DELETE: Operation = Operation::StartRepositoryDelete;

/// The namespace a repository is grouped under: its first path component (`x86/nginx` → `x86`).
pub fn namespace(name: &str) -> &str {
    name.split_once('/').map(|(ns, _)| ns).unwrap_or("")
}

/// Where the repositories page shows `filter`, from `last` on; non-empty only (`Some(true)`), all
/// (`Some(false)`), or the server's default (`None`: empty repositories hidden where this server
/// cannot remove them).
fn catalog_href(filter: &str, last: Option<&str>, non_empty: Option<bool>) -> String {
    let mut params = Vec::new();
    if !filter.is_empty() {
        params.push(format!("q={}", format::query_value(filter)));
    }
    if let Some(last) = last {
        params.push(format!("last={}", format::query_value(last)));
    }
    if let Some(non_empty) = non_empty {
        params.push(format!("non_empty={}", u8::from(non_empty)));
    }
    if params.is_empty() { "/".to_owned() } else { format!("/?{}", params.join("&")) }
}

/// The catalog, one page at a time, filtered by the registry-wide name filter, grouped by
/// namespace, with tag counts. Filter, position and scope live in the URL, so pages can be linked.
#[component]
pub fn RepositoriesPage() -> impl IntoView {
    let s = strings();
    let query = use_query_map();
    let last = move || query.read().get("last").filter(|l| !l.is_empty());
    let filter = move || query.read().get("q").unwrap_or_default();
    let non_empty = move || match query.read().get("non_empty").as_deref() {
        Some("1") => Some(true),
        Some("0") => Some(false),
        _ => None,
    };
    let page = crate::ui::resource::resource(
        move || (last(), filter(), non_empty()),
        |(last, filter, non_empty)| {
            list_repositories(last, Some(filter).filter(|f| !f.is_empty()), non_empty)
        },
    );
    let refreshed_by_job = RwSignal::new(false);
    refresh_when_jobs_finish(CHANGES_REPOSITORIES, move || {
        page.refetch();
        refreshed_by_job.set(true);
    });
    let session = use_session();
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let renaming = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let none_selected = move || selected.read().is_empty();
    let selection = move || selected.get().into_iter().collect::<Vec<_>>();
    let navigate = use_navigate();
    let on_filter = move |ev| {
        let href = catalog_href(&event_target_value(&ev), None, non_empty());
        navigate(&href, NavigateOptions { replace: true, ..Default::default() });
    };
    view! {
        <section class="page">
            <PageHeader title=s.repositories_title intro=s.repositories_intro />
            <div class="toolbar">
                <label class="field">
                    <span>{s.filter_label}</span>
                    <input type="search" aria-keyshortcuts="/" placeholder=s.repositories_filter_placeholder prop:value=filter on:input=on_filter />
                </label>
                <nav class="segmented" aria-label=s.repositories_scope_label>
                    <a href=move || catalog_href(&filter(), None, Some(false)) aria-current=move || (non_empty() == Some(false)).then_some("true")>
                        {s.repositories_all}
                    </a>
                    <a href=move || catalog_href(&filter(), None, Some(true)) aria-current=move || (non_empty() == Some(true)).then_some("true")>
                        {s.repositories_non_empty}
                    </a>
                </nav>
                <button type="button" class="button secondary" on:click=move |_| page.refetch()>
                    {s.refresh}
                </button>
                // Selecting is for the actions; a role with neither sees no selection at all.
                <SelectionActions
                    action=(RENAME, s.rename_action, renaming)
                    danger=(DELETE, s.batch_delete_action, deleting)
                    none_selected=Signal::derive(none_selected)
                />
            </div>
            <p class="muted" role="status" data-testid="refreshed-by-job">
                {move || refreshed_by_job.get().then_some(s.refreshed_after_job)}
            </p>
            // The dialogs are lazy (their code is fetched when one first opens): never rendered on
            // the server, so hydration does not wait for them.
            {move || renaming.get().then(|| {
                let dialog = lazy_repositories_dialog(RepositoriesDialog::Rename, selection(), renaming);
                view! { <Suspense fallback=|| ()>{Suspend::new(dialog)}</Suspense> }
            })}
            {move || deleting.get().then(|| {
                let dialog = lazy_repositories_dialog(RepositoriesDialog::BatchDelete, selection(), deleting);
                view! { <Suspense fallback=|| ()>{Suspend::new(dialog)}</Suspense> }
            })}
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        let (filter, last, non_empty) = (filter(), last(), non_empty());
                        let me = session.me().await;
                        let selectable = allows(me.as_ref(), RENAME) || allows(me.as_ref(), DELETE);
                        page.await.map(|page| {
                            let next = page.next.as_deref().map(|next| catalog_href(&filter, Some(next), non_empty));
                            let first = last.is_some().then(|| catalog_href(&filter, None, non_empty));
                            // Hidden by the server's default, not by choice: say so, with the way back.
                            let show_all = (non_empty.is_none() && page.non_empty_only)
                                .then(|| catalog_href(&filter, None, Some(false)));
                            view! { <RepositoryGroups page selected selectable next first show_all /> }
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn RepositoryGroups(
    page: RepositoryPage,
    selected: RwSignal<BTreeSet<String>>,
    /// Whether rows can be selected (the role may rename or delete them).
    selectable: bool,
    /// Link to the next page, if any.
    next: Option<String>,
    /// Link to the first page, when not on it.
    first: Option<String>,
    /// Link to the whole list, when empty repositories were hidden by default.
    show_all: Option<String>,
) -> impl IntoView {
    let s = strings();
    let refreshing = page.refreshing;
    let summaries: Vec<RepositorySummary> = if page.details.len() == page.repositories.len() {
        page.details
    } else {
        page.repositories.into_iter().map(|name| RepositorySummary { name, tag_count: 0 }).collect()
    };
    let empty = summaries.is_empty();
    let names: Vec<String> = summaries.iter().map(|r| r.name.clone()).collect();
    let total = names.len();
    let selection_bar = (selectable && !empty).then(|| {
        view! { <SelectionBar selected visible=Signal::stored(names) total=Signal::stored(total) /> }
    });
    let mut groups: BTreeMap<String, Vec<RepositorySummary>> = BTreeMap::new();
    for repo in summaries {
        groups.entry(namespace(&repo.name).to_owned()).or_default().push(repo);
    }
    let groups = groups
        .into_iter()
        .map(|(ns, repos)| {
            let heading = if ns.is_empty() { s.repositories_no_namespace.to_owned() } else { format!("{ns}/") };
            let label = heading.clone();
            view! {
                <section class="group" aria-label=label>
                    <h2>{heading}</h2>
                    <table class="table">
                        <thead>
                            <tr>
                                {selectable.then(|| view! { <th class="select"></th> })}
                                <th>{s.column_repository}</th>
                                <th class="num">{s.column_tags}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {repos.into_iter().map(|repo| view! { <RepositoryRow repo selected selectable /> }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }
        })
        .collect_view();
    view! {
        {refreshing.then(|| view! { <p class="notice refreshing" role="status">{s.repositories_refreshing}</p> })}
        {show_all.map(|href| view! {
            <p class="muted" data-testid="empty-hidden">
                {s.repositories_empty_hidden}" "<A href=href>{s.repositories_show_all}</A>
            </p>
        })}
        {empty.then(|| view! { <p class="empty-state">{s.repositories_empty}</p> })}
        {selection_bar}
        <div class="groups">{groups}</div>
        <nav class="pager" aria-label=s.pager_label>
            {first.map(|href| view! { <A href=href>{s.first_page}</A> })}
            {next.map(|href| view! { <A href=href>{s.next_page}</A> })}
        </nav>
    }
}

#[component]
fn RepositoryRow(
    repo: RepositorySummary,
    selected: RwSignal<BTreeSet<String>>,
    selectable: bool,
) -> impl IntoView {
    let s = strings();
    let name = repo.name.clone();
    let checked = {
        let name = name.clone();
        move || selected.read().contains(&name)
    };
    let toggle = {
        let name = name.clone();
        move |_| {
            selected.update(|set| {
                if !set.remove(&name) {
                    set.insert(name.clone());
                }
            })
        }
    };
    view! {
        <tr class:empty-repo=repo.tag_count == 0>
            {selectable.then(|| view! {
                <td class="select">
                    <input type="checkbox" aria-label=format!("{} {}", s.select, name) prop:checked=checked on:change=toggle />
                </td>
            })}
            <td>
                <a href=format!("/repositories/{name}")>{name.clone()}</a>
            </td>
            <td class="num">{repo.tag_count}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::{catalog_href, namespace};

    #[test]
    fn catalog_links_keep_filter_position_and_scope() {
        assert_eq!(catalog_href("", None, None), "/");
        assert_eq!(catalog_href("", None, Some(true)), "/?non_empty=1");
        assert_eq!(catalog_href("", None, Some(false)), "/?non_empty=0");
        assert_eq!(
            catalog_href("web app", Some("x86/nginx"), Some(true)),
            "/?q=web%20app&last=x86/nginx&non_empty=1"
        );
    }

    #[test]
    fn groups_by_first_path_component() {
        assert_eq!(namespace("x86/nginx"), "x86");
        assert_eq!(namespace("prod/team/api"), "prod");
        assert_eq!(namespace("nginx"), "");
    }
}
