//! Tag lists: `GET /v2/<name>/tags/list`, following `Link` pagination when the registry pages.
//! distribution 2.8.2 ignores `n`/`last` here and answers every tag in one page, in directory
//! order; registries that page (and cap `n`) send `Link: <…>; rel="next"`, which we follow.

use url::Url;

use super::catalog::{checked_link, next_link};
use super::client::Op;
use super::limits::MAX_TAG_LIST_BYTES;
use super::reference::{RepositoryName, Tag};
use super::{RegistryClient, RegistryError};

/// Stop following `Link` after this many pages (a registry that loops would otherwise never end).
const MAX_TAG_PAGES: usize = 10_000;

#[derive(serde::Deserialize)]
struct TagsWire {
    /// distribution answers `null` for a repository whose tags were all deleted.
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl RegistryClient {
    /// Every tag of `repository`, as the registry lists them (always asked, never cached; the tag
    /// count is remembered for [`RegistryClient::tag_count`]). A repository the registry does not
    /// know is an error for which [`RegistryError::is_not_found`] holds. A listed name that is not
    /// a tag (no registry that follows the spec lists one) is left out with a warning: it could
    /// not be asked for.
    pub async fn list_tags(&self, repository: &RepositoryName) -> Result<Vec<Tag>, RegistryError> {
        let generation = self.inner.cache.generation(repository.as_str());
        let mut tags = Vec::new();
        let mut url: Url = self.url(&format!("v2/{repository}/tags/list"));
        let mut bytes = 0u64;
        for _ in 0..MAX_TAG_PAGES {
            let answer = self.execute(Op::TagList, repository.as_str(), url.clone(), None, None).await?;
            let answer = answer.error_for_status()?;
            // Each page is capped as it is read; the pages together are capped here.
            bytes += answer.body.len() as u64;
            if bytes > MAX_TAG_LIST_BYTES {
                return Err(RegistryError::TooLarge {
                    url: url.to_string(),
                    what: super::limits::Body::TagList,
                    limit: MAX_TAG_LIST_BYTES,
                });
            }
            let wire: TagsWire = serde_json::from_slice(&answer.body).map_err(|e| {
                RegistryError::Protocol { url: url.to_string(), reason: crate::msg!(RegTagListNotJson, &e) }
            })?;
            let page = wire.tags.unwrap_or_default();
            let empty = page.is_empty();
            tags.extend(page.into_iter().filter_map(|name| match name.parse::<Tag>() {
                Ok(tag) => Some(tag),
                Err(reason) => {
                    tracing::warn!(%repository, %reason, "the registry listed a name that is not a tag; left out");
                    None
                }
            }));
            match answer.header("link").and_then(next_link).and_then(|l| url.join(l).ok()) {
                Some(next) if !empty && next != url => url = checked_link(&url, next)?,
                _ => break,
            }
        }
        // Registries that page may repeat a name at a page boundary.
        let mut seen = std::collections::HashSet::with_capacity(tags.len());
        tags.retain(|t| seen.insert(t.clone()));
        self.inner.cache.store_tag_count(repository.as_str(), generation, tags.len());
        Ok(tags)
    }

    /// How many tags `repository` has: 0 when the registry does not know it (distribution keeps a
    /// repository in the catalog after its last tag is deleted). Uses a count seen within the tag
    /// TTL (invalidated by every change through this client).
    pub async fn tag_count(&self, repository: &RepositoryName) -> Result<usize, RegistryError> {
        let cache = &self.inner.cache;
        if let Some(count) = cache.tag_count(repository.as_str()) {
            return Ok(count);
        }
        let generation = cache.generation(repository.as_str());
        match self.list_tags(repository).await {
            Ok(tags) => Ok(tags.len()),
            Err(e) if e.is_not_found() => {
                cache.store_tag_count(repository.as_str(), generation, 0);
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }
}
