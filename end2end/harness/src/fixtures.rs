//! Synthetic images: real gzip'd tar layers of pseudo-random bytes, realistic configs,
//! Docker schema 2 / OCI manifests, manifest lists / indexes, artifacts; pushed through the
//! registry HTTP API, or loaded into a Docker daemon as a docker-archive.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail, ensure};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::dockerd::Dockerd;
use crate::registry::{Registry, repo_scope};

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Media type of the payload layer of [`Registry::push_artifact`].
pub const ARTIFACT_PAYLOAD: &str = "application/vnd.example.payload.v1";

/// Timestamp used for `created` when the spec has a seed but no `created` (deterministic).
pub const SEEDED_CREATED: &str = "2024-01-01T00:00:00Z";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ManifestFormat {
    /// Docker image manifest v2 schema 2 (and manifest list).
    #[default]
    Docker,
    /// OCI image manifest (and index).
    Oci,
}

impl ManifestFormat {
    pub fn manifest_media_type(self) -> &'static str {
        match self {
            ManifestFormat::Docker => DOCKER_MANIFEST,
            ManifestFormat::Oci => OCI_MANIFEST,
        }
    }
    pub fn index_media_type(self) -> &'static str {
        match self {
            ManifestFormat::Docker => DOCKER_MANIFEST_LIST,
            ManifestFormat::Oci => OCI_INDEX,
        }
    }
    pub fn config_media_type(self) -> &'static str {
        match self {
            ManifestFormat::Docker => DOCKER_CONFIG,
            ManifestFormat::Oci => OCI_CONFIG,
        }
    }
    pub fn layer_media_type(self) -> &'static str {
        match self {
            ManifestFormat::Docker => DOCKER_LAYER,
            ManifestFormat::Oci => OCI_LAYER,
        }
    }
}

/// One `history` entry of an image config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub created_by: String,
    pub empty_layer: bool,
    pub comment: Option<String>,
}

/// What to build. `Default`: Docker format, linux/amd64, one 1 KiB layer, `created` = now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    pub format: ManifestFormat,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    /// Uncompressed size of the one file in each layer, in bytes.
    pub layer_sizes: Vec<usize>,
    /// RFC 3339; `None` → now (or [`SEEDED_CREATED`] when `seed` is set).
    pub created: Option<String>,
    pub author: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub env: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    /// e.g. `"8080/tcp"`.
    pub exposed_ports: Vec<String>,
    /// `None` → generated: one entry per layer, then `LABEL`/`ENV`/`CMD` empty layers.
    pub history: Option<Vec<HistoryEntry>>,
    /// OCI manifest `annotations` (ignored for the Docker format).
    pub annotations: BTreeMap<String, String>,
    /// Same seed (and spec) → same layer bytes and digests. `None` → unique per call.
    pub seed: Option<u64>,
}

impl Default for ImageSpec {
    fn default() -> Self {
        ImageSpec {
            format: ManifestFormat::Docker,
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
            layer_sizes: vec![1024],
            created: None,
            author: Some("rm-harness".into()),
            labels: BTreeMap::new(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            cmd: vec!["/bin/sh".into()],
            entrypoint: Vec::new(),
            working_dir: None,
            user: None,
            exposed_ports: Vec::new(),
            history: None,
            annotations: BTreeMap::new(),
            seed: None,
        }
    }
}

impl ImageSpec {
    /// Default spec in Docker schema 2 format.
    pub fn docker() -> Self {
        Self::default()
    }
    /// Default spec in OCI format.
    pub fn oci() -> Self {
        Self::default().format(ManifestFormat::Oci)
    }
    pub fn format(mut self, format: ManifestFormat) -> Self {
        self.format = format;
        self
    }
    pub fn os(mut self, os: &str) -> Self {
        self.os = os.into();
        self
    }
    /// Architecture; `"arm64"` also sets variant `v8`, `"arm"` sets `v7` (override with
    /// [`ImageSpec::variant`]).
    pub fn arch(mut self, arch: &str) -> Self {
        self.architecture = arch.into();
        self.variant = match arch {
            "arm64" => Some("v8".into()),
            "arm" => Some("v7".into()),
            _ => None,
        };
        self
    }
    pub fn variant(mut self, variant: Option<&str>) -> Self {
        self.variant = variant.map(Into::into);
        self
    }
    pub fn layers(mut self, sizes: &[usize]) -> Self {
        self.layer_sizes = sizes.to_vec();
        self
    }
    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
    pub fn annotation(mut self, key: &str, value: &str) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }
    /// Adds one `KEY=value` entry.
    pub fn env(mut self, entry: &str) -> Self {
        self.env.push(entry.into());
        self
    }
    pub fn cmd(mut self, cmd: &[&str]) -> Self {
        self.cmd = cmd.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn entrypoint(mut self, ep: &[&str]) -> Self {
        self.entrypoint = ep.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn working_dir(mut self, dir: &str) -> Self {
        self.working_dir = Some(dir.into());
        self
    }
    pub fn user(mut self, user: &str) -> Self {
        self.user = Some(user.into());
        self
    }
    pub fn expose(mut self, port: &str) -> Self {
        self.exposed_ports.push(port.into());
        self
    }
    /// RFC 3339, e.g. `2024-05-01T12:00:00Z`.
    pub fn created(mut self, created: &str) -> Self {
        self.created = Some(created.into());
        self
    }
    pub fn history(mut self, history: Vec<HistoryEntry>) -> Self {
        self.history = Some(history);
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// `os/arch[/variant]`
    pub fn platform_string(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.architecture),
            None => format!("{}/{}", self.os, self.architecture),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------

/// `sha256:<hex>` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A seed nobody else got in this process (time, pid and a counter mixed).
pub fn fresh_seed() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    splitmix(nanos ^ ((std::process::id() as u64) << 40) ^ splitmix(N.fetch_add(1, Ordering::Relaxed)))
}

/// Append `len` deterministic pseudo-random bytes (wyrand) for `seed` to `out`.
pub fn append_random(out: &mut Vec<u8>, len: usize, seed: u64) {
    let mut s = splitmix(seed);
    let start = out.len();
    out.resize(start + len, 0);
    let buf = &mut out[start..];
    let mut chunks = buf.chunks_exact_mut(8);
    let mut next = || {
        s = s.wrapping_add(0xa076_1d64_78bd_642f);
        let t = (s as u128).wrapping_mul((s ^ 0xe703_7ed1_a0b4_28db) as u128);
        ((t >> 64) as u64) ^ (t as u64)
    };
    for c in &mut chunks {
        c.copy_from_slice(&next().to_le_bytes());
    }
    let rem = chunks.into_remainder();
    let last = next().to_le_bytes();
    rem.copy_from_slice(&last[..rem.len()]);
}

fn tar_header(path: &str, size: u64, kind: tar::EntryType, mode: u32, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    h.set_path(path).expect("short ASCII tar path");
    h.set_size(size);
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h.set_cksum();
    h
}

/// One layer: a tar (`rmh/` + `rmh/layer-<seed>.bin` of `size` random bytes), kept either
/// uncompressed or as gzip (stored blocks: random data does not compress).
#[derive(Clone)]
pub struct Layer {
    /// The uncompressed tar; empty when built with `gzip` (only the gzip is kept).
    pub tar: Bytes,
    /// sha256 of the uncompressed tar (`rootfs.diff_ids`).
    pub diff_id: String,
    pub gz: Bytes,
    /// sha256 of the gzip (the blob digest); empty if not compressed.
    pub digest: String,
}

impl std::fmt::Debug for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layer")
            .field("tar_len", &self.tar.len())
            .field("gz_len", &self.gz.len())
            .field("diff_id", &self.diff_id)
            .field("digest", &self.digest)
            .finish()
    }
}

/// Build a layer tar, gzip'd when `gzip`. Fast (see the `big_layer_is_fast` test).
pub fn build_layer(size: usize, seed: u64, gzip: bool) -> Result<Layer> {
    const MTIME: u64 = 1_704_067_200; // 2024-01-01
    let padded = size.div_ceil(512) * 512;
    let mut tar = Vec::with_capacity(512 * 2 + padded + 1024);
    tar.extend_from_slice(tar_header("rmh/", 0, tar::EntryType::Directory, 0o755, MTIME).as_bytes());
    let name = format!("rmh/layer-{seed:016x}.bin");
    tar.extend_from_slice(tar_header(&name, size as u64, tar::EntryType::Regular, 0o644, MTIME).as_bytes());
    append_random(&mut tar, size, seed);
    tar.resize(tar.len() + (padded - size) + 1024, 0);
    let diff_id = sha256_digest(&tar);
    let (gz, digest) = if gzip {
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(tar.len() + tar.len() / 16000 * 5 + 64),
            flate2::Compression::none(),
        );
        enc.write_all(&tar).context("gzip")?;
        let gz = enc.finish().context("gzip")?;
        let digest = sha256_digest(&gz);
        (Bytes::from(gz), digest)
    } else {
        (Bytes::new(), String::new())
    };
    // Keep only what is needed: the gzip for pushing, or the tar for docker archives.
    let tar = if gzip { Bytes::new() } else { Bytes::from(tar) };
    Ok(Layer { tar, diff_id, gz, digest })
}

/// Layers for a spec (seeded per layer index when the spec has a seed).
pub fn build_layers(spec: &ImageSpec, gzip: bool) -> Result<Vec<Layer>> {
    spec.layer_sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let seed = match spec.seed {
                Some(s) => splitmix(s ^ splitmix(i as u64 + 1)),
                None => fresh_seed(),
            };
            build_layer(size, seed, gzip)
        })
        .collect()
}

/// RFC 3339 UTC to the second (`YYYY-MM-DDTHH:MM:SSZ`) of a time.
pub fn rfc3339(t: SystemTime) -> String {
    let whole = time::OffsetDateTime::from(t).replace_nanosecond(0).expect("0 is a valid nanosecond");
    whole.format(&time::format_description::well_known::Rfc3339).expect("a time since 1970 formats")
}

fn created_of(spec: &ImageSpec) -> String {
    match (&spec.created, spec.seed) {
        (Some(c), _) => c.clone(),
        (None, Some(_)) => SEEDED_CREATED.to_string(),
        (None, None) => rfc3339(SystemTime::now()),
    }
}

/// The image config JSON (same shape for Docker and OCI).
pub fn image_config(spec: &ImageSpec, diff_ids: &[String]) -> Vec<u8> {
    let created = created_of(spec);
    let mut config = serde_json::Map::new();
    if !spec.env.is_empty() {
        config.insert("Env".into(), json!(spec.env));
    }
    if !spec.cmd.is_empty() {
        config.insert("Cmd".into(), json!(spec.cmd));
    }
    if !spec.entrypoint.is_empty() {
        config.insert("Entrypoint".into(), json!(spec.entrypoint));
    }
    if !spec.labels.is_empty() {
        config.insert("Labels".into(), json!(spec.labels));
    }
    if let Some(w) = &spec.working_dir {
        config.insert("WorkingDir".into(), json!(w));
    }
    if let Some(u) = &spec.user {
        config.insert("User".into(), json!(u));
    }
    if !spec.exposed_ports.is_empty() {
        let ports: serde_json::Map<String, Value> =
            spec.exposed_ports.iter().map(|p| (p.clone(), json!({}))).collect();
        config.insert("ExposedPorts".into(), Value::Object(ports));
    }
    let history: Vec<HistoryEntry> = match &spec.history {
        Some(h) => h.clone(),
        None => {
            let mut h: Vec<HistoryEntry> = diff_ids
                .iter()
                .zip(&spec.layer_sizes)
                .map(|(d, size)| HistoryEntry {
                    created_by: format!(
                        "/bin/sh -c #(nop) ADD file:{} in /rmh/ ",
                        d.trim_start_matches("sha256:")
                    ),
                    empty_layer: false,
                    comment: Some(format!("rm-harness synthetic layer, {size} bytes")),
                })
                .collect();
            let nop = |s: String| HistoryEntry {
                created_by: format!("/bin/sh -c #(nop)  {s}"),
                empty_layer: true,
                comment: None,
            };
            for e in &spec.env {
                h.push(nop(format!("ENV {e}")));
            }
            if !spec.labels.is_empty() {
                let l: Vec<String> = spec.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                h.push(nop(format!("LABEL {}", l.join(" "))));
            }
            if !spec.cmd.is_empty() {
                h.push(nop(format!("CMD {}", json!(spec.cmd))));
            }
            h
        }
    };
    let history: Vec<Value> = history
        .into_iter()
        .map(|e| {
            let mut v = json!({"created": created, "created_by": e.created_by});
            if e.empty_layer {
                v["empty_layer"] = json!(true);
            }
            if let Some(c) = e.comment {
                v["comment"] = json!(c);
            }
            v
        })
        .collect();
    let mut root = json!({
        "architecture": spec.architecture,
        "os": spec.os,
        "created": created,
        "config": Value::Object(config),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    });
    if let Some(v) = &spec.variant {
        root["variant"] = json!(v);
    }
    if let Some(a) = &spec.author {
        root["author"] = json!(a);
    }
    serde_json::to_vec(&root).expect("serialising a config")
}

/// A blob descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

impl Descriptor {
    fn json(&self) -> Value {
        json!({"mediaType": self.media_type, "size": self.size, "digest": self.digest})
    }
}

/// An image manifest (Docker schema 2 or OCI) for a config and layers.
pub fn image_manifest(
    format: ManifestFormat,
    config: &Descriptor,
    layers: &[Descriptor],
    annotations: &BTreeMap<String, String>,
) -> Vec<u8> {
    let mut m = json!({
        "schemaVersion": 2,
        "mediaType": format.manifest_media_type(),
        "config": config.json(),
        "layers": layers.iter().map(Descriptor::json).collect::<Vec<_>>(),
    });
    if format == ManifestFormat::Oci && !annotations.is_empty() {
        m["annotations"] = json!(annotations);
    }
    serde_json::to_vec_pretty(&m).expect("serialising a manifest")
}

/// A fully built image, ready to push.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    pub spec: ImageSpec,
    pub config: Bytes,
    pub config_digest: String,
    pub layers: Vec<Layer>,
    pub manifest: Bytes,
    pub manifest_digest: String,
    pub media_type: String,
}

/// Build layers (gzip'd), config and manifest for `spec`. CPU-bound: call it from
/// `spawn_blocking` for big layers ([`Registry::push_image`] does).
pub fn build_image(spec: &ImageSpec) -> Result<BuiltImage> {
    let layers = build_layers(spec, true)?;
    Ok(assemble(spec, layers))
}

fn assemble(spec: &ImageSpec, layers: Vec<Layer>) -> BuiltImage {
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
    let config = image_config(spec, &diff_ids);
    let config_desc = Descriptor {
        media_type: spec.format.config_media_type().into(),
        digest: sha256_digest(&config),
        size: config.len() as u64,
    };
    let layer_descs: Vec<Descriptor> = layers
        .iter()
        .map(|l| Descriptor {
            media_type: spec.format.layer_media_type().into(),
            digest: l.digest.clone(),
            size: l.gz.len() as u64,
        })
        .collect();
    let manifest = image_manifest(spec.format, &config_desc, &layer_descs, &spec.annotations);
    BuiltImage {
        spec: spec.clone(),
        config: Bytes::from(config),
        config_digest: config_desc.digest,
        layers,
        manifest_digest: sha256_digest(&manifest),
        manifest: Bytes::from(manifest),
        media_type: spec.format.manifest_media_type().into(),
    }
}

// ---------------------------------------------------------------------------------------
// Pushing
// ---------------------------------------------------------------------------------------

/// `os`, `architecture`, `variant` of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

/// What [`Registry::push_image`] (and friends) pushed.
#[derive(Debug, Clone)]
pub struct PushedImage {
    pub repository: String,
    /// Empty when pushed by digest only (index children).
    pub tag: String,
    pub digest: String,
    pub media_type: String,
    pub manifest_bytes: Vec<u8>,
    pub config_digest: String,
    pub config_media_type: String,
    /// `(digest, compressed size)` per layer.
    pub layers: Vec<(String, u64)>,
    /// Config size + compressed layer sizes (what registry UIs usually show).
    pub size: u64,
    /// `None` for artifacts.
    pub platform: Option<Platform>,
}

impl PushedImage {
    /// `host/repo:tag` for `docker pull` / skopeo.
    pub fn reference(&self, registry_host: &str) -> String {
        if self.tag.is_empty() {
            format!("{registry_host}/{}@{}", self.repository, self.digest)
        } else {
            format!("{registry_host}/{}:{}", self.repository, self.tag)
        }
    }
}

/// What [`Registry::push_index`] pushed.
#[derive(Debug, Clone)]
pub struct PushedIndex {
    pub repository: String,
    pub tag: String,
    pub digest: String,
    pub media_type: String,
    pub manifest_bytes: Vec<u8>,
    pub children: Vec<PushedImage>,
}

fn header_str(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from)
}

async fn error_text(what: &str, resp: reqwest::Response) -> anyhow::Error {
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    anyhow!("{what} → {status}: {}", body.trim())
}

impl Registry {
    /// Upload a blob (monolithic: POST an upload, PUT its location with `digest`); skipped
    /// when the blob already exists in `repo`.
    pub async fn push_blob(&self, repo: &str, digest: &str, data: Bytes) -> Result<()> {
        if self.blob_exists(repo, digest).await? {
            return Ok(());
        }
        let scope = repo_scope(repo);
        let start = format!("/v2/{repo}/blobs/uploads/");
        let resp = self
            .request(Method::POST, &start, &scope)
            .send()
            .await
            .with_context(|| format!("POST {start}"))?;
        if resp.status() != StatusCode::ACCEPTED {
            return Err(error_text(&format!("POST {start}"), resp).await);
        }
        let location =
            header_str(&resp, "location").ok_or_else(|| anyhow!("POST {start}: 202 without Location"))?;
        let mut url = url::Url::parse(&self.url())?
            .join(&location)
            .with_context(|| format!("bad upload Location {location}"))?;
        url.query_pairs_mut().append_pair("digest", digest);
        let len = data.len();
        let resp = self
            .request(Method::PUT, url.as_str(), &scope)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, len)
            .body(data)
            .send()
            .await
            .with_context(|| format!("PUT blob {digest} ({len} bytes) to {repo}"))?;
        if resp.status() != StatusCode::CREATED {
            return Err(error_text(&format!("PUT blob {digest} to {repo}"), resp).await);
        }
        Ok(())
    }

    /// Cross-repository mount of a blob (`POST …/blobs/uploads/?mount=&from=`).
    pub async fn mount_blob(&self, from: &str, to: &str, digest: &str) -> Result<()> {
        if self.blob_exists(to, digest).await? {
            return Ok(());
        }
        let path = format!("/v2/{to}/blobs/uploads/?mount={digest}&from={from}");
        let mut rb = self.http().request(Method::POST, format!("{}{path}", self.url()));
        if let Some(h) = self.auth_header_scopes(&[&repo_scope(to), &format!("repository:{from}:pull")]) {
            rb = rb.header(header::AUTHORIZATION, h);
        }
        let resp = rb.send().await.with_context(|| format!("POST {path}"))?;
        if resp.status() != StatusCode::CREATED {
            return Err(error_text(&format!("mount {digest} from {from} into {to}"), resp).await);
        }
        Ok(())
    }

    /// `PUT /v2/<repo>/manifests/<reference>`; returns the digest (checked against the
    /// registry's `Docker-Content-Digest`).
    pub async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String> {
        let path = format!("/v2/{repo}/manifests/{reference}");
        let digest = sha256_digest(bytes);
        let resp = self
            .request(Method::PUT, &path, &repo_scope(repo))
            .header(header::CONTENT_TYPE, media_type)
            .body(bytes.to_vec())
            .send()
            .await
            .with_context(|| format!("PUT {path}"))?;
        if resp.status() != StatusCode::CREATED {
            return Err(error_text(&format!("PUT {path} ({media_type})"), resp).await);
        }
        if let Some(d) = header_str(&resp, "docker-content-digest") {
            ensure!(d == digest, "PUT {path}: registry says digest {d}, bytes hash to {digest}");
        }
        Ok(digest)
    }

    async fn push_built(
        &self,
        repo: &str,
        reference: Option<&str>,
        img: &BuiltImage,
        push_layers: bool,
    ) -> Result<PushedImage> {
        if push_layers {
            for l in &img.layers {
                self.push_blob(repo, &l.digest, l.gz.clone())
                    .await
                    .with_context(|| format!("pushing a layer of {repo}"))?;
            }
        }
        self.push_blob(repo, &img.config_digest, img.config.clone())
            .await
            .with_context(|| format!("pushing the config of {repo}"))?;
        let reference = reference.unwrap_or(&img.manifest_digest);
        let digest = self.put_manifest(repo, reference, &img.media_type, &img.manifest).await?;
        let layers: Vec<(String, u64)> =
            img.layers.iter().map(|l| (l.digest.clone(), l.gz.len() as u64)).collect();
        Ok(PushedImage {
            repository: repo.to_string(),
            tag: if reference.starts_with("sha256:") { String::new() } else { reference.to_string() },
            digest,
            media_type: img.media_type.clone(),
            manifest_bytes: img.manifest.to_vec(),
            config_digest: img.config_digest.clone(),
            config_media_type: img.spec.format.config_media_type().to_string(),
            size: img.config.len() as u64 + layers.iter().map(|l| l.1).sum::<u64>(),
            layers,
            platform: Some(Platform {
                os: img.spec.os.clone(),
                architecture: img.spec.architecture.clone(),
                variant: img.spec.variant.clone(),
            }),
        })
    }

    async fn push_image_ref(
        &self,
        repo: &str,
        reference: Option<&str>,
        spec: &ImageSpec,
    ) -> Result<PushedImage> {
        let spec2 = spec.clone();
        let img = tokio::task::spawn_blocking(move || build_image(&spec2))
            .await
            .context("image build task panicked")??;
        self.push_built(repo, reference, &img, true)
            .await
            .with_context(|| format!("pushing {repo}:{}", reference.unwrap_or("<digest>")))
    }

    /// Build `spec` and push it as `repo:tag`.
    pub async fn push_image(&self, repo: &str, tag: &str, spec: &ImageSpec) -> Result<PushedImage> {
        self.push_image_ref(repo, Some(tag), spec).await
    }

    /// Build `spec` and push it by digest only (no tag).
    pub async fn push_image_by_digest(&self, repo: &str, spec: &ImageSpec) -> Result<PushedImage> {
        self.push_image_ref(repo, None, spec).await
    }

    /// Push each spec by digest (in `format`, overriding the specs' own format), then a
    /// Docker manifest list / OCI index referencing them as `repo:tag`.
    pub async fn push_index(
        &self,
        repo: &str,
        tag: &str,
        specs: &[ImageSpec],
        format: ManifestFormat,
    ) -> Result<PushedIndex> {
        let mut children = Vec::new();
        for s in specs {
            let s = s.clone().format(format);
            children.push(self.push_image_ref(repo, None, &s).await?);
        }
        let manifests: Vec<Value> = children
            .iter()
            .map(|c| {
                let p = c.platform.as_ref().expect("images have a platform");
                let mut platform = json!({"architecture": p.architecture, "os": p.os});
                if let Some(v) = &p.variant {
                    platform["variant"] = json!(v);
                }
                json!({
                    "mediaType": c.media_type,
                    "size": c.manifest_bytes.len(),
                    "digest": c.digest,
                    "platform": platform,
                })
            })
            .collect();
        let index = json!({
            "schemaVersion": 2,
            "mediaType": format.index_media_type(),
            "manifests": manifests,
        });
        let bytes = serde_json::to_vec_pretty(&index)?;
        let digest = self.put_manifest(repo, tag, format.index_media_type(), &bytes).await?;
        Ok(PushedIndex {
            repository: repo.into(),
            tag: tag.into(),
            digest,
            media_type: format.index_media_type().into(),
            manifest_bytes: bytes,
            children,
        })
    }

    /// An OCI artifact: a manifest whose config has `config_media_type` (e.g.
    /// `application/vnd.example.config.v1+json`) and one [`ARTIFACT_PAYLOAD`] layer.
    pub async fn push_artifact(
        &self,
        repo: &str,
        tag: &str,
        config_media_type: &str,
        payload: &[u8],
    ) -> Result<PushedImage> {
        let config = serde_json::to_vec(&json!({"tool": "rm-harness", "kind": "artifact"}))?;
        let config_desc = Descriptor {
            media_type: config_media_type.into(),
            digest: sha256_digest(&config),
            size: config.len() as u64,
        };
        let layer = Descriptor {
            media_type: ARTIFACT_PAYLOAD.into(),
            digest: sha256_digest(payload),
            size: payload.len() as u64,
        };
        let mut manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config_desc.json(),
            "layers": [layer.json()],
        });
        manifest["layers"][0]["annotations"] = json!({"org.opencontainers.image.title": "payload.bin"});
        let manifest = serde_json::to_vec_pretty(&manifest)?;
        self.push_blob(repo, &layer.digest, Bytes::copy_from_slice(payload)).await?;
        self.push_blob(repo, &config_desc.digest, Bytes::from(config.clone())).await?;
        let digest = self.put_manifest(repo, tag, OCI_MANIFEST, &manifest).await?;
        Ok(PushedImage {
            repository: repo.into(),
            tag: tag.into(),
            digest,
            media_type: OCI_MANIFEST.into(),
            manifest_bytes: manifest,
            config_digest: config_desc.digest,
            config_media_type: config_media_type.into(),
            layers: vec![(layer.digest, layer.size)],
            size: config_desc.size + layer.size,
            platform: None,
        })
    }

    /// Put `image`'s exact manifest bytes under `repo:new_tag` (same digest). When `repo`
    /// differs from `image.repository`, its blobs are mounted across first.
    pub async fn tag_manifest(&self, repo: &str, new_tag: &str, image: &PushedImage) -> Result<PushedImage> {
        if repo != image.repository {
            self.mount_blob(&image.repository, repo, &image.config_digest).await?;
            for (d, _) in &image.layers {
                self.mount_blob(&image.repository, repo, d).await?;
            }
        }
        let digest = self.put_manifest(repo, new_tag, &image.media_type, &image.manifest_bytes).await?;
        ensure!(digest == image.digest, "re-tagging changed the digest");
        Ok(PushedImage { repository: repo.into(), tag: new_tag.into(), ..image.clone() })
    }

    /// `n` distinct images (their configs differ by the label `rmh.index`; the spec's layers
    /// are built and uploaded once and shared) tagged `tag-0000`, `tag-0001`, … (zero-padded
    /// to at least 4 digits), pushed 8 at a time. Returned in index order.
    pub async fn push_many_tags(&self, repo: &str, n: usize, spec: &ImageSpec) -> Result<Vec<PushedImage>> {
        let spec2 = spec.clone();
        let layers = tokio::task::spawn_blocking(move || build_layers(&spec2, true))
            .await
            .context("layer build task panicked")??;
        for l in &layers {
            self.push_blob(repo, &l.digest, l.gz.clone()).await?;
        }
        let width = n.saturating_sub(1).to_string().len().max(4);
        let mut out: Vec<(usize, PushedImage)> = futures::stream::iter(0..n)
            .map(|i| {
                let spec = spec.clone().label("rmh.index", &i.to_string());
                let img = assemble(&spec, layers.clone());
                let tag = format!("tag-{i:0width$}");
                async move {
                    let p = self.push_built(repo, Some(&tag), &img, false).await?;
                    Ok::<_, anyhow::Error>((i, p))
                }
            })
            .buffer_unordered(8)
            .try_collect()
            .await?;
        out.sort_by_key(|(i, _)| *i);
        Ok(out.into_iter().map(|(_, p)| p).collect())
    }
}

// ---------------------------------------------------------------------------------------
// Local images (docker-archive → POST /images/load)
// ---------------------------------------------------------------------------------------

/// A `docker save`-style tarball: `manifest.json`, `<config hex>.json`, `<diff id>/layer.tar`.
pub fn docker_archive(reference: &str, spec: &ImageSpec) -> Result<Vec<u8>> {
    let layers = build_layers(spec, false)?;
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
    let config = image_config(spec, &diff_ids);
    let config_name = format!("{}.json", hex::encode(Sha256::digest(&config)));
    let layer_names: Vec<String> =
        diff_ids.iter().map(|d| format!("{}/layer.tar", d.trim_start_matches("sha256:"))).collect();
    let manifest = serde_json::to_vec(&json!([{
        "Config": config_name,
        "RepoTags": [reference],
        "Layers": layer_names,
    }]))?;
    let total: usize = layers.iter().map(|l| l.tar.len() + 1024).sum();
    let mut b = tar::Builder::new(Vec::with_capacity(total + config.len() + 8192));
    let mut add = |path: &str, data: &[u8]| -> Result<()> {
        let h = tar_header(path, data.len() as u64, tar::EntryType::Regular, 0o644, 0);
        b.append(&h, data).context("writing the docker archive")
    };
    add(&config_name, &config)?;
    for (name, l) in layer_names.iter().zip(&layers) {
        add(name, &l.tar)?;
    }
    add("manifest.json", &manifest)?;
    b.into_inner().context("finishing the docker archive")
}

impl Dockerd {
    /// Build `spec` as a docker-archive tagged `reference` (`name:tag`; `:latest` added when
    /// missing) and load it (`POST /images/load`), so the image's os/architecture are exactly
    /// the spec's. Returns the image ID (`sha256:…`).
    pub async fn load_image(&self, reference: &str, spec: &ImageSpec) -> Result<String> {
        let last = reference.rsplit('/').next().unwrap_or(reference);
        let reference = if last.contains(':') || last.contains('@') {
            reference.to_string()
        } else {
            format!("{reference}:latest")
        };
        let (r2, s2) = (reference.clone(), spec.clone());
        let archive = tokio::task::spawn_blocking(move || docker_archive(&r2, &s2))
            .await
            .context("archive build task panicked")??;
        let docker = self.client();
        let opts = bollard::query_parameters::ImportImageOptions { quiet: true, platform: None };
        let mut stream = docker.import_image(opts, bollard::body_full(Bytes::from(archive)), None);
        while let Some(item) = stream.next().await {
            let info = item.with_context(|| format!("loading {reference} into dockerd"))?;
            if let Some(e) = info.error_detail {
                bail!("loading {reference}: {}", e.message.unwrap_or_default());
            }
        }
        let inspect = docker
            .inspect_image(&reference)
            .await
            .with_context(|| format!("inspecting loaded image {reference}"))?;
        inspect.id.ok_or_else(|| anyhow!("inspect of {reference} has no Id"))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_704_067_200 + 3661)), "2024-01-01T01:01:01Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn layers_are_real_tar_gz_and_deterministic_with_seed() {
        let a = build_layer(1000, 7, true).unwrap();
        let b = build_layer(1000, 7, true).unwrap();
        let c = build_layer(1000, 8, true).unwrap();
        assert_eq!(a.digest, b.digest);
        assert_ne!(a.digest, c.digest);
        let mut gz = flate2::read::GzDecoder::new(&a.gz[..]);
        let mut tar_bytes = Vec::new();
        std::io::Read::read_to_end(&mut gz, &mut tar_bytes).unwrap();
        assert_eq!(sha256_digest(&tar_bytes), a.diff_id);
        let mut ar = tar::Archive::new(&tar_bytes[..]);
        let sizes: Vec<u64> = ar.entries().unwrap().map(|e| e.unwrap().header().size().unwrap()).collect();
        assert_eq!(sizes, vec![0, 1000]);
    }

    #[test]
    fn unseeded_layers_are_unique() {
        let s = ImageSpec::default();
        let a = build_layers(&s, true).unwrap();
        let b = build_layers(&s, true).unwrap();
        assert_ne!(a[0].digest, b[0].digest);
    }

    #[test]
    fn big_layer_is_fast() {
        // RMH_BIG_LAYER_MIB=200 cargo test --release … big_layer -- --nocapture to measure.
        let mib: usize = std::env::var("RMH_BIG_LAYER_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
        let t = std::time::Instant::now();
        let l = build_layer(mib << 20, 1, true).unwrap();
        assert!(l.gz.len() > mib << 20);
        let el = t.elapsed();
        eprintln!("{mib} MiB layer (tar + gzip + 2 sha256) built in {el:?}");
        // Generous: unoptimised builds are ~10x slower than release.
        assert!(el < Duration::from_secs(mib as u64), "{el:?}");
    }
}
