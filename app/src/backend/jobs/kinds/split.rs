//! Split: the reverse of a merge. For a multi-arch tag, one tag per platform named by the suffix
//! rule (`1.0` → `1.0-x86`, `1.0-arm`), each pointing at the index's child manifest by digest.
//! Each tag is written by the copy engine, which checks the digest the registry computed (so the
//! children keep theirs) and handles conflicts and `overwrite` as every copy does; within one
//! repository nothing but the tag is written.

use crate::backend::copy::{CopySpec, PlatformFilter, TargetMemo, copy_image};
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::Plan;
use crate::backend::registry::reference::ReferenceError;
use crate::backend::registry::reference::{Digest, ImageReference, Reference, RepositoryName, Tag};
use crate::model::{AppError, ItemStatus, JobItem, ManifestKind, Message, SplitRequest};
use crate::msg;

fn bad(message: impl Into<Message>) -> AppError {
    AppError::BadRequest(message.into())
}

/// The request, checked.
struct Checked {
    repository: RepositoryName,
    tag: Tag,
    target_repository: RepositoryName,
    /// Platform → suffix, most specific first (a rule with a variant before one without).
    rules: Vec<(PlatformFilter, String)>,
}

fn check(request: &SplitRequest, deps: &Deps) -> Result<Checked, AppError> {
    let source = request.source.trim();
    let reference: ImageReference =
        source.parse().map_err(|e: ReferenceError| bad(msg!(Labelled, "source", e.message())))?;
    if let Some(host) = &reference.host
        && !deps.sources.is_ours(host)
    {
        return Err(bad(msg!(SplitNotOurs, source, host)));
    }
    let Reference::Tag(tag) = reference.reference else {
        return Err(bad(msg!(SplitNamesDigest, source)));
    };
    let mut rules = Vec::new();
    for (platform, suffix) in &request.suffixes {
        let filter = PlatformFilter::parse(platform).map_err(|e| bad(msg!(Labelled, "suffixes", e)))?;
        let suffix = suffix.trim();
        format!("{tag}{suffix}")
            .parse::<Tag>()
            .map_err(|e| bad(msg!(SplitSuffixNoTag, suffix, platform, &tag, e.message())))?;
        if suffix.is_empty() {
            return Err(bad(msg!(SplitSuffixEmpty, platform)));
        }
        rules.push((filter, suffix.to_owned()));
    }
    if rules.is_empty() {
        return Err(bad(msg!(SplitSuffixesEmpty, r#"{"linux/amd64": "-x86", "linux/arm64": "-arm"}"#)));
    }
    rules.sort_by_key(|(filter, _)| filter.variant.is_none());
    let target_repository =
        match request.target_repository.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(name) => name
                .trim_matches('/')
                .parse()
                .map_err(|e: ReferenceError| bad(msg!(Labelled, "target_repository", e.message())))?,
            None => reference.repository.clone(),
        };
    Ok(Checked { repository: reference.repository, tag, target_repository, rules })
}

pub fn plan(request: &SplitRequest, deps: &Deps) -> Result<Plan, AppError> {
    let checked = check(request, deps)?;
    let host = deps.sources.push_host();
    let suffixes: Vec<&str> = checked.rules.iter().map(|(_, s)| s.as_str()).collect();
    Ok(Plan {
        source_image: format!("{host}/{}:{}", checked.repository, checked.tag).into(),
        target_image: format!(
            "{host}/{}:{}{{{}}}",
            checked.target_repository,
            checked.tag,
            suffixes.join(",")
        )
        .into(),
        items: Vec::new(),
    })
}

/// One platform of the index and the tag it gets (or why it gets none).
struct Work {
    index: usize,
    child: Digest,
    tag: Tag,
}

pub async fn run(context: &JobContext, request: &SplitRequest) -> Result<(), AppError> {
    let deps = context.deps();
    let registry = &deps.registry;
    let host = deps.sources.push_host();
    let checked = check(request, deps)?;
    let (repository, tag) = (&checked.repository, &checked.tag);
    let manifest = registry
        .fetch_manifest(repository, &Reference::Tag(tag.clone()))
        .await?
        .ok_or_else(|| AppError::NotFound(crate::msg!(TagNotInRegistry, &format!("{repository}:{tag}"))))?;
    if manifest.kind != ManifestKind::Index {
        return Err(bad(msg!(SplitSingleImage, &format!("{repository}:{tag}"))));
    }
    context.info(msg!(SplitIsIndex, &format!("{repository}:{tag}"), &manifest.digest));
    let mut items = Vec::new();
    let mut work: Vec<Work> = Vec::new();
    for entry in manifest.platform_entries() {
        let platform = entry.platform.as_ref().map(|p| p.to_platform());
        // An entry without a platform is named by its digest alone; the messages say "no platform"
        // in the reader's language.
        let (name, source) = match &platform {
            Some(platform) => {
                (Message::Text(platform.to_string()), format!("{repository}@{} ({platform})", entry.digest))
            }
            None => (msg!(SplitNoPlatform), format!("{repository}@{}", entry.digest)),
        };
        let suffix = platform.as_ref().and_then(|p| {
            checked
                .rules
                .iter()
                .find(|(filter, _)| filter.matches(&p.os, &p.architecture, p.variant.as_deref()))
                .map(|(_, suffix)| suffix)
        });
        let Some(suffix) = suffix else {
            context.info(msg!(SplitNoSuffixLog, name.clone()));
            items.push(ItemOutcome::skipped(msg!(SplitNoSuffixItem, name)).item(source, ""));
            continue;
        };
        let target = format!("{host}/{}:{tag}{suffix}", checked.target_repository);
        let parsed = (format!("{tag}{suffix}").parse::<Tag>(), entry.digest.parse::<Digest>());
        match parsed {
            (Ok(new_tag), Ok(child)) => {
                if let Some(other) = work.iter().find(|w| w.tag == new_tag) {
                    let message = msg!(SplitSameTag, &new_tag);
                    items[other.index] = ItemOutcome::failed(message.clone())
                        .item(items[other.index].source.clone(), target.clone());
                    items.push(ItemOutcome::failed(message).item(source, target));
                    continue;
                }
                work.push(Work { index: items.len(), child, tag: new_tag });
                items.push(JobItem::pending(source, target));
            }
            (Err(error), _) => items.push(ItemOutcome::failed(error.message()).item(source, target)),
            (_, Err(error)) => items
                .push(ItemOutcome::failed(msg!(SplitInvalidDigest, error.message())).item(source, target)),
        }
    }
    // A tag two platforms wanted was failed above for both: none of them is written.
    let failed: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.status == ItemStatus::Failed)
        .map(|(index, _)| index)
        .collect();
    work.retain(|w| !failed.contains(&w.index));
    context.set_items(items);
    let memo = TargetMemo::new();
    for w in &work {
        if context.is_cancelled() {
            break;
        }
        context.start_item(w.index);
        let spec = CopySpec {
            source_repository: repository.clone(),
            source_reference: Reference::Digest(w.child.clone()),
            target_repository: checked.target_repository.clone(),
            target_tag: Some(w.tag.clone()),
            platforms: Vec::new(),
            overwrite: request.overwrite,
        };
        let result = copy_image(registry, registry, &spec, context, context.cancel_token(), &memo).await;
        let outcome = ItemOutcome::of_copy(&result);
        match outcome.status {
            ItemStatus::Skipped => context.warn(crate::msg!(Labelled, &w.tag, outcome.detail.clone())),
            ItemStatus::Failed => context.error(crate::msg!(Labelled, &w.tag, outcome.detail.clone())),
            _ => {}
        }
        context.finish_item(w.index, outcome);
    }
    Ok(())
}
