//! The measured server process, the credentials the bench uses on it, and timed requests to it.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use reqwest::header::{self, HeaderMap, HeaderValue};
use rm_harness::app::{ADMIN_PASSWORD, ADMIN_USERNAME};
use rm_harness::{AppConfig, AppServer};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::push::http_client_with_headers;

/// No Docker daemon: the browsing API does not need one (health says so, and answers 200).
const NO_DOCKER: &str = "unix:///tmp/rmh-none/docker.sock";

/// Name of the API tokens the bench makes on the servers it starts (numbered: servers may share a
/// `DATA_DIR`, where a live token's name is unique).
const TOKEN_NAME: &str = "bench";

/// Starts `registry-manager` processes against a registry.
pub struct Launcher {
    bin: PathBuf,
    /// An empty `LEPTOS_SITE_ROOT` (the REST API serves no files).
    site: TempDir,
    /// `--server-env`: set on every server started (before the scenario's own variables).
    env: Vec<(String, String)>,
    /// For the untimed login and token creation at start: kept apart from each server's measured
    /// client, so that client's first request still opens its connection (as a cold request did
    /// before access control).
    setup: reqwest::Client,
}

/// A running server (dropping it stops the process) and how the bench calls it.
pub struct Server {
    app: AppServer,
    /// Keep-alive client for every request to this server: each carries this instance's API
    /// token (`Authorization: Bearer rmt_…`), or nothing under `AUTH=none`. Unused until the
    /// caller's first request. Requests straight to a registry use [`crate::Ctx::http`].
    pub http: reqwest::Client,
    /// The `rm_session` cookie value of the login that made the token (`None` under `AUTH=none`).
    pub session: Option<String>,
}

impl Deref for Server {
    type Target = AppServer;

    fn deref(&self) -> &AppServer {
        &self.app
    }
}

impl Launcher {
    pub fn new(bin: PathBuf, env: Vec<(String, String)>) -> Result<Launcher> {
        let bin = bin.canonicalize().with_context(|| {
            format!("the server binary {} (build it: cargo build --release -p server)", bin.display())
        })?;
        Ok(Launcher {
            bin,
            env,
            site: rm_harness::process::temp_dir()?,
            setup: http_client_with_headers(1, HeaderMap::new())?,
        })
    }

    pub fn bin(&self) -> &std::path::Path {
        &self.bin
    }

    /// A new server process (empty caches), ready when `GET /api/health` answers 200, with an
    /// API token of its admin in [`Server::http`] (made by a login and `POST /api/tokens`, untimed)
    /// unless `env` has `AUTH=none`.
    pub async fn start(&self, registry_url: &str, env: &[(&str, &str)]) -> Result<Server> {
        self.start_with_docker(registry_url, NO_DOCKER, env).await
    }

    /// [`Launcher::start`] with `DOCKER_HOST` = `docker_host` (a private dockerd's socket).
    pub async fn start_with_docker(
        &self,
        registry_url: &str,
        docker_host: &str,
        env: &[(&str, &str)],
    ) -> Result<Server> {
        let app = AppServer::start(AppConfig {
            name: "bench".into(),
            bin: self.bin.clone(),
            site_root: self.site.path().to_path_buf(),
            registry_url: registry_url.to_string(),
            docker_host: docker_host.to_string(),
            admin_password: Some(ADMIN_PASSWORD.to_owned()),
            extra_env: self
                .env
                .iter()
                .cloned()
                .chain(env.iter().map(|(k, v)| (k.to_string(), v.to_string())))
                .collect(),
        })
        .await?;
        let auth_off = env.iter().any(|(k, v)| *k == "AUTH" && v.eq_ignore_ascii_case("none"));
        if auth_off {
            return Ok(Server { app, http: http_client_with_headers(8, HeaderMap::new())?, session: None });
        }
        let credentials = async {
            let (_, session) = login(&self.setup, &app.url(), ADMIN_USERNAME, ADMIN_PASSWORD).await?;
            let token = create_token(&self.setup, &app.url(), &session).await?;
            Ok::<_, anyhow::Error>((session, token))
        };
        let (session, token) = credentials.await.with_context(|| {
            format!("getting an API token from {} (log {})", app.url(), app.log_path().display())
        })?;
        let http = http_client_with_headers(8, authorization(&format!("Bearer {token}"))?)?;
        Ok(Server { app, http, session: Some(session) })
    }
}

/// Default headers carrying one credential header, marked sensitive (never printed).
fn credential_headers(name: header::HeaderName, value: &str) -> Result<HeaderMap> {
    let mut value = HeaderValue::from_str(value).context("a credential that is not a header value")?;
    value.set_sensitive(true);
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    Ok(headers)
}

/// `Authorization: <value>` as default headers.
pub fn authorization(value: &str) -> Result<HeaderMap> {
    credential_headers(header::AUTHORIZATION, value)
}

/// `Cookie: rm_session=<session>` as default headers.
pub fn session_cookie(session: &str) -> Result<HeaderMap> {
    credential_headers(header::COOKIE, &format!("rm_session={session}"))
}

/// `POST /login` with JSON `{username, password}`, timed from sending to the last body byte.
/// Returns the time and the new session's `rm_session` cookie value. Sends `Origin: <base>`, as
/// the server's own login page would: a change that carries no `Authorization` is refused without
/// it (the server's cross-site check).
pub async fn login(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Result<(Duration, String)> {
    let url = format!("{base}/login");
    let started = Instant::now();
    let resp = http
        .post(&url)
        .header(header::ORIGIN, base)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let cookies: Vec<String> = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect();
    let body = resp.bytes().await.with_context(|| format!("POST {url}: reading the body"))?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        bail!("POST {url} as {username} → {status}: {}", String::from_utf8_lossy(&body).trim());
    }
    let me: Value = serde_json::from_slice(&body).with_context(|| format!("POST {url}: not JSON"))?;
    ensure!(me["username"] == username, "POST {url}: signed in as {}, wanted {username}", me["username"]);
    let session = cookies
        .iter()
        .find_map(|c| c.split(';').next()?.trim().strip_prefix("rm_session="))
        .filter(|v| !v.is_empty())
        .with_context(|| {
            format!("POST {url}: no rm_session cookie in {} Set-Cookie header(s)", cookies.len())
        })?;
    Ok((elapsed, session.to_string()))
}

static TOKENS: AtomicU64 = AtomicU64::new(0);

/// `POST /api/tokens {name}` with the session cookie (and `Origin`, as for [`login`]); returns the
/// token's secret (`rmt_…`).
async fn create_token(http: &reqwest::Client, base: &str, session: &str) -> Result<String> {
    let url = format!("{base}/api/tokens");
    let resp = http
        .post(&url)
        .header(header::COOKIE, format!("rm_session={session}"))
        .header(header::ORIGIN, base)
        .json(&json!({ "name": format!("{TOKEN_NAME}-{}", TOKENS.fetch_add(1, Ordering::Relaxed)) }))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = resp.status();
    let body = resp.bytes().await.with_context(|| format!("POST {url}: reading the body"))?;
    if !status.is_success() {
        bail!("POST {url} → {status}: {}", String::from_utf8_lossy(&body).trim());
    }
    let answer: Value = serde_json::from_slice(&body).with_context(|| format!("POST {url}: not JSON"))?;
    let secret =
        answer["secret"].as_str().with_context(|| format!("POST {url}: no `secret` in the answer"))?;
    Ok(secret.to_string())
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
