//! `/storage`: what the registry's tagged content takes, dedup-aware: the total, the top
//! repositories as a bar chart (SVG drawn here: bars and labels need no chart library), and every
//! repository in a table sortable by link (`?sort=`), so it works before hydration. The figures
//! come from a `storage-scan` job: while one runs its progress is shown live, and "Rescan"
//! starts one (operators). Empty repositories are listed, with "Remove" where this server has the
//! registry's storage (admins). Admins get "Reclaim space" below it (`storage_gc.rs`).
//!
//! The server answers `get_storage` at once (kept figures, or `complete: false` and the scan's
//! id), so rendering this page on the server never waits for a scan.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::PageHeader;
use super::jobs::job_href;
use super::storage_gc::ReclaimSpace;
use crate::api::jobs::start_storage_scan;
use crate::api::registry::{RemoveEmptyRepository, get_storage};
use crate::api::status::get_ui_config;
use crate::model::{JobEvent, JobSummary, Operation, RepositoryUsage, StorageUsage};
use crate::ui::components::{ErrorList, ProgressBar, reason};
use crate::ui::format;
use crate::ui::live::{Flow, watch_job_events};
use crate::ui::session::{Allowed, use_session};
use crate::ui::strings::{fill, strings};

/// Repositories drawn in the chart.
const CHART_BARS: usize = 10;

/// How the table is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sort {
    Unique,
    Shared,
    Tags,
    Name,
}

impl Sort {
    const ALL: [Sort; 4] = [Sort::Name, Sort::Unique, Sort::Shared, Sort::Tags];

    fn as_str(self) -> &'static str {
        match self {
            Sort::Unique => "unique",
            Sort::Shared => "shared",
            Sort::Tags => "tags",
            Sort::Name => "name",
        }
    }

    /// The `?sort=` value; largest "freed if deleted" first otherwise.
    fn parse(value: Option<&str>) -> Sort {
        Sort::ALL.into_iter().find(|s| Some(s.as_str()) == value).unwrap_or(Sort::Unique)
    }

    fn href(self) -> String {
        format!("/storage?sort={}", self.as_str())
    }
}

/// Largest first (by name within equals), except by name: A–Z.
fn sorted(mut rows: Vec<RepositoryUsage>, sort: Sort) -> Vec<RepositoryUsage> {
    match sort {
        Sort::Name => rows.sort_by(|a, b| a.name.cmp(&b.name)),
        Sort::Unique => rows.sort_by(|a, b| b.unique_bytes.cmp(&a.unique_bytes).then(a.name.cmp(&b.name))),
        Sort::Shared => rows.sort_by(|a, b| b.shared_bytes.cmp(&a.shared_bytes).then(a.name.cmp(&b.name))),
        Sort::Tags => rows.sort_by(|a, b| b.tag_count.cmp(&a.tag_count).then(a.name.cmp(&b.name))),
    }
    rows
}

#[component]
pub fn StoragePage() -> impl IntoView {
    let s = strings();
    let query = use_query_map();
    let sort = Memo::new(move |_| Sort::parse(query.read().get("sort").as_deref()));
    // Bumped when a scan ends or an empty repository is removed: the figures are read again.
    let version = RwSignal::new(0u32);
    let usage = crate::ui::resource::resource(move || version.get(), |_| get_storage());
    // Created with the page (not inside the figures' Suspend), so the server and the browser
    // create and hydrate it in the same order.
    let ui = crate::ui::resource::resource(|| (), |_| get_ui_config());
    let session = use_session();
    let rescan = Action::new(|(): &()| start_storage_scan());
    Effect::new(move |_| {
        if let Some(Ok(_)) = rescan.value().get() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="page">
            <PageHeader title=s.storage_title intro=s.storage_intro />
            <Allowed op=Operation::StartStorageScan>
                <div class="toolbar">
                    <button
                        type="button"
                        class="button secondary"
                        data-testid="storage-rescan"
                        disabled=move || rescan.pending().get()
                        on:click=move |_| {
                            rescan.dispatch(());
                        }
                    >
                        {s.storage_rescan}
                    </button>
                    {move || rescan.value().get().and_then(Result::err).map(reason)}
                </div>
            </Allowed>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || {
                        let sort = sort.get();
                        Suspend::new(async move {
                            let removal = Removal {
                                may: session.can(Operation::RemoveEmptyRepository).await,
                                can: ui.await.map(|c| c.can_remove_empty_repositories).unwrap_or(false),
                            };
                            usage.await.map(|usage| view! { <StorageView usage sort version removal /> })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
            <ReclaimSpace />
        </section>
    }
}

/// A running scan, followed live; when it ends the figures are read again (`version`).
#[component]
fn ScanProgress(id: String, version: RwSignal<u32>) -> impl IntoView {
    let s = strings();
    let summary = RwSignal::new(None::<JobSummary>);
    watch_job_events(format!("/api/sync-jobs/{id}/events"), move |event| {
        let latest = match event {
            JobEvent::Snapshot { job } => job.summary,
            JobEvent::Summary { summary: latest } => latest,
            JobEvent::Item { .. } | JobEvent::Log { .. } => return Flow::Continue,
        };
        let finished = latest.status.is_finished();
        summary.set(Some(latest));
        if finished {
            version.update(|v| *v += 1);
            Flow::Stop
        } else {
            Flow::Continue
        }
    });
    let progress = Signal::derive(move || summary.get().map(|s| s.progress).unwrap_or_default());
    view! {
        <div class="notice scan-progress" role="status" data-testid="storage-scan">
            <p>{s.storage_scanning} " " <a href=job_href(&id)>{s.storage_scan_job}</a></p>
            <ProgressBar progress label=s.storage_scanning />
        </div>
    }
}

/// Whether empty repositories can be removed here: the role may (`may`) and this server has the
/// registry's storage (`can`).
#[derive(Clone, Copy, Debug)]
struct Removal {
    may: bool,
    can: bool,
}

#[component]
fn StorageView(usage: StorageUsage, sort: Sort, version: RwSignal<u32>, removal: Removal) -> impl IntoView {
    let s = strings();
    let scan = usage.scan_job_id.clone().map(|id| view! { <ScanProgress id version /> });
    let empty_repositories = usage.empty_repositories.clone();
    let empty_section = (!empty_repositories.is_empty())
        .then(|| view! { <EmptyRepositories names=empty_repositories version removal /> });
    if !usage.computed() {
        // Nothing scanned yet: the scan under way, or why there is none.
        let missing =
            usage.scan_job_id.is_none().then(|| view! { <p class="empty-state">{s.storage_not_scanned}</p> });
        return view! { {scan} {missing} }.into_any();
    }
    let total = format::bytes(usage.total_unique_bytes);
    let errors = usage.errors.clone();
    let chart = (!usage.repositories.is_empty()).then(|| view! { <Chart rows=usage.repositories.clone() /> });
    let rows = sorted(usage.repositories, sort);
    let empty = rows.is_empty();
    let header = move |label: &'static str, by: Sort, numeric: bool| {
        let current = (by == sort).then_some("true");
        view! {
            <th class:num=numeric aria-sort=current.map(|_| if by == Sort::Name { "ascending" } else { "descending" })>
                <a href=by.href() aria-current=current>{label}</a>
            </th>
        }
    };
    view! {
        {scan}
        <p class="storage-total" data-testid="storage-total">
            <strong>{fill(s.storage_total, &[&total])}</strong>
            " "
            <span class="muted">{fill(s.storage_computed_at, &[&format::created(&usage.computed_at)])}</span>
        </p>
        {(!usage.complete).then(|| view! {
            <div class="error-box" role="alert">
                <strong>{s.storage_incomplete}</strong>
                <ul>{errors.into_iter().map(|(name, error)| view! { <li><code>{name}</code>": "{error.to_string()}</li> }).collect_view()}</ul>
            </div>
        })}
        {chart}
        {if empty {
            view! { <p class="empty-state">{s.storage_empty}</p> }.into_any()
        } else {
            view! {
                <table class="table storage" aria-label=s.storage_table_label data-testid="storage">
                    <thead>
                        <tr>
                            {header(s.column_repository, Sort::Name, false)}
                            {header(s.column_unique_bytes, Sort::Unique, true)}
                            {header(s.column_shared_bytes, Sort::Shared, true)}
                            {header(s.column_tags, Sort::Tags, true)}
                        </tr>
                    </thead>
                    <tbody>
                        {rows.into_iter().map(|row| {
                            let href = format!("/repositories/{}", row.name);
                            let key = row.name.clone();
                            view! {
                                <tr data-repository=key>
                                    <td><a href=href>{row.name}</a></td>
                                    <td class="num">{format::bytes(row.unique_bytes)}</td>
                                    <td class="num">{format::bytes(row.shared_bytes)}</td>
                                    <td class="num">{row.tag_count}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }}
        {empty_section}
    }
    .into_any()
}

/// Repositories with no tag left; "Remove" where this server has the registry's storage and the
/// role may remove them.
#[component]
fn EmptyRepositories(names: Vec<String>, version: RwSignal<u32>, removal: Removal) -> impl IntoView {
    let s = strings();
    let remove = ServerAction::<RemoveEmptyRepository>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = remove.value().get() {
            version.update(|v| *v += 1);
        }
    });
    let removable = removal.may && removal.can;
    view! {
        <section class="card" aria-label=s.storage_empty_title data-testid="empty-repositories">
            <h2>{s.storage_empty_title}</h2>
            <p class="muted">{s.storage_empty_intro}</p>
            {move || remove.value().get().and_then(Result::err).map(reason)}
            <ul class="empty-repositories">
                {names.into_iter().map(|name| {
                    let label = format!("{} {name}", s.storage_remove_empty);
                    let target = name.clone();
                    view! {
                        <li data-repository=name.clone()>
                            <code>{name.clone()}</code>
                            {removable.then(|| view! {
                                " "
                                <button
                                    type="button"
                                    class="button small danger"
                                    aria-label=label
                                    disabled=move || remove.pending().get()
                                    on:click=move |_| {
                                        remove.dispatch(RemoveEmptyRepository { repository: target.clone() });
                                    }
                                >
                                    {s.storage_remove_empty}
                                </button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!removal.can).then(|| view! { <p class="muted">{s.storage_empty_not_removable}</p> })}
        </section>
    }
}

/// The top repositories by bytes only they hold, as horizontal bars (unique, then shared), each
/// labelled and linked to its repository.
#[component]
fn Chart(rows: Vec<RepositoryUsage>) -> impl IntoView {
    let s = strings();
    const LABEL_W: u64 = 220;
    const BAR_W: u64 = 420;
    const ROW_H: u64 = 24;
    const VALUE_W: u64 = 160;
    let top: Vec<RepositoryUsage> = sorted(rows, Sort::Unique).into_iter().take(CHART_BARS).collect();
    let widest = top.iter().map(|r| r.unique_bytes + r.shared_bytes).max().unwrap_or(0).max(1);
    let height = ROW_H * top.len() as u64 + 8;
    let width = LABEL_W + BAR_W + VALUE_W;
    let bars = top
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let y = i as u64 * ROW_H + 4;
            let unique_w = row.unique_bytes * BAR_W / widest;
            let shared_w = row.shared_bytes * BAR_W / widest;
            let name = row.name.clone();
            let value = format::bytes(row.unique_bytes);
            let title = format!(
                "{}: {} {}, {} {}",
                row.name,
                format::bytes(row.unique_bytes),
                s.column_unique_bytes,
                format::bytes(row.shared_bytes),
                s.column_shared_bytes
            );
            view! {
                <a href=format!("/repositories/{}", row.name)>
                    <g>
                        <title>{title}</title>
                        <text x=LABEL_W - 8 y=y + 16 text-anchor="end" class="chart-label">{name}</text>
                        <rect x=LABEL_W y=y + 3 width=unique_w height=ROW_H - 8 class="bar-unique" fill="#2f6fdb" />
                        <rect x=LABEL_W + unique_w y=y + 3 width=shared_w height=ROW_H - 8 class="bar-shared" fill="#9db7e6" />
                        <text x=LABEL_W + unique_w + shared_w + 6 y=y + 16 class="chart-value">{value}</text>
                    </g>
                </a>
            }
        })
        .collect_view();
    view! {
        <figure class="storage-chart">
            <svg viewBox=format!("0 0 {width} {height}") width="100%" role="group" aria-label=s.storage_chart_label font-size="12">
                {bars}
            </svg>
            <figcaption class="muted">{s.storage_chart_caption}</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, unique: u64, shared: u64, tags: usize) -> RepositoryUsage {
        RepositoryUsage { name: name.into(), unique_bytes: unique, shared_bytes: shared, tag_count: tags }
    }

    #[test]
    fn sorting_by_link_and_largest_first() {
        let rows = vec![row("b", 10, 5, 1), row("a", 10, 50, 3), row("c", 30, 0, 2)];
        let names = |sort| sorted(rows.clone(), sort).into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(Sort::Unique), ["c", "a", "b"]);
        assert_eq!(names(Sort::Shared), ["a", "b", "c"]);
        assert_eq!(names(Sort::Tags), ["a", "c", "b"]);
        assert_eq!(names(Sort::Name), ["a", "b", "c"]);
        assert_eq!(Sort::parse(Some("shared")), Sort::Shared);
        assert_eq!(Sort::parse(Some("nonsense")), Sort::Unique);
        assert_eq!(Sort::parse(None), Sort::Unique);
        assert_eq!(Sort::Tags.href(), "/storage?sort=tags");
    }
}
