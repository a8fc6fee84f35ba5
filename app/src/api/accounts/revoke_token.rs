use leptos::prelude::*;

use crate::model::{AppError, TokenInfo};

/// Revokes an API token: one's own, or anyone's (admin).
#[server(prefix = "/rpc", endpoint = "revoke-token")]
pub async fn revoke_token(id: String) -> Result<TokenInfo, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::accounts::revoke_token(&state.auth, &who, &id).await
}
