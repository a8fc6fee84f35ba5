//! Deleting manifests by digest (the registry API has no delete by tag: distribution 2.8 answers
//! 400 to `DELETE …/manifests/<tag>`), deleting one tag while its siblings stay (as regclient's
//! `TagDelete` does), and finding out whether the registry allows deletes.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;

use super::client::Op;
use super::content::sha256_digest;
use super::reference::{Digest, Reference, RepositoryName, Tag};
use super::{RegistryClient, RegistryError};
use crate::backend::redact::Scrubbed;

/// Annotation that makes a tag's throwaway manifest unique (see [`RegistryClient::delete_tag`]).
pub const THROWAWAY_ANNOTATION: &str = "io.registry-manager.delete-tag";

impl RegistryClient {
    /// `DELETE /v2/<name>/manifests/<digest>`: removes the manifest and every tag on it.
    /// A 405 is [`RegistryError::DeletionDisabled`]; a missing manifest is an error for which
    /// [`RegistryError::is_not_found`] holds. Invalidates the repository's tag cache.
    pub async fn delete_manifest(
        &self,
        repository: &RepositoryName,
        digest: &Digest,
    ) -> Result<(), RegistryError> {
        let cache = &self.inner.cache;
        cache.invalidate(repository.as_str());
        let url = self.url(&format!("v2/{repository}/manifests/{digest}"));
        let result = self.execute(Op::ManifestDelete, repository.as_str(), url.clone(), None, None).await;
        cache.invalidate(repository.as_str());
        let answer = result?;
        if answer.status.as_u16() == 405 {
            return Err(RegistryError::DeletionDisabled { url: url.to_string() });
        }
        answer.error_for_status().map(|_| ())
    }

    /// Whether the registry accepts deletes, found without changing anything: a `DELETE` of a
    /// digest that cannot exist answers 405 when deletion is disabled (distribution checks that
    /// first) and 404 when it is enabled.
    pub async fn deletion_enabled(&self, repository: &RepositoryName) -> Result<bool, RegistryError> {
        static PROBES: AtomicU64 = AtomicU64::new(0);
        let nonce = format!(
            "registry-manager deletion probe {} {:?} {}",
            std::process::id(),
            std::time::SystemTime::now(),
            PROBES.fetch_add(1, Ordering::Relaxed)
        );
        let url = self.url(&format!("v2/{repository}/manifests/{}", sha256_digest(nonce.as_bytes())));
        let answer = self.execute(Op::ManifestDelete, repository.as_str(), url, None, None).await?;
        match answer.status.as_u16() {
            405 => Ok(false),
            404 => Ok(true),
            s if (200..300).contains(&s) => Ok(true),
            _ => answer.error_for_status().map(|_| true),
        }
    }

    /// Forgets what the client knows about `repository`'s tags (digests and count), e.g. after a
    /// change made outside this client. Manifests and configs by digest stay: they cannot change.
    pub fn invalidate_repository(&self, repository: &RepositoryName) {
        self.inner.cache.invalidate(repository.as_str());
    }

    /// Calls `listener` with a repository's name whenever this client (or a clone) changes it or
    /// is told it changed ([`RegistryClient::invalidate_repository`]), synchronously, before the
    /// change is reported done.
    pub fn on_change(&self, listener: super::cache::ChangeListener) {
        self.inner.cache.on_change(listener);
    }

    /// How long a tag → digest mapping seen from the registry is trusted (default
    /// [`super::DEFAULT_TAG_TTL`]). Shared by every clone of this client.
    pub fn set_tag_cache_ttl(&self, ttl: std::time::Duration) {
        self.inner.cache.set_ttl(ttl);
    }

    /// How old a tag → digest mapping may get and still be served to views that accept a stale
    /// answer while it is revalidated (default [`super::DEFAULT_TAG_MAX_STALE`]; zero turns that
    /// off). Shared by every clone of this client.
    pub fn set_tag_cache_max_stale(&self, max_stale: std::time::Duration) {
        self.inner.cache.set_max_stale(max_stale);
    }

    /// Removes only `tag`, which points to `digest` together with the `siblings`; they keep
    /// pointing there.
    ///
    /// The registry API cannot delete a tag, so the tag is first pointed at a unique throwaway
    /// manifest (a copy of the original with one extra annotation, so every blob it names exists
    /// already), and that throwaway digest is deleted. Before touching anything, a harmless probe
    /// checks that the registry allows deletes; if the final delete fails anyway, the tag is put
    /// back on its original manifest. Afterwards the siblings are checked to still resolve to
    /// `digest`, and the tag to be gone.
    pub async fn delete_tag(
        &self,
        repository: &RepositoryName,
        tag: &Tag,
        digest: &Digest,
        siblings: &[Tag],
    ) -> Result<(), RegistryError> {
        let reference = Reference::Tag(tag.clone());
        let incomplete = |reason: crate::model::Message| RegistryError::TagDeleteIncomplete {
            url: self.url(&format!("v2/{repository}/manifests/{tag}")).to_string(),
            reason,
        };
        // Nothing may change if the registry refuses deletes: find out before the PUT.
        if !self.deletion_enabled(repository).await? {
            return Err(RegistryError::DeletionDisabled { url: self.base_url().to_string() });
        }
        let original = self.manifest(repository, digest).await?;
        let media_type = original.media_type.as_str().to_owned();
        let marker = format!(
            "{}-{}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
            std::process::id()
        );
        let throwaway =
            throwaway_manifest(&original.raw, &marker).ok_or_else(|| RegistryError::NotRepointable {
                url: self.url(&format!("v2/{repository}/manifests/{digest}")).to_string(),
                media_type: media_type.clone(),
                tags: siblings.len() + 1,
            })?;
        let throwaway_digest =
            self.put_manifest(repository, &reference, &media_type, Bytes::from(throwaway)).await?;
        if let Err(error) = self.delete_manifest(repository, &throwaway_digest).await {
            // Put the tag back where it was, so a failed delete changes nothing.
            let restored = self.put_manifest(repository, &reference, &media_type, original.raw.clone()).await;
            let shown = Scrubbed(&error);
            tracing::warn!(%repository, %tag, error = %shown, restored = restored.is_ok(), "deleting the throwaway manifest failed");
            return Err(match restored {
                Ok(_) => error,
                Err(restore_error) => incomplete(crate::msg!(
                    TagDeleteRestoreFailed,
                    error.message(),
                    tag,
                    digest,
                    restore_error.message(),
                    &throwaway_digest
                )),
            });
        }
        // The siblings must still be where they were, and the tag gone.
        for sibling in siblings {
            let now = self.tag_digest(repository, sibling, true).await?;
            if now.as_ref() != Some(digest) {
                return Err(incomplete(crate::msg!(
                    TagDeleteSiblingMoved,
                    tag,
                    sibling,
                    digest,
                    &format!("{:?}", now.as_ref().map(Digest::as_str))
                )));
            }
        }
        if let Some(now) = self.tag_digest(repository, tag, true).await? {
            return Err(incomplete(crate::msg!(TagDeleteStillThere, tag, &now)));
        }
        Ok(())
    }
}

/// A copy of a manifest with one unique annotation added: a different digest naming the same
/// blobs. `None` if the manifest is not a JSON object.
pub fn throwaway_manifest(original: &[u8], marker: &str) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(original).ok()?;
    let object = value.as_object_mut()?;
    let annotations = object.entry("annotations").or_insert_with(|| serde_json::json!({}));
    if !annotations.is_object() {
        *annotations = serde_json::json!({});
    }
    annotations.as_object_mut()?.insert(THROWAWAY_ANNOTATION.to_owned(), marker.into());
    serde_json::to_vec(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throwaway_manifests_differ_and_keep_everything_else() {
        let original = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:c"},"layers":[]}"#;
        let a = throwaway_manifest(original, "1").unwrap();
        let b = throwaway_manifest(original, "2").unwrap();
        assert_ne!(a, b);
        let value: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(value["annotations"][THROWAWAY_ANNOTATION], "1");
        assert_eq!(value["config"]["digest"], "sha256:c");
        assert_eq!(value["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
        // Existing annotations are kept.
        let with = throwaway_manifest(br#"{"annotations":{"k":"v"}}"#, "m").unwrap();
        let value: serde_json::Value = serde_json::from_slice(&with).unwrap();
        assert_eq!(
            (value["annotations"]["k"].as_str(), value["annotations"][THROWAWAY_ANNOTATION].as_str()),
            (Some("v"), Some("m"))
        );
        assert_eq!(throwaway_manifest(b"[1]", "m"), None);
        assert_eq!(throwaway_manifest(b"nope", "m"), None);
    }
}
