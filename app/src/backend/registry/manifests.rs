//! Manifests: HEAD/GET by tag or digest (kept by digest in the client's cache), and PUT.
//! What a manifest contains is read by [`Manifest::parse`] in `content.rs`.

use std::sync::Arc;

use bytes::Bytes;

use super::cache::Known;
use super::client::{Answer, Op};
use super::content::{MANIFEST_ACCEPT, Manifest, sha256_digest};
use super::reference::Digest;
use super::{RegistryClient, RegistryError};

/// The digest the registry named (`Docker-Content-Digest`), or the sha256 of the bytes when it
/// named none.
fn digest_of(answer: &Answer) -> String {
    let computed = || sha256_digest(&answer.body);
    match answer.header("docker-content-digest") {
        Some(named) => {
            if named.starts_with("sha256:") && !answer.body.is_empty() && named != computed() {
                tracing::warn!(url = %crate::backend::redact::url_for_display(answer.url.as_str()), named, "Docker-Content-Digest does not match the manifest bytes");
            }
            named.to_owned()
        }
        None => computed(),
    }
}

impl RegistryClient {
    fn manifest_url(&self, repository: &str, reference: &str) -> url::Url {
        self.url(&format!("v2/{repository}/manifests/{reference}"))
    }

    /// `HEAD` a manifest: its digest, or `None` if the tag or digest does not exist.
    pub async fn head_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<Option<String>, RegistryError> {
        let url = self.manifest_url(repository, reference);
        let answer = self.execute(Op::ManifestHead, repository, url, Some(MANIFEST_ACCEPT), None).await?;
        if answer.status.as_u16() == 404 {
            return Ok(None);
        }
        let answer = answer.error_for_status()?;
        match answer.header("docker-content-digest") {
            Some(digest) => Ok(Some(digest.to_owned())),
            // Registries that name no digest on HEAD: read the manifest and hash it.
            None => Ok(self.fetch_manifest(repository, reference).await?.map(|m| m.digest.clone())),
        }
    }

    /// `GET` a manifest by tag or digest (and keep it by digest), or `None` if it does not exist.
    pub async fn fetch_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<Option<Arc<Manifest>>, RegistryError> {
        let url = self.manifest_url(repository, reference);
        let answer = self.execute(Op::ManifestGet, repository, url, Some(MANIFEST_ACCEPT), None).await?;
        if answer.status.as_u16() == 404 {
            return Ok(None);
        }
        let answer = answer.error_for_status()?;
        let digest = if reference.contains(':') { reference.to_owned() } else { digest_of(&answer) };
        let content_type = answer.header("content-type").map(str::to_owned);
        let manifest = Arc::new(Manifest::parse(digest.clone(), content_type.as_deref(), answer.body));
        self.inner.cache.manifests.insert(digest, manifest.clone());
        Ok(Some(manifest))
    }

    /// A manifest by digest, from the cache when we have it (digests are immutable). Concurrent
    /// callers for one digest share a single request.
    pub async fn manifest(&self, repository: &str, digest: &str) -> Result<Arc<Manifest>, RegistryError> {
        if let Some(manifest) = self.inner.cache.manifests.get(digest) {
            return Ok(manifest);
        }
        digest.parse::<Digest>().map_err(|reason| RegistryError::Protocol {
            url: self.manifest_url(repository, "").to_string(),
            reason: format!("a manifest refers to an invalid digest: {reason}"),
        })?;
        let cache = &self.inner.cache.manifests;
        cache
            .get_or_insert_async(digest, async {
                let url = self.manifest_url(repository, digest);
                let answer =
                    self.execute(Op::ManifestGet, repository, url, Some(MANIFEST_ACCEPT), None).await?;
                let answer = answer.error_for_status()?;
                let content_type = answer.header("content-type").map(str::to_owned);
                Ok(Arc::new(Manifest::parse(digest.to_owned(), content_type.as_deref(), answer.body)))
            })
            .await
    }

    /// The manifest a tag points to, or `None` if the tag does not exist. Strategy: a digest seen
    /// within the tag TTL is trusted (no request when its manifest is cached); a digest seen
    /// earlier is confirmed with a `HEAD` (then usually a cache hit); an unknown tag costs one
    /// `GET`.
    pub async fn tag_manifest(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<Option<Arc<Manifest>>, RegistryError> {
        let cache = &self.inner.cache;
        let generation = cache.generation(repository);
        let digest = match cache.tag_digest(repository, tag) {
            Known::Fresh(digest) => digest,
            Known::Stale(_) => match self.head_manifest(repository, tag).await? {
                Some(digest) => {
                    cache.store_tag_digest(repository, generation, tag, &digest);
                    digest
                }
                None => {
                    cache.forget_tag(repository, tag);
                    return Ok(None);
                }
            },
            Known::Unknown => {
                let Some(manifest) = self.fetch_manifest(repository, tag).await? else {
                    return Ok(None);
                };
                cache.store_tag_digest(repository, generation, tag, &manifest.digest);
                return Ok(Some(manifest));
            }
        };
        match self.manifest(repository, &digest).await {
            Ok(manifest) => Ok(Some(manifest)),
            // The tag moved or went away since we looked: ask again by tag.
            Err(e) if e.is_not_found() => {
                cache.forget_tag(repository, tag);
                let manifest = self.fetch_manifest(repository, tag).await?;
                if let Some(m) = &manifest {
                    cache.store_tag_digest(repository, cache.generation(repository), tag, &m.digest);
                }
                Ok(manifest)
            }
            Err(e) => Err(e),
        }
    }

    /// The digest a tag points to, or `None` if it does not exist. With `verify`, always asks the
    /// registry (`HEAD`); otherwise a digest seen within the tag TTL is used.
    pub async fn tag_digest(
        &self,
        repository: &str,
        tag: &str,
        verify: bool,
    ) -> Result<Option<String>, RegistryError> {
        let cache = &self.inner.cache;
        if !verify && let Known::Fresh(digest) = cache.tag_digest(repository, tag) {
            return Ok(Some(digest));
        }
        let generation = cache.generation(repository);
        let digest = self.head_manifest(repository, tag).await?;
        match &digest {
            Some(d) => cache.store_tag_digest(repository, generation, tag, d),
            None => cache.forget_tag(repository, tag),
        }
        Ok(digest)
    }

    /// `PUT` a manifest under a tag or digest; returns its digest. Invalidates the repository's
    /// tag cache (before, so nothing stale is served meanwhile, and after, so reads that
    /// straddled the change store nothing).
    pub async fn put_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<String, RegistryError> {
        let cache = &self.inner.cache;
        cache.invalidate(repository);
        let url = self.manifest_url(repository, reference);
        let digest = sha256_digest(&bytes);
        let result = self.execute(Op::ManifestPut, repository, url, None, Some((media_type, bytes))).await;
        cache.invalidate(repository);
        let answer = result?.error_for_status()?;
        Ok(answer.header("docker-content-digest").map(str::to_owned).unwrap_or(digest))
    }
}
