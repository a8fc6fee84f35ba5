//! Merge: single-arch tags combined into one multi-arch tag. The target tag is written as an
//! index (OCI image index or Docker manifest list, as the children are) whose children are the
//! inputs' manifests, unchanged, by digest; each child's platform comes from its image config,
//! never from the tag's suffix. No layer moves: within one repository nothing but the index is
//! written, and an input from another repository is copied in by digest with its blobs mounted.
//!
//! The preview and the job read the same way ([`prepare`]), so what the user confirmed is what
//! the job writes. Per group within one repository that is one manifest `GET` and one config
//! `GET` per input and one index `PUT`, after one tag list per repository.
//!
//! With `delete_sources`, the source tags are deleted once the target tag is checked to resolve
//! to the index: only the tags (their manifests stay, as the index's children), through the
//! registry client's tag-only delete.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;

use crate::backend::copy::{CopyError, CopySpec, TargetMemo, copy_image};
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::{Plan, describe};
use crate::backend::registry::reference::{Digest, ImageReference, Reference, RepositoryName, Tag};
use crate::backend::registry::{Manifest, RegistryClient, index_over};
use crate::model::{
    AppError, ItemStatus, JobItem, ManifestKind, MergeChild, MergeConflict, MergeGroupPreview, MergePreview,
    MergeRequest, Platform,
};

/// Groups read or written at once; each is a handful of small requests.
const PARALLEL_GROUPS: usize = 8;

/// The longest arch suffix accepted (a tag is at most 128 characters and needs a base).
const MAX_SUFFIX_LEN: usize = 127;

/// A `repository:tag` in our registry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Named {
    repository: RepositoryName,
    tag: Tag,
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.repository, self.tag)
    }
}

/// One target tag and the tags it combines, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    target: Named,
    sources: Vec<Named>,
}

/// The request, checked: the inputs named one by one, or the suffix rule.
#[derive(Debug, PartialEq, Eq)]
enum Inputs {
    Named(Group),
    Rule { repository: RepositoryName, suffixes: Vec<String>, target_repository: RepositoryName },
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadRequest(message.into())
}

/// `repository:tag` in our registry (a host, if given, must be ours).
fn named(field: &str, value: &str, deps: &Deps) -> Result<Named, AppError> {
    let reference: ImageReference = value.trim().parse().map_err(|e| bad(format!("{field}: {e}")))?;
    if let Some(host) = &reference.host
        && !deps.sources.is_ours(host)
    {
        return Err(bad(format!(
            "{field}: `{value}` is on {host}; a merge works within this registry: name repository:tag"
        )));
    }
    match reference.reference {
        Reference::Tag(tag) => Ok(Named { repository: reference.repository, tag }),
        Reference::Digest(_) => {
            Err(bad(format!("{field}: `{value}` names a digest; name the tag (repository:tag)")))
        }
    }
}

/// Arch suffixes from a request: trimmed, de-duplicated, each usable at the end of a tag.
fn suffix_list(suffixes: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for suffix in suffixes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
        if suffix.len() > MAX_SUFFIX_LEN || !suffix.chars().all(allowed) {
            return Err(bad(format!(
                "suffixes: `{suffix}` cannot end a tag: use at most {MAX_SUFFIX_LEN} letters, digits, `_`, `.` or `-` (e.g. -x86)"
            )));
        }
        if !out.iter().any(|s| s == suffix) {
            out.push(suffix.to_owned());
        }
    }
    if out.is_empty() {
        return Err(bad("suffixes is empty: name the arch suffixes to group tags by, e.g. -x86 and -arm"));
    }
    Ok(out)
}

/// Checks the request: exactly one way of naming the inputs, each name valid.
fn inputs(request: &MergeRequest, deps: &Deps) -> Result<Inputs, AppError> {
    let non_empty =
        |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let sources: Vec<&str> = request.sources.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    let repository = non_empty(&request.repository);
    match (sources.is_empty(), repository) {
        (false, Some(_)) => Err(bad("give either sources and target, or repository and suffixes, not both")),
        (true, None) => Err(bad(
            "name what to combine: sources (repository:tag, at least two) and target, or repository and suffixes",
        )),
        (false, None) => {
            let mut named_sources: Vec<Named> = Vec::new();
            let mut errors = Vec::new();
            for source in sources {
                match named("sources", source, deps) {
                    Ok(source) if !named_sources.contains(&source) => named_sources.push(source),
                    Ok(_) => {}
                    Err(error) => errors.push(error.to_string()),
                }
            }
            if !errors.is_empty() {
                return Err(bad(errors.join("; ")));
            }
            if named_sources.len() < 2 {
                return Err(bad("sources names one tag: name at least two single-arch tags to combine"));
            }
            let target = non_empty(&request.target).ok_or_else(|| {
                bad("target is missing: name the multi-arch tag to write (repository:tag, e.g. app:1.0)")
            })?;
            let target = named("target", &target, deps)?;
            if named_sources.contains(&target) {
                return Err(bad(format!(
                    "target {target} is one of the sources: the index would replace it; choose another tag"
                )));
            }
            Ok(Inputs::Named(Group { target, sources: named_sources }))
        }
        (true, Some(repository)) => {
            let repository: RepositoryName =
                repository.trim_matches('/').parse().map_err(|e| bad(format!("repository: {e}")))?;
            let suffixes = suffix_list(&request.suffixes)?;
            let target_repository = match non_empty(&request.target_repository) {
                Some(name) => {
                    name.trim_matches('/').parse().map_err(|e| bad(format!("target_repository: {e}")))?
                }
                None => repository.clone(),
            };
            Ok(Inputs::Rule { repository, suffixes, target_repository })
        }
    }
}

/// Every tag ending with one of `suffixes` (the longest that fits), grouped by what comes before
/// it: `1.0-x86` and `1.0-arm` → `1.0`. Within a group, tags follow the order of `suffixes`.
fn group_by_base(tags: &[Tag], suffixes: &[String]) -> BTreeMap<Tag, Vec<Tag>> {
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

/// The groups a request names, with what is known of the target repository's tags (`None`:
/// unknown, so each target tag is asked about).
struct Resolved {
    groups: Vec<Group>,
    /// Suffixed tags without another architecture: left alone.
    singles: Vec<String>,
    target_tags: Option<BTreeSet<Tag>>,
    /// Why there is nothing to merge, when there is nothing.
    nothing: Option<String>,
}

async fn resolve(inputs: Inputs, registry: &RegistryClient) -> Result<Resolved, AppError> {
    let (repository, suffixes, target_repository) = match inputs {
        Inputs::Named(group) => {
            return Ok(Resolved {
                groups: vec![group],
                singles: Vec::new(),
                target_tags: None,
                nothing: None,
            });
        }
        Inputs::Rule { repository, suffixes, target_repository } => (repository, suffixes, target_repository),
    };
    let (tags, existing) = tokio::join!(registry.list_tags(&repository), async {
        if target_repository == repository {
            None
        } else {
            Some(registry.list_tags(&target_repository).await)
        }
    });
    let tags = tags.map_err(|error| {
        if error.is_not_found() {
            AppError::NotFound(format!("repository `{repository}` does not exist in the registry"))
        } else {
            error.into()
        }
    })?;
    let target_tags = match existing {
        None => Some(tags.iter().cloned().collect()),
        Some(Ok(existing)) => Some(existing.into_iter().collect()),
        // A repository that does not exist yet has no tags.
        Some(Err(error)) if error.is_not_found() => Some(BTreeSet::new()),
        Some(Err(_)) => None,
    };
    let mut groups = Vec::new();
    let mut singles = Vec::new();
    for (base, members) in group_by_base(&tags, &suffixes) {
        let sources: Vec<Named> =
            members.into_iter().map(|tag| Named { repository: repository.clone(), tag }).collect();
        if let [single] = sources.as_slice() {
            singles.push(single.to_string());
            continue;
        }
        groups.push(Group { target: Named { repository: target_repository.clone(), tag: base }, sources });
    }
    let nothing = groups.is_empty().then(|| {
        format!(
            "no tag of {repository} has two or more of the suffixes {} on the same base: there is nothing to combine",
            suffixes.join(", ")
        )
    });
    Ok(Resolved { groups, singles, target_tags, nothing })
}

/// The index a group becomes.
struct Index {
    media_type: String,
    bytes: Bytes,
    digest: Digest,
    /// Each source and the digest of its manifest (the child).
    children: Vec<(Named, Digest)>,
}

/// A group read from the registry: what the preview shows and what the job writes.
struct Prepared {
    preview: MergeGroupPreview,
    /// Present when the group can be merged (it may still conflict).
    index: Option<Index>,
}

/// An input's manifest and its platform, read from its config; an input that is not a single
/// image is refused here, with why.
async fn read_child(
    registry: &RegistryClient,
    source: &Named,
) -> Result<(Arc<Manifest>, Option<Platform>), String> {
    let manifest = registry
        .fetch_manifest(&source.repository, &Reference::Tag(source.tag.clone()))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{source} does not exist"))?;
    match manifest.kind {
        ManifestKind::Image => {}
        ManifestKind::Index => {
            let platforms: Vec<String> = manifest
                .platform_entries()
                .filter_map(|d| d.platform.as_ref().map(|p| p.to_platform().to_string()))
                .collect();
            return Err(format!(
                "{source} is already a multi-arch index ({}): split it first, or name its single-platform tags",
                platforms.join(", ")
            ));
        }
        _ => {
            return Err(format!(
                "{source} is not a container image ({}): only images can be combined",
                manifest.media_type.as_str()
            ));
        }
    }
    let Some(config) = &manifest.config else {
        return Err(format!("{source} has no image config"));
    };
    let config = registry.image_config(&source.repository, config).await.map_err(|e| e.to_string())?;
    let platform = match (&config.os, &config.architecture) {
        (Some(os), Some(architecture)) => {
            Platform { os: os.clone(), architecture: architecture.clone(), variant: config.variant.clone() }
        }
        _ => return Err(format!("the image config of {source} names no os and architecture")),
    };
    Ok((manifest, Some(platform)))
}

/// Reads a group: each input's manifest and platform, the target tag's digest, the conflicts,
/// and the index it would write.
async fn prepare(registry: &RegistryClient, group: &Group, target_tags: Option<&BTreeSet<Tag>>) -> Prepared {
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
                    platform: platform.as_ref().map(Platform::to_string),
                    size_bytes: manifest.image_size(),
                });
                if let Some(platform) = platform {
                    children.push((source, manifest, platform));
                }
            }
            Err(error) => {
                preview.children.push(MergeChild { source: source.to_string(), ..MergeChild::default() });
                errors.push(error);
            }
        }
    }
    match target_digest {
        Ok(digest) => preview.target_digest = digest.map(|d| d.to_string()),
        Err(error) => errors.push(format!("cannot read the target tag {target}: {error}")),
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
    preview.error = (!errors.is_empty()).then(|| errors.join("; "));
    Prepared { preview, index }
}

/// Reads every group, at most [`PARALLEL_GROUPS`] at once, in order.
async fn prepare_all(registry: &RegistryClient, resolved: &Resolved) -> Vec<Prepared> {
    let slots = Semaphore::new(PARALLEL_GROUPS);
    let target_tags = resolved.target_tags.as_ref();
    futures::future::join_all(resolved.groups.iter().map(|group| async {
        // The semaphore is never closed.
        let _slot = slots.acquire().await.ok();
        prepare(registry, group, target_tags).await
    }))
    .await
}

fn sources_label(group: &Group) -> String {
    group.sources.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

pub fn plan(request: &MergeRequest, deps: &Deps) -> Result<Plan, AppError> {
    Ok(match inputs(request, deps)? {
        Inputs::Named(group) => Plan {
            source_image: describe(
                &group.sources.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "tags",
            ),
            target_image: format!("{}/{}", deps.sources.push_host(), group.target),
            items: Vec::new(),
        },
        Inputs::Rule { repository, suffixes, target_repository } => Plan {
            source_image: format!("{repository} ({})", suffixes.join(", ")),
            target_image: format!("{}/{target_repository}", deps.sources.push_host()),
            items: Vec::new(),
        },
    })
}

/// What the merge would write, group by group, with conflicts; reads only.
pub async fn preview(request: &MergeRequest, deps: &Deps) -> Result<MergePreview, AppError> {
    let resolved = resolve(inputs(request, deps)?, &deps.registry).await?;
    let groups = prepare_all(&deps.registry, &resolved).await.into_iter().map(|p| p.preview).collect();
    Ok(MergePreview { groups, singles: resolved.singles, errors: resolved.nothing.into_iter().collect() })
}

pub async fn run(context: &JobContext, request: &MergeRequest) -> Result<(), AppError> {
    let deps = context.deps();
    let host = deps.sources.push_host();
    let resolved = resolve(inputs(request, deps)?, &deps.registry).await?;
    for single in &resolved.singles {
        context.info(format!("{single}: no other architecture of it, left alone"));
    }
    if let Some(nothing) = &resolved.nothing {
        return Err(bad(nothing.clone()));
    }
    let items = resolved
        .groups
        .iter()
        .map(|group| JobItem::pending(sources_label(group), format!("{host}/{}", group.target)))
        .collect();
    context.set_items(items);
    let memo = TargetMemo::new();
    let slots = Semaphore::new(PARALLEL_GROUPS);
    let target_tags = resolved.target_tags.as_ref();
    let work = resolved.groups.iter().enumerate().map(|(index, group)| {
        let (slots, memo) = (&slots, &memo);
        async move {
            // The semaphore is never closed.
            let _slot = slots.acquire().await.ok();
            if context.is_cancelled() {
                return;
            }
            context.start_item(index);
            let outcome = merge_group(context, memo, request, target_tags, group).await;
            let detail = &outcome.detail;
            match outcome.status {
                ItemStatus::Succeeded => context.info(format!("{}: {detail}", group.target)),
                ItemStatus::Skipped => context.warn(format!("{}: {detail}", group.target)),
                ItemStatus::Failed => context.error(format!("{}: {detail}", group.target)),
                _ => {}
            }
            context.finish_item(index, outcome);
        }
    });
    futures::future::join_all(work).await;
    Ok(())
}

/// Reads, checks and writes one group; with `delete_sources`, then deletes its source tags.
async fn merge_group(
    context: &JobContext,
    memo: &TargetMemo,
    request: &MergeRequest,
    target_tags: Option<&BTreeSet<Tag>>,
    group: &Group,
) -> ItemOutcome {
    let registry = &context.deps().registry;
    let target = &group.target;
    let Prepared { preview, index } = prepare(registry, group, target_tags).await;
    if let Some(error) = &preview.error {
        return ItemOutcome::failed(error.clone());
    }
    let same_platform: Vec<String> = preview
        .conflicts
        .iter()
        .filter(|c| matches!(c, MergeConflict::SamePlatform { .. }))
        .map(MergeConflict::describe)
        .collect();
    if !same_platform.is_empty() {
        return ItemOutcome::failed(format!("{}; nothing written", same_platform.join("; ")));
    }
    let Some(index) = index else {
        return ItemOutcome::failed("nothing to write");
    };
    let digest = &index.digest;
    let platforms: Vec<String> = preview.children.iter().filter_map(|c| c.platform.clone()).collect();
    let kind =
        if index.media_type == crate::backend::registry::OCI_INDEX { "OCI index" } else { "manifest list" };
    let mut detail = if preview.up_to_date() {
        format!("already holds this {kind} ({}): nothing written", platforms.join(", "))
    } else {
        if let Some(existing) = &preview.target_digest {
            if !request.overwrite {
                return ItemOutcome::skipped(format!(
                    "conflict: the target tag holds {existing}, not the index {digest}; not overwritten (set overwrite to replace it)"
                ));
            }
            // The whole digest, so the replaced image can be restored (until garbage collection).
            context.warn(format!("overwriting {target}: it held {existing}, now {digest}"));
        }
        let mut mounted = 0;
        for (source, child) in &index.children {
            if source.repository == target.repository {
                continue;
            }
            if context.is_cancelled() {
                return ItemOutcome::cancelled("cancelled; the target tag was not written");
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
                    return ItemOutcome::cancelled("cancelled; the target tag was not written");
                }
                Err(error) => {
                    return ItemOutcome::failed(format!(
                        "copying {source} ({child}) into {}: {error}; the target tag was not written",
                        target.repository
                    ));
                }
            }
        }
        if context.is_cancelled() {
            return ItemOutcome::cancelled("cancelled; the target tag was not written");
        }
        let reference = Reference::Tag(target.tag.clone());
        match registry
            .put_manifest(&target.repository, &reference, &index.media_type, index.bytes.clone())
            .await
        {
            Ok(written) if &written == digest => {}
            Ok(written) => {
                return ItemOutcome::failed(format!(
                    "the registry stored the index as {written}, not {digest}: its children may not be what was read"
                ));
            }
            Err(error) => return ItemOutcome::failed(format!("writing {target}: {error}")),
        }
        let mut detail = format!("wrote a {kind} of {} ({})", platforms.len(), platforms.join(", "));
        if mounted > 0 {
            detail.push_str(&format!("; {mounted} blobs mounted from other repositories"));
        }
        detail
    };
    if !request.delete_sources {
        return ItemOutcome::succeeded(detail, Some(digest.to_string()));
    }
    if context.is_cancelled() {
        detail.push_str("; cancelled: source tags kept");
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
    detail: String,
) -> ItemOutcome {
    let digest = &index.digest;
    let ok = |detail: String| ItemOutcome::succeeded(detail, Some(digest.to_string()));
    match registry.tag_digest(&target.repository, &target.tag, true).await {
        Ok(Some(now)) if &now == digest => {}
        Ok(now) => {
            return ok(detail)
                .noted(&format!(
                    "source tags kept: {target} resolves to {}, not the index",
                    now.map(|d| d.to_string()).unwrap_or_else(|| "nothing".to_owned())
                ))
                .with_status(ItemStatus::Failed);
        }
        Err(error) => {
            return ok(detail)
                .noted(&format!("source tags kept: cannot check {target}: {error}"))
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
                .map_err(|e| e.to_string()),
            Ok(None) => Ok(()),
            Ok(Some(now)) => Err(format!("it moved to {now} since it was read")),
            Err(error) => Err(error.to_string()),
        };
        match result {
            Ok(()) => deleted.push(source.to_string()),
            Err(reason) => kept.push(format!("{source} kept: {reason}")),
        }
    }
    let mut outcome = ok(detail);
    if !deleted.is_empty() {
        outcome = outcome.noted(&format!("deleted the source tags {}", deleted.join(", ")));
    }
    if !kept.is_empty() {
        outcome = outcome.noted(&kept.join("; ")).with_status(ItemStatus::Failed);
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(names: &[&str]) -> Vec<Tag> {
        names.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn suffixed_tags_are_grouped_by_their_base() {
        let suffixes = vec!["-x86".to_owned(), "-arm".to_owned(), "-arm64".to_owned()];
        let groups = group_by_base(
            &tags(&["1.0-arm", "1.0-x86", "2.0-x86", "latest", "x86", "3-arm64", "3-x86"]),
            &suffixes,
        );
        let shown: Vec<(String, Vec<String>)> = groups
            .into_iter()
            .map(|(base, members)| (base.to_string(), members.iter().map(ToString::to_string).collect()))
            .collect();
        assert_eq!(
            shown,
            [
                ("1.0".to_owned(), vec!["1.0-x86".to_owned(), "1.0-arm".to_owned()]),
                ("2.0".to_owned(), vec!["2.0-x86".to_owned()]),
                // The longest suffix that fits: `3-arm64` is base `3`, not `3-arm64` minus `-arm`.
                ("3".to_owned(), vec!["3-x86".to_owned(), "3-arm64".to_owned()]),
            ]
        );
    }

    #[test]
    fn suffixes_are_checked() {
        assert_eq!(
            suffix_list(&[" -x86 ".into(), "-x86".into(), "".into(), "_arm".into()]).unwrap(),
            ["-x86", "_arm"]
        );
        assert!(suffix_list(&[]).unwrap_err().to_string().contains("suffixes is empty"));
        assert!(suffix_list(&["-x 86".into()]).unwrap_err().to_string().contains("cannot end a tag"));
    }
}
