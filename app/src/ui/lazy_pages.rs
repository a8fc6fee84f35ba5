//! Every page as a lazy route. Built with `cargo leptos build --split`, each page's view code
//! (its components, and the render and deserialisation code monomorphised for them) goes into
//! WASM chunks of its own, fetched when the page is first shown: a first visit downloads the
//! shell (router, layout, reactive runtime) and one page instead of the whole application. The
//! five management pages share one split point ([`OccasionalPage`]).
//!
//! The pages keep creating their own resources when they render, so a route's data is requested
//! once its chunk has loaded; on the first page the data comes with the server-rendered HTML.
//! Without `--split` a lazy page is an ordinary `async` call, so server builds and
//! `cargo test` need nothing special.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use super::pages::{
    AuditPage, JobPage, JobsPage, LocalImagesPage, LoginPage, RepositoriesPage, RepositoryRoute,
    RetentionPage, SetupPage, StatusPage, StoragePage, TokensPage, UsersPage,
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
/// The management pages a team opens now and then — storage, retention, tokens, users, audit —
/// share one split point, so one set of chunks. Each split point multiplies the shared chunks every
/// page fetches (one per set of split points that share code, each compressed alone): as five
/// split points these pages cost the lists and the repository page a third of their files and
/// 20–30 KiB gzip. Opening one of them fetches the code of all five, once (hashed names are kept a
/// year). The status page, small and linked from the header's health light, keeps its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OccasionalPage {
    Storage,
    Retention,
    Tokens,
    Users,
    Audit,
}

#[leptos::lazy]
fn lazy_occasional_page(page: OccasionalPage) -> AnyView {
    match page {
        OccasionalPage::Storage => view! { <StoragePage /> }.into_any(),
        OccasionalPage::Retention => view! { <RetentionPage /> }.into_any(),
        OccasionalPage::Tokens => view! { <TokensPage /> }.into_any(),
        OccasionalPage::Users => view! { <UsersPage /> }.into_any(),
        OccasionalPage::Audit => view! { <AuditPage /> }.into_any(),
    }
}

/// `occasional_page!(Route, Page)`: a unit struct `Route` whose view is [`OccasionalPage`]`::Page`
/// from the shared split point (what `#[lazy_route]` writes, with the split point named here).
macro_rules! occasional_page {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                lazy_occasional_page(OccasionalPage::$page).await
            }

            async fn preload() {
                // Fetch the chunks while the router gets ready, as `#[lazy_route]` does.
                #[cfg(target_arch = "wasm32")]
                __preload_lazy_occasional_page().await;
            }
        }
    };
}

occasional_page!(
    /// `/storage`
    StorageRoute => Storage
);
occasional_page!(
    /// `/retention`
    RetentionRoute => Retention
);
lazy_page!(
    /// `/status`
    StatusRoute => StatusPage
);
occasional_page!(
    /// `/tokens`
    TokensRoute => Tokens
);
occasional_page!(
    /// `/users`
    UsersRoute => Users
);
occasional_page!(
    /// `/audit`
    AuditRoute => Audit
);
lazy_page!(
    /// `/login`
    LoginRoute => LoginPage
);
lazy_page!(
    /// `/setup`
    SetupRoute => SetupPage
);
