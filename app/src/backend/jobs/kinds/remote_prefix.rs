//! Remote rename by prefix: every tag of each repository copied (by cross-repository mount within
//! one registry) to its new name, the target digest checked equal to the source's, and only then,
//! if asked, the old tags deleted, a digest only when no tag that should remain points to it.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt as _;

use crate::backend::browse::tags_by_digest;
use crate::backend::copy::{CopySpec, TargetMemo, copy_image};
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::{Plan, Things, collisions, describe, repository_list};
use crate::backend::registry::RegistryClient;
use crate::backend::registry::reference::{Reference, RepositoryName, Tag};
use crate::model::{
    AppError, ItemStatus, JobItem, Message, RemotePrefixRequest, RenamePreview, RenamePreviewRepository,
    RenamePreviewTag,
};
use crate::naming::{PrefixMode, apply_prefix, check_prefix};

/// Tags copied at once. Each copy is a handful of small requests (manifest, blob HEADs, mounts),
/// so latency, not bandwidth, bounds a rename; the client still caps requests in flight at 16.
const PARALLEL_TAGS: usize = 8;

/// What a rename does with each repository it was given.
#[derive(Debug, Default, PartialEq)]
struct Renames {
    /// Source → target, to copy.
    pairs: Vec<(RepositoryName, RepositoryName)>,
    /// Names the prefix rule leaves as they are, on the same registry: nothing to copy.
    unchanged: Vec<RepositoryName>,
    /// Names the rule cannot apply to, with why: a failed item each, while the others go on.
    refused: Vec<(String, crate::model::Message)>,
}

/// Every repository's fate under the request's prefix rule. What is wrong with the request as a
/// whole (no repositories, no usable prefix, two names becoming one) is a 400; what is wrong with
/// one name is that name's.
fn renames(request: &RemotePrefixRequest, same_registry: bool) -> Result<Renames, AppError> {
    let sources = repository_list("repositories", &request.repositories)?;
    if request.prefix_mode == PrefixMode::None && same_registry {
        return Err(AppError::BadRequest(crate::msg!(PrefixNoneOntoItself)));
    }
    check_prefix(request.prefix_mode, &request.prefix_value)?;
    let mut out = Renames::default();
    for source in sources {
        match apply_prefix(source.as_str(), request.prefix_mode, &request.prefix_value) {
            Ok(target) if same_registry && source == target.as_str() => out.unchanged.push(source),
            Ok(target) => match target.parse::<RepositoryName>() {
                Ok(target) => out.pairs.push((source, target)),
                Err(reason) => {
                    let reason = crate::msg!(PushTargetRefused, &source, &target, reason.message());
                    out.refused.push((source.to_string(), reason));
                }
            },
            Err(reason) => out.refused.push((source.to_string(), reason.message())),
        }
    }
    let collisions = collisions(&out.pairs);
    if !collisions.is_empty() {
        return Err(AppError::BadRequest(crate::messages::joined(collisions)));
    }
    Ok(out)
}

pub fn plan(request: &RemotePrefixRequest, deps: &Deps) -> Result<Plan, AppError> {
    let (_, host) = deps.sources.target(request.target_registry_host.as_deref())?;
    let same = host == deps.sources.push_host();
    let renames = renames(request, same)?;
    let pairs = &renames.pairs;
    let sources: Vec<String> = pairs.iter().map(|(s, _)| s.to_string()).collect();
    let targets: Vec<String> = pairs.iter().map(|(_, t)| format!("{host}/{t}")).collect();
    Ok(Plan {
        source_image: describe(&sources, Things::Repositories),
        target_image: describe(&targets, Things::Repositories),
        items: Vec::new(),
    })
}

/// What the rename would do, tag by tag, with conflicts; reads only. Reasons are in `lang`.
pub async fn preview(
    request: &RemotePrefixRequest,
    deps: &Deps,
    lang: crate::ui::lang::Lang,
) -> Result<RenamePreview, AppError> {
    let (target, host) = deps.sources.target(request.target_registry_host.as_deref())?;
    let Renames { pairs, unchanged, refused } = renames(request, host == deps.sources.push_host())?;
    let mut errors = Vec::new();
    let rows = futures::stream::iter(pairs)
        .map(|(source, target_repository)| {
            let target = target.clone();
            async move {
                let (tags, existing) =
                    tokio::join!(deps.registry.list_tags(&source), target.list_tags(&target_repository));
                let tags = match tags {
                    Ok(tags) => tags,
                    Err(error) => return (source, target_repository, Err(error.message())),
                };
                // Only a tag the target already has can conflict: only those are asked about
                // (all of them when the target's tags could not be listed).
                let existing: Option<BTreeSet<Tag>> = match existing {
                    Ok(existing) => Some(existing.into_iter().collect()),
                    Err(error) if error.is_not_found() => Some(BTreeSet::new()),
                    Err(_) => None,
                };
                let rows = futures::stream::iter(tags)
                    .map(|tag| {
                        let (source, target, target_repository) = (&source, &target, &target_repository);
                        let listed = existing.as_ref().is_none_or(|existing| existing.contains(&tag));
                        async move {
                            let (digest, target_digest) =
                                tokio::join!(deps.registry.tag_digest(source, &tag, false), async {
                                    if listed {
                                        target
                                            .head_manifest(target_repository, &Reference::Tag(tag.clone()))
                                            .await
                                    } else {
                                        Ok(None)
                                    }
                                });
                            RenamePreviewTag {
                                tag: tag.to_string(),
                                digest: digest.ok().flatten().map(|d| d.to_string()),
                                target_digest: target_digest.ok().flatten().map(|d| d.to_string()),
                            }
                        }
                    })
                    .buffered(PARALLEL_TAGS)
                    .collect::<Vec<_>>()
                    .await;
                (source, target_repository, Ok(rows))
            }
        })
        .buffered(PARALLEL_TAGS)
        .collect::<Vec<_>>()
        .await;
    let mut repositories = Vec::new();
    for (source, target_repository, tags) in rows {
        match tags {
            Ok(tags) if tags.is_empty() => errors.push(crate::msg!(PrefixNoTags, &source).render(lang)),
            Ok(tags) => repositories.push(RenamePreviewRepository {
                source: source.to_string(),
                target: format!("{host}/{target_repository}"),
                tags,
                unchanged: false,
                error: None,
            }),
            Err(error) => errors.push(crate::msg!(Labelled, &source, error).render(lang)),
        }
    }
    let kept = unchanged.into_iter().map(|source| RenamePreviewRepository {
        target: format!("{host}/{source}"),
        source: source.to_string(),
        tags: Vec::new(),
        unchanged: true,
        error: None,
    });
    let refused = refused.into_iter().map(|(source, reason)| RenamePreviewRepository {
        target: String::new(),
        source,
        tags: Vec::new(),
        unchanged: false,
        error: Some(reason.render(lang)),
    });
    repositories.extend(kept.chain(refused));
    Ok(RenamePreview { repositories, errors })
}

struct Work {
    index: usize,
    source: RepositoryName,
    target: RepositoryName,
    tag: Tag,
}

pub async fn run(context: &JobContext, request: &RemotePrefixRequest) -> Result<(), AppError> {
    let deps = context.deps();
    let (target, host) = deps.sources.target(request.target_registry_host.as_deref())?;
    let Renames { pairs, unchanged, refused } = renames(request, host == deps.sources.push_host())?;

    // Plan: one item per tag. A repository whose tags cannot be listed, or whose name the prefix
    // rule cannot apply to, is one failed item; one the rule leaves as it is, one skipped item.
    let mut items: Vec<JobItem> = refused
        .iter()
        .map(|(source, reason)| ItemOutcome::failed(reason.clone()).item(source.clone(), String::new()))
        .collect();
    for source in &unchanged {
        context.info(crate::msg!(UnchangedByPrefix, &source));
        let outcome = ItemOutcome::skipped(crate::msg!(UnchangedName));
        items.push(outcome.item(source.to_string(), format!("{host}/{source}")));
    }
    let mut work = Vec::new();
    // Each source repository's tags and, at the same time, the tags its target already has: a
    // tag not in that list needs no check of its own before it is written (see `TargetMemo`).
    // Owned names and clients per future: a closure over borrowed ones makes the job's future
    // not `Send` (higher-ranked lifetimes in async closures).
    let memo = TargetMemo::new();
    let listed = futures::stream::iter(pairs.clone())
        .map(|(source, target_repository)| {
            let (registry, target) = (deps.registry.clone(), target.clone());
            async move {
                let (tags, existing) =
                    tokio::join!(registry.list_tags(&source), target.list_tags(&target_repository));
                (tags, existing.map_err(|e| (e.is_not_found(), e)))
            }
        })
        .buffered(PARALLEL_TAGS)
        .collect::<Vec<_>>()
        .await;
    let listed: Vec<_> = listed
        .into_iter()
        .zip(&pairs)
        .map(|((tags, existing), (_, target_repository))| {
            match existing {
                Ok(existing) => memo.set_tags(target_repository, existing),
                // A repository that does not exist yet has no tags.
                Err((true, _)) => memo.set_tags(target_repository, []),
                // Unknown: every copy asks for its own tag.
                Err((false, error)) => tracing::debug!(%error, "target tags not listed"),
            }
            tags
        })
        .collect();
    for ((source, target_repository), tags) in pairs.iter().zip(listed) {
        match tags {
            Ok(tags) if !tags.is_empty() => {
                context.info(crate::msg!(TagsTo, &source, tags.len(), format!("{host}/{target_repository}")));
                for tag in tags {
                    work.push(Work {
                        index: items.len(),
                        source: source.clone(),
                        target: target_repository.clone(),
                        tag: tag.clone(),
                    });
                    items.push(JobItem::pending(
                        format!("{source}:{tag}"),
                        format!("{host}/{target_repository}:{tag}"),
                    ));
                }
            }
            Ok(_) => {
                items.push(failed_item(source, &host, target_repository, crate::msg!(RepositoryHasNoTags)))
            }
            Err(error) => items.push(failed_item(source, &host, target_repository, error.message())),
        }
    }
    context.set_items(items);

    // Copy: at most PARALLEL_TAGS tags at once, each checked against the source digest. Within a
    // repository the first tag goes first, so the blobs its other tags share are in place (and
    // in the memo) before they start and no two copies mount the same blob into the same
    // repository at once; repositories do not wait for each other.
    let slots = tokio::sync::Semaphore::new(PARALLEL_TAGS);
    let overwrite = request.overwrite;
    let repositories = work.chunk_by(|a, b| a.source == b.source).map(|tags| async {
        if let Some((first, rest)) = tags.split_first() {
            copy_one(context, &slots, &target, &memo, overwrite, first).await;
            let others = rest.iter().map(|w| copy_one(context, &slots, &target, &memo, overwrite, w));
            futures::future::join_all(others).await;
        }
    });
    futures::future::join_all(repositories).await;

    if !request.cleanup_source_tag {
        return Ok(());
    }
    if context.is_cancelled() {
        context.warn(crate::msg!(CancelledOldTagsLeft));
        return Ok(());
    }
    for (source, _) in &pairs {
        cleanup(context, source, &work).await;
    }
    Ok(())
}

fn failed_item(
    source: &RepositoryName,
    host: &str,
    target: &RepositoryName,
    reason: impl Into<Message>,
) -> JobItem {
    ItemOutcome::failed(reason).item(source.to_string(), format!("{host}/{target}"))
}

/// Copies one tag once a slot is free (at most [`PARALLEL_TAGS`] at once) and records its item.
async fn copy_one(
    context: &JobContext,
    slots: &tokio::sync::Semaphore,
    target: &RegistryClient,
    memo: &TargetMemo,
    overwrite: bool,
    w: &Work,
) {
    // The semaphore is never closed, so the permit always comes.
    let Ok(_slot) = slots.acquire().await else { return };
    if context.is_cancelled() {
        return;
    }
    let deps = context.deps();
    context.start_item(w.index);
    let spec = CopySpec {
        source_repository: w.source.clone(),
        source_reference: Reference::Tag(w.tag.clone()),
        target_repository: w.target.clone(),
        target_tag: Some(w.tag.clone()),
        platforms: Vec::new(),
        overwrite,
    };
    let result = copy_image(&deps.registry, target, &spec, context, context.cancel_token(), memo).await;
    let outcome = ItemOutcome::of_copy(&result);
    let detail = &outcome.detail;
    match outcome.status {
        ItemStatus::Succeeded => context.info(crate::msg!(
            CopiedTo,
            format!("{}:{}", w.source, w.tag),
            format!("{}:{}", w.target, w.tag),
            detail.clone()
        )),
        ItemStatus::Skipped => {
            context.warn(crate::msg!(Labelled, format!("{}:{}", w.source, w.tag), detail.clone()))
        }
        ItemStatus::Failed => {
            context.error(crate::msg!(Labelled, format!("{}:{}", w.source, w.tag), detail.clone()))
        }
        _ => {}
    }
    context.finish_item(w.index, outcome);
}

/// Deletes the old tags of `repository` that were copied and verified. A digest is deleted only
/// when every tag now pointing to it was renamed to that same digest; otherwise its tags stay.
async fn cleanup(context: &JobContext, repository: &RepositoryName, work: &[Work]) {
    let deps = context.deps();
    let items = context.items();
    let renamed: BTreeMap<&Tag, (usize, Option<&str>)> = work
        .iter()
        .filter(|w| &w.source == repository && items[w.index].status == ItemStatus::Succeeded)
        .map(|w| (&w.tag, (w.index, items[w.index].digest.as_deref())))
        .collect();
    if renamed.is_empty() {
        return;
    }
    let current = match tags_by_digest(&deps.registry, repository).await {
        Ok(current) => current,
        Err(error) => {
            context.error(crate::msg!(OldTagsNotListed, repository, &error));
            for (index, _) in renamed.values() {
                note(context, *index, ItemStatus::Failed, crate::msg!(OldTagNotDeleted, &error));
            }
            return;
        }
    };
    for (digest, tags) in &current {
        let ours: BTreeSet<&Tag> = tags
            .iter()
            .filter(|t| renamed.get(t).is_some_and(|(_, d)| *d == Some(digest.as_str())))
            .collect();
        if ours.is_empty() {
            continue;
        }
        let remaining: Vec<&str> = tags.iter().filter(|t| !ours.contains(t)).map(Tag::as_str).collect();
        if !remaining.is_empty() {
            let message = crate::msg!(OldTagKept, digest, remaining.join(", "), repository);
            context.warn(crate::msg!(Labelled, repository, message.clone()));
            for tag in &ours {
                note(context, renamed[tag].0, ItemStatus::Succeeded, message.clone());
            }
            continue;
        }
        match deps.registry.delete_manifest(repository, digest).await {
            Ok(()) => {
                context.info(crate::msg!(
                    DeletedDigest,
                    repository,
                    digest,
                    tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ")
                ));
                for tag in &ours {
                    note(context, renamed[tag].0, ItemStatus::Succeeded, crate::msg!(OldTagDeletedShort));
                }
            }
            Err(error) => {
                context.error(crate::msg!(DeletingDigestFailed, repository, digest, &error));
                for tag in &ours {
                    note(
                        context,
                        renamed[tag].0,
                        ItemStatus::Failed,
                        crate::msg!(OldTagDeleteFailedAfterCopy, &error),
                    );
                }
            }
        }
    }
}

/// The cleanup's word on a copied tag, after what its copy said.
fn note(context: &JobContext, index: usize, status: ItemStatus, message: Message) {
    context.amend_item(index, |outcome| outcome.noted(message).with_status(status));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_are_checked_before_anything_runs() {
        let request = |mode, prefix: &str, repositories: &[&str]| RemotePrefixRequest {
            repositories: repositories.iter().map(|s| s.to_string()).collect(),
            prefix_mode: mode,
            prefix_value: prefix.to_owned(),
            cleanup_source_tag: false,
            target_registry_host: None,
            overwrite: false,
        };
        let name = |n: &str| n.parse::<RepositoryName>().unwrap();
        let pair = |a: &str, b: &str| (name(a), name(b));
        let out = renames(&request(PrefixMode::Add, "x86", &["a", "team/b"]), true).unwrap();
        assert_eq!(
            out,
            Renames { pairs: vec![pair("a", "x86/a"), pair("team/b", "x86/team/b")], ..Renames::default() }
        );
        // The original's rules: removing a prefix a name lacks, or adding one it has, leaves it
        // unchanged (on the same registry: nothing to copy); only the prefix itself is refused,
        // and only for that name.
        let out = renames(&request(PrefixMode::Remove, "x86", &["x86/a", "b", "x86"]), true).unwrap();
        assert_eq!(out.pairs, [pair("x86/a", "a")]);
        assert_eq!(out.unchanged, ["b"]);
        assert!(
            matches!(out.refused.as_slice(), [(name, why)] if name == "x86" && why.contains("the prefix itself"))
        );
        let out = renames(&request(PrefixMode::Add, "x86", &["x86/a"]), true).unwrap();
        assert_eq!((out.pairs.len(), out.unchanged.as_slice()), (0, [name("x86/a")].as_slice()));
        let out = renames(&request(PrefixMode::Add, "x86", &["x86/a"]), false).unwrap();
        assert_eq!(out.pairs, [pair("x86/a", "x86/a")], "to another registry the copy still happens");
        // What is wrong with the request as a whole is a 400.
        assert!(matches!(
            renames(&request(PrefixMode::None, "", &["a"]), true),
            Err(AppError::BadRequest(_))
        ));
        assert!(renames(&request(PrefixMode::None, "", &["a"]), false).is_ok());
        assert!(matches!(
            renames(&request(PrefixMode::Add, " ", &["a"]), true),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            renames(&request(PrefixMode::Remove, "x", &["x/a", "x/y/../a"]), true),
            Err(AppError::BadRequest(_))
        ));
        // A name the rule turns into an invalid one is that name's failure.
        let out = renames(&request(PrefixMode::Add, "UP", &["a"]), true).unwrap();
        assert!(matches!(out.refused.as_slice(), [(name, why)] if name == "a" && why.contains("UP/a")));
    }
}
