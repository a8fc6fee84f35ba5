use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::state::apply_job_event;
use super::{StatusBadge, item_status_label, item_status_tone, job_href, kind_label};
use crate::api::jobs::{CancelJob, RetryJob, get_job};
use crate::model::{Job, JobItem, LogLine, Operation};
use crate::ui::components::{Badge, CopyButton, ErrorList, LocalTime, ProgressBar, TimeStyle, reason};
use crate::ui::format;
use crate::ui::live::{Flow, watch_job_events};
use crate::ui::session::{allows, use_session};
use crate::ui::strings::{fill, strings};

/// `/jobs/{id}`. A new id (after "Retry") mounts a new view, so the old stream closes.
#[component]
pub fn JobPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let id = params.read().get("id").unwrap_or_default();
        view! { <JobLoader id /> }
    }
}

#[component]
fn JobLoader(id: String) -> impl IntoView {
    let s = strings();
    let session = use_session();
    let job = crate::ui::resource::resource(move || id.clone(), get_job);
    view! {
        <section class="page">
            <p class="breadcrumb">
                <a href="/jobs">{s.jobs_title}</a>
            </p>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move {
                        let me = session.me().await;
                        let allowed = Permitted {
                            cancel: allows(me.as_ref(), Operation::CancelJob),
                            retry: allows(me.as_ref(), Operation::RetryJob),
                        };
                        job.await.map(|job| view! { <JobView initial=job allowed /> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// What the signed-in role may do with a job.
#[derive(Clone, Copy)]
struct Permitted {
    cancel: bool,
    retry: bool,
}

/// The job as the server rendered it, then kept current by its event stream until it finishes.
#[component]
fn JobView(initial: Job, allowed: Permitted) -> impl IntoView {
    let s = strings();
    let id = initial.summary.id.clone();
    let finished_at_start = initial.summary.status.is_finished();
    let job = RwSignal::new(initial);
    if !finished_at_start {
        watch_job_events(format!("/api/sync-jobs/{id}/events"), move |event| {
            job.update(|job| apply_job_event(job, event));
            if job.with_untracked(|job| job.summary.status.is_finished()) {
                Flow::Stop
            } else {
                Flow::Continue
            }
        });
    }

    let summary = move || job.with(|j| j.summary.clone());
    let status = Memo::new(move |_| job.with(|j| j.summary.status));
    let progress = Signal::derive(move || job.with(|j| j.summary.progress));
    // Memos, so a time is drawn again only when it changes, not with every progress event.
    let created_at = Memo::new(move |_| job.with(|j| j.summary.created_at.clone()));
    let started_at = Memo::new(move |_| job.with(|j| j.summary.started_at.clone()));
    let finished_at = Memo::new(move |_| job.with(|j| j.summary.finished_at.clone()));

    let cancel = ServerAction::<CancelJob>::new();
    let retry = ServerAction::<RetryJob>::new();
    super::open_started_job(move || retry.value().get());
    let failure = move || {
        let cancel = cancel.value().get().and_then(Result::err);
        let retry = retry.value().get().and_then(Result::err);
        cancel.or(retry).map(reason)
    };
    let (cancel_id, retry_id) = (id.clone(), id.clone());

    view! {
        <header class="page-header">
            <div>
                <h1>{move || kind_label(job.with(|j| j.summary.job_type))}</h1>
                <p class="route">
                    <code data-testid="job-source">{move || summary().source_image.to_string()}</code>
                    " → "
                    <code data-testid="job-target">{move || summary().target_image.to_string()}</code>
                </p>
            </div>
            <div class="page-actions">
                {action_button(
                    Signal::derive(move || allowed.cancel && !status.get().is_finished()),
                    "button danger",
                    s.job_cancel,
                    cancel.pending().into(),
                    Callback::new(move |()| { cancel.dispatch(CancelJob { id: cancel_id.clone() }); }),
                )}
                {action_button(
                    Signal::derive(move || allowed.retry && job.with(Job::can_retry)),
                    "button",
                    s.job_retry,
                    retry.pending().into(),
                    Callback::new(move |()| { retry.dispatch(RetryJob { id: retry_id.clone() }); }),
                )}
            </div>
        </header>
        {failure}
        <div class="card job-summary">
            <div class="job-status-line">
                {move || view! { <StatusBadge status=status.get() /> }}
                <ProgressBar progress label=s.column_progress />
            </div>
            {move || summary().error.map(|e| e.to_string()).map(|e| view! { <p class="reason" data-testid="job-error">{e}</p> })}
            <dl>
                <dt>{s.job_created}</dt>
                <dd>{move || view! { <LocalTime at=created_at.get() /> }}</dd>
                {move || started_at.get().map(|at| view! { <dt>{s.job_started}</dt><dd><LocalTime at /></dd> })}
                {move || finished_at.get().map(|at| view! { <dt>{s.job_finished}</dt><dd><LocalTime at /></dd> })}
                {move || summary().retry_of.map(|of| view! {
                    <dt>{s.job_retry_of}</dt>
                    <dd><a href=job_href(&of) data-testid="retry-of">{of.clone()}</a></dd>
                })}
            </dl>
        </div>
        <h2 class="section-title">{s.job_items}</h2>
        <ItemsTable job />
        <h2 class="section-title">{s.job_log}</h2>
        <LogView job />
    }
}

#[component]
fn ItemsTable(job: RwSignal<Job>) -> impl IntoView {
    let s = strings();
    let items = move || job.with(|j| j.items.iter().cloned().enumerate().collect::<Vec<_>>());
    view! {
        <Show when=move || job.with(|j| !j.items.is_empty()) fallback=move || view! { <p class="muted">{s.job_no_items}</p> }>
            <table class="table job-items" data-testid="job-items" aria-label=s.job_items>
                <thead>
                    <tr>
                        <th>{s.column_source}</th>
                        <th>{s.column_target}</th>
                        <th>{s.column_status}</th>
                        <th>{s.column_detail}</th>
                        <th>{s.column_digest}</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=items
                        key=|(index, item)| (*index, item.status, item.detail.clone(), item.digest.clone())
                        children=|(_, item)| view! { <ItemRow item /> }
                    />
                </tbody>
            </table>
        </Show>
    }
}

#[component]
fn ItemRow(item: JobItem) -> impl IntoView {
    let s = strings();
    let digest = item.digest.unwrap_or_default();
    view! {
        <tr data-item-status=item.status.as_str()>
            <td><code>{item.source}</code></td>
            <td><code>{item.target}</code></td>
            <td><Badge tone=item_status_tone(item.status) text=item_status_label(item.status) /></td>
            <td>{item.detail.map(|detail| detail.to_string())}</td>
            <td>
                {(!digest.is_empty()).then(|| view! {
                    <code title=digest.clone()>{format::short_digest(&digest)}</code>
                    <CopyButton text=digest.clone() label=s.copy_digest />
                })}
            </td>
        </tr>
    }
}

/// The log, appended live. It follows new lines while the reader is at its end; scrolling up
/// stops that until they scroll back down.
#[component]
fn LogView(job: RwSignal<Job>) -> impl IntoView {
    let s = strings();
    let container = NodeRef::<leptos::html::Div>::new();
    let follow = StoredValue::new(true);
    let on_scroll = move |_| {
        if let Some(el) = container.get_untracked() {
            // A few pixels of slack: fractional scroll positions never quite reach the end.
            follow.set_value(el.scroll_top() + el.client_height() >= el.scroll_height() - 8);
        }
    };
    let line_count = Memo::new(move |_| job.with(|j| j.logs.len()));
    Effect::new(move |_| {
        line_count.track();
        if follow.get_value() {
            // After the new lines are in the DOM.
            request_animation_frame(move || {
                if let Some(el) = container.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });
    let dropped = move || job.with(|j| j.logs_dropped);
    view! {
        {move || (dropped() > 0).then(|| view! { <p class="muted">{fill(s.job_log_dropped, &[&dropped()])}</p> })}
        <div class="log" node_ref=container on:scroll=on_scroll data-testid="job-log" role="log" aria-label=s.job_log>
            <Show when=move || job.with(|j| !j.logs.is_empty()) fallback=move || view! { <p class="muted">{s.job_no_log}</p> }>
                <ol>
                    <For each=move || job.with(|j| j.logs.clone()) key=|line| line.seq children=|line| view! { <LogRow line /> } />
                </ol>
            </Show>
        </div>
    }
}

#[component]
fn LogRow(line: LogLine) -> impl IntoView {
    view! {
        <li class=format!("log-line log-{}", line.level.as_str()) data-seq=line.seq.to_string()>
            <LocalTime at=line.at style=TimeStyle::Clock />
            " "
            <span class="log-level">{line.level.as_str()}</span>
            " "
            <span class="log-message">{line.message.to_string()}</span>
        </li>
    }
}

/// A header button shown while `shown`, disabled while its action is `pending`.
fn action_button(
    shown: Signal<bool>,
    class: &'static str,
    label: &'static str,
    pending: Signal<bool>,
    run: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || shown.get()>
            <button type="button" class=class disabled=move || pending.get() on:click=move |_| run.run(())>
                {label}
            </button>
        </Show>
    }
}
