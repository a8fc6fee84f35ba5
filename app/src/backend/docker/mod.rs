//! Adapter to the Docker daemon, on bollard. A daemon that is absent or refuses is a normal state
//! the UI shows with its reason; nothing here panics on it, and registry features do not need it.
//!
//! `images` lists, inspects, tags and removes; `transfer` pushes and pulls as streams of typed
//! per-layer progress events, which `progress` follows to their end; `local` turns the daemon's
//! answers into the app's model; `containers` is what garbage collection of a registry that runs
//! in a container needs.

mod containers;
mod images;
pub mod local;
mod progress;
mod transfer;

use bollard::{API_DEFAULT_VERSION, Docker};
use tokio::sync::Mutex;

use crate::backend::error_text::error_chain;
use crate::model::{AppError, Message};
use crate::naming::arch_alias;

pub use containers::{ContainerInfo, OneOff, RunOutput};
pub use images::{ImageInfo, ImageListEntry, Removed};
pub use progress::{FollowError, Moved, follow};
pub use transfer::{RegistryAuth, Transfer, TransferEvent};

/// The host's arch alias (`x86`, `arm`, or the machine name): what a local image is taken to be
/// built for when it does not say (`arch_mode: auto`), and what the status view and the local
/// image list show.
pub fn detected_arch() -> String {
    arch_alias(std::env::consts::ARCH)
}

/// The adapter's one error type; each variant says what the user sees and which status it maps to.
/// Our words are keyed ([`DockerError::message`], in the reader's language); the daemon's own
/// reasons (`reason`, `message`) stay as it gave them. `Display` is the English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerError {
    /// 502: no daemon answered at the address (socket missing, connection refused, timeout).
    Unavailable { host: String, reason: Message },
    /// 404: the image (or reference) does not exist in the daemon.
    NotFound { reference: String, message: String },
    /// 400 for the daemon's 4xx (a conflict: image in use, bad reference), 502 for its 5xx:
    /// the daemon answered with an error; `message` is its reason. `action` is what was asked
    /// ([`DockerAction`]).
    Refused { action: DockerAction, status: u16, message: String },
    /// 502: a push or pull started but the daemon reported an error in its progress stream
    /// (registry unreachable, credentials refused, manifest unknown…).
    Transfer { action: DockerAction, message: Message },
}

/// What the daemon was asked to do, for the message that says it refused or failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DockerAction {
    ListImages,
    Inspect(String),
    Tag {
        source: String,
        target: String,
    },
    Remove(String),
    Push(String),
    Pull(String),
    /// A container: inspect, stop or start it (its name).
    InspectContainer(String),
    StopContainer(String),
    StartContainer(String),
    /// A file in a container: read it, or ask for its size (its path).
    ReadFile(String),
    StatFile(String),
    /// The one-off container garbage collection runs in: create, start, wait for it, read its
    /// output.
    CreateGcContainer,
    StartGcContainer,
    WaitGcContainer,
    ReadGcOutput,
}

impl DockerAction {
    /// The action in the reader's language ("push team/app:v1").
    pub fn message(&self) -> Message {
        use crate::msg;
        match self {
            Self::ListImages => msg!(DockerActList),
            Self::Inspect(reference) => msg!(DockerActInspect, reference),
            Self::Tag { source, target } => msg!(DockerActTag, source, target),
            Self::Remove(name) => msg!(DockerActRemove, name),
            Self::Push(reference) => msg!(DockerActPush, reference),
            Self::Pull(reference) => msg!(DockerActPull, reference),
            Self::InspectContainer(name) => msg!(DockerActInspectContainer, name),
            Self::StopContainer(name) => msg!(DockerActStopContainer, name),
            Self::StartContainer(name) => msg!(DockerActStartContainer, name),
            Self::ReadFile(path) => msg!(DockerActReadFile, path),
            Self::StatFile(path) => msg!(DockerActStatFile, path),
            Self::CreateGcContainer => msg!(DockerActCreateGcContainer),
            Self::StartGcContainer => msg!(DockerActStartGcContainer),
            Self::WaitGcContainer => msg!(DockerActWaitGcContainer),
            Self::ReadGcOutput => msg!(DockerActReadGcOutput),
        }
    }
}

impl DockerError {
    /// What went wrong, in the reader's language, with the daemon's reason verbatim.
    pub fn message(&self) -> Message {
        use crate::msg;
        match self {
            Self::Unavailable { host, reason } => msg!(DockerUnavailable, host, reason),
            Self::NotFound { reference, message } => msg!(DockerNoImage, reference, message),
            Self::Refused { action, message, .. } => msg!(DockerRefused, action.message(), message),
            Self::Transfer { action, message } => msg!(DockerTransferFailed, action.message(), message),
        }
    }
}

impl std::fmt::Display for DockerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.message(), f)
    }
}

impl std::error::Error for DockerError {}

impl From<DockerError> for AppError {
    fn from(error: DockerError) -> Self {
        match &error {
            DockerError::NotFound { .. } => AppError::NotFound(error.message()),
            DockerError::Refused { status, .. } if (400..500).contains(status) => {
                AppError::BadRequest(error.message())
            }
            _ => AppError::Upstream(error.message()),
        }
    }
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
        DockerError::Unavailable { host: self.host.clone(), reason: reason.to_string().into() }
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
        .map_err(|e| self.unavailable(error_chain(&e)))?;
        let docker = docker.negotiate_version().await.map_err(|e| self.unavailable(error_chain(&e)))?;
        *connected = Some(docker.clone());
        Ok(docker)
    }

    async fn forget(&self) {
        *self.connected.lock().await = None;
    }

    /// Turns a bollard error into ours. A transport failure drops the cached connection, so the
    /// next call reconnects (and renegotiates) instead of failing the same way.
    async fn fail(
        &self,
        error: bollard::errors::Error,
        action: DockerAction,
        reference: &str,
    ) -> DockerError {
        use bollard::errors::Error as E;
        match error {
            E::DockerResponseServerError { status_code: 404, message } => {
                DockerError::NotFound { reference: reference.to_owned(), message }
            }
            E::DockerResponseServerError { status_code, message } => {
                DockerError::Refused { action, status: status_code, message }
            }
            E::DockerStreamError { error } => DockerError::Transfer { action, message: error.into() },
            other => {
                self.forget().await;
                self.unavailable(error_chain(&other))
            }
        }
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
                Err(self.unavailable(error_chain(&e)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_the_statuses_their_docs_promise() {
        let cases = [
            (DockerError::Unavailable { host: "unix:///x".into(), reason: "refused".into() }, 502),
            (DockerError::NotFound { reference: "a:b".into(), message: "no such image".into() }, 404),
            (
                DockerError::Refused {
                    action: DockerAction::Remove("a".into()),
                    status: 409,
                    message: "in use".into(),
                },
                400,
            ),
            (
                DockerError::Refused {
                    action: DockerAction::Tag { source: "a".into(), target: "b".into() },
                    status: 500,
                    message: "disk".into(),
                },
                502,
            ),
            (DockerError::Transfer { action: DockerAction::Push("a".into()), message: "denied".into() }, 502),
        ];
        for (error, status) in cases {
            let text = error.to_string();
            assert_eq!(AppError::from(error).status_code(), status, "{text}");
        }
        let error = DockerError::Unavailable { host: "unix:///x".into(), reason: "refused".into() };
        assert_eq!(error.to_string(), "cannot reach the Docker daemon at unix:///x: refused");
        assert_eq!(
            error.message().render(crate::ui::lang::Lang::ZhCn),
            "无法连接到 unix:///x 的 Docker 守护进程：refused"
        );
        // Our words in Chinese, the daemon's reason as it gave it.
        let error = DockerError::Transfer {
            action: DockerAction::Push("team/app:v1".into()),
            message: "denied".into(),
        };
        assert_eq!(error.to_string(), "push team/app:v1 failed: denied");
        assert_eq!(error.message().render(crate::ui::lang::Lang::ZhCn), "推送 team/app:v1 失败：denied");
    }
}
