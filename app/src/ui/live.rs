//! Live job updates in the browser: an `EventSource` on one of the server's SSE routes
//! (`/api/sync-jobs/events`, `/api/sync-jobs/{id}/events`), decoded into [`JobEvent`]s.
//!
//! Opened after hydration (in an effect, so never on the server) and closed when the component
//! that opened it unmounts, or as soon as the caller says nothing more will come: the server ends
//! a finished job's stream, and an `EventSource` left open would reconnect and replay it forever.

#[cfg(feature = "hydrate")]
use leptos::prelude::*;

use crate::model::JobEvent;

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
                        let Ok(event) = serde_json::from_str::<JobEvent>(&data) else { return };
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
