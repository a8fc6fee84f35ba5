//! The references the server is measured against, talking straight to the registry.
//!
//! * [`naive_tag_details`]: what the original tool did for a repository page — the tag list,
//!   then for each tag, one after the other: `HEAD` the manifest (digest), `GET` the manifest,
//!   `GET` its config blob. One request at a time, three per tag. It gets a keep-alive client,
//!   which only makes the reference faster.
//! * [`raw_catalog_walk`]: `GET /v2/_catalog?n=1000`, following `Link` headers — the least
//!   any catalog walk can cost.
//! * [`mount_rename`]: the least a rename within one registry can cost — per repository the tag
//!   list, then per tag, one after the other: GET the manifest, mount each blob (config and
//!   layers) into the new name with one `POST …/blobs/uploads/?mount=&from=`, PUT the same
//!   manifest bytes under the new name. No existence checks, no verification.

use anyhow::{Context, Result, anyhow, bail, ensure};
use reqwest::header;
use rm_harness::registry::{MANIFEST_ACCEPT, parse_next_link};
use serde_json::Value;
use url::Url;

/// What the naive reference learns about one tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaiveTag {
    pub tag: String,
    pub digest: String,
    pub created: Option<String>,
    pub size: u64,
}

async fn ok(resp: reqwest::Response, what: &str) -> Result<reqwest::Response> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    bail!("{what} → {status}: {}", body.trim())
}

/// The tag list, then HEAD manifest, GET manifest, GET config for each tag, sequentially.
pub async fn naive_tag_details(http: &reqwest::Client, base: &str, repo: &str) -> Result<Vec<NaiveTag>> {
    let url = format!("{base}/v2/{repo}/tags/list");
    let list: Value = ok(http.get(&url).send().await?, &url).await?.json().await?;
    let tags: Vec<String> = list["tags"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(tags.len());
    for tag in tags {
        let url = format!("{base}/v2/{repo}/manifests/{tag}");
        let head = ok(http.head(&url).header(header::ACCEPT, MANIFEST_ACCEPT).send().await?, &url).await?;
        let digest = head
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("HEAD {url}: no Docker-Content-Digest"))?
            .to_string();
        let manifest: Value = ok(http.get(&url).header(header::ACCEPT, MANIFEST_ACCEPT).send().await?, &url)
            .await?
            .json()
            .await?;
        let config_digest =
            manifest["config"]["digest"].as_str().with_context(|| format!("{url}: no config digest"))?;
        let size = manifest["config"]["size"].as_u64().unwrap_or(0)
            + manifest["layers"]
                .as_array()
                .map(|ls| ls.iter().filter_map(|l| l["size"].as_u64()).sum::<u64>())
                .unwrap_or(0);
        let url = format!("{base}/v2/{repo}/blobs/{config_digest}");
        let config: Value = ok(http.get(&url).send().await?, &url).await?.json().await?;
        out.push(NaiveTag { tag, digest, created: config["created"].as_str().map(String::from), size });
    }
    Ok(out)
}

/// Every repository name, walking `_catalog?n=<n>` pages through their `Link` headers.
pub async fn raw_catalog_walk(http: &reqwest::Client, base: &str, n: usize) -> Result<Vec<String>> {
    let base_url = Url::parse(base)?;
    let mut next = Some(base_url.join(&format!("/v2/_catalog?n={n}"))?);
    let mut out = Vec::new();
    while let Some(url) = next.take() {
        let resp = ok(http.get(url.clone()).send().await?, url.as_str()).await?;
        next = match resp.headers().get(header::LINK).and_then(|v| v.to_str().ok()).and_then(parse_next_link)
        {
            Some(link) => Some(base_url.join(&link)?),
            None => None,
        };
        let page: Value = resp.json().await?;
        out.extend(
            page["repositories"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(String::from)),
        );
    }
    Ok(out)
}

/// Every tag of each `(from, to)` repository copied to `to` by cross-repository mounts, one
/// request at a time (image manifests only). Returns the number of tags copied.
pub async fn mount_rename(http: &reqwest::Client, base: &str, renames: &[(String, String)]) -> Result<usize> {
    let mut copied = 0;
    for (from, to) in renames {
        let url = format!("{base}/v2/{from}/tags/list");
        let list: Value = ok(http.get(&url).send().await?, &url).await?.json().await?;
        let tags = list["tags"].as_array().with_context(|| format!("{url}: no tags"))?;
        for tag in tags.iter().filter_map(Value::as_str) {
            let url = format!("{base}/v2/{from}/manifests/{tag}");
            let resp = ok(http.get(&url).header(header::ACCEPT, MANIFEST_ACCEPT).send().await?, &url).await?;
            let media_type = resp
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| anyhow!("GET {url}: no Content-Type"))?
                .to_string();
            let bytes = resp.bytes().await?;
            let manifest: Value =
                serde_json::from_slice(&bytes).with_context(|| format!("{url}: not JSON"))?;
            let config = manifest["config"]["digest"]
                .as_str()
                .with_context(|| format!("{url}: not an image manifest"))?;
            let layers = manifest["layers"].as_array().with_context(|| format!("{url}: no layers"))?;
            for digest in std::iter::once(config).chain(layers.iter().filter_map(|l| l["digest"].as_str())) {
                let url = format!("{base}/v2/{to}/blobs/uploads/?mount={digest}&from={from}");
                let resp = http.post(&url).send().await?;
                ensure!(
                    resp.status() == reqwest::StatusCode::CREATED,
                    "POST {url} → {} (not mounted)",
                    resp.status()
                );
            }
            let url = format!("{base}/v2/{to}/manifests/{tag}");
            ok(http.put(&url).header(header::CONTENT_TYPE, media_type).body(bytes).send().await?, &url)
                .await?;
            copied += 1;
        }
    }
    Ok(copied)
}
