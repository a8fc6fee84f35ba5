//! Manifests: HEAD/GET by tag or digest (kept by digest in the client's cache), and PUT.
//! What a manifest contains is read by [`Manifest::parse`] in `content.rs`.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;

use super::cache::Known;
use super::client::{Answer, Op};
use super::content::{Descriptor, MANIFEST_ACCEPT, Manifest, sha256_digest};
use super::reference::{Digest, Reference, RepositoryName, Tag};
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

/// A digest the registry named, parsed: one that is not a digest is the registry's mistake.
fn named_digest(url: &url::Url, named: &str) -> Result<Digest, RegistryError> {
    named.parse().map_err(|reason: super::reference::ReferenceError| RegistryError::Protocol {
        url: url.to_string(),
        reason: crate::msg!(RegNamedInvalidDigest, reason.message()),
    })
}

impl RegistryClient {
    fn manifest_url(&self, repository: &RepositoryName, reference: &str) -> url::Url {
        self.url(&format!("v2/{repository}/manifests/{reference}"))
    }

    /// `HEAD` a manifest: its digest, or `None` if the tag or digest does not exist.
    pub async fn head_manifest(
        &self,
        repository: &RepositoryName,
        reference: &Reference,
    ) -> Result<Option<Digest>, RegistryError> {
        let url = self.manifest_url(repository, reference.as_str());
        let answer =
            self.execute(Op::ManifestHead, repository.as_str(), url, Some(MANIFEST_ACCEPT), None).await?;
        if answer.status.as_u16() == 404 {
            return Ok(None);
        }
        let answer = answer.error_for_status()?;
        match answer.header("docker-content-digest") {
            Some(digest) => named_digest(&answer.url, digest).map(Some),
            // Registries that name no digest on HEAD: read the manifest and hash it.
            None => match self.fetch_manifest(repository, reference).await? {
                Some(manifest) => named_digest(&answer.url, &manifest.digest).map(Some),
                None => Ok(None),
            },
        }
    }

    /// `GET` a manifest by tag or digest (and keep it by digest), or `None` if it does not exist.
    pub async fn fetch_manifest(
        &self,
        repository: &RepositoryName,
        reference: &Reference,
    ) -> Result<Option<Arc<Manifest>>, RegistryError> {
        let url = self.manifest_url(repository, reference.as_str());
        let answer =
            self.execute(Op::ManifestGet, repository.as_str(), url, Some(MANIFEST_ACCEPT), None).await?;
        if answer.status.as_u16() == 404 {
            return Ok(None);
        }
        let answer = answer.error_for_status()?;
        let digest = match reference {
            Reference::Digest(digest) => digest.to_string(),
            Reference::Tag(_) => digest_of(&answer),
        };
        let content_type = answer.header("content-type").map(str::to_owned);
        let manifest = Arc::new(Manifest::parse(digest.clone(), content_type.as_deref(), answer.body));
        self.inner.cache.manifests.insert(digest, manifest.clone());
        Ok(Some(manifest))
    }

    /// A manifest by digest, from the cache when we have it (digests are immutable). Concurrent
    /// callers for one digest share a single request.
    pub async fn manifest(
        &self,
        repository: &RepositoryName,
        digest: &Digest,
    ) -> Result<Arc<Manifest>, RegistryError> {
        if let Some(manifest) = self.inner.cache.manifests.get(digest.as_str()) {
            return Ok(manifest);
        }
        let cache = &self.inner.cache.manifests;
        cache
            .get_or_insert_async(digest.as_str(), async {
                let url = self.manifest_url(repository, digest.as_str());
                let answer = self
                    .execute(Op::ManifestGet, repository.as_str(), url, Some(MANIFEST_ACCEPT), None)
                    .await?;
                let answer = answer.error_for_status()?;
                let content_type = answer.header("content-type").map(str::to_owned);
                Ok(Arc::new(Manifest::parse(digest.to_string(), content_type.as_deref(), answer.body)))
            })
            .await
    }

    /// The manifest an index entry names, by its digest: [`RegistryClient::manifest`] for a digest
    /// read from another manifest, which is checked first (a bad one is the registry's mistake).
    pub async fn entry_manifest(
        &self,
        repository: &RepositoryName,
        entry: &Descriptor,
    ) -> Result<Arc<Manifest>, RegistryError> {
        let digest = entry.digest.parse::<Digest>().map_err(|reason| RegistryError::Protocol {
            url: self.manifest_url(repository, "").to_string(),
            reason: crate::msg!(RegRefersInvalidDigest, reason.message()),
        })?;
        self.manifest(repository, &digest).await
    }

    /// The manifest a tag points to, or `None` if the tag does not exist. Strategy: a digest seen
    /// within the tag TTL is trusted (no request when its manifest is cached); a digest seen
    /// earlier is confirmed with a `HEAD` (then usually a cache hit); an unknown tag costs one
    /// `GET`.
    pub async fn tag_manifest(
        &self,
        repository: &RepositoryName,
        tag: &Tag,
    ) -> Result<Option<Arc<Manifest>>, RegistryError> {
        Ok(self.read_tag_manifest(repository, tag, false).await?.map(|(manifest, _)| manifest))
    }

    /// [`RegistryClient::tag_manifest`] for views that may show an answer a little out of date:
    /// a digest seen past the tag TTL, but within the maximum staleness, is served at once while a
    /// `HEAD` revalidates it in the background (stale-while-revalidate). The flag says that the
    /// manifest is such a stale answer (the view says it is being refreshed).
    pub async fn tag_manifest_or_stale(
        &self,
        repository: &RepositoryName,
        tag: &Tag,
    ) -> Result<Option<(Arc<Manifest>, bool)>, RegistryError> {
        self.read_tag_manifest(repository, tag, true).await
    }

    async fn read_tag_manifest(
        &self,
        repository: &RepositoryName,
        tag: &Tag,
        serve_stale: bool,
    ) -> Result<Option<(Arc<Manifest>, bool)>, RegistryError> {
        let cache = &self.inner.cache;
        let (name, tag_name, reference) = (repository.as_str(), tag.as_str(), Reference::Tag(tag.clone()));
        let generation = cache.generation(name);
        let mut stale = false;
        let digest = match cache.tag_digest(name, tag_name) {
            Known::Fresh(digest) => digest,
            Known::Stale(digest) if serve_stale => {
                cache.served_stale();
                self.revalidate_tag(repository, tag);
                stale = true;
                digest
            }
            Known::Stale(_) | Known::Expired(_) => match self.head_manifest(repository, &reference).await? {
                Some(digest) => {
                    cache.store_tag_digest(name, generation, tag_name, &digest);
                    digest
                }
                None => {
                    cache.forget_tag(name, tag_name);
                    return Ok(None);
                }
            },
            Known::Unknown => {
                let Some(manifest) = self.fetch_manifest(repository, &reference).await? else {
                    return Ok(None);
                };
                // A digest that is not one is not remembered (it could not be asked for later).
                if let Ok(digest) = manifest.digest.parse() {
                    cache.store_tag_digest(name, generation, tag_name, &digest);
                }
                return Ok(Some((manifest, false)));
            }
        };
        match self.manifest(repository, &digest).await {
            Ok(manifest) => Ok(Some((manifest, stale))),
            // The tag moved or went away since we looked: ask again by tag.
            Err(e) if e.is_not_found() => {
                cache.forget_tag(name, tag_name);
                let manifest = self.fetch_manifest(repository, &reference).await?;
                if let Some(digest) = manifest.as_ref().and_then(|m| m.digest.parse().ok()) {
                    cache.store_tag_digest(name, cache.generation(name), tag_name, &digest);
                }
                Ok(manifest.map(|m| (m, false)))
            }
            Err(e) => Err(e),
        }
    }

    /// Asks the registry, in the background, where `tag` points now, and remembers it (or forgets
    /// the tag when it is gone), once no stale answer has been served for a moment (the page is
    /// answered first). At most one revalidation per tag at a time; one background task per client
    /// works through them, a few in flight at once; a failure leaves the stale entry to age until
    /// it is re-checked before use. Queueing costs the page that served the stale answer no task
    /// and no timer per tag.
    fn revalidate_tag(&self, repository: &RepositoryName, tag: &Tag) {
        let cache = &self.inner.cache;
        if !cache.begin_revalidation(repository.as_str(), tag.as_str()) {
            return;
        }
        // Taken now: a change through this client from here on makes the answer not stored.
        let generation = cache.generation(repository.as_str());
        if cache.queue_revalidation((repository.clone(), tag.clone(), generation)) {
            let client = self.clone();
            tokio::spawn(async move { client.run_revalidations().await });
        }
    }

    /// The background worker of [`RegistryClient::revalidate_tag`]: waits until no stale answer
    /// has been served for a moment, revalidates what is queued, and ends when nothing is.
    async fn run_revalidations(&self) {
        let cache = &self.inner.cache;
        loop {
            loop {
                let wait = cache.until_quiet();
                if wait.is_zero() {
                    break;
                }
                tokio::time::sleep(wait).await;
            }
            let batch = cache.take_revalidations();
            if batch.is_empty() {
                return;
            }
            futures::stream::iter(batch)
                .for_each_concurrent(super::cache::REVALIDATIONS_IN_FLIGHT, |(repository, tag, generation)| {
                    async move {
                        let (name, tag_name) = (repository.as_str(), tag.as_str());
                        match self.head_manifest(&repository, &Reference::Tag(tag.clone())).await {
                            Ok(Some(digest)) => cache.store_tag_digest(name, generation, tag_name, &digest),
                            Ok(None) => cache.forget_tag(name, tag_name),
                            Err(error) => {
                                let error = crate::backend::redact::Scrubbed(&error);
                                tracing::debug!(%repository, tag = tag_name, %error, "revalidating a tag failed");
                            }
                        }
                        cache.end_revalidation(name, tag_name);
                    }
                })
                .await;
        }
    }

    /// Background tag revalidations started and not yet finished (tests wait for them).
    pub fn revalidations_pending(&self) -> usize {
        self.inner.cache.revalidations_pending()
    }

    /// The digest a tag points to, or `None` if it does not exist. With `verify`, always asks the
    /// registry (`HEAD`); otherwise a digest seen within the tag TTL is used.
    pub async fn tag_digest(
        &self,
        repository: &RepositoryName,
        tag: &Tag,
        verify: bool,
    ) -> Result<Option<Digest>, RegistryError> {
        let cache = &self.inner.cache;
        let (name, tag_name) = (repository.as_str(), tag.as_str());
        if !verify && let Known::Fresh(digest) = cache.tag_digest(name, tag_name) {
            return Ok(Some(digest));
        }
        let generation = cache.generation(name);
        let digest = self.head_manifest(repository, &Reference::Tag(tag.clone())).await?;
        match &digest {
            Some(d) => cache.store_tag_digest(name, generation, tag_name, d),
            None => cache.forget_tag(name, tag_name),
        }
        Ok(digest)
    }

    /// `PUT` a manifest under a tag or digest; returns its digest. Invalidates the repository's
    /// tag cache (before, so nothing stale is served meanwhile, and after, so reads that
    /// straddled the change store nothing).
    pub async fn put_manifest(
        &self,
        repository: &RepositoryName,
        reference: &Reference,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<Digest, RegistryError> {
        let cache = &self.inner.cache;
        cache.invalidate(repository.as_str());
        let url = self.manifest_url(repository, reference.as_str());
        let digest = Digest::sha256(&bytes);
        let result =
            self.execute(Op::ManifestPut, repository.as_str(), url, None, Some((media_type, bytes))).await;
        cache.invalidate(repository.as_str());
        let answer = result?.error_for_status()?;
        match answer.header("docker-content-digest") {
            Some(named) => named_digest(&answer.url, named),
            None => Ok(digest),
        }
    }
}
