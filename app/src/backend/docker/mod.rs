//! Adapter to the Docker daemon, on bollard. A daemon that is absent or refuses is a normal state
//! the UI shows with its reason; nothing here panics on it, and registry features do not need it.

use bollard::{API_DEFAULT_VERSION, Docker};
use tokio::sync::Mutex;

/// The adapter's one error type; each variant names the daemon address.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// No daemon answered at the address (socket missing, connection refused, timeout).
    #[error("cannot reach the Docker daemon at {host}: {reason}")]
    Unavailable { host: String, reason: String },
}

/// What the daemon says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonVersion {
    pub version: String,
    pub api_version: String,
}

/// A lazily connected, version-negotiated client. The daemon may start after the server or
/// restart under it, so connecting happens on use and a failed call drops the cached connection.
pub struct DockerClient {
    host: String,
    timeout_secs: u64,
    connected: Mutex<Option<Docker>>,
}

impl DockerClient {
    /// `host` is `DOCKER_HOST` (unix://… or tcp://…); `None` means the default local socket.
    pub fn new(host: Option<&str>, timeout_secs: u64) -> Self {
        let host = host.unwrap_or("unix:///var/run/docker.sock").to_owned();
        Self { host, timeout_secs, connected: Mutex::new(None) }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    fn unavailable(&self, reason: impl ToString) -> DockerError {
        DockerError::Unavailable { host: self.host.clone(), reason: reason.to_string() }
    }

    /// Connects and negotiates the API version (dockerd 20.10 speaks 1.41 and refuses newer
    /// clients), reusing the connection while it works.
    async fn client(&self) -> Result<Docker, DockerError> {
        let mut connected = self.connected.lock().await;
        if let Some(docker) = connected.as_ref() {
            return Ok(docker.clone());
        }
        let docker = if self.host.starts_with("unix://") {
            Docker::connect_with_unix(&self.host, self.timeout_secs, API_DEFAULT_VERSION)
        } else {
            Docker::connect_with_http(&self.host, self.timeout_secs, API_DEFAULT_VERSION)
        }
        .map_err(|e| self.unavailable(e))?;
        let docker = docker.negotiate_version().await.map_err(|e| self.unavailable(e))?;
        *connected = Some(docker.clone());
        Ok(docker)
    }

    async fn forget(&self) {
        *self.connected.lock().await = None;
    }

    /// Asks the daemon for its version: the health check.
    pub async fn version(&self) -> Result<DaemonVersion, DockerError> {
        let docker = self.client().await?;
        match docker.version().await {
            Ok(v) => Ok(DaemonVersion {
                version: v.version.unwrap_or_default(),
                api_version: v.api_version.unwrap_or_default(),
            }),
            Err(e) => {
                self.forget().await;
                Err(self.unavailable(e))
            }
        }
    }
}
