//! Multi-arch tags, the steps more than one kind takes (a merge, a local push that also writes
//! the multi-arch tag): read a group of single-arch tags ([`prepare`]: each manifest, its
//! platform from its config, the target tag, the conflicts, the index), and write it
//! ([`merge_group`]): children from other repositories copied in by digest (blobs mounted), the
//! index `PUT` under the target tag and its digest checked, then, if asked, only the source tags
//! deleted once the target is seen to resolve to the index.
//!
//! The index is an OCI image index or a Docker manifest list over the manifests as they are, by
//! digest (`registry::index_over`); no layer moves.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::context::JobContext;
use super::outcome::ItemOutcome;
use crate::backend::copy::{CopyError, CopySpec, TargetMemo, copy_image};
use crate::backend::registry::reference::{Digest, Reference, RepositoryName, Tag};
use crate::backend::registry::{Manifest, RegistryClient, index_over};
use crate::messages::joined;
use crate::model::{
    ItemStatus, ManifestKind, MergeChild, MergeConflict, MergeGroupPreview, Message, Platform,
};
use crate::msg;

/// A `repository:tag` in our registry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Named {
    pub repository: RepositoryName,
    pub tag: Tag,
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.repository, self.tag)
    }
}

/// One target tag and the tags it combines, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Group {
    pub target: Named,
    pub sources: Vec<Named>,
}

/// Every tag ending with one of `suffixes` (the longest that fits), grouped by what comes before
/// it: `1.0-x86` and `1.0-arm` → `1.0`. Within a group, tags follow the order of `suffixes`.
pub(super) fn group_by_base(tags: &[Tag], suffixes: &[String]) -> BTreeMap<Tag, Vec<Tag>> {
    let mut groups: BTreeMap<Tag, Vec<(usize, Tag)>> = BTreeMap::new();
    for tag in tags {
        let name = tag.as_str();
        let best = suffixes
            .iter()
            .enumerate()
            .filter(|(_, s)| name.len() > s.len() && name.ends_with(s.as_str()))
            .max_by_key(|(_, s)| s.len());
        if let Some((rank, suffix)) = best
            && let Ok(base) = name[..name.len() - suffix.len()].parse::<Tag>()
        {
            groups.entry(base).or_default().push((rank, tag.clone()));
        }
    }
    groups
        .into_iter()
        .map(|(base, mut members)| {
            members.sort();
            (base, members.into_iter().map(|(_, tag)| tag).collect())
        })
        .collect()
}

/// The index a group becomes.
pub(super) struct Index {
    pub media_type: String,
    pub bytes: Bytes,
    pub digest: Digest,
    /// Each source and the digest of its manifest (the child).
    pub children: Vec<(Named, Digest)>,
}

/// A group read from the registry: what the preview shows and what the job writes.
pub(super) struct Prepared {
    pub preview: MergeGroupPreview,
    /// Present when the group can be merged (it may still conflict).
    pub index: Option<Index>,
    /// Why it cannot be merged (`preview.error`, in the reader's language).
    pub error: Option<Message>,
}

/// An input's manifest and its platform, read from its config; an input that is not a single
/// image is refused here, with why.
async fn read_child(registry: &RegistryClient, source: &Named) -> Result<(Arc<Manifest>, Platform), Message> {
    let manifest = registry
        .fetch_manifest(&source.repository, &Reference::Tag(source.tag.clone()))
        .await
        .map_err(|e| e.message())?
        .ok_or_else(|| msg!(DoesNotExist, source))?;
    match manifest.kind {
        ManifestKind::Image => {}
        ManifestKind::Index => {
            let platforms: Vec<String> = manifest
                .platform_entries()
                .filter_map(|d| d.platform.as_ref().map(|p| p.to_platform().to_string()))
                .collect();
            return Err(msg!(MergeAlreadyIndex, source, platforms.join(", ")));
        }
        _ => {
            return Err(msg!(MergeNotImage, source, manifest.media_type.as_str()));
        }
    }
    let Some(config) = &manifest.config else {
        return Err(msg!(MergeNoConfig, source));
    };
    let config = registry.image_config(&source.repository, config).await.map_err(|e| e.message())?;
    let platform = match (&config.os, &config.architecture) {
        (Some(os), Some(architecture)) => {
            Platform { os: os.clone(), architecture: architecture.clone(), variant: config.variant.clone() }
        }
        _ => return Err(msg!(MergeNoPlatform, source)),
    };
    Ok((manifest, platform))
}

/// Reads a group: each input's manifest and platform, the target tag's digest, the conflicts,
/// and the index it would write.
pub(super) async fn prepare(
    registry: &RegistryClient,
    group: &Group,
    target_tags: Option<&BTreeSet<Tag>>,
) -> Prepared {
    let target = &group.target;
    let listed = target_tags.is_none_or(|tags| tags.contains(&target.tag));
    let (reads, target_digest) = tokio::join!(
        futures::future::join_all(group.sources.iter().map(|source| read_child(registry, source))),
        async {
            if listed { registry.tag_digest(&target.repository, &target.tag, true).await } else { Ok(None) }
        }
    );
    let mut preview = MergeGroupPreview { target: target.to_string(), ..MergeGroupPreview::default() };
    let mut errors = Vec::new();
    let mut children = Vec::new();
    for (source, read) in group.sources.iter().zip(reads) {
        match read {
            Ok((manifest, platform)) => {
                preview.children.push(MergeChild {
                    source: source.to_string(),
                    digest: Some(manifest.digest.clone()),
                    media_type: Some(manifest.media_type.as_str().to_owned()),
                    platform: Some(platform.to_string()),
                    size_bytes: manifest.image_size(),
                });
                children.push((source, manifest, platform));
            }
            Err(error) => {
                preview.children.push(MergeChild { source: source.to_string(), ..MergeChild::default() });
                errors.push(error);
            }
        }
    }
    match target_digest {
        Ok(digest) => preview.target_digest = digest.map(|d| d.to_string()),
        Err(error) => errors.push(msg!(MergeTargetUnreadable, target, &error)),
    }
    let mut by_platform: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (source, _, platform) in &children {
        by_platform.entry(platform.to_string()).or_default().push(source.to_string());
    }
    for (platform, sources) in by_platform {
        if sources.len() > 1 {
            preview.conflicts.push(MergeConflict::SamePlatform { platform, sources });
        }
    }
    let mut index = None;
    if errors.is_empty() {
        let pairs: Vec<(&Manifest, &Platform)> = children.iter().map(|(_, m, p)| (&**m, p)).collect();
        match index_over(&pairs) {
            Ok((media_type, bytes)) => {
                let digest = Digest::sha256(&bytes);
                preview.media_type = Some(media_type.as_str().to_owned());
                preview.digest = Some(digest.to_string());
                if let Some(existing) = &preview.target_digest
                    && existing.as_str() != digest.as_str()
                {
                    preview.conflicts.push(MergeConflict::TargetExists { digest: existing.clone() });
                }
                let children = children
                    .iter()
                    .filter_map(|(source, m, _)| m.digest.parse().ok().map(|d| ((*source).clone(), d)))
                    .collect();
                index = Some(Index { media_type: media_type.as_str().to_owned(), bytes, digest, children });
            }
            Err(reason) => errors.push(reason),
        }
    }
    let error = (!errors.is_empty()).then(|| joined(errors));
    preview.error = error.as_ref().map(ToString::to_string);
    Prepared { preview, index, error }
}

/// What a group's write may do besides writing a new tag.
#[derive(Clone, Copy, Debug)]
pub(super) struct Write {
    /// Replace a target tag that holds another digest.
    pub overwrite: bool,
    /// Delete the source tags once the index is verified.
    pub delete_sources: bool,
}

/// Reads, checks and writes one group (on `registry`); with `delete_sources`, then deletes its
/// source tags.
pub(super) async fn merge_group(
    context: &JobContext,
    registry: &RegistryClient,
    memo: &TargetMemo,
    group: &Group,
    target_tags: Option<&BTreeSet<Tag>>,
    write: Write,
) -> ItemOutcome {
    let target = &group.target;
    let Prepared { preview, index, error } = prepare(registry, group, target_tags).await;
    if let Some(error) = error {
        return ItemOutcome::failed(error);
    }
    let same_platform: Vec<Message> = preview
        .conflicts
        .iter()
        .filter_map(|c| match c {
            MergeConflict::SamePlatform { platform, sources } => {
                Some(msg!(MergeSamePlatform, sources.join(", "), platform))
            }
            MergeConflict::TargetExists { .. } => None,
        })
        .collect();
    if !same_platform.is_empty() {
        return ItemOutcome::failed(msg!(MergeNothingWritten, joined(same_platform)));
    }
    let Some(index) = index else {
        return ItemOutcome::failed(msg!(MergeNothingToWrite));
    };
    let digest = &index.digest;
    let platforms: Vec<String> = preview.children.iter().filter_map(|c| c.platform.clone()).collect();
    let kind = if index.media_type == crate::backend::registry::OCI_INDEX {
        msg!(MergeKindOci)
    } else {
        msg!(MergeKindList)
    };
    let mut detail = if preview.up_to_date() {
        msg!(MergeAlreadyHolds, kind, platforms.join(", "))
    } else {
        if let Some(existing) = &preview.target_digest {
            if !write.overwrite {
                return ItemOutcome::skipped(msg!(MergeConflictTarget, existing, digest));
            }
            // The whole digest, so the replaced image can be restored (until garbage collection).
            context.warn(msg!(Overwriting, target, existing, digest));
        }
        let mut mounted = 0;
        for (source, child) in &index.children {
            if source.repository == target.repository {
                continue;
            }
            if context.is_cancelled() {
                return ItemOutcome::cancelled(msg!(MergeCancelledNotWritten));
            }
            let spec = CopySpec {
                source_repository: source.repository.clone(),
                source_reference: Reference::Digest(child.clone()),
                target_repository: target.repository.clone(),
                target_tag: None,
                platforms: Vec::new(),
                overwrite: false,
            };
            match copy_image(registry, registry, &spec, context, context.cancel_token(), memo).await {
                Ok(outcome) => mounted += outcome.blobs_mounted,
                Err(CopyError::Cancelled) => {
                    return ItemOutcome::cancelled(msg!(MergeCancelledNotWritten));
                }
                Err(error) => {
                    return ItemOutcome::failed(msg!(
                        MergeCopyFailed,
                        source,
                        child,
                        &target.repository,
                        error.message()
                    ));
                }
            }
        }
        if context.is_cancelled() {
            return ItemOutcome::cancelled(msg!(MergeCancelledNotWritten));
        }
        let reference = Reference::Tag(target.tag.clone());
        match registry
            .put_manifest(&target.repository, &reference, &index.media_type, index.bytes.clone())
            .await
        {
            Ok(written) if &written == digest => {}
            Ok(written) => {
                return ItemOutcome::failed(msg!(MergeStoredAs, &written, digest));
            }
            Err(error) => return ItemOutcome::failed(msg!(MergeWriting, target, &error)),
        }
        let detail = msg!(MergeWrote, kind, platforms.len(), platforms.join(", "));
        if mounted > 0 { msg!(MergeMounted, detail, mounted) } else { detail }
    };
    if !write.delete_sources {
        return ItemOutcome::succeeded(detail, Some(digest.to_string()));
    }
    if context.is_cancelled() {
        detail = msg!(Noted, detail, msg!(MergeCancelledSourcesKept));
        return ItemOutcome::succeeded(detail, Some(digest.to_string()));
    }
    delete_sources(registry, target, &index, detail).await
}

/// Deletes the source tags of a written index, once the target tag is seen to resolve to it.
/// Only the tags go: a source tag that moved since it was read is kept.
async fn delete_sources(
    registry: &RegistryClient,
    target: &Named,
    index: &Index,
    detail: Message,
) -> ItemOutcome {
    let digest = &index.digest;
    let ok = |detail: Message| ItemOutcome::succeeded(detail, Some(digest.to_string()));
    match registry.tag_digest(&target.repository, &target.tag, true).await {
        Ok(Some(now)) if &now == digest => {}
        Ok(now) => {
            return ok(detail)
                .noted(msg!(
                    MergeSourcesKeptResolves,
                    target,
                    now.map_or_else(|| msg!(MergeNothing), |d| Message::from(d.to_string()))
                ))
                .with_status(ItemStatus::Failed);
        }
        Err(error) => {
            return ok(detail)
                .noted(msg!(MergeSourcesKeptUnchecked, target, &error))
                .with_status(ItemStatus::Failed);
        }
    }
    let mut deleted = Vec::new();
    let mut kept = Vec::new();
    for (source, child) in &index.children {
        let result = match registry.tag_digest(&source.repository, &source.tag, true).await {
            Ok(Some(now)) if &now == child => registry
                .delete_tag(&source.repository, &source.tag, child, &[])
                .await
                .map_err(|e| e.message()),
            Ok(None) => Ok(()),
            Ok(Some(now)) => Err(msg!(MergeMoved, &now)),
            Err(error) => Err(error.message()),
        };
        match result {
            Ok(()) => deleted.push(source.to_string()),
            Err(reason) => kept.push(msg!(MergeSourceKept, source, reason)),
        }
    }
    let mut outcome = ok(detail);
    if !deleted.is_empty() {
        outcome = outcome.noted(msg!(MergeDeletedSources, deleted.join(", ")));
    }
    if !kept.is_empty() {
        outcome = outcome.noted(joined(kept)).with_status(ItemStatus::Failed);
    }
    outcome
}
