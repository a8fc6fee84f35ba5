//! Every page as a lazy route. Built with `cargo leptos build --split`, each page's view code
//! (its components, and the render and deserialisation code monomorphised for them) goes into
//! a WASM chunk of its own, fetched when the page is first shown: a first visit downloads the
//! shell (router, layout, reactive runtime) and one page instead of the whole application.
//!
//! The pages keep creating their own resources when they render, so a route's data is requested
//! once its chunk has loaded; on the first page the data comes with the server-rendered HTML.
//! Without `--split` a lazy page is an ordinary `async` call, so server builds and
//! `cargo test` need nothing special.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::pages::{
    AuditPage, JobPage, JobsPage, LocalImagesPage, LoginPage, RepositoriesPage, RepositoryRoute, SetupPage,
    StatusPage, StoragePage, TokensPage, UsersPage,
};

/// `lazy_page!(Route, Page)`: a unit struct `Route` whose lazy view is `<Page />`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    };
}

lazy_page!(
    /// `/`
    RepositoriesRoute => RepositoriesPage
);
lazy_page!(
    /// `/repositories/*path`
    RepositoryRouteLazy => RepositoryRoute
);
lazy_page!(
    /// `/local-images`
    LocalImagesRoute => LocalImagesPage
);
lazy_page!(
    /// `/jobs`
    JobsRoute => JobsPage
);
lazy_page!(
    /// `/jobs/:id`
    JobRoute => JobPage
);
lazy_page!(
    /// `/storage`
    StorageRoute => StoragePage
);
lazy_page!(
    /// `/status`
    StatusRoute => StatusPage
);
lazy_page!(
    /// `/tokens`
    TokensRoute => TokensPage
);
lazy_page!(
    /// `/users`
    UsersRoute => UsersPage
);
lazy_page!(
    /// `/audit`
    AuditRoute => AuditPage
);
lazy_page!(
    /// `/login`
    LoginRoute => LoginPage
);
lazy_page!(
    /// `/setup`
    SetupRoute => SetupPage
);
