//! [`AppJson`]: a JSON request body whose rejection is an [`AppError`], a 400 that says what was
//! wrong with the body (missing field, wrong type, not JSON, wrong content type). Handlers take
//! the parsed value and never match axum's rejection themselves. Like any extractor rejection, a
//! bad body is answered before the service runs, so it changes nothing.

use app::model::AppError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};

pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(AppError::BadRequest(app::msg!(InvalidBody, rejection.body_text()))),
        }
    }
}
