use leptos::prelude::*;

use crate::model::{AppError, Me};

/// Who is signed in, with which role.
#[server(prefix = "/rpc", endpoint = "me")]
pub async fn get_me() -> Result<Me, AppError> {
    let (state, who) = crate::api::caller()?;
    crate::backend::service::accounts::me(&state.auth, &who)
}
