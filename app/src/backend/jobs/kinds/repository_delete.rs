//! Batch repository delete: each repository's tags deleted, one item per repository, failures
//! reported per item while the others go on.

use crate::backend::browse::delete_repository;
use crate::backend::jobs::context::JobContext;
use crate::backend::jobs::outcome::ItemOutcome;
use crate::backend::jobs::plan::{Plan, Things, describe, repository_list};
use crate::backend::registry::reference::RepositoryName;
use crate::model::{AppError, JobItem, RepositoryDeleteRequest};

pub fn plan(request: &RepositoryDeleteRequest) -> Result<Plan, AppError> {
    let repositories: Vec<String> =
        repository_list("repositories", &request.repositories)?.iter().map(ToString::to_string).collect();
    Ok(Plan {
        source_image: describe(&repositories, Things::Repositories),
        target_image: crate::msg!(LabelDeleted),
        items: repositories.into_iter().map(|source| JobItem::pending(source, String::new())).collect(),
    })
}

pub async fn run(context: &JobContext, _request: &RepositoryDeleteRequest) -> Result<(), AppError> {
    let registry = &context.deps().registry;
    for (index, item) in context.items().into_iter().enumerate() {
        if context.is_cancelled() {
            break;
        }
        context.start_item(index);
        let deleted = match item.source.parse::<RepositoryName>() {
            Ok(name) => delete_repository(registry, &name).await,
            Err(error) => Err(error.into()),
        };
        let outcome = match deleted {
            Ok(result) => {
                let detail =
                    crate::msg!(DeletedTags, result.removed_tags.len(), result.deleted_digests.len());
                context.info(crate::msg!(Labelled, &item.source, detail.clone()));
                ItemOutcome::succeeded(detail, None)
            }
            Err(error) => {
                let reason = error.to_message();
                context.error(crate::msg!(Labelled, &item.source, reason.clone()));
                ItemOutcome::failed(reason)
            }
        };
        context.finish_item(index, outcome);
    }
    Ok(())
}
