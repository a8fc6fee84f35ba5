//! A private Docker daemon (`dockerd`) in a short `/tmp/rmh-*` dir; never touches
//! `/var/run/docker.sock`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bollard::{ClientVersion, Docker};
use tempfile::TempDir;

use crate::process::{self, ChildGuard, Probe};

/// The daemon binary (override with `RMH_DOCKERD_BIN`).
pub fn dockerd_bin() -> String {
    std::env::var("RMH_DOCKERD_BIN").unwrap_or_else(|_| "dockerd".to_string())
}

/// The CLI binary (override with `RMH_DOCKER_BIN`).
pub fn docker_bin() -> String {
    std::env::var("RMH_DOCKER_BIN").unwrap_or_else(|_| "docker".to_string())
}

const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Environment variables that must not leak from the test environment into the daemon or CLI.
const SCRUBBED_ENV: &[&str] = &[
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_API_VERSION",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
];

/// A running private dockerd. Dropping it stops the daemon (SIGTERM, so it unmounts its
/// own mounts) and removes its dir.
pub struct Dockerd {
    // Field order is drop order: the daemon stops before its dir goes.
    child: ChildGuard,
    host: String,
    socket: PathBuf,
    version: ClientVersion,
    dir: TempDir,
}

impl std::fmt::Debug for Dockerd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dockerd")
            .field("host", &self.host)
            .field("pid", &self.child.pid())
            .field("api", &format!("{}.{}", self.version.major_version, self.version.minor_version))
            .finish()
    }
}

fn connect(socket: &Path, version: &ClientVersion) -> Result<Docker> {
    Docker::connect_with_unix(&socket.to_string_lossy(), 300, version)
        .with_context(|| format!("connecting to {}", socket.display()))
}

impl Dockerd {
    /// Start a daemon; ready when `GET /_ping` answers (30 s deadline).
    pub async fn start() -> Result<Dockerd> {
        let dir = process::temp_dir()?;
        let d = dir.path().to_path_buf();
        let socket = d.join("docker.sock");
        let host = format!("unix://{}", socket.display());
        std::fs::write(d.join("daemon.json"), "{}\n")?;
        let mut cmd = Command::new(dockerd_bin());
        cmd.arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("-H")
            .arg(&host)
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            .arg("--config-file")
            .arg(d.join("daemon.json"))
            .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
            .current_dir(&d);
        for k in SCRUBBED_ENV {
            cmd.env_remove(k);
        }
        let mut child = ChildGuard::spawn("dockerd", cmd, &d.join("dockerd.log"))?;
        let child_ref = &mut child;
        let sock = socket.clone();
        let version = process::poll_until(
            &format!("dockerd at {host}"),
            READY_TIMEOUT,
            Duration::from_millis(50),
            || {
                let fail = child_ref.exited().is_some().then(|| child_ref.exited_error("starting"));
                let sock = sock.clone();
                async move {
                    if let Some(e) = fail {
                        return Probe::Fail(e);
                    }
                    if !sock.exists() {
                        return Probe::NotYet("socket not created yet".into());
                    }
                    let docker = match connect(&sock, bollard::API_DEFAULT_VERSION) {
                        Ok(d) => d,
                        Err(e) => return Probe::NotYet(format!("{e:#}")),
                    };
                    if let Err(e) = docker.ping().await {
                        return Probe::NotYet(format!("GET /_ping: {}", process::error_chain(&e)));
                    }
                    match docker.negotiate_version().await {
                        Ok(d) => Probe::Ready(d.client_version()),
                        Err(e) => Probe::NotYet(format!("GET /version: {}", process::error_chain(&e))),
                    }
                }
            },
        )
        .await
        .map_err(|e| child.with_log_tail(e))?;
        std::fs::create_dir_all(d.join("cli-config"))?;
        Ok(Dockerd { child, host, socket, version, dir })
    }

    /// `unix:///tmp/rmh-XXXXXX/docker.sock` (a `DOCKER_HOST` value).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The API version negotiated with the daemon at start.
    pub fn api_version(&self) -> ClientVersion {
        self.version
    }

    /// A fresh bollard client on this daemon's socket, at the negotiated API version.
    pub fn client(&self) -> Docker {
        connect(&self.socket, &self.version).expect("the socket exists while the Dockerd lives")
    }

    /// `docker -H <host> args…` (with a private `DOCKER_CONFIG`); returns the output whatever
    /// the exit status.
    pub async fn cli(&self, args: &[&str]) -> Result<Output> {
        process::run(self.cli_command(args)).await
    }

    /// Like [`Dockerd::cli`] but fails (with stderr) on a non-zero exit; returns stdout.
    pub async fn cli_ok(&self, args: &[&str]) -> Result<String> {
        let out = process::run_ok(self.cli_command(args)).await?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The `Command` behind [`Dockerd::cli`].
    pub fn cli_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(docker_bin());
        for k in SCRUBBED_ENV {
            cmd.env_remove(k);
        }
        cmd.env("DOCKER_CONFIG", self.dir.path().join("cli-config")).arg("-H").arg(&self.host).args(args);
        cmd
    }

    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// The daemon's temp dir (data-root, exec-root, socket, log); removed on drop.
    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log_tail(&self) -> String {
        self.child.log_tail()
    }
}

/// The daemon shared by a whole test process, started on first use.
///
/// It is never dropped: PDEATHSIG stops it if the process dies, and an `atexit` hook stops it
/// (SIGTERM, wait ≤ 10 s, SIGKILL) and removes its dir when the process exits normally
/// (which is how libtest ends).
pub async fn shared() -> Result<&'static Dockerd> {
    static SHARED: tokio::sync::OnceCell<Dockerd> = tokio::sync::OnceCell::const_new();
    SHARED
        .get_or_try_init(|| async {
            let d = Dockerd::start().await?;
            register_exit_cleanup(d.pid(), d.root_dir().to_path_buf());
            Ok(d)
        })
        .await
}

static EXIT_CLEANUP: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

fn register_exit_cleanup(pid: u32, dir: PathBuf) {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    EXIT_CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).push((pid, dir));
    REGISTERED.call_once(|| {
        // SAFETY: registering a plain extern "C" fn.
        unsafe { libc::atexit(exit_cleanup) };
    });
}

extern "C" fn exit_cleanup() {
    let entries = std::mem::take(&mut *EXIT_CLEANUP.lock().unwrap_or_else(|e| e.into_inner()));
    for (pid, dir) in entries {
        let _ = stop_pid(pid, process::STOP_GRACE);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// SIGTERM a child of ours, reap it (waiting up to `grace`), then SIGKILL.
fn stop_pid(pid: u32, grace: Duration) -> Result<()> {
    let pid = pid as libc::pid_t;
    // SAFETY: signalling and reaping our own child.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
        let deadline = Instant::now() + grace;
        loop {
            let mut status = 0;
            let r = libc::waitpid(pid, &mut status, libc::WNOHANG);
            if r == pid || r < 0 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
                bail!("dockerd {pid} needed SIGKILL");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
