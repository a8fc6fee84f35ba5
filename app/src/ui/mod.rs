//! The UI: the HTML shell, the router, the layout and the pages.

pub mod components;
pub mod format;
pub mod live;
pub mod pages;
pub mod strings;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use pages::{JobPage, JobsPage, LocalImagesPage, NotFound, RepositoriesPage, RepositoryRoute, StatusPage};
use strings::strings;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: layout, navigation and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    let s = strings();
    view! {
        <Stylesheet id="leptos" href="/pkg/registry-manager.css" />
        <Title text=s.app_name />
        <Router>
            <div class="layout">
                <header class="topbar">
                    <a class="brand" href="/">
                        {s.app_name}
                    </a>
                </header>
                <nav class="sidebar" aria-label=s.nav_label>
                    <ul>
                        <li>
                            <A href="/" exact=true>
                                {s.nav_repositories}
                            </A>
                        </li>
                        <li>
                            <A href="/local-images">{s.nav_local_images}</A>
                        </li>
                        <li>
                            <A href="/jobs">{s.nav_jobs}</A>
                        </li>
                        <li>
                            <A href="/status">{s.nav_status}</A>
                        </li>
                    </ul>
                </nav>
                <main id="main" class="content">
                    <Routes fallback=NotFound>
                        <Route path=path!("") view=RepositoriesPage />
                        <Route path=path!("repositories/*path") view=RepositoryRoute />
                        <Route path=path!("local-images") view=LocalImagesPage />
                        <Route path=path!("jobs") view=JobsPage />
                        <Route path=path!("jobs/:id") view=JobPage />
                        <Route path=path!("status") view=StatusPage />
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Sets `data-hydrated="true"` on `<body>` once the WASM has taken over the server-rendered page.
/// Effects run only in the browser, so the attribute proves hydration (tests wait for it).
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
