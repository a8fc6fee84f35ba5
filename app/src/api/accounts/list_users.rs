use leptos::prelude::*;

use crate::model::{AppError, UserList};

/// Every account (admin).
#[server(prefix = "/rpc", endpoint = "list-users")]
pub async fn list_users() -> Result<UserList, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::accounts::list_users(&state.auth, &who)
}
