//! Local push: local Docker images tagged with their registry name (prefix rule, arch suffix) and
//! pushed through the daemon, one item per image, a few at once (`LOCAL_PUSH_CONCURRENCY`).
//!
//! Per item: tag → push (per-layer bytes) → verify the tag in the registry → optional cleanups.
//! The cleanups only ever touch what this job made or what the user named, and only tags (never
//! an image, never a prune): `cleanup_local_tag` removes the source's local tag once the push is
//! verified, as the original did, so the image stays under its new name; a failed push removes
//! the tag the job made; and the old registry tag of a source that came from our registry goes
//! (by `DeleteScope::Tag`, so tags sharing its digest survive) only once the new tag is verified.
//!
//! `arch_mode: auto` uses each image's own architecture (`amd64` → `x86`, `arm64` → `arm`), or the
//! host's when the image does not say. `plan` cannot ask the daemon, so the targets it records use
//! the host's alias; the job corrects each item's target when it inspects the image, and the
//! preview (which does inspect) shows the final names.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt as _;

use crate::backend::browse::delete_tag;
use crate::backend::copy::TargetMemo;
use crate::backend::docker::{DockerError, RegistryAuth, detected_arch};
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::daemon::{PushTarget, push_verified};
use crate::backend::jobs::multiarch::{Group, Named, Write, group_by_base, merge_group};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::{Plan, Things, collisions, describe, image_refs};
use crate::backend::registry::RegistryClient;
use crate::backend::registry::reference::{ImageReference, Reference, ReferenceError, RepositoryName, Tag};
use crate::model::{
    AppError, DEFAULT_ARCH_SUFFIXES, DeleteScope, ItemStatus, JobItem, LocalPushPreview,
    LocalPushPreviewItem, LocalPushRequest, Message,
};
use crate::naming::{ArchMode, LocalReference, arch_alias, local_push_name};

/// The arch suffix for one image: `auto` → the alias of `image_arch` (the host's when unknown).
pub fn arch_suffix(
    mode: ArchMode,
    custom: &str,
    image_arch: Option<&str>,
) -> Result<Option<String>, Message> {
    match mode {
        ArchMode::None => Ok(None),
        ArchMode::Auto => Ok(Some(match image_arch.map(str::trim).filter(|a| !a.is_empty()) {
            Some(arch) => arch_alias(arch),
            None => detected_arch(),
        })),
        ArchMode::Custom => {
            let custom = custom.trim();
            if custom.is_empty() {
                return Err(crate::msg!(ArchValueEmpty));
            }
            if !custom.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
                return Err(crate::msg!(ArchValueInvalid, &format!("{custom:?}")));
            }
            Ok(Some(custom.to_owned()))
        }
    }
}

/// The registry name one local image gets under `arch` (already resolved), checked against the
/// registry's grammar.
fn target_for(
    reference: &str,
    request: &LocalPushRequest,
    host: &str,
    arch: Option<&str>,
) -> Result<ImageReference, Message> {
    let (repository, tag) = local_push_name(reference, request.prefix_mode, &request.prefix_value, arch)
        .map_err(|e| e.message())?;
    let refused = |reason: ReferenceError| {
        crate::msg!(PushTargetRefused, reference, &format!("{host}/{repository}:{tag}"), reason.message())
    };
    let name: RepositoryName = repository.parse().map_err(refused)?;
    let tag: Tag = tag.parse().map_err(refused)?;
    Ok(ImageReference::new(Some(host.to_owned()), name, tag))
}

/// [`target_for`] with the arch suffix of an image whose architecture is `image_arch`.
fn target_for_image(
    reference: &str,
    request: &LocalPushRequest,
    host: &str,
    image_arch: &str,
) -> Result<ImageReference, Message> {
    let arch = arch_suffix(request.arch_mode, &request.arch_value, Some(image_arch))?;
    target_for(reference, request, host, arch.as_deref())
}

/// Every reference's target (with the host's arch for `auto`), or every problem at once.
fn targets(request: &LocalPushRequest, host: &str) -> Result<Vec<(String, String)>, AppError> {
    let refs = image_refs(&request.image_refs)?;
    let mut errors: Vec<Message> = Vec::new();
    // `auto` resolves to the host's alias here; the job and the preview use each image's own.
    let arch = arch_suffix(request.arch_mode, &request.arch_value, None).unwrap_or_else(|reason| {
        errors.push(reason);
        None
    });
    let mut out = Vec::new();
    for reference in refs {
        match target_for(&reference, request, host, arch.as_deref()) {
            Ok(target) => out.push((reference, target.to_string())),
            Err(reason) => errors.push(reason),
        }
    }
    errors.extend(collisions(&out));
    if !errors.is_empty() {
        return Err(AppError::BadRequest(crate::messages::joined(errors)));
    }
    Ok(out)
}

pub fn plan(request: &LocalPushRequest, deps: &Deps) -> Result<Plan, AppError> {
    let (_, host) = deps.sources.target(request.target_registry_host.as_deref())?;
    let pairs = targets(request, &host)?;
    let sources: Vec<String> = pairs.iter().map(|(s, _)| s.clone()).collect();
    let targets: Vec<String> = pairs.iter().map(|(_, t)| t.clone()).collect();
    Ok(Plan {
        source_image: describe(&sources, Things::Images),
        target_image: describe(&targets, Things::Images),
        items: pairs.into_iter().map(|(source, target)| JobItem::pending(source, target)).collect(),
    })
}

/// Old → new names by the job's own rules, each image inspected for `arch_mode: auto`. Reads only.
/// A daemon that cannot be reached is an error (502); an image that does not exist is a row error.
/// Row errors are in `lang`.
pub async fn preview(
    request: &LocalPushRequest,
    deps: &Deps,
    lang: crate::ui::lang::Lang,
) -> Result<LocalPushPreview, AppError> {
    let (_, host) = deps.sources.target(request.target_registry_host.as_deref())?;
    let refs = image_refs(&request.image_refs)?;
    let mut items = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for reference in refs {
        let row = |target: String, error: Option<Message>| LocalPushPreviewItem {
            source: reference.clone(),
            target,
            error: error.map(|e| e.render(lang)),
        };
        let info = match deps.docker.find_image(&reference).await {
            Ok(Some(info)) => info,
            Ok(None) => {
                items.push(row(String::new(), Some(crate::msg!(NoLocalImage, &reference))));
                continue;
            }
            Err(error @ DockerError::Unavailable { .. }) => return Err(error.into()),
            Err(error) => {
                items.push(row(String::new(), Some(error.message())));
                continue;
            }
        };
        match target_for_image(&reference, request, &host, &info.architecture).map(|t| t.to_string()) {
            Ok(target) => match seen.insert(target.clone(), reference.clone()) {
                Some(other) => {
                    items.push(row(String::new(), Some(crate::msg!(AlreadyBecomes, &other, &target))))
                }
                None => items.push(row(target, None)),
            },
            Err(reason) => items.push(row(String::new(), Some(reason))),
        }
    }
    Ok(LocalPushPreview { items })
}

fn check_cancelled(context: &JobContext, before: Message) -> Result<(), ItemOutcome> {
    if context.is_cancelled() { Err(ItemOutcome::cancelled(before)) } else { Ok(()) }
}

/// The registry a job pushes to, and what the daemon sends it.
struct Destination {
    client: RegistryClient,
    host: String,
    auth: Option<RegistryAuth>,
}

pub async fn run(context: &JobContext, request: &LocalPushRequest) -> Result<(), AppError> {
    let deps = context.deps();
    let (client, host) = deps.sources.target(request.target_registry_host.as_deref())?;
    let auth = RegistryAuth::for_host(&deps.sources.credentials_for(&host), &host);
    let destination = Destination { client, host, auth };
    let count = context.items().len();
    futures::stream::iter(0..count)
        .for_each_concurrent(deps.local_push_concurrency.max(1), |index| {
            push_one(context, request, &destination, index)
        })
        .await;
    if request.multi_arch_tag && request.arch_mode != ArchMode::None && !context.is_cancelled() {
        multi_arch_tags(context, request, &destination).await;
    }
    Ok(())
}

/// Writes the multi-arch tag of each base this job pushed an arch-suffixed tag of, once the
/// registry holds two or more architectures of it (`1.0-x86` + `1.0-arm` → `1.0`), through the
/// same steps as a merge job. What happened is noted on the items that pushed the base; a tag
/// that could not be written fails them.
async fn multi_arch_tags(context: &JobContext, request: &LocalPushRequest, destination: &Destination) {
    // The original's two suffixes, and each one this job wrote.
    let mut suffixes: Vec<String> = DEFAULT_ARCH_SUFFIXES.iter().map(|s| (*s).to_owned()).collect();
    let mut bases: BTreeMap<(RepositoryName, Tag), Vec<usize>> = BTreeMap::new();
    for (index, item) in context.items().iter().enumerate() {
        if item.status != ItemStatus::Succeeded {
            continue;
        }
        let Ok(target) = item.target.parse::<ImageReference>() else { continue };
        let Some(tag) = target.tag() else { continue };
        let suffix = match request.arch_mode {
            ArchMode::Custom => format!("-{}", request.arch_value.trim()),
            _ => match tag.as_str().rsplit_once('-') {
                Some((_, arch)) => format!("-{arch}"),
                None => continue,
            },
        };
        let Some(base) = tag.as_str().strip_suffix(suffix.as_str()).and_then(|b| b.parse::<Tag>().ok())
        else {
            continue;
        };
        if !suffixes.contains(&suffix) {
            suffixes.push(suffix);
        }
        bases.entry((target.repository.clone(), base)).or_default().push(index);
    }
    let registry = &destination.client;
    let memo = TargetMemo::new();
    for ((repository, base), indexes) in bases {
        let name = format!("{}/{repository}:{base}", destination.host);
        let note = |message: Message, failed: bool| {
            for &index in &indexes {
                context.amend_item(index, |outcome| {
                    let outcome = outcome.noted(message.clone());
                    if failed { outcome.with_status(ItemStatus::Failed) } else { outcome }
                });
            }
        };
        let tags = match registry.list_tags(&repository).await {
            Ok(tags) => tags,
            Err(error) => {
                context.error(crate::msg!(MultiArchCannotList, &name, &error));
                note(crate::msg!(MultiArchCannotList, &name, &error), true);
                continue;
            }
        };
        let members = group_by_base(&tags, &suffixes).remove(&base).unwrap_or_default();
        if members.len() < 2 {
            context.info(crate::msg!(MultiArchWaits, &name));
            note(crate::msg!(MultiArchWaits, &name), false);
            continue;
        }
        let named = |tag: Tag| Named { repository: repository.clone(), tag };
        let group = Group { target: named(base.clone()), sources: members.into_iter().map(named).collect() };
        let listed: BTreeSet<Tag> = tags.into_iter().collect();
        let write = Write { overwrite: false, delete_sources: false };
        let outcome = merge_group(context, registry, &memo, &group, Some(&listed), write).await;
        match outcome.status {
            ItemStatus::Succeeded => {
                context.info(crate::msg!(Labelled, &name, outcome.detail.clone()));
                note(crate::msg!(MultiArchWritten, &name, outcome.detail.clone()), false);
            }
            _ => {
                context.error(crate::msg!(MultiArchNotWritten, &name, outcome.detail.clone()));
                note(crate::msg!(MultiArchNotWritten, &name, outcome.detail.clone()), true);
            }
        }
    }
}

async fn push_one(context: &JobContext, request: &LocalPushRequest, destination: &Destination, index: usize) {
    if context.is_cancelled() {
        return;
    }
    context.start_item(index);
    let source = context.item(index).source;
    // The local tag this job created: kept when the push succeeds (it is the image's new name),
    // removed when it does not, so a failed item leaves the host's tags as they were.
    let mut created = None;
    let (Ok(mut outcome) | Err(mut outcome)) =
        push_steps(context, request, destination, index, &source, &mut created).await;
    let succeeded = outcome.status == ItemStatus::Succeeded;
    match &created {
        _ if succeeded && request.cleanup_local_tag => {
            outcome = remove_source_tag(context, &source, &context.item(index).target, outcome).await;
        }
        _ if succeeded => {}
        Some(tag) => match context.deps().docker.remove_reference(tag).await {
            Ok(_) => outcome = outcome.noted(crate::msg!(MadeLocalTagRemoved, tag)),
            Err(error) => outcome = outcome.noted(crate::msg!(LocalTagRemoveFailed, tag, &error)),
        },
        None => {}
    }
    match outcome.status {
        ItemStatus::Succeeded => context.info(crate::msg!(Labelled, &source, outcome.detail.clone())),
        ItemStatus::Cancelled => context.warn(crate::msg!(Labelled, &source, outcome.detail.clone())),
        _ => context.error(crate::msg!(Labelled, &source, outcome.detail.clone())),
    }
    context.finish_item(index, outcome);
}

/// Tag, push, verify, delete the old registry tag: the item's outcome, whether it got to the end
/// (`Ok`) or stopped on the way (`Err`).
async fn push_steps(
    context: &JobContext,
    request: &LocalPushRequest,
    destination: &Destination,
    index: usize,
    source: &str,
    created: &mut Option<String>,
) -> Result<ItemOutcome, ItemOutcome> {
    let deps = context.deps();
    let docker = &deps.docker;
    let info = docker
        .find_image(source)
        .await?
        .ok_or_else(|| ItemOutcome::failed(crate::msg!(NoLocalImage, source)))?;
    let image = target_for_image(source, request, &destination.host, &info.architecture)
        .map_err(ItemOutcome::failed)?;
    let target = image.to_string();
    if context.item(index).target != target {
        context.update_item(index, |item| item.target = target.clone());
    }
    check_cancelled(context, crate::msg!(CancelledBeforeTagging))?;

    let before = docker.find_image(&target).await?;
    match &before {
        Some(existing) if existing.id == info.id => {}
        Some(existing) => {
            context.warn(crate::msg!(LocalNameMoved, &target, &existing.id, &info.id));
            docker.tag_image(source, &image).await?;
        }
        None => {
            docker.tag_image(source, &image).await?;
            *created = Some(target.clone());
        }
    }
    check_cancelled(context, crate::msg!(CancelledBeforePushing))?;

    context.info(crate::msg!(Pushing, source, &target));
    let push = PushTarget { target: &image, registry: &destination.client, auth: destination.auth.as_ref() };
    let (moved, digest) = push_verified(context, &push).await?;
    let mut outcome =
        ItemOutcome::succeeded(crate::msg!(PushedVerified, moved.pushed(), &digest), Some(digest));
    if request.cleanup_registry_source_tag {
        outcome = outcome.noted(delete_old_registry_tag(context, source, &image, destination).await?);
    }
    Ok(outcome)
}

/// `cleanup_local_tag`, as the original did: once the push is verified, the source's local tag is
/// removed and the image stays under its new name (a local rename). Only that tag goes: the image
/// keeps the tag this job gave it, so `docker rmi` of the source name only untags. A source that
/// is the pushed name itself, or not a tag, is kept.
async fn remove_source_tag(
    context: &JobContext,
    source: &str,
    target: &str,
    outcome: ItemOutcome,
) -> ItemOutcome {
    let named_by_tag =
        LocalReference::parse(source).is_ok_and(|r| !r.tag.is_empty()) && !looks_like_image_id(source);
    if source == target || !named_by_tag {
        return outcome.noted(crate::msg!(LocalTagKept, source));
    }
    match context.deps().docker.remove_reference(source).await {
        Ok(_) => outcome.noted(crate::msg!(LocalTagRemoved, source, target)),
        // The push went through, but the job left behind the tag it was asked to remove.
        Err(error) => {
            outcome.noted(crate::msg!(LocalTagRemoveFailed, source, &error)).with_status(ItemStatus::Failed)
        }
    }
}

/// `0123456789ab`, `sha256:…`: an image ID rather than a name (removing it would remove the image).
fn looks_like_image_id(reference: &str) -> bool {
    let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
    hex.len() >= 12 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Deletes the source's tag in our registry (only that tag), after the new one was verified.
async fn delete_old_registry_tag(
    context: &JobContext,
    source: &str,
    target: &ImageReference,
    destination: &Destination,
) -> Result<Message, ItemOutcome> {
    let deps = context.deps();
    let local = LocalReference::parse(source).map_err(|e| ItemOutcome::failed(e.message()))?;
    let Some(host) = local.registry.as_deref().filter(|h| deps.sources.is_ours(h)) else {
        return Ok(crate::msg!(SourceNotOurs));
    };
    let old = format!("{host}/{}:{}", local.repository, local.tag);
    let same_tag = target.repository == local.repository.as_str()
        && target.tag().is_some_and(|tag| *tag == local.tag.as_str());
    if deps.sources.is_ours(&destination.host) && same_tag {
        return Ok(crate::msg!(OldTagIsPushed, &old));
    }
    let parsed = |e: ReferenceError| ItemOutcome::failed(crate::msg!(OldTagInvalid, &old, e.message()));
    let repository: RepositoryName = local.repository.parse().map_err(parsed)?;
    let reference: Reference = local.tag.parse().map_err(parsed)?;
    match delete_tag(&deps.registry, &repository, &reference, DeleteScope::Tag).await {
        Ok(_) => Ok(crate::msg!(OldTagDeleted, &old)),
        Err(AppError::NotFound(_)) => Ok(crate::msg!(OldTagGone, &old)),
        Err(error) => Err(ItemOutcome::failed(crate::msg!(OldTagDeleteFailed, &old, error.to_message()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::PrefixMode;

    fn request(
        refs: &[&str],
        prefix: PrefixMode,
        value: &str,
        arch: ArchMode,
        arch_value: &str,
    ) -> LocalPushRequest {
        LocalPushRequest {
            image_refs: refs.iter().map(|s| s.to_string()).collect(),
            prefix_mode: prefix,
            prefix_value: value.to_owned(),
            arch_mode: arch,
            arch_value: arch_value.to_owned(),
            target_registry_host: None,
            cleanup_local_tag: false,
            cleanup_registry_source_tag: false,
            multi_arch_tag: false,
        }
    }

    #[test]
    fn arch_suffixes_follow_the_mode() {
        assert_eq!(arch_suffix(ArchMode::Auto, "", Some("arm64")).unwrap().as_deref(), Some("arm"));
        assert_eq!(arch_suffix(ArchMode::Auto, "", Some("amd64")).unwrap().as_deref(), Some("x86"));
        assert_eq!(arch_suffix(ArchMode::Auto, "", None).unwrap(), Some(detected_arch()));
        assert_eq!(arch_suffix(ArchMode::Auto, "", Some(" ")).unwrap(), Some(detected_arch()));
        assert_eq!(arch_suffix(ArchMode::Custom, " v8 ", Some("amd64")).unwrap().as_deref(), Some("v8"));
        assert_eq!(arch_suffix(ArchMode::None, "x", Some("amd64")).unwrap(), None);
        assert!(arch_suffix(ArchMode::Custom, "", None).unwrap_err().contains("arch_value is empty"));
        assert!(arch_suffix(ArchMode::Custom, "a/b", None).unwrap_err().contains("arch_value"));
    }

    #[test]
    fn targets_are_all_checked_before_anything_runs() {
        let host = "127.0.0.1:5000";
        let ok = targets(
            &request(&["app:v1", " team/web ", "app:v1"], PrefixMode::Add, "mirror", ArchMode::Custom, "arm"),
            host,
        )
        .unwrap();
        assert_eq!(
            ok,
            [
                ("app:v1".to_owned(), "127.0.0.1:5000/mirror/app:v1-arm".to_owned()),
                ("team/web".to_owned(), "127.0.0.1:5000/mirror/team/web:latest-arm".to_owned())
            ]
        );
        // Every problem is listed at once.
        let error = targets(
            &request(
                &["x86/a:v1", "b:v1", "x86/Bad:v1", "c@sha256:00"],
                PrefixMode::Remove,
                "x86",
                ArchMode::None,
                "",
            ),
            host,
        )
        .unwrap_err()
        .to_string();
        assert!(
            !error.contains("b:v1"),
            "b lacks the prefix: it keeps its name, as the original did: {error}"
        );
        assert!(error.contains("x86/Bad:v1 → 127.0.0.1:5000/Bad:v1"), "{error}");
        assert!(error.contains("digest"), "{error}");
        assert!(!error.contains("x86/a"), "{error}");
        let error = targets(
            &request(&["a:v1", "127.0.0.1:5000/a:v1"], PrefixMode::None, "", ArchMode::None, ""),
            host,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("would both become 127.0.0.1:5000/a:v1"), "{error}");
        assert!(
            targets(&request(&[" "], PrefixMode::None, "", ArchMode::None, ""), host)
                .unwrap_err()
                .to_string()
                .contains("image_refs is empty")
        );
    }
}
