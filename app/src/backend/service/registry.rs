//! Browsing the registry and deleting from it.

use super::{Audited, change, check, confirm_repository_delete, confirmation};
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::browse::{self, RepositoryQuery, TagQuery};
use crate::backend::registry::reference::{Reference, RepositoryName};
use crate::model::{
    AppError, DeleteRepositoryResult, DeleteScope, DeleteTagResult, Operation, RepositoryPage, TagDetail,
    TagList,
};
use crate::ui::lang::Lang;

impl Audited for DeleteTagResult {}
impl Audited for DeleteRepositoryResult {}

pub async fn list_repositories(
    state: &AppState,
    who: &Principal,
    query: RepositoryQuery,
    lang: Lang,
) -> Result<RepositoryPage, AppError> {
    check(state, who, Operation::ListRepositories)?;
    browse::repositories(&state.registry, &state.tag_index, &query, state.config.max_catalog_results)
        .await
        .map(|page| page.localized(lang))
}

pub async fn list_tags(
    state: &AppState,
    who: &Principal,
    repository: &str,
    query: &TagQuery,
    lang: Lang,
) -> Result<TagList, AppError> {
    check(state, who, Operation::ListTags)?;
    let repository: RepositoryName = repository.parse()?;
    browse::tags(&state.registry, &repository, query).await.map(|list| list.localized(lang))
}

pub async fn tag_detail(
    state: &AppState,
    who: &Principal,
    repository: &str,
    reference: &str,
    lang: Lang,
) -> Result<TagDetail, AppError> {
    check(state, who, Operation::TagDetail)?;
    let (repository, reference) = parse_reference(repository, reference)?;
    browse::tag_detail(&state.registry, &repository, &reference).await.map(|detail| detail.localized(lang))
}

/// `scope=tag` is an operator's; `scope=image` removes every tag on the digest, an admin's.
pub async fn delete_tag(
    state: &AppState,
    who: &Principal,
    repository: &str,
    reference: &str,
    scope: DeleteScope,
) -> Result<DeleteTagResult, AppError> {
    let operation = match scope {
        DeleteScope::Tag => Operation::DeleteTag,
        DeleteScope::Image => Operation::DeleteImage,
    };
    let target = format!("{repository}:{reference}");
    change(state, who, operation, &target, async {
        let (repository, reference) = parse_reference(repository, reference)?;
        browse::delete_tag(&state.registry, &repository, &reference, scope).await
    })
    .await
}

/// Every tag of a repository; see [`confirmation`] for the typed name.
pub async fn delete_repository(
    state: &AppState,
    who: &Principal,
    repository: &str,
    confirm: Option<&str>,
) -> Result<DeleteRepositoryResult, AppError> {
    change(state, who, Operation::DeleteRepository, repository, async {
        let name: RepositoryName = repository.parse()?;
        confirmation(who, confirm, |phrase| confirm_repository_delete(repository, phrase))?;
        browse::delete_repository(&state.registry, &name).await
    })
    .await
}

/// A repository and a tag or digest from a URL path, parsed: bad input is a 400 naming the rule.
fn parse_reference(repository: &str, reference: &str) -> Result<(RepositoryName, Reference), AppError> {
    Ok((repository.parse()?, reference.parse()?))
}
