//! One module per route.

mod audit;
mod change_password;
mod jobs;
mod local_image_actions;
mod local_images;
mod login;
mod merge_dialog;
mod not_found;
mod repositories;
mod repository;
mod repository_actions;
mod retention;
mod setup;
mod status;
mod storage;
mod storage_gc;
mod tag;
mod token_dialogs;
mod tokens;
mod users;

pub use audit::AuditPage;
pub use jobs::{JobPage, JobsPage};
pub use local_images::LocalImagesPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use repositories::RepositoriesPage;
pub use repository::RepositoryRoute;
pub use retention::RetentionPage;
pub use setup::SetupPage;
pub use status::StatusPage;
pub use storage::StoragePage;
pub use tokens::TokensPage;
pub use users::UsersPage;

use leptos::prelude::*;

/// Heading and one-line purpose shared by every page.
#[component]
fn PageHeader(
    /// Page title (the `<h1>`).
    title: &'static str,
    /// What the page is for.
    intro: &'static str,
    /// Actions shown beside the title.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="page-header">
            <div>
                <h1>{title}</h1>
                <p class="muted">{intro}</p>
            </div>
            <div class="page-actions">{children.map(|c| c())}</div>
        </header>
    }
}
