//! Sync: copy one image from any registry into ours, registry to registry.

use crate::backend::copy::{CopyError, CopySpec, TargetMemo, copy_image};
use crate::backend::docker::RegistryAuth;
use crate::backend::jobs::context::{Deps, JobContext};
use crate::backend::jobs::daemon::{Direction, PushTarget, follow_transfer, push_verified};
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::Plan;
use crate::backend::registry::SourceRef;
use crate::backend::registry::reference::{ImageReference, Reference, RepositoryName, Tag};
use crate::model::{AppError, ItemStatus, JobItem, SyncEngine, SyncPreview, SyncRequest};

/// A validated sync request.
pub struct SyncPlan {
    pub source: SourceRef,
    /// `host/repository:tag` in our registry (always a tag).
    pub target: ImageReference,
    pub platforms: Vec<String>,
    /// Whether a target tag holding another digest is replaced (absent in the request: yes).
    pub overwrite: bool,
}

impl SyncPlan {
    /// Validates a sync request and derives its target.
    pub fn new(request: &SyncRequest, deps: &Deps) -> Result<Self, AppError> {
        plan(request, deps)
    }

    /// The digest the target tag holds now, asked of our registry (`None`: no such tag).
    pub async fn target_digest(&self, deps: &Deps) -> Result<Option<String>, AppError> {
        let (repository, reference) = (&self.target.repository, &self.target.reference);
        let digest = match reference {
            Reference::Tag(tag) => deps.registry.tag_digest(repository, tag, true).await?,
            Reference::Digest(_) => deps.registry.head_manifest(repository, reference).await?,
        };
        Ok(digest.map(|d| d.to_string()))
    }

    /// The digest the source names now, asked of its registry.
    pub async fn source_digest(&self, deps: &Deps) -> Result<String, AppError> {
        let client = deps.sources.client(&self.source.registry)?;
        client
            .head_manifest(&self.source.repository, &self.source.manifest_reference())
            .await?
            .map(|digest| digest.to_string())
            .ok_or_else(|| AppError::NotFound(crate::msg!(DoesNotExist, self.source.normalized())))
    }

    pub fn into_plan(self) -> Plan {
        let (source, target) = (self.source.normalized(), self.target.to_string());
        Plan {
            items: vec![JobItem::pending(source.clone(), target.clone())],
            source_image: source.into(),
            target_image: target.into(),
        }
    }
}

/// Where a sync puts an image: the given names, or the ones derived from the source.
fn sync_target(
    source: &SourceRef,
    repository: Option<&str>,
    tag: Option<&str>,
) -> Result<(RepositoryName, Tag), AppError> {
    let repository = match repository.map(str::trim).filter(|r| !r.is_empty()) {
        Some(given) => {
            let given = given.trim_matches('/');
            given.parse::<RepositoryName>().map_err(|reason| {
                AppError::BadRequest(crate::msg!(
                    FieldInvalid,
                    "target_repository",
                    &format!("{given:?}"),
                    reason.message()
                ))
            })?
        }
        None => source.default_target_repository(),
    };
    let tag = match tag.map(str::trim).filter(|t| !t.is_empty()) {
        Some(given) => given.parse::<Tag>().map_err(|reason| {
            AppError::BadRequest(crate::msg!(
                FieldInvalid,
                "target_tag",
                &format!("{given:?}"),
                reason.message()
            ))
        })?,
        None => source.tag.clone().ok_or_else(|| AppError::BadRequest(crate::msg!(DigestWithoutTag)))?,
    };
    Ok((repository, tag))
}

/// Checks `os/arch[/variant]` entries.
fn platforms(values: &[String]) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let parts: Vec<&str> = value.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return Err(AppError::BadRequest(crate::msg!(PlatformInvalid, &format!("{value:?}"))));
        }
        if !out.iter().any(|p| p == value) {
            out.push(value.to_owned());
        }
    }
    Ok(out)
}

pub fn plan(request: &SyncRequest, deps: &Deps) -> Result<SyncPlan, AppError> {
    let source = SourceRef::parse(&request.source_image)?;
    let (target_repository, target_tag) =
        sync_target(&source, request.target_repository.as_deref(), request.target_tag.as_deref())?;
    let platforms = platforms(&request.platforms)?;
    if request.engine == SyncEngine::Docker && platforms.len() > 1 {
        return Err(AppError::BadRequest(crate::msg!(DockerOnePlatform)));
    }
    if deps.sources.is_ours(&source.registry)
        && target_repository == source.repository
        && source.tag.as_ref() == Some(&target_tag)
        && source.digest.is_none()
    {
        return Err(AppError::BadRequest(crate::msg!(AlreadyThatImage, source.normalized())));
    }
    let target =
        ImageReference::new(Some(deps.sources.push_host().to_owned()), target_repository, target_tag);
    Ok(SyncPlan { source, target, platforms, overwrite: request.overwrite.unwrap_or(true) })
}

/// How long a preview waits for the source registry (the form asks again as the user types).
const PREVIEW_SOURCE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// What a sync would do: source and target, the digest each holds now, and whether the target
/// tag holds another digest (then starting needs `overwrite`). Reads only. A source that cannot
/// be read is shown with its reason (the job would fail the same way); our registry failing is
/// an error. With a platform filter the copy writes a new index, so a target written by the
/// same filtered sync shows as a conflict, and the job then finds it already there.
pub async fn preview(
    request: &SyncRequest,
    deps: &Deps,
    lang: crate::ui::lang::Lang,
) -> Result<SyncPreview, AppError> {
    let plan = plan(request, deps)?;
    let source_digest = tokio::time::timeout(PREVIEW_SOURCE_TIMEOUT, plan.source_digest(deps));
    let (source_digest, target_digest) = tokio::join!(source_digest, plan.target_digest(deps));
    let target_digest = target_digest?;
    let (source_digest, source_error) = match source_digest {
        Ok(Ok(digest)) => (Some(digest), None),
        Ok(Err(error)) => (None, Some(error.to_message().render(lang))),
        Err(_) => (
            None,
            Some(
                crate::msg!(PreviewSourceSlow, &plan.source.registry, PREVIEW_SOURCE_TIMEOUT.as_secs())
                    .render(lang),
            ),
        ),
    };
    let conflict = target_digest.is_some() && target_digest != source_digest;
    Ok(SyncPreview {
        source: plan.source.normalized(),
        target: plan.target.to_string(),
        source_digest,
        source_error,
        target_digest,
        conflict,
    })
}

pub async fn run(context: &JobContext, request: &SyncRequest) -> Result<(), AppError> {
    let deps = context.deps();
    let plan = plan(request, deps)?;
    if request.engine == SyncEngine::Docker {
        run_docker(context, &plan).await;
        return Ok(());
    }
    let source = deps.sources.client(&plan.source.registry)?;
    if request.cleanup_local_images {
        context.info(crate::msg!(CleanupNothingLocal));
    }
    context.start_item(0);
    let spec = CopySpec {
        source_repository: plan.source.repository.clone(),
        source_reference: plan.source.manifest_reference(),
        target_repository: plan.target.repository.clone(),
        target_tag: plan.target.tag().cloned(),
        platforms: plan.platforms.clone(),
        overwrite: plan.overwrite,
    };
    context.info(crate::msg!(Copying, plan.source.normalized(), &plan.target));
    let result =
        copy_image(&source, &deps.registry, &spec, context, context.cancel_token(), &TargetMemo::new()).await;
    let outcome = match &result {
        // A rename skips a conflict; a sync asked for this one tag, so not writing it is a failure.
        Err(CopyError::Conflict { reference, existing, incoming }) => {
            ItemOutcome::failed(crate::msg!(SyncConflict, reference, existing, incoming))
        }
        _ => ItemOutcome::of_copy(&result),
    };
    log_outcome(context, &plan, &outcome);
    context.finish_item(0, outcome);
    Ok(())
}

fn log_outcome(context: &JobContext, plan: &SyncPlan, outcome: &ItemOutcome) {
    match (&outcome.status, &outcome.digest) {
        (ItemStatus::Succeeded, Some(digest)) => context.info(crate::msg!(Verified, &plan.target, digest)),
        (ItemStatus::Failed, _) => context.error(outcome.detail.clone()),
        _ => {}
    }
}

/// Sync through the daemon: pull, tag as the target, push, verify; then remove what the job
/// created (the target tag, and the pulled image if it was not there before), never more.
async fn run_docker(context: &JobContext, plan: &SyncPlan) {
    let deps = context.deps();
    context.start_item(0);
    // What the daemon pulls: by digest when the source names one.
    let pull_reference = match &plan.source.digest {
        Some(digest) => format!("{}/{}@{digest}", plan.source.registry, plan.source.repository),
        None => plan.source.normalized(),
    };
    let mut created: Vec<String> = Vec::new();
    let (Ok(outcome) | Err(outcome)) = docker_steps(context, plan, &pull_reference, &mut created).await;
    let mut notes = Vec::new();
    // Remove the target tag first: the pulled image then loses its last name the job gave it.
    for reference in created.iter().rev() {
        match deps.docker.remove_reference(reference).await {
            Ok(_) => notes.push(crate::msg!(RemovedLocal, reference)),
            Err(error) => {
                context.warn(crate::msg!(LocalRemoveFailed, reference, &error));
                notes.push(crate::msg!(LocalRemoveFailed, reference, &error));
            }
        }
    }
    log_outcome(context, plan, &outcome);
    context.finish_item(0, notes.into_iter().fold(outcome, |outcome, note| outcome.noted(note)));
}

/// Pull, tag, push, verify: the item's outcome, whether it got to the end (`Ok`) or stopped on
/// the way (`Err`).
async fn docker_steps(
    context: &JobContext,
    plan: &SyncPlan,
    pull_reference: &str,
    created: &mut Vec<String>,
) -> Result<ItemOutcome, ItemOutcome> {
    let deps = context.deps();
    let docker = &deps.docker;
    deps.sources
        .check_daemon_source(&plan.source.registry)
        .await
        .map_err(|e| ItemOutcome::failed(e.to_message()))?;
    if !plan.overwrite {
        refuse_conflict(context, plan).await?;
    }
    let was_present = docker.find_image(pull_reference).await?.is_some();
    let source_auth =
        RegistryAuth::for_host(&deps.sources.credentials_for(&plan.source.registry), &plan.source.registry);
    context.info(crate::msg!(PullingThroughDaemon, pull_reference, docker.host()));
    let platform = plan.platforms.first().map(String::as_str);
    let pull = docker.pull(pull_reference, platform, source_auth.as_ref()).await?;
    if !was_present {
        created.push(pull_reference.to_owned());
    }
    let pulled = follow_transfer(context, pull, Direction::Pull).await?;
    if context.is_cancelled() {
        return Err(ItemOutcome::cancelled(crate::msg!(CancelledBeforeTagging)));
    }
    let target = &plan.target.to_string();
    if docker.find_image(target).await?.is_none() {
        docker.tag_image(pull_reference, &plan.target).await?;
        created.push(target.clone());
    } else {
        docker.tag_image(pull_reference, &plan.target).await?;
    }
    if context.is_cancelled() {
        return Err(ItemOutcome::cancelled(crate::msg!(CancelledBeforePushing)));
    }
    let push_host = deps.sources.push_host();
    let auth = RegistryAuth::for_host(&deps.sources.credentials_for(push_host), push_host);
    let (pushed, served) = push_verified(
        context,
        &PushTarget { target: &plan.target, registry: &deps.registry, auth: auth.as_ref() },
    )
    .await?;
    let detail = crate::msg!(PulledPushedVerified, pulled.pulled(), pushed.pushed(), &served);
    Ok(ItemOutcome::succeeded(detail, Some(served)))
}

/// Without `overwrite`, a target tag that holds another digest than the source's stops the docker
/// engine before it pulls anything (the registry engine's copy checks the same on its own).
async fn refuse_conflict(context: &JobContext, plan: &SyncPlan) -> Result<(), ItemOutcome> {
    let deps = context.deps();
    let failed = |error: AppError| ItemOutcome::failed(error.to_message());
    let Some(existing) = plan.target_digest(deps).await.map_err(failed)? else {
        return Ok(());
    };
    let incoming = plan.source_digest(deps).await.map_err(failed)?;
    if existing == incoming {
        return Ok(());
    }
    Err(ItemOutcome::failed(crate::msg!(SyncConflict, plan.target.without_host(), existing, incoming)))
}

#[cfg(test)]
mod tests {
    use super::{SourceRef, platforms, sync_target};
    use crate::model::AppError;

    #[test]
    fn targets_default_to_the_source_and_are_checked() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let pinned = SourceRef::parse(&format!("localhost:5000/app@{digest}")).unwrap();
        assert!(matches!(sync_target(&pinned, None, None), Err(AppError::BadRequest(_))));
        let (repository, tag) = sync_target(&pinned, Some("/mirror/app/"), Some("v2")).unwrap();
        assert_eq!((repository.as_str(), tag.as_str()), ("mirror/app", "v2"));
        let local = SourceRef::parse("127.0.0.1:5001/team/app:v1").unwrap();
        assert!(matches!(sync_target(&local, Some("Bad Name"), None), Err(AppError::BadRequest(_))));
        let (repository, tag) = sync_target(&local, None, None).unwrap();
        assert_eq!((repository.as_str(), tag.as_str()), ("team/app", "v1"));
    }

    #[test]
    fn platforms_are_checked() {
        assert_eq!(
            platforms(&["linux/amd64".into(), " ".into(), "linux/amd64".into()]).unwrap(),
            ["linux/amd64"]
        );
        assert!(platforms(&["linux/arm64/v8".into()]).is_ok());
        assert!(platforms(&["amd64".into()]).unwrap_err().to_string().contains("os/arch"));
        assert!(platforms(&["linux//v8".into()]).is_err());
    }
}
