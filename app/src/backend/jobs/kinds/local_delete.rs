//! Local delete: the named references mapped to image IDs (so two tags of one image are one
//! removal), each ID removed forced as the original tool did (`docker rmi -f`), which removes every
//! tag on it. One item per image ID; failures are reported per item and the others go on.

use crate::backend::docker::{DockerClient, DockerError, ImageInfo};
use crate::backend::jobs::context::JobContext;
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::{Plan, Things, describe, image_refs};
use crate::model::{
    AppError, ItemStatus, JobItem, LocalDeletePreview, LocalDeletePreviewImage, LocalDeleteRequest,
};

/// References resolved to images: per image, the references that selected it (as its tags where
/// they name one); and the references that name no image.
struct Resolved {
    images: Vec<(ImageInfo, Vec<String>)>,
    missing: Vec<(String, crate::model::Message)>,
}

/// The tag a reference selects: itself, or with `:latest` as Docker reads a bare name; an ID or
/// digest reference stays as given.
fn selected_name(reference: &str, tags: &[String]) -> String {
    if tags.iter().any(|t| t == reference) {
        return reference.to_owned();
    }
    let with_latest = format!("{reference}:latest");
    if tags.contains(&with_latest) { with_latest } else { reference.to_owned() }
}

async fn resolve(docker: &DockerClient, refs: &[String]) -> Result<Resolved, DockerError> {
    let mut resolved = Resolved { images: Vec::new(), missing: Vec::new() };
    for reference in refs {
        match docker.inspect_image(reference).await {
            Ok(info) => {
                let name = selected_name(reference, &info.repo_tags);
                match resolved.images.iter_mut().find(|(i, _)| i.id == info.id) {
                    Some((_, selected)) => {
                        if !selected.contains(&name) {
                            selected.push(name);
                        }
                    }
                    None => resolved.images.push((info, vec![name])),
                }
            }
            Err(DockerError::NotFound { .. }) => {
                resolved.missing.push((reference.clone(), crate::msg!(NoLocalImage, reference)))
            }
            Err(error @ DockerError::Unavailable { .. }) => return Err(error),
            Err(error) => resolved.missing.push((reference.clone(), error.message())),
        }
    }
    Ok(resolved)
}

/// The other tags that go with an image: all its tags not selected.
fn also_removed(info: &ImageInfo, selected: &[String]) -> Vec<String> {
    info.repo_tags.iter().filter(|t| !selected.contains(t)).cloned().collect()
}

pub fn plan(request: &LocalDeleteRequest) -> Result<Plan, AppError> {
    let refs = image_refs(&request.image_refs)?;
    Ok(Plan {
        source_image: describe(&refs, Things::Images),
        target_image: crate::msg!(LabelRemoved),
        // One per reference until the job has mapped them to image IDs.
        items: refs.into_iter().map(|source| JobItem::pending(source, String::new())).collect(),
    })
}

/// Per image ID: the tags selected and the other tags removed with them. Changes nothing. Errors
/// are in `lang`.
pub async fn preview(
    docker: &DockerClient,
    references: &[String],
    lang: crate::ui::lang::Lang,
) -> Result<LocalDeletePreview, AppError> {
    let refs = image_refs(references)?;
    let resolved = resolve(docker, &refs).await?;
    Ok(LocalDeletePreview {
        images: resolved
            .images
            .iter()
            .map(|(info, selected)| LocalDeletePreviewImage {
                image_id: info.id.clone(),
                selected: selected.clone(),
                also_removed: also_removed(info, selected),
            })
            .collect(),
        errors: resolved.missing.into_iter().map(|(_, reason)| reason.render(lang)).collect(),
    })
}

pub async fn run(context: &JobContext, request: &LocalDeleteRequest) -> Result<(), AppError> {
    let docker = &context.deps().docker;
    let refs = image_refs(&request.image_refs)?;
    let resolved = resolve(docker, &refs).await?;
    let mut items: Vec<JobItem> = resolved
        .images
        .iter()
        .map(|(info, selected)| {
            let others = also_removed(info, selected);
            context.info(if others.is_empty() {
                crate::msg!(LocalSelected, &info.id, selected.join(", "))
            } else {
                crate::msg!(LocalSelectedAlso, &info.id, selected.join(", "), others.join(", "))
            });
            JobItem::pending(info.id.clone(), String::new())
        })
        .collect();
    for (reference, reason) in &resolved.missing {
        context.error(crate::msg!(Labelled, reference, reason.clone()));
        items.push(ItemOutcome::failed(reason.clone()).item(reference.clone(), String::new()));
    }
    context.set_items(items);

    for (index, (info, _)) in resolved.images.iter().enumerate() {
        if context.is_cancelled() {
            break;
        }
        context.start_item(index);
        let outcome = match docker.remove_image_forced(&info.id).await {
            Ok(removed) => {
                let tags: Vec<&str> =
                    removed.untagged.iter().map(String::as_str).filter(|t| !t.contains('@')).collect();
                let deleted = removed.deleted.iter().any(|d| d == &info.id);
                let detail = match (tags.is_empty(), deleted) {
                    (true, false) => crate::msg!(RemovedNoTags),
                    (true, true) => crate::msg!(RemovedNoTagsDeleted),
                    (false, false) => crate::msg!(RemovedTags, tags.join(", ")),
                    (false, true) => crate::msg!(RemovedTagsDeleted, tags.join(", ")),
                };
                ItemOutcome::succeeded(detail, None)
            }
            Err(error) => error.into(),
        };
        match outcome.status {
            ItemStatus::Succeeded => context.info(crate::msg!(Labelled, &info.id, outcome.detail.clone())),
            _ => context.error(crate::msg!(Labelled, &info.id, outcome.detail.clone())),
        }
        context.finish_item(index, outcome);
    }

    let failed: Vec<crate::model::Message> = context
        .items()
        .iter()
        .filter(|i| i.status == ItemStatus::Failed)
        .map(|i| {
            let why = i.detail.clone().unwrap_or_else(|| crate::msg!(JobItemFailed));
            crate::msg!(NamedWithReason, &i.source, why)
        })
        .collect();
    if !failed.is_empty() {
        context.error(crate::msg!(NotRemoved, crate::messages::joined(failed)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_select_the_tags_docker_would_read() {
        let tags = vec!["app:latest".to_owned(), "app:v1".to_owned()];
        assert_eq!(selected_name("app", &tags), "app:latest");
        assert_eq!(selected_name("app:v1", &tags), "app:v1");
        assert_eq!(selected_name("sha256:abc", &tags), "sha256:abc");
        let info = ImageInfo {
            id: "sha256:1".into(),
            repo_tags: tags,
            repo_digests: vec![],
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: None,
        };
        assert_eq!(also_removed(&info, &["app:v1".to_owned()]), ["app:latest"]);
    }
}
