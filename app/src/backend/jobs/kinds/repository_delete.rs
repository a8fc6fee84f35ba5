//! Batch repository delete: each repository's tags deleted, one item per repository, failures
//! reported per item while the others go on.

use crate::backend::browse::delete_repository;
use crate::backend::jobs::engine::JobContext;
use crate::model::{AppError, ItemStatus, JobItem, RepositoryDeleteRequest};

use super::{Plan, describe_repositories, repository_list};

pub fn plan(request: &RepositoryDeleteRequest) -> Result<Plan, AppError> {
    let repositories = repository_list("repositories", &request.repositories)?;
    Ok(Plan {
        source_image: describe_repositories(&repositories),
        target_image: "deleted".to_owned(),
        items: repositories.into_iter().map(|source| JobItem::pending(source, String::new())).collect(),
    })
}

pub async fn run(context: &JobContext, _request: &RepositoryDeleteRequest) -> Result<(), String> {
    let registry = &context.deps().registry;
    for (index, item) in context.items().into_iter().enumerate() {
        if context.is_cancelled() {
            break;
        }
        context.update_item(index, |item| item.status = ItemStatus::Running);
        match delete_repository(registry, &item.source).await {
            Ok(result) => {
                let detail = format!(
                    "deleted {} tags ({} images)",
                    result.removed_tags.len(),
                    result.deleted_digests.len()
                );
                context.info(format!("{}: {detail}", item.source));
                context.update_item(index, |item| {
                    item.status = ItemStatus::Succeeded;
                    item.detail = Some(detail);
                });
            }
            Err(error) => {
                context.error(format!("{}: {error}", item.source));
                context.update_item(index, |item| {
                    item.status = ItemStatus::Failed;
                    item.detail = Some(error.to_string());
                });
            }
        }
    }
    Ok(())
}
