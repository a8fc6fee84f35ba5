//! A registry on this host that this server does not run, described by its config
//! (`REGISTRY_CONFIG`) and collected with its binary (`REGISTRY_BIN`, else `docker-registry` or
//! `registry` on PATH). Its storage is read directly (the config's filesystem root).
//!
//! This server cannot make that registry read-only, and a push racing the sweep can lose a blob
//! the push just wrote. So a sweep runs only while the registry cannot take a push: its config
//! says `storage.maintenance.readonly.enabled: true` (and it was restarted with it), or nothing
//! answers on its `http.addr`. Otherwise the job is refused, saying what to do. Both are
//! checked before the dry run and again right before the sweep.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::config::{ConfigError, RegistryConfig};
use super::{Fence, GcReport, Preview, SweepOutcome, measure, new_lock};
use crate::backend::registry_process::run_garbage_collect;
use crate::model::Message;
use crate::msg;

/// How long the "does it answer" probe waits for a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The host registry. Cheap to clone.
#[derive(Clone)]
pub struct HostTarget {
    inner: Arc<Inner>,
}

struct Inner {
    binary: PathBuf,
    config_path: PathBuf,
    lock: Arc<Mutex<()>>,
}

impl HostTarget {
    pub fn new(binary: PathBuf, config_path: PathBuf) -> Self {
        Self { inner: Arc::new(Inner { binary, config_path, lock: new_lock() }) }
    }

    pub fn binary(&self) -> &Path {
        &self.inner.binary
    }

    pub fn config_path(&self) -> &Path {
        &self.inner.config_path
    }

    pub(super) fn lock(&self) -> Arc<Mutex<()>> {
        self.inner.lock.clone()
    }

    fn config(&self) -> Result<RegistryConfig, Message> {
        let path = self.inner.config_path.display().to_string();
        let text = std::fs::read_to_string(&self.inner.config_path)
            .map_err(|e| msg!(GcConfigUnreadable, path.as_str(), e.to_string()))?;
        RegistryConfig::parse(&text, &[]).map_err(|e| match e {
            ConfigError::NotFilesystem(driver) => msg!(GcConfigNotFilesystem, path.as_str(), driver),
            other => msg!(GcConfigUnreadable, path.as_str(), other.to_string()),
        })
    }

    /// Why no push can race a sweep now, or the refusal saying what to do.
    pub(super) async fn fence(&self) -> Result<Fence, Message> {
        let config = self.config()?;
        let path = self.inner.config_path.display().to_string();
        if config.read_only {
            return Ok(Fence::AsFound(msg!(GcHostReadOnly, path)));
        }
        let answering = match config.probe_addr() {
            Some(addr) => answers(&addr).await.then_some(addr),
            // A unix socket: probe its path.
            None => match (&config.http_addr, config.unix_socket) {
                (Some(socket), true) => {
                    tokio::net::UnixStream::connect(socket).await.is_ok().then(|| socket.clone())
                }
                // No address to ask: whether the registry runs cannot be told, so it is not
                // taken as stopped.
                _ => return Err(msg!(GcHostNoAddress, path.as_str())),
            },
        };
        match answering {
            Some(addr) => Err(msg!(GcHostWritable, path.as_str(), addr, path.as_str())),
            None => Ok(Fence::AsFound(msg!(GcHostNotAnswering, config.http_addr.unwrap_or_default()))),
        }
    }

    /// Runs `garbage-collect` with the registry's binary on its config.
    async fn collect(&self, dry_run: bool, delete_untagged: bool) -> Result<GcReport, Message> {
        run_garbage_collect(&self.inner.binary, &self.inner.config_path, dry_run, delete_untagged).await
    }

    fn sizes(config: &RegistryConfig, blobs: &[String]) -> Vec<(String, Option<u64>)> {
        blobs
            .iter()
            .map(|digest| {
                let size = config.blob_path(digest).and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len());
                (digest.clone(), size)
            })
            .collect()
    }

    pub(super) async fn dry_run(&self, delete_untagged: bool) -> Result<Preview, Message> {
        let config = self.config()?;
        if !Path::new(&config.repositories_path()).is_dir() {
            return Ok(Preview::default());
        }
        let report = self.collect(true, delete_untagged).await?;
        let sizes = Self::sizes(&config, &report.blobs).into_iter().collect();
        Ok(Preview { report, sizes })
    }

    pub(super) async fn sweep(&self, delete_untagged: bool, blobs: Vec<String>) -> SweepOutcome {
        let config = match self.config() {
            Ok(config) => config,
            Err(error) => return SweepOutcome::not_swept(error),
        };
        // Asked again right before the sweep: the registry may have come back since the job began.
        let fence = match self.fence().await {
            Ok(fence) => fence,
            Err(refusal) => return SweepOutcome::not_swept(refusal),
        };
        let (before, _) = measure(Self::sizes(&config, &blobs));
        let started = Instant::now();
        let result = self.collect(false, delete_untagged).await;
        let fenced_secs = started.elapsed().as_secs_f64();
        let (after, still_stored) = measure(Self::sizes(&config, &blobs));
        SweepOutcome {
            result,
            fence: Some(fence),
            fenced_secs,
            restore_error: None,
            freed: before.saturating_sub(after),
            still_stored,
        }
    }
}

/// Whether something accepts a TCP connection at `addr` (a plain connect to the operator's
/// registry on this host, as the embedded supervisor does: it only asks whether the port is open).
async fn answers(addr: &str) -> bool {
    matches!(tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(addr)).await, Ok(Ok(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_writable_registry_without_an_address_is_not_taken_as_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n",
        )
        .unwrap();
        let target = HostTarget::new(PathBuf::from("docker-registry"), config.clone());
        let refusal = target.fence().await.unwrap_err();
        assert!(
            matches!(&refusal, Message::Keyed(k) if k.key == crate::messages::Key::GcHostNoAddress),
            "{refusal}"
        );
        std::fs::write(
            &config,
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\n  maintenance:\n    readonly:\n      enabled: true\n",
        )
        .unwrap();
        assert!(target.fence().await.is_ok(), "read-only needs no address");
    }
}
