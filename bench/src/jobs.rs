//! What the jobs scenarios ([`crate::rename`], [`crate::sync`], [`crate::local`]) share: running
//! a job of ours to its end, `skopeo copy`, and checking copies through the registry API.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use reqwest::header;
use rm_harness::registry::MANIFEST_ACCEPT;
use serde_json::Value;

/// How often a running job is polled.
const POLL: Duration = Duration::from_millis(20);
/// A job that takes longer than this is stuck.
const JOB_DEADLINE: Duration = Duration::from_secs(600);

/// Six lowercase base-36 characters, new on every run: target names start `b<nonce>-`.
pub fn nonce() -> String {
    let mut n = rm_harness::fixtures::fresh_seed();
    (0..6)
        .map(|_| {
            let c = char::from_digit((n % 36) as u32, 36).expect("a base-36 digit");
            n /= 36;
            c
        })
        .collect()
}

/// `b<nonce>-<tool>-<run>`: the prefix (rename) or namespace (sync) a run writes to.
pub fn target_prefix(nonce: &str, tool: &str, run: usize) -> String {
    format!("b{nonce}-{tool}-{run}")
}

/// What went wrong with a finished job that did not succeed: its error, failed items, last log lines.
fn describe_failure(job: &Value) -> String {
    let mut out = format!("job {} ended {}", job["id"], job["state"]);
    if let Some(e) = job["error"].as_str() {
        out.push_str(&format!(": {e}"));
    }
    let items = job["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    let bad: Vec<String> = items
        .iter()
        .filter(|i| i["status"] != "succeeded")
        .take(3)
        .map(|i| format!("{} → {} {}: {}", i["source"], i["target"], i["status"], i["detail"]))
        .collect();
    if !bad.is_empty() {
        out.push_str(&format!("; items: {}", bad.join("; ")));
    }
    let logs = job["logs"].as_array().map(Vec::as_slice).unwrap_or_default();
    let tail: Vec<String> = logs
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|l| format!("[{}] {}", l["level"].as_str().unwrap_or("?"), l["message"].as_str().unwrap_or("")))
        .collect();
    if !tail.is_empty() {
        out.push_str(&format!("; log: {}", tail.join(" | ")));
    }
    out
}

async fn json_ok(resp: reqwest::Response, what: &str) -> Result<Value> {
    let status = resp.status();
    let body = resp.bytes().await.with_context(|| format!("{what}: reading the body"))?;
    if !status.is_success() {
        bail!("{what} → {status}: {}", String::from_utf8_lossy(&body).trim());
    }
    serde_json::from_slice(&body).with_context(|| format!("{what}: not JSON"))
}

/// `POST <server><path>` with `body`, then `GET /api/sync-jobs/{id}` every 20 ms until the job is
/// neither queued nor running. Timed from sending the POST to seeing the job finished. Fails
/// unless the job `succeeded`; returns the time and the finished job.
pub async fn run_job(
    http: &reqwest::Client,
    server: &str,
    path: &str,
    body: &Value,
) -> Result<(Duration, Value)> {
    let started = Instant::now();
    let what = format!("POST {path}");
    let resp = http.post(format!("{server}{path}")).json(body).send().await.with_context(|| what.clone())?;
    let mut job = json_ok(resp, &what).await?;
    let id = job["id"].as_str().with_context(|| format!("{what}: no job id in {job}"))?.to_string();
    let poll_url = format!("{server}/api/sync-jobs/{id}");
    while matches!(job["state"].as_str(), Some("queued" | "running")) {
        if started.elapsed() > JOB_DEADLINE {
            bail!("job {id} still {} after {JOB_DEADLINE:?}", job["state"]);
        }
        tokio::time::sleep(POLL).await;
        let resp = http.get(&poll_url).send().await.with_context(|| format!("GET {poll_url}"))?;
        job = json_ok(resp, &format!("GET {poll_url}")).await?;
    }
    let elapsed = started.elapsed();
    ensure!(job["state"] == "succeeded", "{}", describe_failure(&job));
    Ok((elapsed, job))
}

/// A run that could not be measured: said at once (`  [4] ours run 2: FAILED: …`), and the
/// message the scenario's table keeps for it returned.
pub fn run_failed(scenario: u8, tool: &str, run: usize, error: &anyhow::Error) -> String {
    println!("  [{scenario}] {tool} run {run}: FAILED: {error:#}");
    format!("{tool} (run {run}): {error:#}")
}

/// Where a finished job's time went inside the server, from its own timestamps: waiting in the
/// queue (`created_at` → `started_at`) and running (`started_at` → `finished_at`).
pub fn job_phases(job: &Value) -> Result<(Duration, Duration)> {
    let at = |field: &str| {
        let text = job[field].as_str().with_context(|| format!("the job has no {field}"))?;
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("{field} {text:?} is not RFC 3339"))
    };
    let (created, started, finished) = (at("created_at")?, at("started_at")?, at("finished_at")?);
    let span = |from: time::OffsetDateTime, to: time::OffsetDateTime| {
        Duration::try_from(to - from).map_err(|_| anyhow!("job timestamps out of order: {job}"))
    };
    Ok((span(created, started)?, span(started, finished)?))
}

/// `skopeo copy` between two plain-HTTP registries on 127.0.0.1 (`host:port/repo:tag` each),
/// timed around the process.
pub async fn skopeo_copy(src: &str, dst: &str) -> Result<Duration> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"])
        .arg(format!("docker://{src}"))
        .arg(format!("docker://{dst}"));
    for k in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
        cmd.env_remove(k);
    }
    let started = Instant::now();
    rm_harness::process::run_ok(cmd).await?;
    Ok(started.elapsed())
}

/// One image that a tool was asked to copy: `src_repo:src_tag` in one registry, to
/// `dst_repo:dst_tag` in another (or the same) one.
#[derive(Clone, Debug)]
pub struct Copy {
    pub src_repo: String,
    pub src_tag: String,
    pub dst_repo: String,
    pub dst_tag: String,
    /// The source manifest's digest, as pushed.
    pub digest: String,
}

/// What the checks of one tool found over all its runs.
#[derive(Clone, Debug, Default)]
pub struct Verified {
    pub checked: usize,
    /// Target manifest digest equal to the source's.
    pub same_digest: usize,
    /// Different manifest bytes, but the same config and layer digests (`docker push` rewrites
    /// the manifest JSON).
    pub same_content_only: usize,
}

impl Verified {
    pub fn text(&self) -> String {
        let mut s = format!("{}/{} target digests = source", self.same_digest, self.checked);
        if self.same_content_only > 0 {
            s.push_str(&format!(
                ", {} other digest but the same config + layer digests (manifest re-serialised)",
                self.same_content_only
            ));
        }
        s
    }
}

/// `GET <base>/v2/<repo>/manifests/<reference>`: the `Docker-Content-Digest` and the manifest.
pub async fn manifest(
    http: &reqwest::Client,
    base: &str,
    repo: &str,
    reference: &str,
) -> Result<(String, Value)> {
    let url = format!("{base}/v2/{repo}/manifests/{reference}");
    let resp = http
        .get(&url)
        .header(header::ACCEPT, MANIFEST_ACCEPT)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    if !status.is_success() {
        bail!("GET {url} → {status}: the target is missing");
    }
    let digest = resp
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow!("GET {url}: no Docker-Content-Digest"))?
        .to_string();
    Ok((digest, resp.json().await.with_context(|| format!("GET {url}: not JSON"))?))
}

/// Config digest and layer digests of an image manifest.
fn content(m: &Value) -> (Option<&str>, Vec<Option<&str>>) {
    let layers = m["layers"].as_array().map(|ls| ls.iter().map(|l| l["digest"].as_str()).collect());
    (m["config"]["digest"].as_str(), layers.unwrap_or_default())
}

/// Reads every target through the registry API (`dst_base`) and compares it with its source
/// (`src_base`). Fails when a target is missing or holds other content.
pub async fn verify(
    http: &reqwest::Client,
    src_base: &str,
    dst_base: &str,
    copies: &[Copy],
    into: &mut Verified,
) -> Result<()> {
    for c in copies {
        let (digest, target) = manifest(http, dst_base, &c.dst_repo, &c.dst_tag).await?;
        into.checked += 1;
        if digest == c.digest {
            into.same_digest += 1;
            continue;
        }
        let (_, source) = manifest(http, src_base, &c.src_repo, &c.src_tag).await?;
        ensure!(
            content(&source) == content(&target) && content(&source).0.is_some(),
            "{}:{} is {digest} with other content than its source {}:{} ({})",
            c.dst_repo,
            c.dst_tag,
            c.src_repo,
            c.src_tag,
            c.digest
        );
        into.same_content_only += 1;
    }
    Ok(())
}
