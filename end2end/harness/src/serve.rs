//! An axum app served on 127.0.0.1 by a thread of its own, with its own runtime: it keeps
//! answering whatever the test's runtime is doing (blocked, busy, or a different flavour), and
//! it stops, its open connections with it, when dropped. The token endpoint and the fault proxy
//! run this way.

use std::net::TcpListener as StdTcpListener;
use std::thread::JoinHandle;

use anyhow::{Context, Result};

pub struct ThreadServer {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ThreadServer {
    /// Binds a free port, builds the app for it (`app(port)`) and serves it on a thread named
    /// `rmh-<name>-<port>`; returns once it is listening.
    pub fn start(name: &str, app: impl FnOnce(u16) -> axum::Router) -> Result<ThreadServer> {
        let listener =
            StdTcpListener::bind("127.0.0.1:0").with_context(|| format!("binding the {name} listener"))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let app = app(port);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<()>>();
        let label = name.to_owned();
        let thread = std::thread::Builder::new()
            .name(format!("rmh-{name}-{port}"))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.into()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e.into()));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    tokio::select! {
                        r = axum::serve(listener, app) => {
                            if let Err(e) = r { tracing::error!("{label} failed: {e}"); }
                        }
                        _ = stop_rx => {}
                    }
                });
                // Dropping the runtime here cancels any open connection tasks.
            })
            .with_context(|| format!("spawning the {name} thread"))?;
        ready_rx
            .recv()
            .with_context(|| format!("the {name} thread died before starting"))?
            .with_context(|| format!("starting the {name}"))?;
        Ok(ThreadServer { port, stop: Some(stop_tx), thread: Some(thread) })
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for ThreadServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
