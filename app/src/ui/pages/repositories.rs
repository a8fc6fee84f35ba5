use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::PageHeader;
use crate::api::registry::list_repositories;
use crate::model::{RepositoryPage, RepositorySummary};
use crate::ui::components::ErrorList;
use crate::ui::strings::strings;

/// The namespace a repository is grouped under: its first path component (`x86/nginx` → `x86`).
pub fn namespace(name: &str) -> &str {
    name.split_once('/').map(|(ns, _)| ns).unwrap_or("")
}

/// The catalog, one registry page at a time, grouped by namespace, with tag counts.
#[component]
pub fn RepositoriesPage() -> impl IntoView {
    let s = strings();
    let query = use_query_map();
    let last = move || query.read().get("last").filter(|l| !l.is_empty());
    let non_empty = move || query.read().get("non_empty").is_some_and(|v| v == "1");
    let page =
        Resource::new(move || (last(), non_empty()), |(last, non_empty)| list_repositories(last, non_empty));
    let filter = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let scope_href = move |non_empty: bool| if non_empty { "/?non_empty=1" } else { "/" };
    view! {
        <section class="page">
            <PageHeader title=s.repositories_title intro=s.repositories_intro />
            <div class="toolbar">
                <label class="field">
                    <span>{s.filter_label}</span>
                    <input
                        type="search"
                        placeholder=s.repositories_filter_placeholder
                        prop:value=filter
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                </label>
                <nav class="segmented" aria-label=s.repositories_scope_label>
                    <a href=scope_href(false) aria-current=move || (!non_empty()).then_some("true")>
                        {s.repositories_all}
                    </a>
                    <a href=scope_href(true) aria-current=move || non_empty().then_some("true")>
                        {s.repositories_non_empty}
                    </a>
                </nav>
                <span class="muted" aria-live="polite">
                    {move || format!("{} {}", selected.read().len(), s.selected_suffix)}
                </span>
            </div>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        page.await
                            .map(|page| view! { <RepositoryGroups page filter selected non_empty=non_empty() /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn RepositoryGroups(
    page: RepositoryPage,
    filter: RwSignal<String>,
    selected: RwSignal<BTreeSet<String>>,
    non_empty: bool,
) -> impl IntoView {
    let s = strings();
    let next = page.next.clone();
    let has_previous = use_query_map().read_untracked().get("last").is_some_and(|l| !l.is_empty());
    let summaries: Vec<RepositorySummary> = if page.details.len() == page.repositories.len() {
        page.details
    } else {
        page.repositories.into_iter().map(|name| RepositorySummary { name, tag_count: 0 }).collect()
    };
    let empty = summaries.is_empty();
    let groups = move || {
        let needle = filter.get().to_lowercase();
        let mut groups: BTreeMap<String, Vec<RepositorySummary>> = BTreeMap::new();
        for repo in summaries.iter().filter(|r| r.name.to_lowercase().contains(&needle)) {
            groups.entry(namespace(&repo.name).to_owned()).or_default().push(repo.clone());
        }
        groups
    };
    let suffix = if non_empty { "&non_empty=1" } else { "" };
    view! {
        {empty.then(|| view! { <p class="empty-state">{s.repositories_empty}</p> })}
        <div class="groups">
            {move || {
                groups()
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
                                            <th class="select"></th>
                                            <th>{s.column_repository}</th>
                                            <th class="num">{s.column_tags}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {repos.into_iter().map(|repo| view! { <RepositoryRow repo selected /> }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }
                    })
                    .collect_view()
            }}
        </div>
        <nav class="pager" aria-label=s.pager_label>
            {has_previous.then(|| view! { <A href=format!("/?{}", suffix.trim_start_matches('&'))>{s.first_page}</A> })}
            {next.map(|next| view! { <A href=format!("/?last={next}{suffix}")>{s.next_page}</A> })}
        </nav>
    }
}

#[component]
fn RepositoryRow(repo: RepositorySummary, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
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
            <td class="select">
                <input type="checkbox" aria-label=format!("{} {}", s.select, name) prop:checked=checked on:change=toggle />
            </td>
            <td>
                <a href=format!("/repositories/{name}")>{name.clone()}</a>
            </td>
            <td class="num">{repo.tag_count}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::namespace;

    #[test]
    fn groups_by_first_path_component() {
        assert_eq!(namespace("x86/nginx"), "x86");
        assert_eq!(namespace("prod/team/api"), "prod");
        assert_eq!(namespace("nginx"), "");
    }
}
