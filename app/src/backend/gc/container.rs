//! A registry that runs in a container (`REGISTRY_CONTAINER`), collected through the Docker
//! socket. Its config is read out of the container (`REGISTRY_CONTAINER_CONFIG`), with the
//! container's own environment applied (distribution's `REGISTRY_*` overrides). `garbage-collect`
//! runs in a one-off container of the registry's image (by id: the very same binary) with
//! `--volumes-from` the registry (its storage and its config) and no network. For the sweep the
//! registry is stopped, so no push can race it, and started again afterwards, also when the
//! sweep fails or panics. Blob sizes are read with the archive API's stat of the paths under the
//! storage root, which works on a stopped container too.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::config::{ConfigError, RegistryConfig};
use super::{Fence, GcReport, Preview, SweepOutcome, last_lines, measure, new_lock, parse_gc_output};
use crate::backend::docker::{ContainerInfo, DockerClient, DockerError, OneOff};
use crate::model::Message;
use crate::msg;

/// How long `docker stop` waits for the registry before killing it.
const STOP_GRACE_SECS: i32 = 10;
/// How long a restarted registry container may take to report itself running.
const RUNNING_TIMEOUT: Duration = Duration::from_secs(15);

/// The registry container. Cheap to clone.
#[derive(Clone)]
pub struct ContainerTarget {
    inner: Arc<Inner>,
}

struct Inner {
    docker: Arc<DockerClient>,
    name: String,
    config_path: String,
    lock: Arc<Mutex<()>>,
}

/// The container as found at the start of a step.
struct Found {
    info: ContainerInfo,
    config: RegistryConfig,
}

impl ContainerTarget {
    pub fn new(docker: Arc<DockerClient>, name: String, config_path: String) -> Self {
        Self { inner: Arc::new(Inner { docker, name, config_path, lock: new_lock() }) }
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub(super) fn lock(&self) -> Arc<Mutex<()>> {
        self.inner.lock.clone()
    }

    /// For the job log: what runs `garbage-collect`.
    pub(super) fn program(&self) -> String {
        format!("docker run --rm --network none --volumes-from {} <its image> registry", self.inner.name)
    }

    fn docker_error(&self, error: DockerError) -> Message {
        match error {
            DockerError::NotFound { .. } => msg!(GcContainerNotFound, self.inner.name.as_str()),
            other => msg!(GcDockerFailed, other.to_string()),
        }
    }

    /// Inspects the container and reads its config.
    async fn find(&self) -> Result<Found, Message> {
        let docker = &self.inner.docker;
        let info = docker.inspect_container(&self.inner.name).await.map_err(|e| self.docker_error(e))?;
        let path = self.inner.config_path.as_str();
        let text = docker.read_container_file(&info.id, path).await.map_err(|e| match e {
            DockerError::NotFound { message, .. } => msg!(GcConfigUnreadable, path, message),
            other => msg!(GcConfigUnreadable, path, other.to_string()),
        })?;
        let config =
            RegistryConfig::parse(&String::from_utf8_lossy(&text), &info.env).map_err(|e| match e {
                ConfigError::NotFilesystem(driver) => msg!(GcConfigNotFilesystem, path, driver),
                other => msg!(GcConfigUnreadable, path, other.to_string()),
            })?;
        Ok(Found { info, config })
    }

    /// The registry binary in the image: the entrypoint when it is the registry itself (the
    /// stand-in images of the tests), else `registry` on the image's PATH (`registry:2`, whose
    /// entrypoint is a shell script).
    fn binary(info: &ContainerInfo) -> String {
        match info.entrypoint.first() {
            Some(first)
                if first.rsplit('/').next().is_some_and(|n| n == "registry" || n == "docker-registry") =>
            {
                first.clone()
            }
            _ => "registry".to_owned(),
        }
    }

    /// Runs `garbage-collect` in a one-off container.
    async fn collect(
        &self,
        found: &Found,
        dry_run: bool,
        delete_untagged: bool,
    ) -> Result<GcReport, Message> {
        let mut cmd = vec!["garbage-collect".to_owned()];
        if dry_run {
            cmd.push("--dry-run".to_owned());
        }
        if delete_untagged {
            cmd.push("--delete-untagged".to_owned());
        }
        cmd.push(self.inner.config_path.clone());
        let spec = OneOff {
            image: found.info.image.clone(),
            volumes_from: found.info.id.clone(),
            env: found.info.env.clone(),
            entrypoint: vec![Self::binary(&found.info)],
            cmd,
            user: found.info.user.clone(),
        };
        let run =
            self.inner.docker.run_one_off(spec).await.map_err(|e| msg!(GcDockerFailed, e.to_string()))?;
        if run.exit_code != 0 {
            return Err(msg!(GcCommandFailed, run.exit_code, last_lines(&run.output, 5)));
        }
        Ok(parse_gc_output(&run.output))
    }

    /// The size of each blob, by the archive API's stat (works while the container is stopped).
    async fn sizes(&self, found: &Found, blobs: &[String]) -> Result<Vec<(String, Option<u64>)>, Message> {
        let mut sizes = Vec::with_capacity(blobs.len());
        for digest in blobs {
            let size = match found.config.blob_path(digest) {
                Some(path) => self
                    .inner
                    .docker
                    .container_file_size(&found.info.id, &path)
                    .await
                    .map_err(|e| msg!(GcDockerFailed, e.to_string()))?,
                None => None,
            };
            sizes.push((digest.clone(), size));
        }
        Ok(sizes)
    }

    /// Whether anything was ever pushed: `garbage-collect` fails on a storage without
    /// repositories.
    async fn has_repositories(&self, found: &Found) -> Result<bool, Message> {
        let path = found.config.repositories_path();
        let size = self
            .inner
            .docker
            .container_file_size(&found.info.id, &path)
            .await
            .map_err(|e| msg!(GcDockerFailed, e.to_string()))?;
        Ok(size.is_some())
    }

    pub(super) async fn dry_run(&self, delete_untagged: bool) -> Result<Preview, Message> {
        let found = self.find().await?;
        if !self.has_repositories(&found).await? {
            return Ok(Preview::default());
        }
        let report = self.collect(&found, true, delete_untagged).await?;
        let sizes = self.sizes(&found, &report.blobs).await?.into_iter().collect();
        Ok(Preview { report, sizes })
    }

    pub(super) async fn sweep(&self, delete_untagged: bool, blobs: Vec<String>) -> SweepOutcome {
        let found = match self.find().await {
            Ok(found) => found,
            Err(error) => return SweepOutcome::not_swept(error),
        };
        let before = match self.sizes(&found, &blobs).await {
            Ok(sizes) => measure(sizes).0,
            Err(error) => return SweepOutcome::not_swept(error),
        };
        let was_running = found.info.running;
        let restart = RestartOnDrop { docker: Some(self.inner.docker.clone()), id: found.info.id.clone() };
        let started = Instant::now();
        let result = match self.inner.docker.stop_container(&found.info.id, STOP_GRACE_SECS).await {
            Ok(()) => self.collect(&found, false, delete_untagged).await,
            Err(error) => Err(msg!(GcStopFailed, self.inner.name.as_str(), error.to_string())),
        };
        // Back to how it was found: running again (a container found stopped stays stopped).
        let restore_error = if was_running { self.start(&found.info.id).await.err() } else { None };
        let fenced_secs = started.elapsed().as_secs_f64();
        restart.disarm();
        let (after, still_stored) = match self.sizes(&found, &blobs).await {
            Ok(sizes) => measure(sizes),
            Err(error) => {
                tracing::warn!("cannot measure the registry's blobs after the sweep: {}", error);
                (before, blobs)
            }
        };
        SweepOutcome {
            result,
            fence: Some(Fence::Stopped { container: self.inner.name.clone() }),
            fenced_secs,
            restore_error,
            freed: before.saturating_sub(after),
            still_stored,
        }
    }

    /// Starts the registry again and waits until the daemon says it runs.
    async fn start(&self, id: &str) -> Result<(), Message> {
        let failed = |reason: String| msg!(GcContainerStartFailed, self.inner.name.as_str(), reason);
        self.inner.docker.start_container(id).await.map_err(|e| failed(e.to_string()))?;
        let deadline = Instant::now() + RUNNING_TIMEOUT;
        loop {
            match self.inner.docker.inspect_container(id).await {
                Ok(info) if info.running => return Ok(()),
                Ok(_) if Instant::now() >= deadline => {
                    return Err(failed(format!(
                        "not running {} s after the start",
                        RUNNING_TIMEOUT.as_secs()
                    )));
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(error) => return Err(failed(error.to_string())),
            }
        }
    }
}

/// Starts the registry container again if the sweep panics between stopping and restarting it.
struct RestartOnDrop {
    docker: Option<Arc<DockerClient>>,
    id: String,
}

impl RestartOnDrop {
    fn disarm(mut self) {
        self.docker = None;
    }
}

impl Drop for RestartOnDrop {
    fn drop(&mut self) {
        if let Some(docker) = self.docker.take() {
            let id = std::mem::take(&mut self.id);
            tracing::warn!("garbage collection ended early: starting the registry container {id} again");
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Err(error) = docker.start_container(&id).await {
                        tracing::error!("cannot start the registry container {id} again: {error}");
                    }
                });
            }
        }
    }
}
