//! One client per registry host: ours, and any other that a sync reads from or a rename or a push
//! writes to (`target_registry_host`). Other hosts' clients are kept for the
//! [`MAX_SOURCE_CLIENTS`] most recently used hosts, so syncs from ever new hosts do not pile up
//! connection pools and token caches; ours is kept for good.
//!
//! References are parsed and normalised as Docker does, by `oci_spec::distribution::Reference`
//! (`nginx:1.27` → `docker.io/library/nginx:1.27`). Each registry host gets one client (shared
//! tokens, pool and caches), with credentials from a Docker `config.json` (`SOURCE_REGISTRY_AUTH_FILE`,
//! see `docker_config.rs`). Loopback hosts and `INSECURE_REGISTRIES` are spoken to over plain
//! http, as the Docker daemon does; everything else over https.
//!
//! Every client applies the one [`OutboundPolicy`]; jobs may write only to our registry
//! (`REGISTRY_PUSH_HOST`) and to `TARGET_REGISTRIES`.

use std::collections::HashSet;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lru::LruCache;
use oci_spec::distribution::Reference;

use super::docker_config::DockerConfig;
use super::outbound::{HostPattern, OutboundPolicy};
use super::reference::{Digest, Reference as ManifestReference, ReferenceError, RepositoryName, Tag};
use super::{Credentials, RegistryClient, RegistryClientOptions};
use crate::model::AppError;

/// Docker's name for Docker Hub in references, and the host its registry API answers on.
const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// Clients kept for registries other than ours. A host used again after being dropped gets a new
/// client (a new connection pool and token); a job still holding the old one keeps using it.
pub const MAX_SOURCE_CLIENTS: usize = 64;

/// A parsed source reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRef {
    /// `docker.io`, `127.0.0.1:5001`, …
    pub registry: String,
    /// Repository path inside that registry (`library/nginx`).
    pub repository: RepositoryName,
    pub tag: Option<Tag>,
    pub digest: Option<Digest>,
}

impl SourceRef {
    pub fn parse(input: &str) -> Result<Self, AppError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(AppError::BadRequest(crate::msg!(SourceImageEmpty)));
        }
        // Why: oci-spec's reason verbatim, or our grammar's rule in the reader's language.
        let refused = |why: crate::model::Message| {
            AppError::BadRequest(crate::msg!(SourceImageInvalid, &format!("{input:?}"), why))
        };
        let reference: Reference =
            input.parse().map_err(|e: oci_spec::distribution::ParseError| refused(e.to_string().into()))?;
        // `Reference` normalises as Docker does; its parts are then checked by our grammar (a
        // digest `Reference` accepts may still be of the wrong length for its algorithm).
        // `Reference` defaults the tag to `latest` only when neither a tag nor a digest is given.
        Ok(Self {
            registry: reference.registry().to_owned(),
            repository: reference.repository().parse().map_err(|e: ReferenceError| refused(e.message()))?,
            tag: reference
                .tag()
                .map(str::parse)
                .transpose()
                .map_err(|e: ReferenceError| refused(e.message()))?,
            digest: reference
                .digest()
                .map(str::parse)
                .transpose()
                .map_err(|e: ReferenceError| refused(e.message()))?,
        })
    }

    /// What the registry API is asked for: the digest when there is one, else the tag.
    pub fn manifest_reference(&self) -> ManifestReference {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => ManifestReference::Digest(digest.clone()),
            (None, Some(tag)) => ManifestReference::Tag(tag.clone()),
            (None, None) => ManifestReference::Tag(Tag::latest()),
        }
    }

    /// The repository this image gets in our registry unless the user names one: its path
    /// without the registry, and without Docker Hub's `library/` for official images.
    pub fn default_target_repository(&self) -> RepositoryName {
        match self.repository.as_str().strip_prefix("library/") {
            Some(rest) if self.registry == DOCKER_HUB && !rest.contains('/') => {
                // The last component of a valid name is a valid name.
                rest.parse().unwrap_or_else(|_| self.repository.clone())
            }
            _ => self.repository.clone(),
        }
    }

    /// The normalised reference, as Docker prints it.
    pub fn normalized(&self) -> String {
        let mut out = format!("{}/{}", self.registry, self.repository);
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag.as_str());
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest.as_str());
        }
        out
    }
}

/// Clients for registries by host, built on first use.
pub struct SourceRegistries {
    ours: RegistryClient,
    /// `REGISTRY_PUSH_HOST`: how users name images in our registry.
    push_host: String,
    /// Host names that mean our registry (push host and API host).
    our_hosts: HashSet<String>,
    credentials: DockerConfig,
    insecure: HashSet<String>,
    timeout: Duration,
    ca_cert: Option<PathBuf>,
    outbound: Arc<OutboundPolicy>,
    /// `TARGET_REGISTRIES`: other registries jobs may write to.
    targets: Vec<HostPattern>,
    /// Other registries' clients by host, least recently used dropped first. Ours is not in it.
    clients: Mutex<LruCache<String, RegistryClient>>,
}

/// How [`SourceRegistries`] reaches registries other than ours.
pub struct SourceSettings {
    /// Credentials by host, from `SOURCE_REGISTRY_AUTH_FILE`.
    pub credentials: DockerConfig,
    /// `INSECURE_REGISTRIES`: hosts spoken to over plain http.
    pub insecure: Vec<String>,
    pub timeout: Duration,
    pub ca_cert: Option<PathBuf>,
    pub outbound: Arc<OutboundPolicy>,
    /// `TARGET_REGISTRIES`.
    pub targets: Vec<HostPattern>,
}

impl SourceRegistries {
    /// `ours` is our registry, named `push_host` by users and also any of `other_hosts` (its API
    /// host).
    pub fn new(
        ours: RegistryClient,
        push_host: String,
        other_hosts: impl IntoIterator<Item = String>,
        settings: SourceSettings,
    ) -> Self {
        let our_hosts = std::iter::once(push_host.clone()).chain(other_hosts).collect();
        Self {
            ours,
            push_host,
            our_hosts,
            credentials: settings.credentials,
            insecure: settings.insecure.into_iter().collect(),
            timeout: settings.timeout,
            ca_cert: settings.ca_cert,
            outbound: settings.outbound,
            targets: settings.targets,
            clients: Mutex::new(LruCache::new(NonZeroUsize::new(MAX_SOURCE_CLIENTS).expect("not zero"))),
        }
    }

    /// `REGISTRY_PUSH_HOST`: how users name images in our registry.
    pub fn push_host(&self) -> &str {
        &self.push_host
    }

    pub fn is_ours(&self, host: &str) -> bool {
        self.our_hosts.contains(host)
    }

    /// The credentials for `host`: ours (`REGISTRY_USERNAME`/`REGISTRY_PASSWORD`) for our
    /// registry, else those of `SOURCE_REGISTRY_AUTH_FILE`, else anonymous.
    pub fn credentials_for(&self, host: &str) -> Credentials {
        if self.is_ours(host) {
            return self.ours.credentials().clone();
        }
        self.credentials.credentials_for(host)
    }

    /// Whether the Docker daemon may be sent to pull from `host` (a sync with `engine: docker`):
    /// the outbound policy's answer for that host, as for our own connections. Our registry is
    /// always allowed.
    pub async fn check_daemon_source(&self, host: &str) -> Result<(), AppError> {
        if self.is_ours(host) {
            return Ok(());
        }
        let api_host = if host == DOCKER_HUB { DOCKER_HUB_API } else { host };
        self.outbound
            .check_host_for_daemon(api_host)
            .await
            .map_err(|refusal| AppError::BadRequest(crate::msg!(DaemonPullRefused, host, refusal.0)))
    }

    /// The client for `host` (`host[:port]`, as in an image reference).
    pub fn client(&self, host: &str) -> Result<RegistryClient, AppError> {
        if self.is_ours(host) {
            return Ok(self.ours.clone());
        }
        let mut clients = self.clients.lock().expect("source clients lock");
        if let Some(client) = clients.get(host) {
            return Ok(client.clone());
        }
        let api_host = if host == DOCKER_HUB { DOCKER_HUB_API } else { host };
        let scheme = if self.insecure.contains(host) || is_loopback(host) { "http" } else { "https" };
        let base_url = url::Url::parse(&format!("{scheme}://{api_host}/"))
            .map_err(|e| AppError::BadRequest(crate::msg!(RegistryHostInvalid, &format!("{host:?}"), &e)))?;
        let client = RegistryClient::new(RegistryClientOptions {
            base_url,
            credentials: self.credentials.credentials_for(host),
            timeout: self.timeout,
            ca_cert: self.ca_cert.clone(),
            insecure: false,
            outbound: self.outbound.clone(),
        })
        .map_err(|e| AppError::Upstream(e.message()))?;
        clients.put(host.to_owned(), client.clone());
        Ok(client)
    }

    /// The registry a job writes to, and the host it is named by: ours unless `host` (a request's
    /// `target_registry_host`) names another one.
    pub fn target(&self, host: Option<&str>) -> Result<(RegistryClient, String), AppError> {
        match host.map(str::trim).filter(|h| !h.is_empty()) {
            None => Ok((self.ours.clone(), self.push_host.clone())),
            Some(host) => {
                if host.contains("://") || host.contains('/') || host.contains(char::is_whitespace) {
                    return Err(AppError::BadRequest(crate::msg!(TargetHostForm, &format!("{host:?}"))));
                }
                if !self.is_ours(host) && !self.targets.iter().any(|t| t.matches_host_port(host)) {
                    return Err(AppError::BadRequest(crate::msg!(
                        TargetHostNotAllowed,
                        &format!("{host:?}"),
                        &self.push_host
                    )));
                }
                Ok((self.client(host)?, host.to_owned()))
            }
        }
    }
}

fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_normalised_as_docker_does() {
        let short = SourceRef::parse("nginx:1.27").unwrap();
        assert_eq!(short.normalized(), "docker.io/library/nginx:1.27");
        assert_eq!(short.default_target_repository(), "nginx");
        let local = SourceRef::parse("127.0.0.1:5001/team/app:v1").unwrap();
        assert_eq!((local.registry.as_str(), local.repository.as_str()), ("127.0.0.1:5001", "team/app"));
        assert_eq!(local.default_target_repository(), "team/app");
        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = SourceRef::parse(&format!("localhost:5000/app@{digest}")).unwrap();
        assert_eq!((&pinned.tag, &pinned.digest), (&None, &Some(digest.parse().unwrap())));
        assert_eq!(pinned.manifest_reference().as_str(), digest);
        assert!(matches!(SourceRef::parse(""), Err(AppError::BadRequest(_))));
        assert!(matches!(SourceRef::parse("Upper/Case:tag"), Err(AppError::BadRequest(_))));
        // `Reference` takes any 32 or more hex digits; a sha256 digest has exactly 64.
        let short = format!("localhost:5000/app@sha256:{}", "a".repeat(32));
        assert!(matches!(SourceRef::parse(&short), Err(AppError::BadRequest(_))));
    }

    fn sources() -> SourceRegistries {
        let ours_url = url::Url::parse("http://127.0.0.1:5000/").unwrap();
        let outbound = Arc::new(OutboundPolicy::new(&ours_url, [], Vec::new()));
        let options = |base_url| RegistryClientOptions {
            base_url,
            credentials: Credentials::Anonymous,
            timeout: Duration::from_secs(5),
            ca_cert: None,
            insecure: false,
            outbound: outbound.clone(),
        };
        let ours = RegistryClient::new(options(ours_url.clone())).unwrap();
        let settings = SourceSettings {
            credentials: DockerConfig::default(),
            insecure: Vec::new(),
            timeout: Duration::from_secs(5),
            ca_cert: None,
            outbound: outbound.clone(),
            targets: Vec::new(),
        };
        SourceRegistries::new(ours, "127.0.0.1:5000".to_owned(), ["localhost:5000".to_owned()], settings)
    }

    // Guards issue 11: a client per source host used to be kept forever.
    #[test]
    fn other_hosts_clients_are_bounded_least_recently_used_first_and_ours_is_never_dropped() {
        let sources = sources();
        let same = |a: &RegistryClient, b: &RegistryClient| Arc::ptr_eq(&a.inner, &b.inner);
        let ours = sources.client("127.0.0.1:5000").unwrap();
        let kept = sources.client("kept.example.test").unwrap();
        for n in 0..MAX_SOURCE_CLIENTS * 2 {
            sources.client(&format!("host{n}.example.test")).unwrap();
            // Used all along, so never the least recently used.
            assert!(same(&sources.client("kept.example.test").unwrap(), &kept));
        }
        assert_eq!(sources.clients.lock().unwrap().len(), MAX_SOURCE_CLIENTS);
        assert!(same(&sources.client("127.0.0.1:5000").unwrap(), &ours), "our client is never replaced");
        assert!(same(&sources.client("localhost:5000").unwrap(), &ours));
        let first = sources.clients.lock().unwrap().contains("host0.example.test");
        assert!(!first, "the least recently used host was dropped");
    }

    #[test]
    fn loopback_hosts_use_plain_http() {
        assert!(is_loopback("127.0.0.1:5000") && is_loopback("localhost") && is_loopback("[::1]:5000"));
        assert!(!is_loopback("registry.example.test:443"));
    }
}
