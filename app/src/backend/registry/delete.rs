//! Deleting manifests by digest (the registry API has no delete by tag: distribution 2.8 answers
//! 400 to `DELETE …/manifests/<tag>`), and finding out whether the registry allows deletes.

use std::sync::atomic::{AtomicU64, Ordering};

use super::client::Op;
use super::content::sha256_digest;
use super::{RegistryClient, RegistryError};

impl RegistryClient {
    /// `DELETE /v2/<name>/manifests/<digest>`: removes the manifest and every tag on it.
    /// A 405 is [`RegistryError::DeletionDisabled`]; a missing manifest is an error for which
    /// [`RegistryError::is_not_found`] holds. Invalidates the repository's tag cache.
    pub async fn delete_manifest(&self, repository: &str, digest: &str) -> Result<(), RegistryError> {
        let cache = &self.inner.cache;
        cache.invalidate(repository);
        let url = self.url(&format!("v2/{repository}/manifests/{digest}"));
        let result = self.execute(Op::ManifestDelete, repository, url.clone(), None, None).await;
        cache.invalidate(repository);
        let answer = result?;
        if answer.status.as_u16() == 405 {
            return Err(RegistryError::DeletionDisabled { url: url.to_string() });
        }
        answer.error_for_status().map(|_| ())
    }

    /// Whether the registry accepts deletes, found without changing anything: a `DELETE` of a
    /// digest that cannot exist answers 405 when deletion is disabled (distribution checks that
    /// first) and 404 when it is enabled.
    pub async fn deletion_enabled(&self, repository: &str) -> Result<bool, RegistryError> {
        static PROBES: AtomicU64 = AtomicU64::new(0);
        let nonce = format!(
            "registry-manager deletion probe {} {:?} {}",
            std::process::id(),
            std::time::SystemTime::now(),
            PROBES.fetch_add(1, Ordering::Relaxed)
        );
        let url = self.url(&format!("v2/{repository}/manifests/{}", sha256_digest(nonce.as_bytes())));
        let answer = self.execute(Op::ManifestDelete, repository, url, None, None).await?;
        match answer.status.as_u16() {
            405 => Ok(false),
            404 => Ok(true),
            s if (200..300).contains(&s) => Ok(true),
            _ => answer.error_for_status().map(|_| true),
        }
    }

    /// Forgets what the client knows about `repository`'s tags (digests and count), e.g. after a
    /// change made outside this client. Manifests and configs by digest stay: they cannot change.
    pub fn invalidate_repository(&self, repository: &str) {
        self.inner.cache.invalidate(repository);
    }

    /// How long a tag → digest mapping seen from the registry is trusted (default
    /// [`super::DEFAULT_TAG_TTL`]). Shared by every clone of this client.
    pub fn set_tag_cache_ttl(&self, ttl: std::time::Duration) {
        self.inner.cache.set_ttl(ttl);
    }
}
