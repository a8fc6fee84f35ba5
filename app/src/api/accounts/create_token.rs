use leptos::prelude::*;

use crate::model::{AppError, CreatedToken, Role};

/// Creates an API token for the caller; its secret is in the answer, and nowhere else, ever.
#[server(prefix = "/rpc", endpoint = "create-token")]
pub async fn create_token(
    name: String,
    role: Option<Role>,
    expires_in_days: Option<u32>,
) -> Result<CreatedToken, AppError> {
    let (state, who) = crate::api::caller()?;
    let request = crate::backend::service::accounts::NewTokenRequest { name, role, expires_in_days };
    crate::backend::service::accounts::create_token(&state.auth, &who, request).await
}
