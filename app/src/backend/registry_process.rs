//! `REGISTRY_MODE=embedded`: the registry this server starts and supervises itself (Debian's
//! `docker-registry`, distribution 2.8), and the operations only an operated registry allows:
//! restarting it read-only and running `garbage-collect` on its storage.
//!
//! One supervisor task owns the child process. It restarts the registry when it dies (with a
//! backoff, logged), switches it between normal and read-only service on request, and stops it
//! when asked or when the server goes away. The child also gets `PR_SET_PDEATHSIG` (SIGKILL),
//! so it dies with the server even when the server is killed with SIGKILL and nothing runs
//! its shutdown (the signal follows the thread that started the child: a tokio worker, which
//! lives as long as the server's runtime); `kill_on_drop` covers a supervisor dropped with its
//! runtime (the tests').

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use crate::model::Message;

/// How long a (re)started registry may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// First and longest wait before restarting a registry that died.
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A registry that ran this long before dying is restarted after the first backoff again.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// The embedded registry. Cheap to clone; the registry stops when [`EmbeddedRegistry::stop`] is
/// called or the last clone and the supervisor go.
#[derive(Clone)]
pub struct EmbeddedRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    binary: PathBuf,
    dir: PathBuf,
    addr: SocketAddr,
    control: mpsc::UnboundedSender<Control>,
    /// One garbage collection at a time (each restarts the registry).
    gc_lock: Arc<tokio::sync::Mutex<()>>,
}

enum Control {
    /// Restart in normal (`false`) or read-only (`true`) service; the answer comes once it
    /// accepts connections again.
    Restart {
        read_only: bool,
        reply: Option<oneshot::Sender<Result<(), Message>>>,
    },
    Stop {
        reply: oneshot::Sender<()>,
    },
}

/// What `garbage-collect` found (dry run) or removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Blobs it marked as in use.
    pub blobs_marked: u64,
    /// Blob digests eligible for deletion (`sha256:…`).
    pub blobs: Vec<String>,
    /// Manifest digests eligible for deletion (with `--delete-untagged`).
    pub manifests: Vec<String>,
}

/// Finds the registry binary: `docker-registry` (Debian's name), else `registry`, on PATH. A
/// dozen lines rather than the `which` crate: PATH lookup of a plain name is all that is needed.
pub fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["docker-registry", "registry"].iter().find_map(|name| {
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

impl EmbeddedRegistry {
    /// Writes the config under `dir` (`DATA_DIR/registry`) and starts the supervisor; the
    /// registry answers once [`EmbeddedRegistry::wait_ready`] returns. Needs a tokio runtime.
    pub fn start(binary: PathBuf, dir: PathBuf, addr: SocketAddr) -> Result<Self, String> {
        std::fs::create_dir_all(dir.join("storage")).map_err(|e| {
            format!("cannot create the embedded registry's storage in {}: {e}", dir.display())
        })?;
        let (control, commands) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner { binary, dir, addr, control, gc_lock: Arc::default() });
        write_config(&inner, false).map_err(|e| e.to_string())?;
        tokio::spawn(supervise(inner.clone(), commands));
        Ok(Self { inner })
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    pub fn binary(&self) -> &Path {
        &self.inner.binary
    }

    /// `DATA_DIR/registry/config.yml`, written by us.
    pub fn config_path(&self) -> PathBuf {
        config_path(&self.inner.dir)
    }

    /// The storage root (`rootdirectory`).
    pub fn storage_dir(&self) -> PathBuf {
        self.inner.dir.join("storage")
    }

    /// Waits until the registry accepts connections (or `READY_TIMEOUT` passes).
    pub async fn wait_ready(&self) -> Result<(), Message> {
        wait_listening(self.inner.addr, READY_TIMEOUT).await
    }

    /// Restarts the registry in read-only (`true`) or normal service and waits until it answers.
    pub async fn restart(&self, read_only: bool) -> Result<(), Message> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .control
            .send(Control::Restart { read_only, reply: Some(reply) })
            .map_err(|_| crate::msg!(EmbeddedSupervisorStopped))?;
        answer.await.map_err(|_| crate::msg!(EmbeddedSupervisorStopped))?
    }

    /// Stops the registry and its supervisor (server shutdown). Idempotent.
    pub async fn stop(&self) {
        let (reply, done) = oneshot::channel();
        if self.inner.control.send(Control::Stop { reply }).is_ok() {
            let _ = done.await;
        }
    }

    /// Takes the garbage collection lock; `None` while another collection runs.
    pub fn try_lock_gc(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        self.inner.gc_lock.clone().try_lock_owned().ok()
    }

    /// A guard that puts the registry back in normal service when dropped, whatever happened
    /// (a failed collection, a job abandoned after cancel): it never stays read-only.
    pub fn restore_on_drop(&self) -> RestoreGuard {
        RestoreGuard { control: Some(self.inner.control.clone()) }
    }

    /// Runs `garbage-collect [--dry-run] [--delete-untagged] config.yml` on the storage and parses
    /// what it reports. An empty registry (no repository yet) has nothing to collect.
    pub async fn garbage_collect(
        &self,
        dry_run: bool,
        delete_untagged: bool,
    ) -> Result<GcReport, crate::model::Message> {
        if !self.storage_dir().join("docker/registry/v2/repositories").is_dir() {
            return Ok(GcReport::default());
        }
        run_garbage_collect(&self.inner.binary, &self.config_path(), dry_run, delete_untagged).await
    }

    /// The size of a blob in storage, `None` when it is not there.
    pub fn blob_size(&self, digest: &str) -> Option<u64> {
        let hex = digest.strip_prefix("sha256:")?;
        if hex.len() < 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let path =
            self.storage_dir().join("docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex).join("data");
        std::fs::metadata(path).ok().map(|m| m.len())
    }
}

/// Sends the registry back to normal service when dropped, unless [`RestoreGuard::disarm`]ed
/// after a restore that was awaited.
pub struct RestoreGuard {
    control: Option<mpsc::UnboundedSender<Control>>,
}

impl RestoreGuard {
    pub fn disarm(mut self) {
        self.control = None;
    }
}

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        if let Some(control) = self.control.take() {
            tracing::warn!(
                "garbage collection ended early: restoring the embedded registry's normal service"
            );
            let _ = control.send(Control::Restart { read_only: false, reply: None });
        }
    }
}

fn config_path(dir: &Path) -> PathBuf {
    dir.join("config.yml")
}

/// distribution's config. Paths and addresses are written as JSON strings, which YAML reads as
/// its double-quoted strings (YAML is a superset of JSON), so no path needs escaping by hand.
fn config_text(storage: &Path, addr: SocketAddr, read_only: bool) -> String {
    let root = serde_json::to_string(&storage.to_string_lossy()).expect("a string serialises");
    let addr = serde_json::to_string(&addr.to_string()).expect("a string serialises");
    let maintenance = if read_only {
        // Pushes are refused while reads go on: nothing new is written during the sweep.
        "  maintenance:\n    readonly:\n      enabled: true\n"
    } else {
        ""
    };
    format!(
        "# Written by registry-manager (REGISTRY_MODE=embedded); rewritten at each start.\n\
         version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}\n  \
         delete:\n    enabled: true\n{maintenance}http:\n  addr: {addr}\n"
    )
}

fn write_config(inner: &Inner, read_only: bool) -> Result<(), Message> {
    let path = config_path(&inner.dir);
    std::fs::write(&path, config_text(&inner.dir.join("storage"), inner.addr, read_only))
        .map_err(|e| crate::msg!(EmbeddedCannotWrite, &path.display(), &e))
}

fn spawn(inner: &Inner) -> Result<Child, Message> {
    let log_path = inner.dir.join("registry.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| crate::msg!(EmbeddedCannotOpen, &log_path.display(), &e))?;
    let log_err = log.try_clone().map_err(|e| crate::msg!(EmbeddedCannotOpen, &log_path.display(), &e))?;
    let mut command = Command::new(&inner.binary);
    command
        .arg("serve")
        .arg(config_path(&inner.dir))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .kill_on_drop(true);
    let server = std::process::id();
    // SAFETY: between fork and exec only async-signal-safe calls are made: prctl and getppid.
    unsafe {
        command.pre_exec(move || {
            // The registry dies with the server, even one killed with SIGKILL.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The server may have died before prctl took effect: then go now.
            if libc::getppid() as u32 != server {
                return Err(std::io::Error::other("the server exited while the registry started"));
            }
            Ok(())
        });
    }
    command.spawn().map_err(|e| crate::msg!(EmbeddedCannotStart, &inner.binary.display(), &e))
}

/// Polls until `addr` accepts a TCP connection. A plain connect to our own loopback child, not
/// an HTTP request through the outbound policy: it only asks whether the port is open.
async fn wait_listening(addr: SocketAddr, timeout: Duration) -> Result<(), Message> {
    let deadline = Instant::now() + timeout;
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(crate::msg!(EmbeddedNoAnswer, &addr, &format!("{timeout:?}")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stop_child(child: &mut Child) {
    if let Some(pid) = child.id() {
        // SAFETY: signalling our own child by its pid, which is not reaped yet.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
        if tokio::time::timeout(Duration::from_secs(5), child.wait()).await.is_ok() {
            return;
        }
    }
    let _ = child.kill().await;
}

/// Starts (and restarts) the registry and obeys [`Control`] until told to stop.
async fn supervise(inner: Arc<Inner>, mut commands: mpsc::UnboundedReceiver<Control>) {
    let mut read_only = false;
    let mut backoff = BACKOFF_FIRST;
    let mut pending_reply: Option<oneshot::Sender<Result<(), Message>>> = None;
    loop {
        let started = Instant::now();
        let spawned = write_config(&inner, read_only).and_then(|()| spawn(&inner));
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                tracing::error!("embedded registry: {error}; retrying in {backoff:?}");
                if let Some(reply) = pending_reply.take() {
                    let _ = reply.send(Err(error));
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
                continue;
            }
        };
        if let Some(reply) = pending_reply.take() {
            let ready = wait_listening(inner.addr, READY_TIMEOUT).await;
            let _ = reply.send(ready);
        }
        tokio::select! {
            status = child.wait() => {
                if started.elapsed() >= STABLE_AFTER {
                    backoff = BACKOFF_FIRST;
                }
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                tracing::warn!(
                    "the embedded registry on {} exited ({status}); restarting it in {backoff:?} (log: {})",
                    inner.addr,
                    inner.dir.join("registry.log").display()
                );
                // A restart or stop asked for meanwhile is obeyed at once.
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    command = commands.recv() => match command {
                        Some(Control::Restart { read_only: wanted, reply }) => {
                            read_only = wanted;
                            pending_reply = reply;
                        }
                        Some(Control::Stop { reply }) => {
                            let _ = reply.send(());
                            return;
                        }
                        None => return,
                    }
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
            command = commands.recv() => match command {
                Some(Control::Restart { read_only: wanted, reply }) => {
                    stop_child(&mut child).await;
                    read_only = wanted;
                    backoff = BACKOFF_FIRST;
                    pending_reply = reply;
                    tracing::info!(
                        "restarting the embedded registry {}",
                        if read_only { "read-only" } else { "in normal service" }
                    );
                }
                Some(Control::Stop { reply }) => {
                    stop_child(&mut child).await;
                    let _ = reply.send(());
                    return;
                }
                None => {
                    stop_child(&mut child).await;
                    return;
                }
            }
        }
    }
}

/// Runs `BINARY garbage-collect [--dry-run] [--delete-untagged] CONFIG` and reads what it
/// reports. The manager's own `REGISTRY_*` settings are not passed on: distribution would read
/// them as overrides of the config.
pub(crate) async fn run_garbage_collect(
    binary: &Path,
    config: &Path,
    dry_run: bool,
    delete_untagged: bool,
) -> Result<GcReport, Message> {
    let mut command = Command::new(binary);
    command.arg("garbage-collect");
    if dry_run {
        command.arg("--dry-run");
    }
    if delete_untagged {
        command.arg("--delete-untagged");
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("REGISTRY_") {
            command.env_remove(key);
        }
    }
    command.arg(config).stdin(Stdio::null()).kill_on_drop(true);
    let output = command
        .output()
        .await
        .map_err(|e| crate::msg!(GcCommandNotRun, binary.display().to_string(), e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let said = last_lines(&format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr)), 5);
        return Err(crate::msg!(GcCommandFailed, output.status.code().map(i64::from).unwrap_or(-1), said));
    }
    Ok(parse_gc_output(&stdout))
}

/// Parses `garbage-collect`'s report (distribution 2.8: `N blobs marked, …`, then one
/// `blob eligible for deletion: sha256:…` line per blob, `manifest eligible for deletion: …`
/// with `--delete-untagged`).
pub fn parse_gc_output(text: &str) -> GcReport {
    let mut report = GcReport::default();
    for line in text.lines().map(str::trim) {
        if let Some(digest) = line.strip_prefix("blob eligible for deletion: ") {
            report.blobs.push(digest.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("manifest eligible for deletion: ") {
            // 2.8 prints the digest, newer ones `repo@digest`: the digest is what we report.
            let digest = rest.rsplit('@').next().unwrap_or(rest).trim();
            report.manifests.push(digest.to_owned());
        } else if let Some((marked, _)) = line.split_once(" blobs marked, ") {
            report.blobs_marked = marked.trim().parse().unwrap_or_default();
        }
    }
    report.blobs.sort();
    report.blobs.dedup();
    report.manifests.sort();
    report.manifests.dedup();
    report
}

/// The last `n` non-empty lines of a command's output, joined: what a failed `garbage-collect`
/// said (also for the other GC targets, `backend/gc`).
pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" / ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Output of Debian's docker-registry 2.8.2 `garbage-collect --dry-run` after a tag's manifest
    /// was deleted.
    const DRY_RUN: &str = "a/x\n\
a/x: marking manifest sha256:5b49 \n\
a/x: marking blob sha256:acf1\n\
\n\
6 blobs marked, 3 blobs and 1 manifests eligible for deletion\n\
blob eligible for deletion: sha256:47cc\n\
blob eligible for deletion: sha256:8eff\n\
manifest eligible for deletion: a/x@sha256:9999\n";

    #[test]
    fn the_gc_report_lists_what_would_go() {
        let report = parse_gc_output(DRY_RUN);
        assert_eq!(report.blobs_marked, 6);
        assert_eq!(report.blobs, ["sha256:47cc", "sha256:8eff"]);
        assert_eq!(report.manifests, ["sha256:9999"]);
        assert_eq!(parse_gc_output(""), GcReport::default());
    }

    #[test]
    fn the_config_enables_deletes_and_read_only_on_request() {
        let addr: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let normal = config_text(Path::new("/data/registry/storage"), addr, false);
        assert!(normal.contains("rootdirectory: \"/data/registry/storage\""), "{normal}");
        assert!(normal.contains("delete:\n    enabled: true"), "{normal}");
        assert!(!normal.contains("readonly"), "{normal}");
        let read_only = config_text(Path::new("/d"), addr, true);
        assert!(read_only.contains("maintenance:\n    readonly:\n      enabled: true"), "{read_only}");
        assert!(read_only.contains("addr: \"127.0.0.1:5000\""), "{read_only}");
    }
}
