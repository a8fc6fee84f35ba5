//! Fixture generation through the registry's own HTTP API, so the store is exactly what a real
//! push leaves behind.
//!
//! Fast because: one small layer is uploaded once per registry and *mounted* into every other
//! repository (one request); each tag gets its own config blob (POST + PUT) and manifest (PUT);
//! everything runs concurrently over a keep-alive connection pool. (The harness's own client
//! opens a connection per request, which would run the host out of ephemeral ports at this
//! volume.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail, ensure};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::{StatusCode, header};
use rm_harness::fixtures::{
    Descriptor, ImageSpec, ManifestFormat, build_layer, image_config, image_manifest, rfc3339, sha256_digest,
};
use url::Url;

/// A keep-alive client for loopback traffic (no proxy).
pub fn http_client(pool: usize) -> Result<reqwest::Client> {
    http_client_with_headers(pool, header::HeaderMap::new())
}

/// [`http_client`] sending `headers` with every request (a server's credentials).
pub fn http_client_with_headers(pool: usize, headers: header::HeaderMap) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .default_headers(headers)
        .no_proxy()
        .pool_max_idle_per_host(pool)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(300))
        .build()
        .context("building an HTTP client")
}

/// The one layer every fixture image shares.
#[derive(Clone, Debug)]
pub struct SharedLayer {
    pub digest: String,
    pub diff_id: String,
    pub data: Bytes,
    /// Uncompressed file size (for the config's history comment).
    pub file_size: usize,
}

impl SharedLayer {
    pub fn build(file_size: usize, seed: u64) -> Result<SharedLayer> {
        let l = build_layer(file_size, seed, true)?;
        Ok(SharedLayer { digest: l.digest, diff_id: l.diff_id, data: l.gz, file_size })
    }
}

/// One image ready to push: its own config, the shared layer.
pub struct Image {
    pub config: Bytes,
    pub config_digest: String,
    pub manifest: Bytes,
    pub manifest_digest: String,
    pub media_type: &'static str,
}

/// An image whose config differs from every other by `label` and carries `created`.
pub fn image(layer: &SharedLayer, format: ManifestFormat, created: &str, label: &str) -> Image {
    let spec = ImageSpec::default()
        .format(format)
        .layers(&[layer.file_size])
        .created(created)
        .label("io.rm-bench.image", label);
    let config = image_config(&spec, std::slice::from_ref(&layer.diff_id));
    let config_desc = Descriptor {
        media_type: format.config_media_type().into(),
        digest: sha256_digest(&config),
        size: config.len() as u64,
    };
    let layer_desc = Descriptor {
        media_type: format.layer_media_type().into(),
        digest: layer.digest.clone(),
        size: layer.data.len() as u64,
    };
    let manifest = image_manifest(format, &config_desc, &[layer_desc], &spec.annotations);
    Image {
        config: Bytes::from(config),
        config_digest: config_desc.digest,
        manifest_digest: sha256_digest(&manifest),
        manifest: Bytes::from(manifest),
        media_type: format.manifest_media_type(),
    }
}

/// `2024-01-01T00:00:00Z` plus `minutes`.
pub fn created_at(minutes: u64) -> String {
    rfc3339(UNIX_EPOCH + Duration::from_secs(1_704_067_200 + minutes * 60))
}

/// Docker schema 2 for three tags in four, OCI for the fourth.
pub fn format_of(i: usize) -> ManifestFormat {
    if i % 4 == 3 { ManifestFormat::Oci } else { ManifestFormat::Docker }
}

/// One tag to create: `repo:tag`, an image made from `label`, created at `created`.
#[derive(Clone, Debug)]
pub struct TagJob {
    pub repo: String,
    pub tag: String,
    pub format: ManifestFormat,
    pub created: String,
    pub label: String,
}

/// Pushes to one plain-HTTP registry.
#[derive(Clone)]
pub struct Pusher {
    http: reqwest::Client,
    base: Url,
}

async fn expect(resp: reqwest::Response, want: StatusCode, what: &str) -> Result<reqwest::Response> {
    if resp.status() == want {
        return Ok(resp);
    }
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    bail!("{what} → {status} (wanted {want}): {}", body.trim())
}

impl Pusher {
    pub fn new(registry_url: &str, concurrency: usize) -> Result<Pusher> {
        Ok(Pusher { http: http_client(concurrency * 2)?, base: Url::parse(registry_url)? })
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base.join(path).with_context(|| format!("joining {path}"))
    }

    /// Monolithic upload: `POST …/blobs/uploads/`, then `PUT <Location>&digest=` with the bytes.
    pub async fn upload_blob(&self, repo: &str, digest: &str, data: Bytes) -> Result<()> {
        let start = self.url(&format!("/v2/{repo}/blobs/uploads/"))?;
        let resp = self.http.post(start.clone()).send().await.with_context(|| format!("POST {start}"))?;
        let resp = expect(resp, StatusCode::ACCEPTED, &format!("POST {start}")).await?;
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("POST {start}: 202 without Location"))?;
        let mut put = self.base.join(location).with_context(|| format!("bad Location {location}"))?;
        put.query_pairs_mut().append_pair("digest", digest);
        let resp = self
            .http
            .put(put)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(data)
            .send()
            .await
            .with_context(|| format!("PUT blob {digest} to {repo}"))?;
        expect(resp, StatusCode::CREATED, &format!("PUT blob {digest} to {repo}")).await?;
        Ok(())
    }

    /// Cross-repository mount of a blob `from` → `to` (one request).
    pub async fn mount_blob(&self, from: &str, to: &str, digest: &str) -> Result<()> {
        let url = self.url(&format!("/v2/{to}/blobs/uploads/?mount={digest}&from={from}"))?;
        let resp = self.http.post(url.clone()).send().await.with_context(|| format!("POST {url}"))?;
        expect(resp, StatusCode::CREATED, &format!("mount {digest} from {from} into {to}")).await?;
        Ok(())
    }

    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<()> {
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"))?;
        let resp = self
            .http
            .put(url.clone())
            .header(header::CONTENT_TYPE, media_type)
            .body(bytes)
            .send()
            .await
            .with_context(|| format!("PUT {url}"))?;
        expect(resp, StatusCode::CREATED, &format!("PUT {url}")).await?;
        Ok(())
    }

    /// `DELETE /v2/<repo>/manifests/<digest>` (removes every tag on it in that repository).
    pub async fn delete_manifest(&self, repo: &str, digest: &str) -> Result<()> {
        let url = self.url(&format!("/v2/{repo}/manifests/{digest}"))?;
        let resp = self.http.delete(url.clone()).send().await.with_context(|| format!("DELETE {url}"))?;
        expect(resp, StatusCode::ACCEPTED, &format!("DELETE {url}")).await?;
        Ok(())
    }

    /// Config blob and manifest of one tag; retried a few times (both steps are idempotent).
    async fn push_tag(&self, layer: &SharedLayer, job: &TagJob) -> Result<String> {
        let img = image(layer, job.format, &job.created, &job.label);
        let mut attempt = 0;
        loop {
            let r = async {
                self.upload_blob(&job.repo, &img.config_digest, img.config.clone()).await?;
                self.put_manifest(&job.repo, &job.tag, img.media_type, img.manifest.clone()).await
            }
            .await;
            match r {
                Ok(()) => return Ok(img.manifest_digest),
                Err(e) if attempt < 3 => {
                    attempt += 1;
                    eprintln!("  retrying {}:{} after: {e:#}", job.repo, job.tag);
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
                Err(e) => return Err(e.context(format!("pushing {}:{}", job.repo, job.tag))),
            }
        }
    }

    /// Uploads `layer` into the first of `repos` and mounts it into the others, then pushes
    /// every job (`concurrency` at a time). Returns the manifest digest of each job, in order.
    /// Prints progress to stderr when `progress` is set.
    pub async fn populate(
        &self,
        layer: &SharedLayer,
        repos: &[String],
        jobs: &[TagJob],
        concurrency: usize,
        progress: bool,
    ) -> Result<Vec<String>> {
        let first = repos.first().context("no repositories to populate")?;
        self.upload_blob(first, &layer.digest, layer.data.clone()).await?;
        stream::iter(&repos[1..])
            .map(|repo| self.mount_blob(first, repo, &layer.digest))
            .buffer_unordered(concurrency)
            .try_collect::<()>()
            .await?;
        let done = AtomicUsize::new(0);
        let started = Instant::now();
        let step = (jobs.len() / 10).max(1);
        let digests: Vec<String> = stream::iter(jobs)
            .map(|job| {
                let done = &done;
                async move {
                    let digest = self.push_tag(layer, job).await?;
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if progress && n.is_multiple_of(step) {
                        let secs = started.elapsed().as_secs_f64();
                        eprintln!(
                            "  {n:>7} / {} tags pushed, {:.0} s, {:.0} tags/s",
                            jobs.len(),
                            secs,
                            n as f64 / secs
                        );
                    }
                    Ok::<_, anyhow::Error>(digest)
                }
            })
            .buffered(concurrency)
            .try_collect()
            .await?;
        ensure!(digests.len() == jobs.len());
        Ok(digests)
    }
}
