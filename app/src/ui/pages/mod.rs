//! One module per route.

mod jobs;
mod local_image_actions;
mod local_images;
mod not_found;
mod repositories;
mod repository;
mod repository_actions;
mod status;
mod tag;

pub use jobs::{JobPage, JobsPage};
pub use local_images::LocalImagesPage;
pub use not_found::NotFound;
pub use repositories::RepositoriesPage;
pub use repository::RepositoryRoute;
pub use status::StatusPage;

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
