//! The UI's language: chosen per request from the `lang` cookie or `Accept-Language`, rendered
//! into `<html lang>` and the text, and switched by `GET /lang/{code}`. That route is no
//! operation (it only sets a cookie): its permission-matrix row says anyone may use it, signed in
//! or not; here it is checked to set the cookie and return to a page of ours only.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{dead_port, router, send};

/// The app, its registry a port nothing listens on: these pages need no registry, and a test must
/// not reach whatever else may run on the default 127.0.0.1:5000.
fn app() -> common::TestApp {
    router(&["--registry-api-url", &format!("http://127.0.0.1:{}", dead_port())])
}

/// The page at `path` as the signed-in admin, with these extra headers.
async fn page(app: &common::TestApp, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = Request::get(path).header("accept", "text/html");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, _, body) = send(app, request.body(Body::empty()).unwrap()).await;
    (status, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn a_first_visit_is_in_the_language_of_accept_language_and_english_by_default() {
    let app = app();
    for accept in ["zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "zh", "zh-Hans-CN"] {
        let (status, html) = page(&app, "/jobs", &[("accept-language", accept)]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(r#"<html lang="zh-CN""#), "{accept}: {html}");
        assert!(
            html.contains(r#"<nav aria-label="主导航""#)
                && html.contains(">仓库<")
                && html.contains(">任务<"),
            "{accept}: {html}"
        );
        assert!(!html.contains(">Repositories<"), "{accept}: English left in the page");
    }
    for accept in [None, Some("en-US"), Some("en-US,en;q=0.9,zh-CN;q=0.8"), Some("zh-TW"), Some("fr")] {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept-language", a)).into_iter().collect();
        let (_, html) = page(&app, "/jobs", &headers).await;
        assert!(html.contains(r#"<html lang="en""#), "{accept:?}: {html}");
        assert!(html.contains(r#"<nav aria-label="Main""#) && html.contains(">Repositories<"), "{accept:?}");
    }
}

#[tokio::test]
async fn the_lang_cookie_wins_over_accept_language() {
    let app = app();
    let session = format!("rm_session={}", app.admin_session);
    let (_, html) =
        page(&app, "/jobs", &[("cookie", &format!("{session}; lang=en")), ("accept-language", "zh-CN")])
            .await;
    assert!(html.contains(r#"<html lang="en""#) && html.contains(">Repositories<"), "{html}");
    let (_, html) =
        page(&app, "/jobs", &[("cookie", &format!("lang=zh-CN; {session}")), ("accept-language", "en-US")])
            .await;
    assert!(html.contains(r#"<html lang="zh-CN""#) && html.contains(">仓库<"), "{html}");
    // A value we do not know is ignored, not an error.
    let (status, html) =
        page(&app, "/jobs", &[("cookie", &format!("{session}; lang=xx")), ("accept-language", "zh")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="zh-CN""#), "{html}");
}

#[tokio::test]
async fn signed_out_pages_and_the_404_page_follow_the_language_too() {
    let app = app();
    let request = Request::get("/login").header("accept", "text/html").header("accept-language", "zh-CN");
    let (status, _, body) = send(&app.bare, request.body(Body::empty()).unwrap()).await;
    let html = String::from_utf8(body).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="zh-CN""#) && html.contains(">登录<"), "{html}");
    // The switch is on the sign-in card as well.
    assert!(html.contains(r#"href="/lang/en?next=/login""#), "{html}");

    let (status, html) = page(&app, "/no/such/page", &[("accept-language", "zh-CN")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("页面不存在"), "{html}");
}

#[tokio::test]
async fn the_switch_sets_the_cookie_for_a_year_and_returns_to_a_page_of_ours_only() {
    let app = app();
    // Signed out (`bare`): the sign-in page offers the switch too.
    let cases = [
        ("/lang/zh-CN?next=%2Fjobs%3Fstate%3Dfailed", "zh-CN", "/jobs?state=failed"),
        ("/lang/en?next=%2Frepositories%2Fteam%2Fapp", "en", "/repositories/team/app"),
        ("/lang/zh-cn", "zh-CN", "/"),
        // Never away from this server.
        ("/lang/en?next=%2F%2Fevil.test%2Fx", "en", "/"),
        ("/lang/en?next=https%3A%2F%2Fevil.test", "en", "/"),
        ("/lang/en?next=%2F%09%2Fevil.test", "en", "/"),
        ("/lang/en?next=%2F%5Cevil.test", "en", "/"),
        ("/lang/en?next=%2Fx%0D%0ASet-Cookie%3A%20a%3Db", "en", "/"),
    ];
    common::assert_preference_switch(&app, "lang", &cases).await;
    // A language we do not have is a 404, and sets nothing.
    common::assert_unknown_preference(&app, "/lang/fr?next=%2F").await;
}

#[tokio::test]
async fn the_header_switch_links_back_to_the_page_it_is_on() {
    let app = app();
    let (_, html) = page(&app, "/jobs?x=1", &[("accept-language", "en")]).await;
    assert!(html.contains(r#"<ul aria-label="Language" class="lang-switch">"#), "{html}");
    assert!(html.contains(r#"href="/lang/zh-CN?next=/jobs%3Fx%3D1""#), "{html}");
    assert!(html.contains(r#"rel="external""#), "the router must leave the switch to the browser");
}

#[tokio::test]
async fn a_failed_sign_in_is_explained_in_the_page_language() {
    let app = app();
    for (accept, reason) in [
        ("zh-CN", "用户名或密码错误（或账号已停用）：请检查后重试"),
        ("en-US", "wrong username or password (or the account is disabled): check both and try again"),
    ] {
        let form =
            serde_urlencoded::to_string([("username", "admin"), ("password", "wrong"), ("next", "/jobs")])
                .unwrap();
        let request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept-language", accept)
            .body(Body::from(form))
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.bare.clone(), request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{accept}");
        let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
        let query = location.strip_prefix("/login?").expect("back to the form");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
        assert!(pairs.contains(&("error".to_owned(), reason.to_owned())), "{accept}: {location}");
        assert!(pairs.contains(&("next".to_owned(), "/jobs".to_owned())), "{accept}: {location}");
    }
}
