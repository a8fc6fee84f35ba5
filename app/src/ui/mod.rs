//! The UI: the HTML shell, the router, the layout and the pages.

pub mod components;
pub use crate::format;
pub mod health_indicator;
pub mod lang;
mod lazy_pages;
pub mod live;
pub mod pages;
pub mod resource;
pub mod session;
pub mod shortcuts;
pub mod strings;
pub mod theme;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{Lazy, path};

use crate::model::Operation;
use health_indicator::HealthIndicator;
use lazy_pages::{
    AuditRoute, JobRoute, JobsRoute, LocalImagesRoute, LoginRoute, RepositoriesRoute, RepositoryRouteLazy,
    RetentionRoute, SetupRoute, StatusRoute, StorageRoute, TokensRoute, UsersRoute,
};
use pages::NotFound;
use session::{Allowed, use_session};
use strings::strings;

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The language is decided here, once per request, and reaches every component as context;
    // `<html lang>` carries it to the browser, which hydrates in the same language (see `lang`).
    #[cfg(feature = "ssr")]
    provide_context(lang::Lang::of_current_request());
    // The theme likewise, into `<html data-theme>`: the stylesheet draws the first paint in it.
    #[cfg(feature = "ssr")]
    provide_context(theme::Theme::of_current_request());
    let lang = lang::current();
    let theme = theme::current();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code() data-theme=theme.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content=theme.color_scheme() />
                <AutoReload options=options.clone() />
                // The stylesheet is here, not in `App`: only the server knows its hashed name
                // (cargo-leptos `hash-files`; see server/src/static_files.rs).
                <HashedStylesheet options=options.clone() id="leptos" />
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
    let s = strings();
    view! {
        <Title text=s.app_name />
        <Router>
            <Layout />
        </Router>
    }
}

/// The shell around every page: topbar and navigation, except on the public pages (`/login`,
/// `/setup`), which are a bare centred card. Fetches the signed-in user once (see [`session`]).
#[component]
fn Layout() -> impl IntoView {
    let location = use_location();
    let public = Memo::new(move |_| session::is_public(&location.pathname.read()));
    session::provide_session(Signal::derive(move || !public.get()));
    shortcuts::focus_search_on_slash();
    view! {
        <div class="layout" class:layout-public=public>
            <Show when=move || !public.get()>
                <Topbar />
                <Sidebar />
            </Show>
            <main id="main" class="content">
                <Routes fallback=NotFound>
                    <Route path=path!("") view={Lazy::<RepositoriesRoute>::new()} />
                    <Route path=path!("repositories/*path") view={Lazy::<RepositoryRouteLazy>::new()} />
                    <Route path=path!("local-images") view={Lazy::<LocalImagesRoute>::new()} />
                    <Route path=path!("jobs") view={Lazy::<JobsRoute>::new()} />
                    <Route path=path!("jobs/:id") view={Lazy::<JobRoute>::new()} />
                    <Route path=path!("storage") view={Lazy::<StorageRoute>::new()} />
                    <Route path=path!("retention") view={Lazy::<RetentionRoute>::new()} />
                    <Route path=path!("status") view={Lazy::<StatusRoute>::new()} />
                    <Route path=path!("tokens") view={Lazy::<TokensRoute>::new()} />
                    <Route path=path!("users") view={Lazy::<UsersRoute>::new()} />
                    <Route path=path!("audit") view={Lazy::<AuditRoute>::new()} />
                    <Route path=path!("login") view={Lazy::<LoginRoute>::new()} />
                    <Route path=path!("setup") view={Lazy::<SetupRoute>::new()} />
                </Routes>
            </main>
        </div>
    }
}

/// Brand, who is signed in, and Sign out (a plain form post, so it works before hydration).
#[component]
fn Topbar() -> impl IntoView {
    let s = strings();
    let session = use_session();
    view! {
        <header class="topbar">
            <a class="brand" href="/">
                {s.app_name}
            </a>
            <HealthIndicator />
            <div class="account" aria-label=s.account_label role="group">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match session.me().await {
                            Some(me) => view! {
                                <span class="whoami" data-testid="whoami">
                                    {format!("{} ({})", me.username, session::role_label(me.role))}
                                </span>
                                // Under AUTH=none there is nobody to sign out.
                                {me.auth_enabled.then(|| view! {
                                    <form method="post" action="/logout" class="sign-out">
                                        <button type="submit" class="button small topbar-button">{s.sign_out}</button>
                                    </form>
                                })}
                            }
                            .into_any(),
                            None => view! { <a class="topbar-link" href="/login">{s.sign_in}</a> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
            <LangSwitch />
            <theme::ThemeSwitch />
        </header>
    }
}

/// The other languages, as links to `GET /lang/{code}?next=<this page>`, which sets the `lang`
/// cookie and comes back here (server/src/lang.rs). Plain links, so they work before hydration;
/// `rel="external"` keeps the router from handling them as a page of the app.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let s = strings();
    let current = lang::current();
    let next = use_return_path();
    view! {
        <ul class="lang-switch" aria-label=s.language_label>
            {lang::Lang::ALL
                .into_iter()
                .map(|lang| {
                    let code = lang.code();
                    if lang == current {
                        view! { <li><span aria-current="true" lang=code>{lang.native_name()}</span></li> }.into_any()
                    } else {
                        view! {
                            <li>
                                <a href=move || format!("/lang/{code}?next={}", next.get()) rel="external" hreflang=code lang=code>
                                    {lang.native_name()}
                                </a>
                            </li>
                        }
                        .into_any()
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// This page's path and query, percent-encoded for a `next=` parameter: where the language and
/// theme switches send the browser back to.
pub(crate) fn use_return_path() -> Memo<String> {
    let location = use_location();
    Memo::new(move |_| {
        let (path, search) = (location.pathname.get(), location.search.get());
        let here = if search.is_empty() { path } else { format!("{path}?{search}") };
        format::query_value(&here)
    })
}

/// The main navigation; Users and Audit only for the roles that may use them.
#[component]
fn Sidebar() -> impl IntoView {
    let s = strings();
    view! {
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
                <Allowed op=Operation::ReadStorage>
                    <li>
                        <A href="/storage">{s.nav_storage}</A>
                    </li>
                </Allowed>
                <Allowed op=Operation::ListRetentionPolicies>
                    <li>
                        <A href="/retention">{s.nav_retention}</A>
                    </li>
                </Allowed>
                <li>
                    <A href="/status">{s.nav_status}</A>
                </li>
                // Every role manages its own tokens (Operation::ManageOwnTokens).
                <li>
                    <A href="/tokens">{s.nav_tokens}</A>
                </li>
                <Allowed op=Operation::ManageUsers>
                    <li>
                        <A href="/users">{s.nav_users}</A>
                    </li>
                </Allowed>
                <Allowed op=Operation::ReadAudit>
                    <li>
                        <A href="/audit">{s.nav_audit}</A>
                    </li>
                </Allowed>
            </ul>
        </nav>
    }
}

/// Sets `data-hydrated="true"` on `<body>`: the WASM has taken over the server-rendered page, so
/// clicks reach live handlers (tests wait for it). Called by the WASM entry once hydration has
/// finished, which with lazy routes is after the page's chunk has loaded: an `Effect` in `App`
/// ran before that, and tests clicked on the page while it was still dead HTML.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated() {
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
