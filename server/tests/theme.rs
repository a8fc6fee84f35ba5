//! The colour theme: `system` (the browser's `prefers-color-scheme`) unless the `theme` cookie
//! names `light` or `dark`, rendered by the server into `<html data-theme>` and the
//! `color-scheme` meta, so the first paint already has it (no flash), and switched by
//! `GET /theme/{mode}`, which only sets that cookie (its permission-matrix row: anyone).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{dead_port, router, send};

/// The app, its registry a port nothing listens on: these pages need no registry.
fn app() -> common::TestApp {
    router(&["--registry-api-url", &format!("http://127.0.0.1:{}", dead_port())])
}

/// The page at `path` as the signed-in admin, with this `theme` cookie.
async fn page(app: &common::TestApp, path: &str, theme: Option<&str>) -> (StatusCode, String) {
    let mut cookie = format!("rm_session={}", app.admin_session);
    if let Some(theme) = theme {
        cookie.push_str(&format!("; theme={theme}"));
    }
    let request = Request::get(path).header("accept", "text/html").header("cookie", cookie);
    let (status, _, body) = send(app, request.body(Body::empty()).unwrap()).await;
    (status, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn the_server_renders_the_theme_of_the_cookie_and_the_systems_by_default() {
    let app = app();
    let cases = [
        (None, "system", "light dark"),
        (Some("dark"), "dark", "dark"),
        (Some("light"), "light", "light"),
        (Some("system"), "system", "light dark"),
        // A value we do not know is the system's, not an error.
        (Some("sepia"), "system", "light dark"),
    ];
    for (cookie, theme, scheme) in cases {
        let (status, html) = page(&app, "/jobs", cookie).await;
        assert_eq!(status, StatusCode::OK, "{cookie:?}");
        assert!(html.contains(&format!(r#"data-theme="{theme}""#)), "{cookie:?}: {html}");
        assert!(
            html.contains(&format!(r#"<meta name="color-scheme" content="{scheme}""#)),
            "{cookie:?}: {html}"
        );
    }
    // Signed out and not found: the same.
    let request = Request::get("/login").header("accept", "text/html").header("cookie", "theme=dark");
    let (status, _, body) = send(&app.bare, request.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8(body).unwrap().contains(r#"data-theme="dark""#));
    let (status, html) = page(&app, "/no/such/page", Some("light")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains(r#"data-theme="light""#), "{html}");
}

#[tokio::test]
async fn the_header_switch_offers_the_other_themes_and_links_back_to_the_page() {
    let app = app();
    let (_, html) = page(&app, "/jobs?x=1", Some("dark")).await;
    assert!(html.contains(r#"<ul aria-label="Theme" class="theme-switch">"#), "{html}");
    assert!(html.contains(r#"href="/theme/light?next=/jobs%3Fx%3D1""#), "{html}");
    assert!(html.contains(r#"href="/theme/system?next=/jobs%3Fx%3D1""#), "{html}");
    // The current theme is text, not a link.
    assert!(!html.contains(r#"href="/theme/dark"#), "{html}");
    assert!(html.contains(r#"<span aria-current="true">Dark<!></span>"#), "{html}");
}

#[tokio::test]
async fn the_switch_sets_the_cookie_for_a_year_and_returns_to_a_page_of_ours_only() {
    let app = app();
    let cases = [
        ("/theme/dark?next=%2Fjobs%3Fstate%3Dfailed", "dark", "/jobs?state=failed"),
        ("/theme/light?next=%2Frepositories%2Fteam%2Fapp", "light", "/repositories/team/app"),
        ("/theme/SYSTEM", "system", "/"),
        // Never away from this server (the same check as the language switch and login's next=).
        ("/theme/dark?next=%2F%2Fevil.test%2Fx", "dark", "/"),
        ("/theme/dark?next=https%3A%2F%2Fevil.test", "dark", "/"),
        ("/theme/dark?next=%2F%09%2Fevil.test", "dark", "/"),
        ("/theme/dark?next=%2F%5Cevil.test", "dark", "/"),
        ("/theme/dark?next=%2Fx%0D%0ASet-Cookie%3A%20a%3Db", "dark", "/"),
    ];
    // Signed out (`bare`): no session is needed to choose colours.
    common::assert_preference_switch(&app, "theme", &cases).await;
    // A theme we do not have is a 404 that names the ones we have, and sets nothing.
    let body = common::assert_unknown_preference(&app, "/theme/sepia?next=%2F").await;
    assert!(body.contains("light, dark, system"), "{body}");
}
