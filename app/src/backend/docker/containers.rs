//! Containers: what garbage collection of a registry that runs in a container needs
//! (`backend/gc/container.rs`): inspect it, read a file out of it, stat paths in it (its volumes
//! included, also while it is stopped), stop and start it, and run a one-off command in a fresh
//! container of the same image sharing its volumes.

use std::io::Read as _;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    ContainerArchiveInfoOptions, DownloadFromContainerOptions, LogsOptionsBuilder, RemoveContainerOptions,
    StopContainerOptions,
};
use futures::StreamExt as _;

use super::{DockerAction, DockerClient, DockerError};
use crate::model::Message;

/// The largest file [`DockerClient::read_container_file`] reads (a registry's config.yml is a
/// few hundred bytes).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// The longest a one-off container may run (a garbage collection of a very big registry).
const ONE_OFF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What `GET /containers/{name}/json` says about a container, as far as GC needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerInfo {
    /// The full container id.
    pub id: String,
    /// The image's id (`sha256:…`): a one-off container of it runs exactly the same binary,
    /// whatever the tag names meanwhile.
    pub image: String,
    pub running: bool,
    /// `KEY=value` pairs the container runs with (the image's and its own).
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    /// The user it runs as (`--user`), empty for the image's.
    pub user: String,
}

/// A one-off container's exit code and everything it printed (stdout and stderr, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    pub exit_code: i64,
    pub output: String,
}

/// A one-off container to run: from `image`, sharing the volumes of `volumes_from`, with no
/// network.
#[derive(Clone, Debug)]
pub struct OneOff {
    pub image: String,
    pub volumes_from: String,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// Run as this user (empty: the image's), so files keep the owner they have.
    pub user: String,
}

impl DockerClient {
    /// Inspects a container; [`DockerError::NotFound`] when there is none of that name.
    pub async fn inspect_container(&self, name: &str) -> Result<ContainerInfo, DockerError> {
        let docker = self.client().await?;
        let inspected = match docker.inspect_container(name, None).await {
            Ok(inspected) => inspected,
            Err(error) => {
                return Err(self.fail(error, DockerAction::InspectContainer(name.to_owned()), name).await);
            }
        };
        let config = inspected.config.unwrap_or_default();
        Ok(ContainerInfo {
            id: inspected.id.unwrap_or_default(),
            image: inspected.image.unwrap_or_default(),
            running: inspected.state.and_then(|s| s.running).unwrap_or(false),
            env: config.env.unwrap_or_default(),
            entrypoint: config.entrypoint.unwrap_or_default(),
            user: config.user.unwrap_or_default(),
        })
    }

    /// Reads one regular file out of a container (running or not; its volumes included). The
    /// API hands over a tar archive of the path: the file is its one entry.
    pub async fn read_container_file(&self, container: &str, path: &str) -> Result<Vec<u8>, DockerError> {
        let docker = self.client().await?;
        let options = DownloadFromContainerOptions { path: path.to_owned() };
        let mut stream = docker.download_from_container(container, Some(options));
        let mut archive = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => {
                    archive.extend_from_slice(&bytes);
                    if archive.len() as u64 > MAX_FILE_BYTES + 64 * 1024 {
                        return Err(self.unreadable(path, crate::msg!(DockerFileTooLarge)));
                    }
                }
                Err(error) => {
                    return Err(self.fail(error, DockerAction::ReadFile(path.to_owned()), path).await);
                }
            }
        }
        let mut entries = tar::Archive::new(archive.as_slice());
        let mut entry = entries
            .entries()
            .and_then(|mut entries| entries.next().transpose())
            .map_err(|e| self.unreadable(path, Message::Text(e.to_string())))?
            .ok_or_else(|| self.unreadable(path, crate::msg!(DockerArchiveEmpty)))?;
        if !entry.header().entry_type().is_file() {
            return Err(self.unreadable(path, crate::msg!(DockerNotAFile)));
        }
        let mut content = Vec::new();
        entry
            .by_ref()
            .take(MAX_FILE_BYTES)
            .read_to_end(&mut content)
            .map_err(|e| self.unreadable(path, Message::Text(e.to_string())))?;
        Ok(content)
    }

    /// The daemon sent the file's archive, but what came is not a file this server can read.
    fn unreadable(&self, path: &str, reason: Message) -> DockerError {
        DockerError::Transfer { action: DockerAction::ReadFile(path.to_owned()), message: reason }
    }

    /// The size of a file in a container (`HEAD /containers/{name}/archive`), `None` when there
    /// is nothing at that path.
    pub async fn container_file_size(&self, container: &str, path: &str) -> Result<Option<u64>, DockerError> {
        let docker = self.client().await?;
        let options = ContainerArchiveInfoOptions { path: path.to_owned() };
        match docker.get_container_archive_info(container, Some(options)).await {
            Ok(stat) => Ok(Some(stat.size.max(0) as u64)),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(error) => Err(self.fail(error, DockerAction::StatFile(path.to_owned()), path).await),
        }
    }

    /// Stops a container (SIGTERM, then SIGKILL after `grace_secs`). Stopping a stopped one is no
    /// error.
    pub async fn stop_container(&self, name: &str, grace_secs: i32) -> Result<(), DockerError> {
        let docker = self.client().await?;
        let options = StopContainerOptions { signal: None, t: Some(grace_secs) };
        match docker.stop_container(name, Some(options)).await {
            // 304: it was not running.
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 304, .. }) => {
                Ok(())
            }
            Err(error) => Err(self.fail(error, DockerAction::StopContainer(name.to_owned()), name).await),
        }
    }

    /// Starts a container. Starting a running one is no error.
    pub async fn start_container(&self, name: &str) -> Result<(), DockerError> {
        let docker = self.client().await?;
        match docker.start_container(name, None).await {
            Ok(()) | Err(bollard::errors::Error::DockerResponseServerError { status_code: 304, .. }) => {
                Ok(())
            }
            Err(error) => Err(self.fail(error, DockerAction::StartContainer(name.to_owned()), name).await),
        }
    }

    /// Runs a one-off container to its end and returns its exit code and output; the container
    /// is removed afterwards whatever happened (also when this future is dropped midway, the
    /// removal is then left to a task of its own).
    pub async fn run_one_off(&self, spec: OneOff) -> Result<RunOutput, DockerError> {
        let docker = self.client().await?;
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            env: Some(spec.env),
            entrypoint: Some(spec.entrypoint),
            cmd: Some(spec.cmd),
            user: (!spec.user.is_empty()).then_some(spec.user),
            network_disabled: Some(true),
            // Whose one-off this is: `docker ps --filter label=registry-manager.volumes-from=ID`.
            labels: Some(
                [
                    ("registry-manager.role".to_owned(), "gc".to_owned()),
                    ("registry-manager.volumes-from".to_owned(), spec.volumes_from.clone()),
                ]
                .into(),
            ),
            host_config: Some(HostConfig {
                volumes_from: Some(vec![spec.volumes_from]),
                network_mode: Some("none".to_owned()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = match docker.create_container(None, body).await {
            Ok(created) => created,
            Err(error) => {
                return Err(self.fail(error, DockerAction::CreateGcContainer, &spec.image).await);
            }
        };
        let id = created.id;
        let remover = RemoveOnDrop { docker: Some(docker.clone()), id: id.clone() };
        let result = self.run_created(&docker, &id).await;
        remover.remove_now().await;
        result
    }

    async fn run_created(&self, docker: &bollard::Docker, id: &str) -> Result<RunOutput, DockerError> {
        if let Err(error) = docker.start_container(id, None).await {
            return Err(self.fail(error, DockerAction::StartGcContainer, id).await);
        }
        // A sweep of a big registry takes longer than REQUEST_TIMEOUT_SEC: the wait has its own
        // bound (the client's timeout would give up on it and remove the container mid-sweep).
        let waiting = docker.clone().with_timeout(ONE_OFF_TIMEOUT);
        let mut waited = waiting.wait_container(id, None);
        let exit_code = match waited.next().await {
            Some(Ok(answer)) => answer.status_code,
            // bollard turns a non-zero exit into an error carrying the code.
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            Some(Err(error)) => {
                return Err(self.fail(error, DockerAction::WaitGcContainer, id).await);
            }
            None => -1,
        };
        let options = LogsOptionsBuilder::new().stdout(true).stderr(true).build();
        let mut logs = docker.logs(id, Some(options));
        let mut output = String::new();
        while let Some(line) = logs.next().await {
            match line {
                Ok(line) => output.push_str(&String::from_utf8_lossy(&line.into_bytes())),
                Err(error) => {
                    return Err(self.fail(error, DockerAction::ReadGcOutput, id).await);
                }
            }
        }
        Ok(RunOutput { exit_code, output })
    }
}

/// Removes a one-off container when dropped (in a task of its own), unless it was removed
/// already: a cancelled job leaves no container behind.
struct RemoveOnDrop {
    docker: Option<bollard::Docker>,
    id: String,
}

impl RemoveOnDrop {
    async fn remove_now(mut self) {
        if let Some(docker) = self.docker.take() {
            remove(&docker, &self.id).await;
        }
    }
}

async fn remove(docker: &bollard::Docker, id: &str) {
    let options = RemoveContainerOptions { v: false, force: true, link: false };
    if let Err(error) = docker.remove_container(id, Some(options)).await {
        tracing::warn!("could not remove the garbage collection container {id}: {error}");
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(docker) = self.docker.take() {
            let id = std::mem::take(&mut self.id);
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { remove(&docker, &id).await });
            }
        }
    }
}
