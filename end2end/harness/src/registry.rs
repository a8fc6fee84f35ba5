//! A real `docker-registry` (distribution 2.8.2) process per [`Registry`], in four flavours.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use reqwest::{Method, RequestBuilder, StatusCode, header};
use tempfile::TempDir;

use crate::certs;
use crate::process::{self, ChildGuard, Probe};
use crate::token::{TokenIssuer, TokenServer};

/// The registry binary (override with `RMH_REGISTRY_BIN`).
pub fn registry_bin() -> String {
    std::env::var("RMH_REGISTRY_BIN").unwrap_or_else(|_| "docker-registry".to_string())
}

/// Test user of the Basic and Bearer flavours.
pub const TEST_USER: &str = "rmh-user";
/// Test password of the Basic and Bearer flavours.
pub const TEST_PASSWORD: &str = "rmh-secret-pw";
/// `auth.token.service` of the Bearer flavour.
pub const TOKEN_SERVICE: &str = "rmh-registry";
/// `auth.token.issuer` of the Bearer flavour.
pub const TOKEN_ISSUER: &str = "rmh-token-issuer";
/// `auth.htpasswd.realm` of the Basic flavour.
pub const BASIC_REALM: &str = "rmh-basic";

/// The four media types a manifest HEAD/GET accepts.
pub const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json, \
     application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json";

/// How long a registry may take to answer its first request.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// Plain HTTP, no auth.
    Plain,
    /// HTTP with htpasswd (bcrypt) Basic auth.
    Basic,
    /// HTTP with token auth; the harness serves the token endpoint.
    Bearer,
    /// HTTPS with a generated CA, no auth.
    Tls,
}

#[derive(Debug, Clone)]
pub struct RegistryBuilder {
    flavour: Flavour,
    delete_enabled: bool,
    port: Option<u16>,
    storage_dir: Option<PathBuf>,
    blob_descriptor_cache: bool,
}

impl Default for RegistryBuilder {
    fn default() -> Self {
        RegistryBuilder {
            flavour: Flavour::Plain,
            delete_enabled: true,
            port: None,
            storage_dir: None,
            blob_descriptor_cache: false,
        }
    }
}

impl RegistryBuilder {
    pub fn flavour(mut self, flavour: Flavour) -> Self {
        self.flavour = flavour;
        self
    }

    /// `storage.delete.enabled` (default true).
    pub fn delete_enabled(mut self, enabled: bool) -> Self {
        self.delete_enabled = enabled;
        self
    }

    /// Listen on this port instead of a free one (no retry when it is taken).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Keep the registry's storage (`storage.filesystem.rootdirectory`) in `dir` instead of the
    /// instance's temp dir: created if missing, **never removed** (not on drop either), so a
    /// later registry started on the same `dir` serves the same repositories. For fixtures that
    /// are expensive to generate (the benchmark's `bench/data`). Config, certs and logs stay in
    /// the temp dir. Do not start two registries on one `dir` at the same time.
    pub fn storage_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.storage_dir = Some(dir.into());
        self
    }

    /// `storage.cache.blobdescriptor: inmemory`, as in the config shipped with Debian's
    /// `docker-registry` and the `registry:2` image (default false: no cache).
    pub fn blob_descriptor_cache(mut self, enabled: bool) -> Self {
        self.blob_descriptor_cache = enabled;
        self
    }

    pub async fn start(self) -> Result<Registry> {
        Registry::start_with(self).await
    }
}

enum Auth {
    None,
    Basic,
    Bearer { issuer: Arc<TokenIssuer>, server: TokenServer },
}

/// A running registry. Dropping it stops the process (and token endpoint) and removes its
/// temp dir.
pub struct Registry {
    // Field order is drop order: process first, then token endpoint, then the dir.
    child: ChildGuard,
    auth: Auth,
    flavour: Flavour,
    port: u16,
    delete_enabled: bool,
    ca_cert: Option<PathBuf>,
    storage: PathBuf,
    http: reqwest::Client,
    dir: TempDir,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("flavour", &self.flavour)
            .field("url", &self.url())
            .field("pid", &self.pid())
            .field("dir", &self.dir.path())
            .finish()
    }
}

fn basic_header(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// `repository:<repo>:pull,push,delete`
pub fn repo_scope(repo: &str) -> String {
    format!("repository:{repo}:pull,push,delete")
}

/// Scope of the catalog endpoint.
pub const CATALOG_SCOPE: &str = "registry:catalog:*";

fn http_client(ca_cert: Option<&Path>) -> Result<reqwest::Client> {
    // No idle pool: the client may be used from several test runtimes in turn.
    let mut b = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(300));
    if let Some(ca) = ca_cert {
        let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
        b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem)?);
    }
    b.build().context("building the HTTP client")
}

impl Registry {
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// Start a registry of this flavour with deletes enabled.
    pub async fn start(flavour: Flavour) -> Result<Registry> {
        Registry::builder().flavour(flavour).start().await
    }

    async fn start_with(b: RegistryBuilder) -> Result<Registry> {
        let what = format!("{:?} registry", b.flavour);
        let dir = process::temp_dir()?;
        let root = dir.path().to_path_buf();
        let storage = match &b.storage_dir {
            Some(dir) => {
                std::path::absolute(dir).with_context(|| format!("storage dir {}", dir.display()))?
            }
            None => root.join("data"),
        };
        std::fs::create_dir_all(&storage)
            .with_context(|| format!("creating the storage dir {}", storage.display()))?;
        let cache_yaml =
            if b.blob_descriptor_cache { "  cache:\n    blobdescriptor: inmemory\n" } else { "" };

        let mut auth_yaml = String::new();
        let mut tls_yaml = String::new();
        let mut ca_cert = None;
        let auth = match b.flavour {
            Flavour::Plain => Auth::None,
            Flavour::Tls => {
                let root2 = root.clone();
                let files = tokio::task::spawn_blocking(move || certs::tls_files(&root2))
                    .await?
                    .context("generating TLS material")?;
                tls_yaml = format!(
                    "  tls:\n    certificate: {}\n    key: {}\n",
                    files.server_cert.display(),
                    files.server_key.display()
                );
                ca_cert = Some(files.ca_cert);
                Auth::None
            }
            Flavour::Basic => {
                let hash = bcrypt::hash(TEST_PASSWORD, 4).context("bcrypt-hashing")?;
                let path = root.join("htpasswd");
                std::fs::write(&path, format!("{TEST_USER}:{hash}\n"))?;
                auth_yaml =
                    format!("auth:\n  htpasswd:\n    realm: {BASIC_REALM}\n    path: {}\n", path.display());
                Auth::Basic
            }
            Flavour::Bearer => {
                let root2 = root.clone();
                let cert = tokio::task::spawn_blocking(move || certs::token_signing_cert(&root2))
                    .await?
                    .context("generating the token signing certificate")?;
                let issuer =
                    Arc::new(TokenIssuer::new(&cert, TOKEN_ISSUER, TOKEN_SERVICE, TEST_USER, TEST_PASSWORD)?);
                let server = TokenServer::start(issuer.clone())?;
                auth_yaml = format!(
                    "auth:\n  token:\n    realm: {}\n    service: {TOKEN_SERVICE}\n    issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                    server.url(),
                    cert.cert_pem_path.display()
                );
                Auth::Bearer { issuer, server }
            }
        };
        let http = http_client(ca_cert.as_deref())?;
        let scheme = if ca_cert.is_some() { "https" } else { "http" };

        let attempts = if b.port.is_some() { 1 } else { process::START_ATTEMPTS };
        let (child, port) = process::retry_on_port_conflict_n(&what, attempts, |attempt| {
            let root = root.clone();
            let storage = storage.clone();
            let auth_yaml = auth_yaml.clone();
            let tls_yaml = tls_yaml.clone();
            let cache_yaml = cache_yaml.to_string();
            let http = http.clone();
            let what = what.clone();
            async move {
                let port = match b.port {
                    Some(p) => p,
                    None => process::free_port()?,
                };
                let config = format!(
                    "version: 0.1\n\
                     log:\n  level: warn\n  formatter: text\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: {}\n  \
                     maintenance:\n    uploadpurging:\n      enabled: false\n{cache_yaml}\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: rmh-{port}-{}\n{tls_yaml}\
                     {auth_yaml}",
                    storage.display(),
                    b.delete_enabled,
                    std::process::id(),
                );
                let config_path = root.join("config.yml");
                std::fs::write(&config_path, config)?;
                let log = root.join(format!("registry-{attempt}.log"));
                let mut cmd = Command::new(registry_bin());
                cmd.arg("serve").arg(&config_path).current_dir(&root);
                for (k, _) in std::env::vars_os() {
                    if k.to_string_lossy().starts_with("REGISTRY_") {
                        cmd.env_remove(k);
                    }
                }
                let mut child = ChildGuard::spawn(&what, cmd, &log)?;
                let url = format!("{scheme}://127.0.0.1:{port}/v2/");
                let child_ref = &mut child;
                process::poll_until(
                    &format!("{what} on port {port}"),
                    READY_TIMEOUT,
                    Duration::from_millis(25),
                    || {
                        let exited = child_ref.exited().is_some();
                        let fail = exited.then(|| child_ref.exited_error("starting"));
                        let http = http.clone();
                        let url = url.clone();
                        async move {
                            if let Some(e) = fail {
                                return Probe::Fail(e);
                            }
                            match http.get(&url).timeout(Duration::from_secs(2)).send().await {
                                Ok(_) => Probe::Ready(()),
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

        Ok(Registry {
            child,
            auth,
            flavour: b.flavour,
            port,
            delete_enabled: b.delete_enabled,
            ca_cert,
            storage,
            http,
            dir,
        })
    }

    pub fn flavour(&self) -> Flavour {
        self.flavour
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT` (what `docker pull` and skopeo use as the registry host).
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.ca_cert.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn delete_enabled(&self) -> bool {
        self.delete_enabled
    }

    /// The test user and password (Basic and Bearer), `None` without auth.
    pub fn credentials(&self) -> Option<(String, String)> {
        match self.auth {
            Auth::None => None,
            Auth::Basic | Auth::Bearer { .. } => Some((TEST_USER.to_string(), TEST_PASSWORD.to_string())),
        }
    }

    /// The CA certificate (Tls only). It is alone in its directory, so
    /// `ca_cert_path().parent()` works as skopeo's `--cert-dir`.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.ca_cert.as_deref()
    }

    /// A client for this registry (trusts the CA for Tls; no proxy; no idle pool).
    pub fn http(&self) -> reqwest::Client {
        self.http.clone()
    }

    /// `Authorization` value for `scope`: Basic → the test credentials; Bearer → a token
    /// minted directly by the harness for that scope (e.g. `repository:foo/bar:pull,push,delete`
    /// or `registry:catalog:*`); Plain/Tls → `None`.
    pub fn auth_header(&self, scope: &str) -> Option<String> {
        self.auth_header_scopes(&[scope])
    }

    /// Like [`Registry::auth_header`], with all `scopes` in one token.
    pub fn auth_header_scopes(&self, scopes: &[&str]) -> Option<String> {
        match &self.auth {
            Auth::None => None,
            Auth::Basic => Some(basic_header(TEST_USER, TEST_PASSWORD)),
            Auth::Bearer { issuer, .. } => Some(format!(
                "Bearer {}",
                issuer.mint(TEST_USER, scopes).expect("minting a token with the harness key")
            )),
        }
    }

    /// A token for `scopes` signed by the harness key (Bearer only).
    pub fn mint_token(&self, scopes: &[&str]) -> Option<String> {
        match &self.auth {
            Auth::Bearer { issuer, .. } => {
                Some(issuer.mint(TEST_USER, scopes).expect("minting a token with the harness key"))
            }
            _ => None,
        }
    }

    /// The token endpoint (`http://127.0.0.1:PORT/token`), Bearer only.
    pub fn token_url(&self) -> Option<String> {
        match &self.auth {
            Auth::Bearer { server, .. } => Some(server.url()),
            _ => None,
        }
    }

    /// `auth.token.service` (Bearer only).
    pub fn token_service(&self) -> Option<&str> {
        match &self.auth {
            Auth::Bearer { issuer, .. } => Some(&issuer.service),
            _ => None,
        }
    }

    /// `storage.filesystem.rootdirectory` (the builder's [`RegistryBuilder::storage_dir`] if
    /// given, else inside the temp dir).
    pub fn storage_dir(&self) -> &Path {
        &self.storage
    }

    /// The instance's temp dir (config, certs, logs, and the storage unless
    /// [`RegistryBuilder::storage_dir`] put it elsewhere); removed on drop.
    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.pid()
    }

    /// The last lines of the registry's log.
    pub fn log_tail(&self) -> String {
        self.child.log_tail()
    }

    /// A request to `path` (e.g. `/v2/foo/tags/list`, or a full URL) with the
    /// `Authorization` header for `scope` (if this flavour has auth).
    pub fn request(&self, method: Method, path: &str, scope: &str) -> RequestBuilder {
        let url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.url(), path)
        };
        let mut rb = self.http.request(method, url);
        if let Some(h) = self.auth_header(scope) {
            rb = rb.header(header::AUTHORIZATION, h);
        }
        rb
    }

    /// Follows `Link: <…>; rel="next"` pages of a JSON list endpoint from `first`, returning
    /// each page's `field`, in the order the registry sent them.
    pub async fn pages(&self, first: &str, field: &str, scope: &str) -> Result<Vec<Vec<String>>> {
        let mut pages = Vec::new();
        let mut next = Some(first.to_string());
        while let Some(path) = next.take() {
            let resp = success(self.request(Method::GET, &path, scope), "GET", &path).await?;
            next = resp.headers().get(header::LINK).and_then(|v| v.to_str().ok()).and_then(parse_next_link);
            let v: serde_json::Value = resp.json().await.with_context(|| format!("GET {path}"))?;
            let items = v.get(field).and_then(|x| x.as_array()).into_iter().flatten();
            pages.push(items.filter_map(|s| s.as_str().map(String::from)).collect());
        }
        Ok(pages)
    }

    /// [`Registry::pages`], joined.
    async fn paged_list(&self, first: &str, field: &str, scope: &str) -> Result<Vec<String>> {
        Ok(self.pages(first, field, scope).await?.concat())
    }

    /// Every repository, walking `_catalog` pages (`n=100`) via `Link`; sorted.
    pub async fn catalog(&self) -> Result<Vec<String>> {
        let mut v = self.paged_list("/v2/_catalog?n=100", "repositories", CATALOG_SCOPE).await?;
        v.sort();
        Ok(v)
    }

    /// Every tag of `repo`, walking `tags/list` pages (`n=100`) via `Link`; sorted.
    /// (distribution 2.8.2 ignores `n` on tags/list and answers in directory order.)
    pub async fn tags(&self, repo: &str) -> Result<Vec<String>> {
        self.tags_paged(repo, 100).await
    }

    /// Every tag of `repo`, walking pages of `n` via `Link`; sorted.
    pub async fn tags_paged(&self, repo: &str, n: usize) -> Result<Vec<String>> {
        let mut v =
            self.paged_list(&format!("/v2/{repo}/tags/list?n={n}"), "tags", &repo_scope(repo)).await?;
        v.sort();
        Ok(v)
    }

    /// `Docker-Content-Digest` of a manifest (HEAD, all four Accept types); `None` on 404.
    pub async fn manifest_digest(&self, repo: &str, reference: &str) -> Result<Option<String>> {
        let path = format!("/v2/{repo}/manifests/{reference}");
        let resp = self
            .request(Method::HEAD, &path, &repo_scope(repo))
            .header(header::ACCEPT, MANIFEST_ACCEPT)
            .send()
            .await
            .with_context(|| format!("HEAD {path}"))?;
        match resp.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(
                resp.headers()
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| anyhow!("HEAD {path}: no Docker-Content-Digest"))?
                    .to_string(),
            )),
            s => bail!("HEAD {path} → {s}"),
        }
    }

    /// A manifest's `Content-Type` and exact bytes.
    pub async fn get_manifest(&self, repo: &str, reference: &str) -> Result<(String, Vec<u8>)> {
        let path = format!("/v2/{repo}/manifests/{reference}");
        let request =
            self.request(Method::GET, &path, &repo_scope(repo)).header(header::ACCEPT, MANIFEST_ACCEPT);
        let resp = success(request, "GET", &path).await?;
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Ok((ct, resp.bytes().await?.to_vec()))
    }

    /// Whether `HEAD /v2/<repo>/blobs/<digest>` answers 200.
    pub async fn blob_exists(&self, repo: &str, digest: &str) -> Result<bool> {
        let path = format!("/v2/{repo}/blobs/{digest}");
        let resp = self
            .request(Method::HEAD, &path, &repo_scope(repo))
            .send()
            .await
            .with_context(|| format!("HEAD {path}"))?;
        match resp.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            s => bail!("HEAD {path} → {s}"),
        }
    }

    /// `DELETE /v2/<repo>/manifests/<reference>`; returns the status (202 when deleted).
    pub async fn delete_manifest(&self, repo: &str, reference: &str) -> Result<StatusCode> {
        let path = format!("/v2/{repo}/manifests/{reference}");
        let resp = self
            .request(Method::DELETE, &path, &repo_scope(repo))
            .send()
            .await
            .with_context(|| format!("DELETE {path}"))?;
        Ok(resp.status())
    }
}

/// Sends `request` (`method path`, for messages) and returns its answer if it is a success; any
/// other status is an error carrying the status and the body the registry sent.
async fn success(request: RequestBuilder, method: &str, path: &str) -> Result<reqwest::Response> {
    let resp = request.send().await.with_context(|| format!("{method} {path}"))?;
    let status = resp.status();
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        bail!("{method} {path} → {status}: {body}");
    }
    Ok(resp)
}

/// The URL in a `Link: <url>; rel="next"` header.
pub fn parse_next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let part = part.trim();
        if !part.contains("rel=\"next\"") && !part.contains("rel=next") {
            return None;
        }
        let start = part.find('<')?;
        let end = part[start..].find('>')? + start;
        Some(part[start + 1..end].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link() {
        assert_eq!(
            parse_next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#).as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(parse_next_link(r#"</x>; rel="prev""#), None);
    }
}
