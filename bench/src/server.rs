//! The measured server process and timed requests to it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rm_harness::{AppConfig, AppServer};
use serde_json::Value;
use tempfile::TempDir;

/// No Docker daemon: the browsing API does not need one (health says so, and answers 200).
const NO_DOCKER: &str = "unix:///tmp/rmh-none/docker.sock";

/// Starts `registry-manager` processes against a registry.
pub struct Launcher {
    bin: PathBuf,
    /// An empty `LEPTOS_SITE_ROOT` (the REST API serves no files).
    site: TempDir,
}

impl Launcher {
    pub fn new(bin: PathBuf) -> Result<Launcher> {
        let bin = bin.canonicalize().with_context(|| {
            format!("the server binary {} (build it: cargo build --release -p server)", bin.display())
        })?;
        Ok(Launcher { bin, site: rm_harness::process::temp_dir()? })
    }

    pub fn bin(&self) -> &std::path::Path {
        &self.bin
    }

    /// A new server process (empty caches), ready when `GET /api/health` answers 200.
    pub async fn start(&self, registry_url: &str, env: &[(&str, &str)]) -> Result<AppServer> {
        self.start_with_docker(registry_url, NO_DOCKER, env).await
    }

    /// [`Launcher::start`] with `DOCKER_HOST` = `docker_host` (a private dockerd's socket).
    pub async fn start_with_docker(
        &self,
        registry_url: &str,
        docker_host: &str,
        env: &[(&str, &str)],
    ) -> Result<AppServer> {
        AppServer::start(AppConfig {
            name: "bench".into(),
            bin: self.bin.clone(),
            site_root: self.site.path().to_path_buf(),
            registry_url: registry_url.to_string(),
            docker_host: docker_host.to_string(),
            extra_env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        })
        .await
    }
}

/// `GET url?query`, timed from sending to the last body byte; the body parsed as JSON afterwards.
pub async fn timed_get(
    http: &reqwest::Client,
    url: &str,
    query: &[(&str, &str)],
) -> Result<(Duration, Value)> {
    let started = Instant::now();
    let resp = http.get(url).query(query).send().await.with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    let body = resp.bytes().await.with_context(|| format!("GET {url}: reading the body"))?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        bail!("GET {url} {query:?} → {status}: {}", String::from_utf8_lossy(&body));
    }
    let value = serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"))?;
    Ok((elapsed, value))
}

/// A process's resident memory, from `/proc/<pid>/status`.
#[derive(Clone, Copy, Debug)]
pub struct Memory {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

impl std::fmt::Display for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            self.rss_kib as f64 / 1024.0,
            self.hwm_kib as f64 / 1024.0
        )
    }
}

pub fn memory(pid: u32) -> Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {name} in /proc/{pid}/status"))
    };
    Ok(Memory { rss_kib: field("VmRSS:")?, hwm_kib: field("VmHWM:")? })
}
