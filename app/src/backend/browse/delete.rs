//! Deleting a tag (only it, or its whole image) and a whole repository, with the tags each
//! removes reported back.

use std::collections::BTreeSet;

use super::or_not_found;
use super::tags::tags_by_digest;
use crate::backend::redact::Scrubbed;
use crate::backend::registry::RegistryClient;
use crate::backend::registry::reference::{Reference, RepositoryName, Tag};
use crate::model::{AppError, DeleteRepositoryResult, DeleteScope, DeleteTagResult};

/// Deletes a tag.
///
/// * `DeleteScope::Image`: deletes the manifest by digest, which removes every tag on it;
///   `removed_tags` lists them all. The reference may also be a digest here.
/// * `DeleteScope::Tag`: removes only this tag; other tags on the same digest survive
///   ([`RegistryClient::delete_tag`]). Without other tags, the digest is deleted directly.
pub async fn delete_tag(
    registry: &RegistryClient,
    repository: &RepositoryName,
    reference: &Reference,
    scope: DeleteScope,
) -> Result<DeleteTagResult, AppError> {
    let tag = reference.as_str();
    let not_found = || crate::msg!(NotInRepository, reference, repository);
    let digest = match reference {
        Reference::Tag(t) => registry.tag_digest(repository, t, true).await?,
        Reference::Digest(d) if scope == DeleteScope::Tag => {
            return Err(AppError::BadRequest(crate::msg!(DigestNotTag, d)));
        }
        Reference::Digest(_) => registry.head_manifest(repository, reference).await?,
    }
    .ok_or_else(|| AppError::NotFound(not_found()))?;
    let by_digest = tags_by_digest(registry, repository).await?;
    let on_digest = by_digest.get(&digest).cloned().unwrap_or_default();
    let siblings: Vec<Tag> = on_digest.iter().filter(|t| *t != tag).cloned().collect();
    let result = |removed_tags: Vec<String>| DeleteTagResult {
        deleted: true,
        repository: repository.to_string(),
        tag: tag.to_owned(),
        digest: digest.to_string(),
        scope,
        removed_tags,
    };
    match reference.tag() {
        Some(only) if scope == DeleteScope::Tag && !siblings.is_empty() => {
            registry.delete_tag(repository, only, &digest, &siblings).await?;
            tracing::info!(%repository, tag, %digest, ?siblings, "deleted one tag; its siblings stay");
            Ok(result(vec![tag.to_owned()]))
        }
        _ => {
            registry.delete_manifest(repository, &digest).await.map_err(|e| or_not_found(e, not_found))?;
            let mut removed: BTreeSet<Tag> = on_digest;
            if let Some(t) = reference.tag() {
                removed.insert(t.clone());
            }
            tracing::info!(%repository, tag, %digest, ?removed, "deleted a manifest");
            Ok(result(removed.iter().map(Tag::to_string).collect()))
        }
    }
}

/// Deletes every tag of a repository: each distinct digest once. If the registry refuses the
/// first delete (e.g. deletion disabled), nothing was changed.
pub async fn delete_repository(
    registry: &RegistryClient,
    repository: &RepositoryName,
) -> Result<DeleteRepositoryResult, AppError> {
    let by_digest = tags_by_digest(registry, repository).await?;
    let mut deleted_digests = Vec::new();
    let mut removed_tags = Vec::new();
    for (digest, tags) in &by_digest {
        match registry.delete_manifest(repository, digest).await {
            Ok(()) => {}
            // Gone already (another delete got there first): its tags are gone too.
            Err(error) if error.is_not_found() => {}
            Err(error) if deleted_digests.is_empty() => return Err(error.into()),
            Err(error) => {
                let error = Scrubbed(&error);
                tracing::warn!(%repository, %digest, %error, "deleting a repository stopped part-way");
                return Err(AppError::Upstream(crate::msg!(
                    DeletedPartWay,
                    deleted_digests.len(),
                    by_digest.len(),
                    repository,
                    removed_tags.join(", "),
                    &error
                )));
            }
        }
        deleted_digests.push(digest.to_string());
        removed_tags.extend(tags.iter().map(Tag::to_string));
    }
    removed_tags.sort();
    tracing::info!(
        %repository,
        images = deleted_digests.len(),
        tags = removed_tags.len(),
        "deleted a repository"
    );
    Ok(DeleteRepositoryResult { repository: repository.to_string(), deleted_digests, removed_tags })
}
