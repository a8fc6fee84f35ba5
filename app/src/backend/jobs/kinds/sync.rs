//! Sync: copy one image from any registry into ours, registry to registry.

use crate::backend::copy::{CopyError, CopySpec, TargetMemo, copy_image, retrying};
use crate::backend::docker::RegistryAuth;
use crate::backend::jobs::engine::{Deps, JobContext};
use crate::backend::jobs::sources::{SourceRef, sync_target};
use crate::model::{AppError, ItemStatus, JobItem, SyncEngine, SyncRequest};

use super::local_push::{Stop, follow};
use super::{Plan, copy_result};

/// A validated sync request.
pub struct SyncPlan {
    pub source: SourceRef,
    pub target_repository: String,
    pub target_tag: String,
    /// `host/repository:tag` in our registry.
    pub target_reference: String,
    pub platforms: Vec<String>,
}

impl SyncPlan {
    /// Validates a sync request and derives its target.
    pub fn new(request: &SyncRequest, deps: &Deps) -> Result<Self, AppError> {
        plan(request, deps)
    }

    pub fn into_plan(self) -> Plan {
        let source = self.source.normalized();
        Plan {
            items: vec![JobItem::pending(source.clone(), self.target_reference.clone())],
            source_image: source,
            target_image: self.target_reference,
        }
    }
}

/// Checks `os/arch[/variant]` entries.
fn platforms(values: &[String]) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let parts: Vec<&str> = value.split('/').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty()) {
            return Err(AppError::BadRequest(format!(
                "platform {value:?} is not os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8"
            )));
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
        return Err(AppError::BadRequest(
            "engine docker pulls one platform at a time: name at most one in platforms, or use engine registry to keep several"
                .to_owned(),
        ));
    }
    if deps.sources.is_ours(&source.registry)
        && source.repository == target_repository
        && source.tag.as_deref() == Some(target_tag.as_str())
        && source.digest.is_none()
    {
        return Err(AppError::BadRequest(format!(
            "{} is already that image in our registry: choose another target_repository or target_tag",
            source.normalized()
        )));
    }
    let target_reference = format!("{}/{target_repository}:{target_tag}", deps.push_host);
    Ok(SyncPlan { source, target_repository, target_tag, target_reference, platforms })
}

pub async fn run(context: &JobContext, request: &SyncRequest) -> Result<(), String> {
    let deps = context.deps();
    let plan = plan(request, deps).map_err(|e| e.to_string())?;
    if request.engine == SyncEngine::Docker {
        return run_docker(context, &plan).await;
    }
    let source = deps.sources.client(&plan.source.registry).map_err(|e| e.to_string())?;
    if request.cleanup_local_images {
        context.info("cleanup_local_images: this copy goes registry to registry and writes nothing locally");
    }
    context.update_item(0, |item| item.status = ItemStatus::Running);
    let spec = CopySpec {
        source_repository: plan.source.repository.clone(),
        source_reference: plan.source.manifest_reference().to_owned(),
        target_repository: plan.target_repository.clone(),
        target_tag: Some(plan.target_tag.clone()),
        platforms: plan.platforms.clone(),
        overwrite: true,
    };
    context.info(format!("copying {} → {}", plan.source.normalized(), plan.target_reference));
    let result =
        copy_image(&source, &deps.registry, &spec, context, context.cancel_token(), &TargetMemo::new()).await;
    let (status, detail, digest) = copy_result(&result);
    match (&status, &digest) {
        (ItemStatus::Succeeded, Some(digest)) => {
            context.info(format!("verified {} → {digest}", plan.target_reference))
        }
        (ItemStatus::Failed, _) => context.error(detail.clone()),
        _ => {}
    }
    context.update_item(0, |item| {
        item.status = status;
        item.detail = Some(detail);
        item.digest = digest;
    });
    Ok(())
}

/// Sync through the daemon: pull, tag as the target, push, verify; then remove what the job
/// created (the target tag, and the pulled image if it was not there before), never more.
async fn run_docker(context: &JobContext, plan: &SyncPlan) -> Result<(), String> {
    let deps = context.deps();
    context.update_item(0, |item| item.status = ItemStatus::Running);
    // What the daemon pulls: by digest when the source names one.
    let pull_reference = match &plan.source.digest {
        Some(digest) => format!("{}/{}@{digest}", plan.source.registry, plan.source.repository),
        None => plan.source.normalized(),
    };
    let mut created: Vec<String> = Vec::new();
    let outcome = docker_steps(context, plan, &pull_reference, &mut created).await;
    let mut notes = Vec::new();
    // Remove the target tag first: the pulled image then loses its last name the job gave it.
    for reference in created.iter().rev() {
        match deps.docker.remove_reference(reference).await {
            Ok(_) => notes.push(format!("removed local {reference}")),
            Err(error) => {
                context.warn(format!("could not remove local {reference}: {error}"));
                notes.push(format!("could not remove local {reference}: {error}"));
            }
        }
    }
    let join = |mut detail: String| {
        for note in &notes {
            detail.push_str("; ");
            detail.push_str(note);
        }
        detail
    };
    match outcome {
        Ok((detail, digest)) => {
            context.info(format!("verified {} → {digest}", plan.target_reference));
            context.update_item(0, |item| {
                item.status = ItemStatus::Succeeded;
                item.detail = Some(join(detail));
                item.digest = Some(digest);
            });
        }
        Err(Stop::Cancelled(reason)) => context.update_item(0, |item| {
            item.status = ItemStatus::Cancelled;
            item.detail = Some(join(reason));
        }),
        Err(Stop::Failed(reason)) => {
            context.error(reason.clone());
            context.update_item(0, |item| {
                item.status = ItemStatus::Failed;
                item.detail = Some(join(reason));
            });
        }
    }
    Ok(())
}

async fn docker_steps(
    context: &JobContext,
    plan: &SyncPlan,
    pull_reference: &str,
    created: &mut Vec<String>,
) -> Result<(String, String), Stop> {
    let deps = context.deps();
    let docker = &deps.docker;
    let was_present = docker.find_image(pull_reference).await?.is_some();
    let source_auth =
        RegistryAuth::for_host(&deps.sources.credentials_for(&plan.source.registry), &plan.source.registry);
    context.info(format!("pulling {pull_reference} through the Docker daemon at {}", docker.host()));
    let platform = plan.platforms.first().map(String::as_str);
    let pull = docker.pull(pull_reference, platform, source_auth.as_ref()).await?;
    if !was_present {
        created.push(pull_reference.to_owned());
    }
    let pulled = follow(context, pull, "the pull").await?;
    if context.is_cancelled() {
        return Err(Stop::Cancelled("cancelled before tagging".to_owned()));
    }
    let target = &plan.target_reference;
    if docker.find_image(target).await?.is_none() {
        docker.tag_image(pull_reference, target).await?;
        created.push(target.clone());
    } else {
        docker.tag_image(pull_reference, target).await?;
    }
    if context.is_cancelled() {
        return Err(Stop::Cancelled("cancelled before pushing".to_owned()));
    }
    let auth = RegistryAuth::for_host(&deps.sources.credentials_for(&deps.push_host), &deps.push_host);
    let push = docker.push(target, auth.as_ref()).await?;
    let pushed = follow(context, push, "the push").await?;
    let served = retrying(&format!("checking {target}"), context, context.cancel_token(), || {
        deps.registry.head_manifest(&plan.target_repository, &plan.target_tag)
    })
    .await
    .map_err(|e| match e {
        CopyError::Cancelled => Stop::Cancelled("cancelled while verifying the pushed tag".to_owned()),
        e => Stop::Failed(format!("pushed, but the tag could not be verified: {e}")),
    })?;
    match (served, pushed.digest.as_ref()) {
        (Some(served), Some(digest)) if &served != digest => {
            Err(Stop::Failed(format!("pushed {digest}, but the registry serves {served} under {target}")))
        }
        (Some(served), _) => Ok((
            format!("{}; {}; verified {served}", pulled.describe("pulled"), pushed.describe("pushed")),
            served,
        )),
        (None, _) => Err(Stop::Failed(format!("pushed, but the registry has no {target}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::platforms;

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
