use leptos::prelude::*;

use crate::model::{AppError, TokenList};

/// The caller's API tokens, or (`all`, admin) everyone's.
#[server(prefix = "/rpc", endpoint = "list-tokens")]
pub async fn list_tokens(all: bool) -> Result<TokenList, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::accounts::list_tokens(&state.auth, &who, all)
}
