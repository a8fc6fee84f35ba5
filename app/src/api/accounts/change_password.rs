use leptos::prelude::*;

use crate::model::AppError;

/// Changes the signed-in user's password; their other sessions end.
#[server(prefix = "/rpc", endpoint = "change-password")]
pub async fn change_password(current: String, new: String) -> Result<(), AppError> {
    let (state, who) = crate::api::caller()?;
    let session = crate::api::session_cookie();
    crate::backend::service::accounts::change_password(&state.auth, &who, &current, &new, session.as_deref())
        .await
}
