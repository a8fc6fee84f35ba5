//! Merge: single-arch tags combined into one multi-arch tag. The target tag is written as an
//! index (OCI image index or Docker manifest list, as the children are) whose children are the
//! inputs' manifests, unchanged, by digest; each child's platform comes from its image config,
//! never from the tag's suffix. No layer moves: within one repository nothing but the index is
//! written, and an input from another repository is copied in by digest with its blobs mounted.
//! This file names the groups (a list of tags, or the suffix rule); reading and writing one is
//! `jobs/multiarch.rs`, shared with the local push.
//!
//! The preview and the job read the same way (`prepare`), so what the user confirmed is what
//! the job writes. Per group within one repository that is one manifest `GET` and one config
//! `GET` per input and one index `PUT`, after one tag list per repository.
//!
//! With `delete_sources`, the source tags are deleted once the target tag is checked to resolve
//! to the index: only the tags (their manifests stay, as the index's children), through the
//! registry client's tag-only delete.

use std::collections::BTreeSet;

use tokio::sync::Semaphore;

use crate::backend::copy::TargetMemo;
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::multiarch::{Group, Named, Prepared, Write, group_by_base, merge_group, prepare};
use crate::backend::jobs::plan::{Plan, Things, describe};
use crate::backend::registry::RegistryClient;
use crate::backend::registry::reference::{ImageReference, Reference, RepositoryName, Tag};
use crate::model::{AppError, ItemStatus, JobItem, MergeGroupPreview, MergePreview, MergeRequest, Message};
use crate::msg;

/// Groups read or written at once; each is a handful of small requests.
const PARALLEL_GROUPS: usize = 8;

/// The longest arch suffix accepted (a tag is at most 128 characters and needs a base).
const MAX_SUFFIX_LEN: usize = 127;

/// The request, checked: the inputs named one by one, or the suffix rule.
#[derive(Debug, PartialEq, Eq)]
enum Inputs {
    Named(Group),
    Rule { repository: RepositoryName, suffixes: Vec<String>, target_repository: RepositoryName },
}

fn bad(message: impl Into<Message>) -> AppError {
    AppError::BadRequest(message.into())
}

/// `repository:tag` in our registry (a host, if given, must be ours).
fn named(field: &str, value: &str, deps: &Deps) -> Result<Named, AppError> {
    let reference: ImageReference =
        value.trim().parse().map_err(|e: crate::backend::registry::reference::ReferenceError| {
            bad(msg!(Labelled, field, e.message()))
        })?;
    if let Some(host) = &reference.host
        && !deps.sources.is_ours(host)
    {
        return Err(bad(msg!(MergeNotOurs, field, value, host)));
    }
    match reference.reference {
        Reference::Tag(tag) => Ok(Named { repository: reference.repository, tag }),
        Reference::Digest(_) => Err(bad(msg!(MergeNamesDigest, field, value))),
    }
}

/// Arch suffixes from a request: trimmed, de-duplicated, each usable at the end of a tag.
fn suffix_list(suffixes: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for suffix in suffixes.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
        if suffix.len() > MAX_SUFFIX_LEN || !suffix.chars().all(allowed) {
            return Err(bad(msg!(MergeSuffixInvalid, suffix, MAX_SUFFIX_LEN)));
        }
        if !out.iter().any(|s| s == suffix) {
            out.push(suffix.to_owned());
        }
    }
    if out.is_empty() {
        return Err(bad(msg!(MergeSuffixesEmpty)));
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
        (false, Some(_)) => Err(bad(msg!(MergeBothWays))),
        (true, None) => Err(bad(msg!(MergeNeitherWay))),
        (false, None) => {
            let mut named_sources: Vec<Named> = Vec::new();
            let mut errors = Vec::new();
            for source in sources {
                match named("sources", source, deps) {
                    Ok(source) if !named_sources.contains(&source) => named_sources.push(source),
                    Ok(_) => {}
                    Err(error) => errors.push(error.to_message()),
                }
            }
            if !errors.is_empty() {
                return Err(bad(crate::messages::joined(errors)));
            }
            if named_sources.len() < 2 {
                return Err(bad(msg!(MergeOneSource)));
            }
            let target = non_empty(&request.target).ok_or_else(|| bad(msg!(MergeTargetMissing)))?;
            let target = named("target", &target, deps)?;
            if named_sources.contains(&target) {
                return Err(bad(msg!(MergeTargetIsSource, &target)));
            }
            Ok(Inputs::Named(Group { target, sources: named_sources }))
        }
        (true, Some(repository)) => {
            let repository: RepositoryName = repository.trim_matches('/').parse().map_err(
                |e: crate::backend::registry::reference::ReferenceError| {
                    bad(msg!(Labelled, "repository", e.message()))
                },
            )?;
            let suffixes = suffix_list(&request.suffixes)?;
            let target_repository = match non_empty(&request.target_repository) {
                Some(name) => name.trim_matches('/').parse().map_err(
                    |e: crate::backend::registry::reference::ReferenceError| {
                        bad(msg!(Labelled, "target_repository", e.message()))
                    },
                )?,
                None => repository.clone(),
            };
            Ok(Inputs::Rule { repository, suffixes, target_repository })
        }
    }
}

/// The groups a request names, with what is known of the target repository's tags (`None`:
/// unknown, so each target tag is asked about).
struct Resolved {
    groups: Vec<Group>,
    /// Suffixed tags without another architecture: left alone.
    singles: Vec<String>,
    target_tags: Option<BTreeSet<Tag>>,
    /// Why there is nothing to merge, when there is nothing.
    nothing: Option<Message>,
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
            AppError::NotFound(crate::msg!(RepositoryNotInRegistry, &repository))
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
    let nothing = groups.is_empty().then(|| msg!(MergeNothingToCombine, &repository, suffixes.join(", ")));
    Ok(Resolved { groups, singles, target_tags, nothing })
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
                Things::Tags,
            ),
            target_image: format!("{}/{}", deps.sources.push_host(), group.target).into(),
            items: Vec::new(),
        },
        Inputs::Rule { repository, suffixes, target_repository } => Plan {
            source_image: format!("{repository} ({})", suffixes.join(", ")).into(),
            target_image: format!("{}/{target_repository}", deps.sources.push_host()).into(),
            items: Vec::new(),
        },
    })
}

/// What the merge would write, group by group, with conflicts; reads only. Errors are in `lang`.
pub async fn preview(
    request: &MergeRequest,
    deps: &Deps,
    lang: crate::ui::lang::Lang,
) -> Result<MergePreview, AppError> {
    let resolved = resolve(inputs(request, deps)?, &deps.registry).await?;
    let groups = prepare_all(&deps.registry, &resolved)
        .await
        .into_iter()
        .map(|prepared| MergeGroupPreview {
            error: prepared.error.map(|error| error.render(lang)),
            ..prepared.preview
        })
        .collect();
    Ok(MergePreview {
        groups,
        singles: resolved.singles,
        errors: resolved.nothing.iter().map(|nothing| nothing.render(lang)).collect(),
    })
}

pub async fn run(context: &JobContext, request: &MergeRequest) -> Result<(), AppError> {
    let deps = context.deps();
    let host = deps.sources.push_host();
    let resolved = resolve(inputs(request, deps)?, &deps.registry).await?;
    for single in &resolved.singles {
        context.info(msg!(MergeSingleLeftAlone, single));
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
            let write = Write { overwrite: request.overwrite, delete_sources: request.delete_sources };
            let outcome =
                merge_group(context, &context.deps().registry, memo, group, target_tags, write).await;
            let detail = &outcome.detail;
            match outcome.status {
                ItemStatus::Succeeded => context.info(crate::msg!(Labelled, &group.target, detail.clone())),
                ItemStatus::Skipped => context.warn(crate::msg!(Labelled, &group.target, detail.clone())),
                ItemStatus::Failed => context.error(crate::msg!(Labelled, &group.target, detail.clone())),
                _ => {}
            }
            context.finish_item(index, outcome);
        }
    });
    futures::future::join_all(work).await;
    Ok(())
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
