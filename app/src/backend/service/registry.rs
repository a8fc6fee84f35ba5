//! Browsing the registry and deleting from it.

use super::{Audited, change, check, confirm_repository_delete, confirmation};
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::browse::{self, TagQuery};
use crate::model::{
    AppError, DeleteRepositoryResult, DeleteScope, DeleteTagResult, Operation, RepositoryPage, TagDetail,
    TagList,
};

impl Audited for DeleteTagResult {}
impl Audited for DeleteRepositoryResult {}

/// One catalog page; `n` is capped at `MAX_CATALOG_RESULTS`.
#[derive(Clone, Debug, Default)]
pub struct RepositoryQuery {
    pub n: Option<u32>,
    pub last: Option<String>,
    pub filter: Option<String>,
    pub non_empty_only: bool,
    pub details: bool,
}

pub async fn list_repositories(
    state: &AppState,
    who: &Principal,
    query: RepositoryQuery,
) -> Result<RepositoryPage, AppError> {
    check(state, who, Operation::ListRepositories)?;
    let max = state.config.max_catalog_results;
    let n = query.n.unwrap_or(max).clamp(1, max);
    let last = query.last.as_deref().filter(|l| !l.is_empty());
    browse::repositories_matching(
        &state.registry,
        n,
        last,
        query.filter.as_deref(),
        query.non_empty_only,
        query.details,
    )
    .await
}

pub async fn list_tags(
    state: &AppState,
    who: &Principal,
    repository: &str,
    details: bool,
    query: &TagQuery,
) -> Result<TagList, AppError> {
    check(state, who, Operation::ListTags)?;
    browse::tags(&state.registry, repository, details, query).await
}

pub async fn tag_detail(
    state: &AppState,
    who: &Principal,
    repository: &str,
    tag: &str,
) -> Result<TagDetail, AppError> {
    check(state, who, Operation::TagDetail)?;
    browse::tag_detail(&state.registry, repository, tag).await
}

/// `scope=tag` is an operator's; `scope=image` removes every tag on the digest, an admin's.
pub async fn delete_tag(
    state: &AppState,
    who: &Principal,
    repository: &str,
    tag: &str,
    scope: DeleteScope,
) -> Result<DeleteTagResult, AppError> {
    let operation = match scope {
        DeleteScope::Tag => Operation::DeleteTag,
        DeleteScope::Image => Operation::DeleteImage,
    };
    let target = format!("{repository}:{tag}");
    change(state, who, operation, &target, browse::delete_tag(&state.registry, repository, tag, scope)).await
}

/// Every tag of a repository; see [`confirmation`] for the typed name.
pub async fn delete_repository(
    state: &AppState,
    who: &Principal,
    repository: &str,
    confirm: Option<&str>,
) -> Result<DeleteRepositoryResult, AppError> {
    change(state, who, Operation::DeleteRepository, repository, async {
        confirmation(who, confirm, |phrase| confirm_repository_delete(repository, phrase))?;
        browse::delete_repository(&state.registry, repository).await
    })
    .await
}
