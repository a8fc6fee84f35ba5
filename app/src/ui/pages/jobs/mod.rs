//! `/jobs` (the live list and the sync form) and `/jobs/{id}` (one job, live).

mod job;
pub mod state;
mod sync_form;

pub use job::JobPage;

use leptos::prelude::*;

use super::PageHeader;
use crate::api::jobs::list_jobs;
use crate::model::{ItemStatus, JobKind, JobStatus, JobSummary, Operation};
use crate::ui::components::{Badge, ErrorList, LocalTime, ProgressBar, Tone};
use crate::ui::live::{Flow, watch_job_summaries};
use crate::ui::session::Allowed;
use crate::ui::strings::strings;
use state::upsert_summary;
use sync_form::SyncForm;

/// Where a job is shown.
pub fn job_href(id: &str) -> String {
    format!("/jobs/{id}")
}

/// Opens the job a server action started, once it has.
pub(crate) fn open_started_job(
    started: impl Fn() -> Option<Result<crate::model::JobSummary, crate::model::AppError>> + 'static,
) {
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(job)) = started() {
            navigate(&job_href(&job.id), Default::default());
        }
    });
}

pub fn kind_label(kind: JobKind) -> &'static str {
    let s = strings();
    match kind {
        JobKind::Sync => s.kind_sync,
        JobKind::RemotePrefix => s.kind_remote_prefix,
        JobKind::RepositoryDelete => s.kind_repository_delete,
        JobKind::LocalPush => s.kind_local_push,
        JobKind::LocalDelete => s.kind_local_delete,
        JobKind::Merge => s.kind_merge,
        JobKind::Split => s.kind_split,
        JobKind::Retention => s.kind_retention,
        JobKind::Gc => s.kind_gc,
        JobKind::StorageScan => s.kind_storage_scan,
    }
}

fn status_label(status: JobStatus) -> &'static str {
    let s = strings();
    match status {
        JobStatus::Queued => s.status_queued,
        JobStatus::Running => s.status_running,
        JobStatus::Succeeded => s.status_succeeded,
        JobStatus::Partial => s.status_partial,
        JobStatus::Failed => s.status_failed,
        JobStatus::Cancelled => s.status_cancelled,
        JobStatus::Interrupted => s.status_interrupted,
    }
}

fn status_tone(status: JobStatus) -> Tone {
    match status {
        JobStatus::Queued | JobStatus::Running => Tone::Busy,
        JobStatus::Succeeded => Tone::Ok,
        JobStatus::Failed => Tone::Bad,
        JobStatus::Partial | JobStatus::Cancelled | JobStatus::Interrupted => Tone::Warn,
    }
}

fn item_status_label(status: ItemStatus) -> &'static str {
    let s = strings();
    match status {
        ItemStatus::Pending => s.status_pending,
        ItemStatus::Running => s.status_running,
        ItemStatus::Succeeded => s.status_succeeded,
        ItemStatus::Skipped => s.status_skipped,
        ItemStatus::Failed => s.status_failed,
        ItemStatus::Cancelled => s.status_cancelled,
    }
}

fn item_status_tone(status: ItemStatus) -> Tone {
    match status {
        ItemStatus::Pending | ItemStatus::Running => Tone::Busy,
        ItemStatus::Succeeded => Tone::Ok,
        ItemStatus::Failed => Tone::Bad,
        ItemStatus::Skipped | ItemStatus::Cancelled => Tone::Warn,
    }
}

/// A job's status as a badge; `data-status` carries the machine value for scripts and tests.
#[component]
fn StatusBadge(status: JobStatus) -> impl IntoView {
    view! {
        <span class="status" data-testid="job-status" data-status=status.as_str()>
            <Badge tone=status_tone(status) text=status_label(status) />
        </span>
    }
}

/// The jobs page: the sync form, then every recent job, updated live.
#[component]
pub fn JobsPage() -> impl IntoView {
    let s = strings();
    let jobs = crate::ui::resource::resource(|| (), |_| list_jobs(None));
    view! {
        <section class="page">
            <PageHeader title=s.jobs_title intro=s.jobs_intro />
            // A viewer sees no sync form at all (not even its preview): it could only start jobs.
            <Allowed op=Operation::StartSync>
                <SyncForm />
            </Allowed>
            <div class="section-heading">
                <h2 class="section-title">{s.jobs_list_label}</h2>
                <button type="button" class="button secondary small" on:click=move |_| jobs.refetch()>
                    {s.refresh}
                </button>
            </div>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move { jobs.await.map(|list| view! { <JobTable initial=list.jobs /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// The list as the server rendered it, then kept current by `/api/sync-jobs/events`.
#[component]
fn JobTable(initial: Vec<JobSummary>) -> impl IntoView {
    let s = strings();
    let rows = RwSignal::new(initial);
    watch_job_summaries("/api/sync-jobs/events".to_owned(), move |summary| {
        rows.update(|rows| upsert_summary(rows, summary));
        Flow::Continue
    });
    view! {
        <Show when=move || !rows.read().is_empty() fallback=move || view! { <p class="empty-state">{s.jobs_empty}</p> }>
            <table class="table jobs" data-testid="jobs-list" aria-label=s.jobs_list_label>
                <thead>
                    <tr>
                        <th>{s.column_kind}</th>
                        <th>{s.column_status}</th>
                        <th>{s.column_source_target}</th>
                        <th>{s.column_progress}</th>
                        <th>{s.column_created}</th>
                    </tr>
                </thead>
                <tbody>
                    // Keyed on what changes, so a row is redrawn when its job moves on.
                    <For
                        each=move || rows.get()
                        key=|job| {
                            let p = job.progress;
                            (job.id.clone(), job.status, p.items_done, p.items_total, p.bytes_done, p.bytes_total)
                        }
                        children=|job| view! { <JobRow job /> }
                    />
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn JobRow(job: JobSummary) -> impl IntoView {
    let s = strings();
    let href = job_href(&job.id);
    let progress = job.progress;
    view! {
        <tr data-testid="job-row" data-job-id=job.id.clone()>
            <td>
                <a href=href>{kind_label(job.job_type)}</a>
            </td>
            <td>
                <StatusBadge status=job.status />
            </td>
            <td class="route">
                <code>{job.source_image.to_string()}</code>
                " → "
                <code>{job.target_image.to_string()}</code>
            </td>
            <td>
                <ProgressBar progress=Signal::stored(progress) label=s.column_progress />
            </td>
            <td><LocalTime at=job.created_at /></td>
        </tr>
    }
}
