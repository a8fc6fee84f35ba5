use leptos::prelude::*;

use crate::model::{AppError, Role, UserInfo};

/// Creates an account (admin).
#[server(prefix = "/rpc", endpoint = "add-user")]
pub async fn add_user(username: String, password: String, role: Role) -> Result<UserInfo, AppError> {
    let (state, who) = crate::api::caller()?;
    let new = crate::backend::service::accounts::NewUser { username, password, role };
    crate::backend::service::accounts::add_user(&state.auth, &who, new).await
}
