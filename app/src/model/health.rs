use serde::{Deserialize, Serialize};

/// How the registry asks clients to authenticate, as read from its `/v2/` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RegistryAuthMode {
    /// `/v2/` answered 200 without credentials.
    None,
    /// `WWW-Authenticate: Basic …`.
    Basic,
    /// `WWW-Authenticate: Bearer realm=…` (token service).
    Bearer,
    /// The registry could not be asked (unreachable) or answered with an unknown scheme.
    Unknown,
}

impl RegistryAuthMode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What `GET /api/health` answers and the status view shows.
///
/// The first four fields are the original tool's; the rest are additions that scripts may ignore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub registry_api_url: String,
    pub registry_push_host: String,
    pub registry_healthy: bool,
    pub detected_arch: String,
    /// Why the registry is not healthy (unreachable, refused credentials, …).
    pub registry_error: Option<String>,
    pub registry_auth: RegistryAuthMode,
    /// Whether REGISTRY_USERNAME / REGISTRY_PASSWORD are set (never the values).
    pub registry_credentials_configured: bool,
    pub docker_healthy: bool,
    pub docker_error: Option<String>,
    /// The daemon address in use (`DOCKER_HOST`, or the default socket).
    pub docker_host: String,
    pub docker_version: Option<String>,
    /// The host's machine name as Rust reports it (`x86_64`, `aarch64`, …).
    pub host_machine: String,
    /// Server-side wall-clock time of the check, milliseconds since the Unix epoch.
    pub checked_at_unix_ms: u64,
    /// `REGISTRY_MODE`: `embedded` (this server runs the registry) or `external`.
    pub registry_mode: String,
    /// Whether the manager can run garbage collection on the registry.
    pub gc_available: bool,
    /// How it collects: `embedded` (the registry it runs), `container` (REGISTRY_CONTAINER,
    /// through the Docker socket), `host` (REGISTRY_CONFIG with REGISTRY_BIN), or `none`.
    pub gc_method: String,
    /// Why it cannot, and what to do instead.
    pub gc_unavailable_reason: Option<String>,
}

/// Server settings the UI adapts to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiConfig {
    /// `REGISTRY_PUSH_HOST`: the host in `docker pull` commands.
    pub registry_push_host: String,
    /// `READ_ONLY`: hide actions that change anything.
    pub read_only: bool,
    /// `MAX_CATALOG_RESULTS`: repositories per page.
    pub max_catalog_results: u32,
    /// This server has the registry's storage (`REGISTRY_MODE=embedded`): empty repositories
    /// can be removed (and the repository list shows them by default).
    #[serde(default)]
    pub can_remove_empty_repositories: bool,
}

/// What `GET /api/health` tells an anonymous caller: the original tool's four fields and
/// `docker_healthy`. Errors, versions and host facts are for signed-in users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicHealth {
    pub registry_api_url: String,
    pub registry_push_host: String,
    pub registry_healthy: bool,
    pub detected_arch: String,
    pub docker_healthy: bool,
}

impl From<Health> for PublicHealth {
    fn from(health: Health) -> Self {
        Self {
            registry_api_url: health.registry_api_url,
            registry_push_host: health.registry_push_host,
            registry_healthy: health.registry_healthy,
            detected_arch: health.detected_arch,
            docker_healthy: health.docker_healthy,
        }
    }
}

/// `GET /api/health`: the whole report for a signed-in caller, the short one for anyone else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HealthView {
    Full(Health),
    Public(PublicHealth),
}
