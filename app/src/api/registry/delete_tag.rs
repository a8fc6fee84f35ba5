use leptos::prelude::*;

use crate::model::{AppError, DeleteScope, DeleteTagResult};

/// Deletes one tag (siblings on the same digest survive) or the whole image with all its tags.
#[server(prefix = "/rpc", endpoint = "delete-tag")]
pub async fn delete_tag(
    repository: String,
    tag: String,
    scope: DeleteScope,
) -> Result<DeleteTagResult, AppError> {
    let state = crate::api::state()?;
    state.authorize(crate::backend::access::Operation::DeleteTag)?;
    crate::backend::browse::delete_tag(&state.registry, &repository, &tag, scope).await
}
