//! The Registry Manager server binary, run as a guarded child process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
use tempfile::TempDir;

use crate::process::{self, ChildGuard, Probe};

/// The admin every harness app starts with (`ADMIN_USERNAME`, `ADMIN_PASSWORD`), unless its
/// [`AppConfig::admin_password`] is `None` (a first run: the app logs a setup link instead).
pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_PASSWORD: &str = "harness-admin-password";

/// How long the app may take to answer `GET /api/health` with 200.
pub const APP_READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How to run one app instance.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Short instance name (used in logs and errors), e.g. `main`.
    pub name: String,
    pub bin: PathBuf,
    pub site_root: PathBuf,
    /// `REGISTRY_API_URL`; empty leaves it unset (an app in `REGISTRY_MODE=embedded` then talks
    /// to the registry it runs itself).
    pub registry_url: String,
    /// `DOCKER_HOST`
    pub docker_host: String,
    /// `ADMIN_PASSWORD` for [`ADMIN_USERNAME`]; `None` starts with no account (first-run setup).
    pub admin_password: Option<String>,
    /// Extra environment variables (applied last).
    pub extra_env: Vec<(String, String)>,
}

/// A running app. Dropping it stops the process and removes its `DATA_DIR`.
pub struct AppServer {
    child: ChildGuard,
    name: String,
    port: u16,
    dir: TempDir,
}

impl std::fmt::Debug for AppServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppServer")
            .field("name", &self.name)
            .field("url", &self.url())
            .field("pid", &self.child.pid())
            .finish()
    }
}

impl AppServer {
    /// Spawn the app with `REGISTRY_API_URL`, `DOCKER_HOST`, `LISTEN_ADDR=127.0.0.1:<free>`,
    /// `DATA_DIR=<temp dir>/data`, `LEPTOS_SITE_ROOT`, `RUST_LOG=info`; ready when
    /// `GET /api/health` answers 200 (60 s deadline). Retries on a port conflict.
    pub async fn start(cfg: AppConfig) -> Result<AppServer> {
        let what = format!("app `{}`", cfg.name);
        let bin = cfg
            .bin
            .canonicalize()
            .with_context(|| format!("{what}: app binary {} not found", cfg.bin.display()))?;
        let dir = process::temp_dir()?;
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data)?;
        let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(0).build()?;
        let root = dir.path().to_path_buf();
        let (child, port) = process::retry_on_port_conflict(&what, |attempt| {
            let (cfg, bin, root, data, http, what) =
                (cfg.clone(), bin.clone(), root.clone(), data.clone(), http.clone(), what.clone());
            async move {
                let port = process::free_port()?;
                let mut cmd = Command::new(&bin);
                cmd.current_dir(&root).env_remove("REGISTRY_API_URL");
                if !cfg.registry_url.is_empty() {
                    cmd.env("REGISTRY_API_URL", &cfg.registry_url);
                }
                cmd.env("DOCKER_HOST", &cfg.docker_host)
                    .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
                    .env("DATA_DIR", &data)
                    .env("LEPTOS_SITE_ROOT", &cfg.site_root)
                    .env("RUST_LOG", "info")
                    .env("ADMIN_USERNAME", ADMIN_USERNAME)
                    .env_remove("ADMIN_PASSWORD");
                if let Some(password) = &cfg.admin_password {
                    cmd.env("ADMIN_PASSWORD", password);
                }
                for (k, v) in &cfg.extra_env {
                    cmd.env(k, v);
                }
                let log = root.join(format!("app-{}-{attempt}.log", cfg.name));
                let mut child = ChildGuard::spawn(&what, cmd, &log)?;
                let url = format!("http://127.0.0.1:{port}/api/health");
                let child_ref = &mut child;
                process::poll_until(
                    &format!("{what} to answer GET {url} with 200"),
                    APP_READY_TIMEOUT,
                    Duration::from_millis(100),
                    || {
                        let fail = child_ref.exited().is_some().then(|| child_ref.exited_error("starting"));
                        let (http, url) = (http.clone(), url.clone());
                        async move {
                            if let Some(e) = fail {
                                return Probe::Fail(e);
                            }
                            match http.get(&url).timeout(Duration::from_secs(5)).send().await {
                                Ok(r) if r.status().is_success() => Probe::Ready(()),
                                Ok(r) => Probe::NotYet(format!("GET {url} → {}", r.status())),
                                Err(e) => Probe::NotYet(format!("GET {url}: {}", process::error_chain(&e))),
                            }
                        }
                    },
                )
                .await
                .map_err(|e| child.with_log_tail(e))?;
                Ok((child, port))
            }
        })
        .await?;
        Ok(AppServer { child, name: cfg.name, port, dir })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    pub fn log_path(&self) -> &Path {
        self.child.log_path()
    }

    pub fn log_tail(&self) -> String {
        self.child.log_tail()
    }

    /// The one-time first-run link the app logged (`…/setup?token=…`), for an app started without
    /// an admin password; read from its log as a person would.
    pub fn setup_url(&self) -> Option<String> {
        let log = std::fs::read_to_string(self.log_path()).ok()?;
        let start = log.find("/setup?token=")?;
        let token: String = log[start + "/setup?token=".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect();
        (!token.is_empty()).then(|| format!("{}/setup?token={token}", self.url()))
    }

    /// The instance's temp dir (`DATA_DIR` is its `data/`).
    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }
}
