use leptos::prelude::*;

use crate::model::{AppError, DeleteScope, DeleteTagResult};

/// Deletes one tag (siblings on the same digest survive) or the whole image with all its tags.
#[server(prefix = "/rpc", endpoint = "delete-tag")]
pub async fn delete_tag(
    repository: String,
    tag: String,
    scope: DeleteScope,
) -> Result<DeleteTagResult, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::registry::delete_tag(&state, &who, &repository, &tag, scope).await
}
