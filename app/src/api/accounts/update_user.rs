use leptos::prelude::*;

use crate::model::{AppError, Role, UserInfo};

/// Changes an account's role, disables or enables it, or resets its password (admin).
#[server(prefix = "/rpc", endpoint = "update-user")]
pub async fn update_user(
    username: String,
    role: Option<Role>,
    disabled: Option<bool>,
    password: Option<String>,
) -> Result<UserInfo, AppError> {
    let (state, who) = crate::api::caller()?;
    let change = crate::backend::service::accounts::UserChange { role, disabled, password };
    crate::backend::service::accounts::update_user(&state.auth, &who, &username, change).await
}
