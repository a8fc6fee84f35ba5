//! "Reclaim space" on the Storage page (admins): a garbage collection dry run shows what would go
//! and the bytes it frees; a confirmation in a modal dialog then starts the real job and opens it.
//! For a registry this server cannot operate, the panel says what to run on the registry's host
//! and why, instead.

use leptos::prelude::*;

use super::jobs::{job_href, open_started_job};
use crate::api::jobs::{StartGc, start_gc};
use crate::api::status::get_status;
use crate::model::{GcRequest, JobEvent, JobItem, JobStatus, JobSummary, Operation};
use crate::ui::components::{ConfirmActions, Dialog, checkbox, reason};
use crate::ui::format;
use crate::ui::live::{Flow, watch_job_events};
use crate::ui::session::Allowed;
use crate::ui::strings::{fill, strings};

/// The panel, for those who may start a garbage collection.
#[component]
pub fn ReclaimSpace() -> impl IntoView {
    view! {
        <Allowed op=Operation::StartGc>
            <GcPanel />
        </Allowed>
    }
}

#[component]
fn GcPanel() -> impl IntoView {
    let s = strings();
    let status = crate::ui::resource::resource(|| (), |_| get_status());
    view! {
        <section class="card gc" aria-label=s.gc_title data-testid="reclaim-space">
            <h2>{s.gc_title}</h2>
            <p class="muted">{s.gc_intro}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(health) if health.gc_available => {
                            let confirm_text = confirm_text(&health.gc_method);
                            view! { <GcActions confirm_text /> }.into_any()
                        }
                        Ok(_) => view! { <GcManual /> }.into_any(),
                        Err(error) => reason(error).into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// What to run on the registry's host, and why.
#[component]
fn GcManual() -> impl IntoView {
    let s = strings();
    view! {
        <div data-testid="gc-manual">
            <h3>{s.gc_manual_title}</h3>
            <p>{s.gc_manual_intro}</p>
            <pre><code>"registry garbage-collect --dry-run /etc/docker/registry/config.yml\nregistry garbage-collect /etc/docker/registry/config.yml"</code></pre>
            <p>{s.gc_manual_why}</p>
            <p class="muted">{s.gc_manual_embedded}</p>
        </div>
    }
}

/// What the confirmation says happens to the registry during the sweep, by how this server
/// collects its garbage (`gc_method`).
fn confirm_text(method: &str) -> &'static str {
    let s = strings();
    match method {
        "container" => s.gc_confirm_text_container,
        "host" => s.gc_confirm_text_host,
        _ => s.gc_confirm_text,
    }
}

/// The dry run, its result, and the confirmation.
#[component]
fn GcActions(
    /// What happens to the registry during the sweep, in the confirmation.
    confirm_text: &'static str,
) -> impl IntoView {
    let s = strings();
    let delete_untagged = RwSignal::new(false);
    let dry_run = Action::new(move |untagged: &bool| {
        let request = GcRequest { dry_run: true, delete_untagged: *untagged };
        async move { start_gc(request).await }
    });
    let preview = move || {
        dry_run.value().get().map(|started| match started {
            Ok(job) => view! {
                <DryRun
                    job
                    delete_untagged=dry_run.input().get().unwrap_or_default()
                    confirm_text
                />
            }
            .into_any(),
            Err(error) => {
                view! { <p class="reason" role="alert">{s.gc_failed} " " {error.to_string()}</p> }.into_any()
            }
        })
    };
    view! {
        {checkbox(s.gc_delete_untagged, delete_untagged)}
        <div class="actions">
            <button
                type="button"
                class="button"
                disabled=move || dry_run.pending().get()
                on:click=move |_| {
                    dry_run.dispatch(delete_untagged.get_untracked());
                }
            >
                {s.gc_preview}
            </button>
        </div>
        <Show when=move || dry_run.pending().get()>
            <p class="muted">{s.gc_previewing}</p>
        </Show>
        {preview}
    }
}

/// A dry run job, followed live until it ends; then what it found and "Run garbage collection".
#[component]
fn DryRun(job: JobSummary, delete_untagged: bool, confirm_text: &'static str) -> impl IntoView {
    let s = strings();
    let id = job.id.clone();
    let summary = RwSignal::new(job);
    let items = RwSignal::new(Vec::<JobItem>::new());
    watch_job_events(format!("/api/sync-jobs/{id}/events"), move |event| {
        match event {
            JobEvent::Snapshot { job } => {
                items.set(job.items);
                summary.set(job.summary);
            }
            JobEvent::Item { index, item, .. } => items.update(|items| {
                if index >= items.len() {
                    items.resize(index + 1, item.clone());
                }
                items[index] = item;
            }),
            JobEvent::Summary { summary: latest } => summary.set(latest),
            JobEvent::Log { .. } => {}
        }
        if summary.get_untracked().status.is_finished() { Flow::Stop } else { Flow::Continue }
    });
    // (blobs, manifests) the dry run lists, from its items' details.
    let counts = move || {
        items.with(|items| {
            let blobs = items.iter().filter(|i| i.target == crate::model::GC_ITEM_BLOB).count();
            (blobs, items.len() - blobs)
        })
    };
    let confirming = RwSignal::new(false);
    let start = ServerAction::<StartGc>::new();
    open_started_job(move || start.value().get());
    let href = job_href(&id);
    view! {
        {move || {
            let current = summary.get();
            let (blobs, manifests) = counts();
            match current.status {
                JobStatus::Queued | JobStatus::Running => view! { <p class="muted">{s.gc_previewing}</p> }.into_any(),
                JobStatus::Succeeded if current.total_items == 0 => {
                    view! { <p data-testid="gc-preview">{s.gc_nothing}</p> }.into_any()
                }
                JobStatus::Succeeded => {
                    let bytes = format::bytes(current.progress.bytes_total);
                    view! {
                        <p data-testid="gc-preview">
                            <strong>{fill(s.gc_would_free, &[&bytes, &blobs, &manifests])}</strong>
                        </p>
                        <div class="actions">
                            <button type="button" class="button danger" on:click=move |_| confirming.set(true)>
                                {s.gc_confirm}"…"
                            </button>
                        </div>
                    }
                    .into_any()
                }
                _ => view! {
                    <p class="reason" role="alert">{s.gc_failed} " " {current.error.map(|e| e.to_string()).unwrap_or_default()}</p>
                }
                .into_any(),
            }
        }}
        <p><a href=href>{s.gc_dry_run_job}</a></p>
        <Show when=move || confirming.get()>
            <Dialog title=s.gc_confirm_title on_close=move || confirming.set(false)>
                <p>{confirm_text}</p>
                {move || start.value().get().and_then(Result::err).map(reason)}
                <ConfirmActions
                    label=s.gc_confirm
                    busy=start.pending()
                    on_confirm=Callback::new(move |()| {
                        start.dispatch(StartGc { request: GcRequest { dry_run: false, delete_untagged } });
                    })
                    on_cancel=Callback::new(move |()| confirming.set(false))
                />
            </Dialog>
        </Show>
    }
}
