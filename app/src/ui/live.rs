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
    watch(url, &EVENT_NAMES, decode_job_event, on_event);
}

/// Opens the job list's stream (`/api/sync-jobs/events`, which sends only `summary` events) once
/// the page is live and hands every job summary to `on_summary`. Only `summary` events are read,
/// so a page that shows lists does not carry the decoder of a whole job (`snapshot`).
pub fn watch_job_summaries(url: String, on_summary: impl FnMut(JobSummary) -> Flow + 'static) {
    watch(url, &["summary"], decode_summary, on_summary);
}

/// The SSE event names the job streams send (`JobEvent::name`).
const EVENT_NAMES: [&str; 4] = ["snapshot", "log", "item", "summary"];

/// One event's `data:` (a JSON [`JobEvent`]) read by its SSE name. Each variant's fields are read
/// straight into their type: `JobEvent`'s own `Deserialize`, an internally tagged enum, buffers
/// the whole event before reading it, and that generic buffering was most of the WASM that
/// decodes events. The `type` field repeats the name and is ignored.
fn decode_job_event(name: &str, data: &[u8]) -> Option<JobEvent> {
    use crate::model::{Job, JobItem, LogLine};
    #[derive(serde::Deserialize)]
    struct Snapshot {
        job: Box<Job>,
    }
    #[derive(serde::Deserialize)]
    struct Log {
        job_id: String,
        line: LogLine,
    }
    #[derive(serde::Deserialize)]
    struct Item {
        job_id: String,
        index: usize,
        item: JobItem,
    }
    Some(match name {
        "snapshot" => JobEvent::Snapshot { job: serde_json::from_slice::<Snapshot>(data).ok()?.job },
        "log" => {
            let Log { job_id, line } = serde_json::from_slice(data).ok()?;
            JobEvent::Log { job_id, line }
        }
        "item" => {
            let Item { job_id, index, item } = serde_json::from_slice(data).ok()?;
            JobEvent::Item { job_id, index, item }
        }
        "summary" => JobEvent::Summary { summary: decode_summary(name, data)? },
        _ => return None,
    })
}

/// A `summary` event's job summary.
fn decode_summary(name: &str, data: &[u8]) -> Option<JobSummary> {
    #[derive(serde::Deserialize)]
    struct Summary {
        summary: JobSummary,
    }
    (name == "summary").then(|| serde_json::from_slice::<Summary>(data).ok()).flatten().map(|s| s.summary)
}

/// Opens `url` once the page is live, listens to the events `names`, decodes each with `decode`
/// and hands it to `on_event`.
fn watch<T: 'static>(
    url: String,
    names: &'static [&'static str],
    decode: fn(&str, &[u8]) -> Option<T>,
    on_event: impl FnMut(T) -> Flow + 'static,
) {
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
                open.set_value(browser::Stream::open(&url, names, decode, on_event));
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, names, decode, on_event);
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
    watch_job_summaries("/api/sync-jobs/events".to_owned(), move |summary| {
        if watch.just_finished(&summary, kinds) {
            refresh();
        }
        Flow::Continue
    });
}

#[cfg(test)]
mod tests {
    use super::{EVENT_NAMES, FinishWatch, decode_job_event, decode_summary};
    use crate::model::{
        Job, JobEvent, JobItem, JobKind, JobRequest, JobStatus, JobSummary, LogLevel, LogLine, Message,
        StorageScanRequest,
    };

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

    /// Every event the server sends (`sse_event`: `data:` is the `JobEvent`'s JSON, `event:` its
    /// name) is read back as that event by its name; a summary stream reads only summaries.
    #[test]
    fn events_are_read_by_their_sse_name() {
        let summary = summary("j", JobKind::StorageScan, JobStatus::Running);
        let line = LogLine {
            seq: 3,
            at: "2026-12-03T10:00:00Z".into(),
            level: LogLevel::Warn,
            message: Message::Text("slow".into()),
        };
        let job = Job {
            summary: summary.clone(),
            request: JobRequest::StorageScan(StorageScanRequest {}),
            items: vec![JobItem::pending("a:1", "")],
            logs: vec![line.clone()],
            logs_dropped: 2,
        };
        let events = [
            JobEvent::Snapshot { job: Box::new(job) },
            JobEvent::Log { job_id: "j".into(), line },
            JobEvent::Item { job_id: "j".into(), index: 0, item: JobItem::pending("a:1", "") },
            JobEvent::Summary { summary: summary.clone() },
        ];
        for event in events {
            let data = serde_json::to_vec(&event).unwrap();
            assert!(EVENT_NAMES.contains(&event.name()));
            assert_eq!(decode_job_event(event.name(), &data), Some(event.clone()));
            let expected =
                if let JobEvent::Summary { summary } = &event { Some(summary.clone()) } else { None };
            assert_eq!(decode_summary(event.name(), &data), expected);
        }
        assert_eq!(decode_job_event("summary", b"{}"), None, "a summary without one is skipped");
        assert_eq!(decode_job_event("new_kind", br#"{"type":"new_kind"}"#), None);
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

    /// An open `EventSource` and its listeners; dropping it closes the connection.
    pub struct Stream {
        source: EventSource,
        _listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    }

    impl Stream {
        /// Listens to the events `names` of `url`; each event's data is decoded by `decode`
        /// (given the event's name), and those that do not decode are skipped.
        pub fn open<T: 'static>(
            url: &str,
            names: &'static [&'static str],
            decode: fn(&str, &[u8]) -> Option<T>,
            on_event: impl FnMut(T) -> Flow + 'static,
        ) -> Option<Self> {
            let source = EventSource::new(url).ok()?;
            let on_event = Rc::new(RefCell::new(on_event));
            let listeners = names
                .iter()
                .map(|&name| {
                    let (this, on_event) = (source.clone(), on_event.clone());
                    let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
                        let Some(data) = message.data().as_string() else { return };
                        let Some(event) = decode(name, data.as_bytes()) else { return };
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
