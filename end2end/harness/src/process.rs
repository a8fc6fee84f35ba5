//! Guarded child processes, temp dirs, ports and readiness polling.
//!
//! Every child is spawned from ONE long-lived spawner thread with
//! `prctl(PR_SET_PDEATHSIG, SIGTERM)` set in `pre_exec`: the kernel sends the signal when the
//! thread that forked the child dies, so spawning from short-lived test threads would kill
//! children as soon as a test ends. With a single spawner thread that never exits, the
//! signal fires only when the whole test process is gone (including on panic, abort or
//! SIGKILL). [`ChildGuard`] additionally stops its child (SIGTERM, then SIGKILL after 10 s)
//! and reaps it on drop.

use std::ffi::OsStr;
use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

/// Every temp dir (and so every command line of a harness-started registry or dockerd)
/// starts with this. A script can check that no process whose command line contains it
/// survives a test run.
pub const PROCESS_MARKER: &str = "/tmp/rmh-";

/// How long [`ChildGuard::stop`] waits after SIGTERM before sending SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// Name of the file, inside each temp dir, holding the pid of the process that created it.
const OWNER_FILE: &str = ".rmh-owner";

struct SpawnRequest {
    cmd: Command,
    reply: mpsc::Sender<io::Result<Child>>,
}

fn spawner() -> &'static mpsc::Sender<SpawnRequest> {
    static SPAWNER: OnceLock<mpsc::Sender<SpawnRequest>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        thread::Builder::new()
            .name("rmh-spawner".into())
            .spawn(move || {
                // The sender lives in a static and is never dropped: this thread lives as long
                // as the process, so PDEATHSIG fires only when the process itself exits.
                for mut req in rx {
                    let _ = req.reply.send(req.cmd.spawn());
                }
            })
            .expect("cannot start the rm-harness spawner thread");
        tx
    })
}

/// Spawn `cmd` from the dedicated spawner thread with `PR_SET_PDEATHSIG = SIGTERM`.
///
/// The caller keeps full control of stdio, env, cwd. Prefer [`ChildGuard::spawn`], which also
/// stops the child on drop; use this directly only for short-lived commands you wait for.
pub fn spawn_guarded(mut cmd: Command) -> io::Result<Child> {
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: only async-signal-safe libc calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl: then nobody will signal us.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let (tx, rx) = mpsc::channel();
    spawner()
        .send(SpawnRequest { cmd, reply: tx })
        .map_err(|_| io::Error::other("rm-harness spawner thread is gone"))?;
    rx.recv().map_err(|_| io::Error::other("rm-harness spawner thread dropped the request"))?
}

/// Run a short-lived command to completion (stdout and stderr captured, stdin null),
/// spawned through the guarded spawner. Blocking.
pub fn run_blocking(mut cmd: Command) -> Result<Output> {
    let desc = describe(&cmd);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = spawn_guarded(cmd).with_context(|| format!("cannot spawn `{desc}`"))?;
    child.wait_with_output().with_context(|| format!("waiting for `{desc}`"))
}

/// Async version of [`run_blocking`] (waits on tokio's blocking pool).
pub async fn run(cmd: Command) -> Result<Output> {
    tokio::task::spawn_blocking(move || run_blocking(cmd)).await.context("command runner task panicked")?
}

/// Like [`run_blocking`] but fails (with stderr/stdout in the message) on a non-zero exit.
pub fn run_ok_blocking(cmd: Command) -> Result<Output> {
    let desc = describe(&cmd);
    let out = run_blocking(cmd)?;
    if !out.status.success() {
        bail!(
            "`{desc}` failed with {}\nstderr: {}\nstdout: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    Ok(out)
}

/// Async version of [`run_ok_blocking`].
pub async fn run_ok(cmd: Command) -> Result<Output> {
    tokio::task::spawn_blocking(move || run_ok_blocking(cmd)).await.context("command runner task panicked")?
}

/// `program arg1 arg2 …` for error messages.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A child process that is stopped (SIGTERM, then SIGKILL after [`STOP_GRACE`]) and reaped
/// when dropped. Its stdout and stderr go to a log file.
pub struct ChildGuard {
    name: String,
    child: Child,
    log: PathBuf,
    status: Option<ExitStatus>,
}

impl ChildGuard {
    /// Spawn `cmd` (stdin null, stdout+stderr appended to `log`) through the guarded spawner.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<ChildGuard> {
        let desc = describe(&cmd);
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open log file {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = spawn_guarded(cmd).with_context(|| format!("cannot spawn {name}: `{desc}`"))?;
        tracing::debug!(name, pid = child.id(), cmd = %desc, "spawned");
        Ok(ChildGuard { name: name.to_string(), child, log: log.to_path_buf(), status: None })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The last 40 lines of the log.
    pub fn log_tail(&self) -> String {
        log_tail(&self.log, 40)
    }

    /// `Some(status)` once the child has exited (reaps it), `None` while it runs.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.child.try_wait().ok().flatten();
        }
        self.status
    }

    /// An error for "the child exited while we waited for it", with the log tail.
    pub fn exited_error(&mut self, while_doing: &str) -> anyhow::Error {
        let status =
            self.exited().map_or_else(|| "is still running".to_string(), |s| format!("exited with {s}"));
        let tail = self.log_tail();
        let err = anyhow!(
            "{} {status} while {while_doing}; log {} (last 40 lines):\n{tail}",
            self.name,
            self.log.display()
        );
        if looks_like_port_in_use(&tail) { err.context(PortInUse(self.name.clone())) } else { err }
    }

    /// Add this child's log tail to a start-up error, unless the error already carries it
    /// (it does when it came from [`ChildGuard::exited_error`]).
    pub fn with_log_tail(&mut self, err: anyhow::Error) -> anyhow::Error {
        if self.exited().is_some() {
            return err;
        }
        anyhow!("{err:#}\n{} log {} (last 40 lines):\n{}", self.name, self.log.display(), self.log_tail())
    }

    /// SIGTERM, wait up to [`STOP_GRACE`], then SIGKILL; always reaps.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.exited() {
            return Some(status);
        }
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain kill(2) on our own, not yet reaped, child.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        tracing::warn!(name = %self.name, pid, "did not stop within {STOP_GRACE:?}; SIGKILL");
        let _ = self.child.kill();
        self.status = self.child.wait().ok();
        self.status
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for ChildGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildGuard")
            .field("name", &self.name)
            .field("pid", &self.child.id())
            .field("log", &self.log)
            .finish()
    }
}

/// The last `lines` lines of a file (reads at most the last 64 KiB).
pub fn log_tail(path: &Path, lines: usize) -> String {
    let read = || -> io::Result<String> {
        let mut f = File::open(path)?;
        let len = f.metadata()?.len();
        let start = len.saturating_sub(64 * 1024);
        f.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        f.read_to_end(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    };
    match read() {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            let from = all.len().saturating_sub(lines);
            let tail = all[from..].join("\n");
            if tail.trim().is_empty() { "(log is empty)".to_string() } else { tail }
        }
        Err(e) => format!("(cannot read log {}: {e})", path.display()),
    }
}

/// Marker error: a process could not bind its port. Start functions retry on it.
#[derive(Debug, Clone)]
pub struct PortInUse(pub String);

impl std::fmt::Display for PortInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: port already in use", self.0)
    }
}

impl std::error::Error for PortInUse {}

/// Whether a log says the listening address was taken.
pub fn looks_like_port_in_use(log: &str) -> bool {
    let log = log.to_ascii_lowercase();
    log.contains("address already in use") || log.contains("addrinuse")
}

/// How many times a start is attempted when the port turned out to be taken.
pub const START_ATTEMPTS: u32 = 3;

/// Run `start(attempt)` up to [`START_ATTEMPTS`] times while it fails with [`PortInUse`]
/// (anywhere in the error chain).
pub async fn retry_on_port_conflict<T, F, Fut>(what: &str, start: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    retry_on_port_conflict_n(what, START_ATTEMPTS, start).await
}

/// [`retry_on_port_conflict`] with an explicit number of attempts (1 = no retry).
pub async fn retry_on_port_conflict_n<T, F, Fut>(what: &str, attempts: u32, mut start: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match start(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < attempts && e.downcast_ref::<PortInUse>().is_some() => {
                tracing::warn!("{what}: port taken on attempt {attempt}, retrying: {e:#}");
                attempt += 1;
            }
            Err(e) => {
                return Err(e.context(format!("starting {what} (attempt {attempt})")));
            }
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to :0, read, release).
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0 to find a free port")?;
    Ok(l.local_addr()?.port())
}

/// An error and all its sources, `: `-separated (reqwest's Display omits the cause).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

/// Result of one readiness probe.
pub enum Probe<T> {
    /// Ready, with a value.
    Ready(T),
    /// Not yet; the string says what was observed (shown if the deadline passes).
    NotYet(String),
    /// Give up now (e.g. the process died).
    Fail(anyhow::Error),
}

/// Poll `probe` every `interval` until it is ready, fails, or `timeout` passes.
pub async fn poll_until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    interval: Duration,
    mut probe: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Probe<T>>,
{
    let start = Instant::now();
    loop {
        let last = match probe().await {
            Probe::Ready(v) => return Ok(v),
            Probe::Fail(e) => return Err(e.context(format!("waiting for {what}"))),
            Probe::NotYet(obs) => obs,
        };
        if start.elapsed() >= timeout {
            bail!("timed out after {timeout:?} waiting for {what}; last observation: {last}");
        }
        tokio::time::sleep(interval).await;
    }
}

/// A fresh `/tmp/rmh-XXXXXX` dir (removed when the returned value drops) with an owner file
/// so that [`sweep_stale_dirs`] can remove it if this process dies without cleaning up.
pub fn temp_dir() -> Result<tempfile::TempDir> {
    static SWEPT: OnceLock<()> = OnceLock::new();
    SWEPT.get_or_init(sweep_stale_dirs);
    let dir = tempfile::Builder::new()
        .prefix("rmh-")
        .tempdir_in("/tmp")
        .context("creating a /tmp/rmh-* temp dir")?;
    std::fs::write(dir.path().join(OWNER_FILE), std::process::id().to_string())
        .context("writing the temp dir owner file")?;
    Ok(dir)
}

/// Whether a process with this pid exists.
pub fn pid_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks existence/permission.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Whether a process with this pid exists and is not a zombie.
pub fn process_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // state is the field after the ")" closing the command name
            let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X"))
        }
        Err(_) => false,
    }
}

/// Parent pid of a process (from `/proc/<pid>/stat`).
pub fn parent_pid(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Pids of all descendants of `pid` (children, grandchildren, …).
pub fn descendants(pid: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> =
        all_cmdlines().into_iter().filter_map(|(p, _)| Some((p, parent_pid(p)?))).collect();
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for &(p, pp) in &all {
            if pp == parent && !out.contains(&p) {
                out.push(p);
                frontier.push(p);
            }
        }
    }
    out
}

/// Command lines of all running processes (`\0` replaced by spaces).
pub fn all_cmdlines() -> Vec<(u32, String)> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    rd.filter_map(|e| {
        let e = e.ok()?;
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let raw = std::fs::read(e.path().join("cmdline")).ok()?;
        let s = String::from_utf8_lossy(&raw).replace('\0', " ");
        Some((pid, s))
    })
    .collect()
}

/// Remove `/tmp/rmh-*` dirs left behind by harness processes that no longer exist (and that
/// no running process still references on its command line). Errors are ignored.
pub fn sweep_stale_dirs() {
    let Ok(rd) = std::fs::read_dir("/tmp") else {
        return;
    };
    let mut cmdlines: Option<Vec<(u32, String)>> = None;
    for entry in rd.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with("rmh-") {
            continue;
        }
        let path = entry.path();
        let Ok(owner) = std::fs::read_to_string(path.join(OWNER_FILE)) else {
            continue;
        };
        let Ok(owner) = owner.trim().parse::<u32>() else {
            continue;
        };
        if pid_alive(owner) {
            continue;
        }
        let cmdlines = cmdlines.get_or_insert_with(all_cmdlines);
        let p = path.to_string_lossy();
        if cmdlines.iter().any(|(_, c)| c.contains(p.as_ref())) {
            continue;
        }
        tracing::debug!(dir = %p, owner, "removing stale harness dir");
        let _ = std::fs::remove_dir_all(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn retries_only_port_conflicts() {
        let mut calls = 0;
        let v = retry_on_port_conflict("x", |attempt| {
            calls += 1;
            async move {
                if attempt < 3 {
                    Err(anyhow!("bind failed").context(PortInUse("x".into())))
                } else {
                    Ok(attempt)
                }
            }
        })
        .await
        .unwrap();
        assert_eq!((v, calls), (3, 3));

        let mut calls = 0;
        let e = retry_on_port_conflict("y", |_| {
            calls += 1;
            async { Err::<(), _>(anyhow!("config invalid")) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(format!("{e:#}").contains("config invalid"));

        let mut calls = 0;
        let e = retry_on_port_conflict("z", |_| {
            calls += 1;
            async { Err::<(), _>(anyhow!("x").context(PortInUse("z".into()))) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls, START_ATTEMPTS);
        assert!(e.downcast_ref::<PortInUse>().is_some());
    }

    #[test]
    fn detects_port_in_use_logs() {
        assert!(looks_like_port_in_use("listen tcp 127.0.0.1:5000: bind: address already in use"));
        assert!(looks_like_port_in_use("Error: AddrInUse"));
        assert!(!looks_like_port_in_use("permission denied"));
    }
}
