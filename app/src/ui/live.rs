//! Live job updates in the browser: an `EventSource` on one of the server's SSE routes
//! (`/api/sync-jobs/events`, `/api/sync-jobs/{id}/events`), decoded into [`JobEvent`]s.
//!
//! Opened after hydration (in an effect, so never on the server) and closed when the component
//! that opened it unmounts, or as soon as the caller says nothing more will come: the server ends
//! a finished job's stream, and an `EventSource` left open would reconnect and replay it forever.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

use std::collections::HashSet;

use crate::model::{JobEvent, JobKind, JobSummary};

/// What the caller wants after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Close the stream: the job has finished.
    Stop,
}

/// Opens `url` once the page is live and hands every decoded event to `on_event`.
/// Events that do not decode are skipped (a newer server may add kinds).
pub fn watch_job_events(url: String, on_event: impl FnMut(JobEvent) -> Flow + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let open = StoredValue::new_local(None::<browser::Stream>);
        // Cleanups run before the owner's stored values are dropped, so the stream is still there.
        on_cleanup(move || {
            let _ = open.try_update_value(|stream| stream.take());
        });
        let mut pending = Some((url, on_event));
        Effect::new(move |_| {
            if let Some((url, on_event)) = pending.take() {
                open.set_value(browser::Stream::open(&url, on_event));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, on_event);
}

/// Tells, from the job list's stream, when a job of some kinds has just finished: one seen
/// queued or running before. A job that had already finished when the stream opened (the
/// stream's backlog) is not news: the view was read after it.
#[derive(Debug, Default)]
pub struct FinishWatch {
    unfinished: HashSet<String>,
}

impl FinishWatch {
    /// Whether `summary` is the end of a job of one of `kinds` this watch saw unfinished.
    pub fn just_finished(&mut self, summary: &JobSummary, kinds: &[JobKind]) -> bool {
        if !kinds.contains(&summary.job_type) {
            return false;
        }
        if summary.status.is_finished() {
            self.unfinished.remove(&summary.id)
        } else {
            self.unfinished.insert(summary.id.clone());
            false
        }
    }
}

/// Runs `refresh` whenever a job of one of `kinds` finishes while the calling view is shown
/// (a job started here, in another tab, or by a script): the view reads its data again.
pub fn refresh_when_jobs_finish(kinds: &'static [JobKind], refresh: impl Fn() + 'static) {
    let mut watch = FinishWatch::default();
    watch_job_events("/api/sync-jobs/events".to_owned(), move |event| {
        if let JobEvent::Summary { summary } = event
            && watch.just_finished(&summary, kinds)
        {
            refresh();
        }
        Flow::Continue
    });
}

#[cfg(test)]
mod tests {
    use super::FinishWatch;
    use crate::model::{JobKind, JobStatus, JobSummary};

    const KINDS: &[JobKind] = &[JobKind::RemotePrefix, JobKind::RepositoryDelete];

    fn summary(id: &str, kind: JobKind, status: JobStatus) -> JobSummary {
        JobSummary::example(id, kind, status)
    }

    #[test]
    fn a_watched_kind_seen_running_then_finished_refreshes_once() {
        let mut watch = FinishWatch::default();
        assert!(!watch.just_finished(&summary("a", JobKind::RemotePrefix, JobStatus::Queued), KINDS));
        assert!(!watch.just_finished(&summary("a", JobKind::RemotePrefix, JobStatus::Running), KINDS));
        assert!(watch.just_finished(&summary("a", JobKind::RemotePrefix, JobStatus::Partial), KINDS));
        // The same end again (a reconnect replays the backlog) is not news.
        assert!(!watch.just_finished(&summary("a", JobKind::RemotePrefix, JobStatus::Partial), KINDS));
    }

    #[test]
    fn other_kinds_and_jobs_finished_before_the_view_opened_do_not_refresh() {
        let mut watch = FinishWatch::default();
        assert!(
            !watch.just_finished(&summary("old", JobKind::RepositoryDelete, JobStatus::Succeeded), KINDS)
        );
        assert!(!watch.just_finished(&summary("l", JobKind::LocalPush, JobStatus::Running), KINDS));
        assert!(!watch.just_finished(&summary("l", JobKind::LocalPush, JobStatus::Succeeded), KINDS));
        assert!(!watch.just_finished(&summary("f", JobKind::RepositoryDelete, JobStatus::Running), KINDS));
        assert!(watch.just_finished(&summary("f", JobKind::RepositoryDelete, JobStatus::Failed), KINDS));
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::wasm_bindgen::JsCast as _;
    use leptos::wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::Flow;
    use crate::model::JobEvent;

    /// The SSE event names the job streams send (`JobEvent::name`).
    const EVENT_NAMES: [&str; 4] = ["snapshot", "log", "item", "summary"];

    /// An open `EventSource` and its listeners; dropping it closes the connection.
    pub struct Stream {
        source: EventSource,
        _listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    }

    impl Stream {
        pub fn open(url: &str, on_event: impl FnMut(JobEvent) -> Flow + 'static) -> Option<Self> {
            let source = EventSource::new(url).ok()?;
            let on_event = Rc::new(RefCell::new(on_event));
            let listeners = EVENT_NAMES
                .iter()
                .map(|name| {
                    let (this, on_event) = (source.clone(), on_event.clone());
                    let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                        let Some(data) = message.data().as_string() else { return };
                        let Ok(event) = serde_json::from_slice::<JobEvent>(data.as_bytes()) else { return };
                        if (on_event.borrow_mut())(event) == Flow::Stop {
                            this.close();
                        }
                    });
                    let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
                    listener
                })
                .collect();
            Some(Self { source, _listeners: listeners })
        }
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }
}
