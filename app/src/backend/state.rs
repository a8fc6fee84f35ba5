//! Application state, built once at start-up and shared by REST handlers and server functions.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::auth::authenticator::{Auth, AuthSettings};
use super::browse::TagIndex;
use super::config::{Config, RegistryMode};
use super::docker::DockerClient;
use super::gc::{ContainerTarget, GcTarget, HostTarget};
use super::jobs::{Deps, JobManager, JobsConfig, Store};
use super::registry::{
    Credentials, DockerConfig, OutboundPolicy, RegistryClient, RegistryClientOptions, RegistryError,
    SourceRegistries, SourceSettings,
};
use super::registry_process::{EmbeddedRegistry, find_binary};
use super::service::streams::LiveStreams;
use super::storage::StorageIndex;
use super::store::{Db, StoreError};

/// Everything a request needs. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub registry: RegistryClient,
    /// Tag counts per repository, kept under `DATA_DIR` (`browse/index.rs`).
    pub tag_index: TagIndex,
    /// Storage usage per repository, scanned once and kept (`storage.rs`).
    pub storage: StorageIndex,
    pub docker: Arc<DockerClient>,
    pub jobs: JobManager,
    pub auth: Auth,
    /// Live job streams open per user (`MAX_STREAMS_PER_USER`).
    pub streams: LiveStreams,
    /// The registry this server runs itself (`REGISTRY_MODE=embedded`).
    pub embedded: Option<EmbeddedRegistry>,
}

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Config(String),
}

impl AppState {
    /// Builds the state; in embedded mode it also starts the registry (call
    /// [`EmbeddedRegistry::wait_ready`] before serving). Needs a tokio runtime.
    pub fn new(config: Config, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        config.validate().map_err(StartupError::Config)?;
        let embedded = match config.registry_mode {
            RegistryMode::External => None,
            RegistryMode::Embedded => {
                let binary = config.embedded_registry_bin.clone().or_else(find_binary).ok_or_else(|| {
                    StartupError::Config(
                        "REGISTRY_MODE=embedded needs the registry binary: install Debian's docker-registry \
                         (apt-get install docker-registry), put `registry` on PATH, or set EMBEDDED_REGISTRY_BIN"
                            .to_owned(),
                    )
                })?;
                let dir = config.data_dir.join("registry");
                Some(
                    EmbeddedRegistry::start(binary, dir, config.embedded_registry_addr)
                        .map_err(StartupError::Config)?,
                )
            }
        };
        let credentials = match (&config.registry_username, &config.registry_password) {
            (Some(username), Some(password)) => {
                Credentials::Basic { username: username.clone(), password: password.clone() }
            }
            _ => Credentials::Anonymous,
        };
        let timeout = Duration::from_secs(config.request_timeout_sec);
        // Our registry and the listed sources and targets may be at any address; everything else
        // only at public ones.
        let outbound = Arc::new(OutboundPolicy::new(
            &config.registry_api_url(),
            config.source_registries.iter().chain(&config.target_registries).cloned(),
            config.token_realm_hosts.clone(),
        ));
        let registry = RegistryClient::new(RegistryClientOptions {
            base_url: config.registry_api_url(),
            credentials,
            timeout,
            ca_cert: config.registry_ca_cert.clone(),
            insecure: config.registry_insecure,
            outbound: outbound.clone(),
        })?;
        let tag_ttl = Duration::from_secs(config.tag_cache_ttl_sec);
        registry.set_tag_cache_ttl(tag_ttl);
        registry.set_tag_cache_max_stale(Duration::from_secs(config.tag_cache_max_stale_sec));
        let source_credentials = match &config.source_registry_auth_file {
            Some(path) => DockerConfig::read(path).map_err(StartupError::Config)?,
            None => Default::default(),
        };
        let sources = SourceRegistries::new(
            registry.clone(),
            config.registry_push_host(),
            [config.registry_api_host()],
            SourceSettings {
                credentials: source_credentials,
                insecure: config
                    .insecure_registries
                    .iter()
                    .map(|h| h.trim().to_owned())
                    .filter(|h| !h.is_empty())
                    .collect(),
                timeout,
                ca_cert: config.registry_ca_cert.clone(),
                outbound,
                targets: config.target_registries.clone(),
            },
        );
        let docker = Arc::new(DockerClient::new(config.docker_host.as_deref(), config.request_timeout_sec));
        let gc_target = gc_target(&config, embedded.as_ref(), &docker)?;
        let db = Db::open(&config.data_dir)?;
        let store = Store::new(db.clone());
        let tag_index = TagIndex::new(db.clone(), &registry, tag_ttl);
        let storage = StorageIndex::new(&registry);
        let jobs = JobManager::new(
            store,
            Deps {
                registry: registry.clone(),
                sources,
                docker: docker.clone(),
                gc_target,
                local_push_concurrency: config.local_push_concurrency,
                storage: storage.clone(),
                gc: Default::default(),
            },
            JobsConfig {
                workers: config.job_workers,
                retention: config.sync_job_retention as usize,
                max_queued: config.max_queued_jobs,
            },
        )?;
        let auth = Auth::new(
            db,
            AuthSettings {
                mode: config.auth,
                session_idle: Duration::from_secs(config.session_idle_minutes * 60),
                session_max: Duration::from_secs(config.session_max_hours * 3600),
                trusted_proxies: config.trusted_proxies.clone(),
                public_https: config.public_url.as_ref().is_some_and(|u| u.scheme() == "https"),
            },
        );
        let streams = LiveStreams::new(config.max_streams_per_user);
        let state = Self {
            leptos_options,
            config: Arc::new(config),
            registry,
            tag_index,
            storage,
            docker,
            jobs,
            auth,
            streams,
            embedded,
        };
        crate::backend::service::gc::GcAfterRetention::install(&state);
        Ok(state)
    }
}

/// The registry whose garbage this server collects, if any: the one it runs, the container
/// REGISTRY_CONTAINER names, or the host registry REGISTRY_CONFIG describes (`Config::validate`
/// has made sure at most one is named).
fn gc_target(
    config: &Config,
    embedded: Option<&EmbeddedRegistry>,
    docker: &Arc<DockerClient>,
) -> Result<Option<GcTarget>, StartupError> {
    if let Some(registry) = embedded {
        return Ok(Some(GcTarget::Embedded(registry.clone())));
    }
    if let Some(name) = &config.registry_container {
        let target =
            ContainerTarget::new(docker.clone(), name.clone(), config.registry_container_config.clone());
        return Ok(Some(GcTarget::Container(target)));
    }
    if let Some(path) = &config.registry_config {
        if !path.is_file() {
            return Err(StartupError::Config(format!(
                "REGISTRY_CONFIG must name the registry's config.yml, a readable file; {} is not",
                path.display()
            )));
        }
        let binary = config.registry_bin.clone().or_else(find_binary).ok_or_else(|| {
            StartupError::Config(
                "REGISTRY_CONFIG needs the registry binary to run garbage-collect: install Debian's docker-registry, \
                 put `registry` on PATH, or set REGISTRY_BIN"
                    .to_owned(),
            )
        })?;
        return Ok(Some(GcTarget::HostBinary(HostTarget::new(binary, path.clone()))));
    }
    Ok(None)
}
