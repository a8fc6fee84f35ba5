//! Retention: deletes the tags a retention policy lets go, in every repository its glob matches;
//! or, as a dry run, only lists them. Both run the same steps up to the deletes: read each
//! repository's tags (created time from the image config, digests asked of the registry), decide
//! with `retention::decide`, group the tags that go by digest (`retention::deletions`) and
//! estimate the bytes freed from the usage model. So a run deletes exactly what a dry run just
//! before it listed. One item per tag that goes, with why; a digest goes only when no kept tag
//! points at it, else the tag alone (as the safe single-tag delete does). A failed delete fails
//! its items, and the job goes on.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::backend::browse::{TagQuery, tags, tags_by_digest, timestamp};
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::Plan;
use crate::backend::registry::reference::{Digest, RepositoryName, Tag};
use crate::backend::registry::{REGISTRY_PAGE_LIMIT, RegistryClient};
use crate::backend::retention::{CompiledPolicy, Deletion, Gone, TagFacts, decide, deletions, normalize};
use crate::backend::storage::manifest_blobs;
use crate::format::bytes as size;
use crate::model::{AppError, ItemStatus, JobItem, Message, RetentionRequest, TagSort};
use crate::msg;

fn compile(request: &RetentionRequest) -> Result<CompiledPolicy, AppError> {
    CompiledPolicy::compile(&normalize(&request.policy))
}

pub fn plan(request: &RetentionRequest, deps: &Deps) -> Result<Plan, AppError> {
    compile(request)?;
    let policy = normalize(&request.policy);
    Ok(Plan {
        source_image: format!("{}/{}", deps.sources.push_host(), policy.repositories).into(),
        target_image: if request.dry_run {
            crate::msg!(LabelPolicyDryRun, &policy.name)
        } else {
            crate::msg!(LabelPolicy, &policy.name)
        },
        items: Vec::new(),
    })
}

/// One tag that goes: its item and why.
struct Going {
    index: usize,
    tag: Tag,
}

/// A digest's deletion in one repository, with its items.
struct Step {
    repository: RepositoryName,
    deletion: Deletion,
    going: Vec<Going>,
    /// What the item detail says (why, and what it frees).
    details: Vec<Message>,
    /// The bytes deleting it frees (after a garbage collection), when known.
    bytes: u64,
}

/// The repositories the glob matches, from the whole catalog.
async fn matching(
    registry: &RegistryClient,
    policy: &CompiledPolicy,
) -> Result<Vec<RepositoryName>, AppError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = registry.catalog(REGISTRY_PAGE_LIMIT as usize, cursor.as_deref()).await?;
        for name in &page.repositories {
            if policy.matches_repository(name)
                && let Ok(repository) = name.parse::<RepositoryName>()
            {
                out.push(repository);
            }
        }
        if !page.more || page.repositories.is_empty() {
            return Ok(out);
        }
        cursor = page.repositories.last().cloned();
    }
}

/// Every tag of `repository` with its digest (asked of the registry now) and created time. A tag
/// whose listed details were for another digest than it has now gets no created time (kept).
async fn facts(registry: &RegistryClient, repository: &RepositoryName) -> Result<Vec<TagFacts>, AppError> {
    let query = TagQuery { sort: TagSort::Name, details: true, ..TagQuery::default() };
    let listed = tags(registry, repository, &query).await?;
    let created: HashMap<String, (Option<String>, Option<i64>)> = listed
        .tags
        .into_iter()
        .map(|row| {
            let at = row.created_at.as_deref().and_then(timestamp).map(|nanos| (nanos / 1_000_000) as i64);
            (row.tag, (row.digest, at))
        })
        .collect();
    let mut out = Vec::new();
    for (digest, names) in tags_by_digest(registry, repository).await? {
        for tag in names {
            let created = match created.get(tag.as_str()) {
                Some((Some(seen), at)) if seen == digest.as_str() => *at,
                _ => None,
            };
            out.push(TagFacts { tag, digest: digest.clone(), created });
        }
    }
    Ok(out)
}

/// The bytes each fully deleted digest frees: blobs no kept digest of the repository and no other
/// repository refers to, each counted once (with the first digest, by digest order, that holds it).
async fn freed(
    deps: &Deps,
    repository: &RepositoryName,
    all: &[TagFacts],
    steps: &[Deletion],
) -> Result<HashMap<Digest, u64>, Message> {
    let registry = &deps.registry;
    let gone: HashSet<&Digest> = steps
        .iter()
        .filter_map(|d| match d {
            Deletion::Manifest { digest, .. } => Some(digest),
            Deletion::TagsOnly { .. } => None,
        })
        .collect();
    let mut held: HashSet<String> = match deps.storage.blobs_elsewhere(registry, repository.as_str()).await {
        Ok(blobs) => blobs,
        Err(error) => return Err(msg!(RetentionStorageUnreadable, &error)),
    };
    let kept: HashSet<&Digest> = all.iter().map(|f| &f.digest).filter(|d| !gone.contains(d)).collect();
    for digest in kept {
        let manifest = registry.manifest(repository, digest).await.map_err(|e| e.message())?;
        held.extend(manifest_blobs(registry, repository, &manifest).await?.into_keys());
    }
    let mut out = HashMap::new();
    let mut ordered: Vec<&Digest> = gone.into_iter().collect();
    ordered.sort();
    for digest in ordered {
        let manifest = registry.manifest(repository, digest).await.map_err(|e| e.message())?;
        let mut bytes = 0;
        for (blob, blob_size) in manifest_blobs(registry, repository, &manifest).await? {
            if held.insert(blob) {
                bytes += blob_size;
            }
        }
        out.insert(digest.clone(), bytes);
    }
    Ok(out)
}

fn tag_list(tags: &[Tag]) -> String {
    tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ")
}

pub async fn run(context: &JobContext, request: &RetentionRequest) -> Result<(), AppError> {
    let policy = compile(request)?;
    let spec = normalize(&request.policy);
    let deps = context.deps();
    let registry = &deps.registry;
    let now = crate::backend::store::now_ms();
    let repositories = matching(registry, &policy).await?;
    context.info(if request.dry_run {
        msg!(RetentionMatchedDryRun, repositories.len(), &spec.repositories)
    } else {
        msg!(RetentionMatched, repositories.len(), &spec.repositories)
    });
    let mut items: Vec<JobItem> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut bytes_total = 0;
    for repository in repositories {
        if context.is_cancelled() {
            break;
        }
        let all = match facts(registry, &repository).await {
            Ok(all) => all,
            Err(error) => {
                context.error(msg!(RetentionTagsUnreadable, &repository, error.to_message()));
                items.push(
                    ItemOutcome::failed(msg!(RetentionTagsUnreadableItem, error.to_message()))
                        .item(repository.to_string(), ""),
                );
                continue;
            }
        };
        let verdicts = decide(&policy, &all, now);
        let reasons: BTreeMap<&Tag, Gone> =
            all.iter().zip(&verdicts).filter_map(|(f, v)| v.clone().err().map(|why| (&f.tag, why))).collect();
        let planned = deletions(&all, &verdicts);
        context.info(msg!(
            RetentionCounted,
            &repository,
            all.len(),
            reasons.len(),
            all.len() - reasons.len()
        ));
        if planned.is_empty() {
            continue;
        }
        let bytes = match freed(deps, &repository, &all, &planned).await {
            Ok(bytes) => Some(bytes),
            Err(error) => {
                context.warn(msg!(RetentionBytesUnknownBecause, &repository, error));
                None
            }
        };
        for deletion in planned {
            let mut step_bytes = 0;
            let (digest, gone, note) = match &deletion {
                Deletion::Manifest { digest, tags } => {
                    let frees = match bytes.as_ref().and_then(|b| b.get(digest)) {
                        Some(n) => {
                            step_bytes = *n;
                            msg!(RetentionFrees, size(*n))
                        }
                        None => msg!(RetentionBytesUnknown),
                    };
                    let note = if tags.len() > 1 {
                        msg!(RetentionImageGoesWith, frees, tag_list(tags))
                    } else {
                        frees
                    };
                    (digest, tags, note)
                }
                Deletion::TagsOnly { digest, tags, kept } => {
                    (digest, tags, msg!(RetentionOnlyTag, tag_list(kept)))
                }
            };
            bytes_total += step_bytes;
            let mut step = Step {
                repository: repository.clone(),
                deletion: deletion.clone(),
                going: Vec::new(),
                details: Vec::new(),
                bytes: step_bytes,
            };
            for tag in gone {
                let detail = msg!(Noted, reasons[tag].message(), note.clone());
                let source = format!("{repository}:{tag}");
                let item = if request.dry_run {
                    ItemOutcome::succeeded(
                        msg!(RetentionWouldDelete, detail.clone()),
                        Some(digest.to_string()),
                    )
                    .item(source, "")
                } else {
                    let mut item = JobItem::pending(source, "");
                    item.digest = Some(digest.to_string());
                    item
                };
                step.going.push(Going { index: items.len(), tag: tag.clone() });
                step.details.push(detail);
                items.push(item);
            }
            steps.push(step);
        }
    }
    let going = items.iter().filter(|i| i.status != ItemStatus::Failed).count();
    context.set_items(items);
    // The job's bytes are those the deletes free: all of them planned, done as they are deleted.
    context.add_bytes(bytes_total, 0);
    if request.dry_run {
        context.info(msg!(RetentionDryRunTotal, going, size(bytes_total)));
        return Ok(());
    }
    let mut deleted = 0usize;
    for step in &steps {
        if context.is_cancelled() {
            break;
        }
        deleted += execute(context, registry, step).await;
    }
    context.info(msg!(RetentionDeletedCount, deleted));
    let failed = context.items().iter().any(|i| i.status != ItemStatus::Succeeded);
    if spec.gc_after && deleted > 0 && !failed && !context.is_cancelled() {
        match deps.gc.get() {
            Some(gc) => match gc.start_gc(&format!("after retention policy \"{}\"", spec.name)) {
                Ok(job) => context.info(msg!(GcAfterStarted, job)),
                Err(error) => context.warn(msg!(GcAfterNotStarted, error)),
            },
            None => context.info(msg!(GcAfterUnavailable)),
        }
    }
    Ok(())
}

/// Deletes one step's tags; how many went.
async fn execute(context: &JobContext, registry: &RegistryClient, step: &Step) -> usize {
    let repository = &step.repository;
    for going in &step.going {
        context.start_item(going.index);
    }
    let mut deleted = 0;
    match &step.deletion {
        Deletion::Manifest { digest, tags } => {
            let result = registry.delete_manifest(repository, digest).await;
            for (going, detail) in step.going.iter().zip(&step.details) {
                let outcome = match &result {
                    Ok(()) => {
                        deleted += 1;
                        ItemOutcome::succeeded(
                            msg!(RetentionDeleted, detail.clone()),
                            Some(digest.to_string()),
                        )
                    }
                    Err(error) => ItemOutcome::failed(error.message()),
                };
                context.finish_item(going.index, outcome);
            }
            match result {
                Ok(()) => {
                    context.add_bytes(0, step.bytes);
                    context.info(msg!(RetentionDeletedDigest, repository, digest, tag_list(tags)))
                }
                Err(error) => context.error(msg!(DeletingDigestFailed, repository, digest, &error)),
            }
        }
        Deletion::TagsOnly { digest, tags, kept } => {
            // The tags that must keep pointing at the digest: the kept ones and those not yet
            // deleted.
            let mut staying: Vec<Tag> = kept.iter().chain(tags).cloned().collect();
            for (going, detail) in step.going.iter().zip(&step.details) {
                if context.is_cancelled() {
                    context
                        .finish_item(going.index, ItemOutcome::cancelled(msg!(RetentionCancelledBeforeTag)));
                    continue;
                }
                staying.retain(|t| t != &going.tag);
                let outcome = match registry.delete_tag(repository, &going.tag, digest, &staying).await {
                    Ok(()) => {
                        deleted += 1;
                        context.info(msg!(RetentionDeletedTag, repository, &going.tag));
                        ItemOutcome::succeeded(
                            msg!(RetentionDeleted, detail.clone()),
                            Some(digest.to_string()),
                        )
                    }
                    Err(error) => {
                        context.error(msg!(
                            RetentionDeletingTagFailed,
                            repository,
                            &going.tag,
                            error.message()
                        ));
                        ItemOutcome::failed(error.message())
                    }
                };
                context.finish_item(going.index, outcome);
            }
        }
    }
    deleted
}
