//! Local Docker images: scan and the previews of a push or a delete (starting those is a job,
//! in [`super::jobs::start`]).

use super::check;
use crate::backend::AppState;
use crate::backend::auth::principal::Principal;
use crate::backend::docker::local::list_local_images;
use crate::backend::jobs::kinds;
use crate::model::{
    AppError, LocalDeletePreview, LocalImageList, LocalPushPreview, LocalPushRequest, Operation,
};

pub async fn list(
    state: &AppState,
    who: &Principal,
    include_dangling: bool,
    limit: Option<usize>,
) -> Result<LocalImageList, AppError> {
    check(state, who, Operation::ListLocalImages)?;
    list_local_images(&state.docker, include_dangling, limit).await
}

pub async fn preview_push(
    state: &AppState,
    who: &Principal,
    request: &LocalPushRequest,
    lang: crate::ui::lang::Lang,
) -> Result<LocalPushPreview, AppError> {
    check(state, who, Operation::PreviewLocalPush)?;
    kinds::preview_local_push(request, state.jobs.deps(), lang).await
}

pub async fn preview_delete(
    state: &AppState,
    who: &Principal,
    image_refs: &[String],
    lang: crate::ui::lang::Lang,
) -> Result<LocalDeletePreview, AppError> {
    check(state, who, Operation::PreviewLocalDelete)?;
    kinds::preview_local_delete(&state.docker, image_refs, lang).await
}
