//! Delivery of the built site (`/pkg`): hashed names kept for a year, everything else
//! revalidated, brotli/gzip when the browser takes it, and the security headers on all of it.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::router;
use tower::ServiceExt;

const HASH: &str = "VQHW2wqR0l6vRr0jd3IYmA";

/// A site as `cargo leptos build --release --precompress` leaves it: hashed JS and WASM, the JS
/// with `.br`/`.gz` beside it, the WASM without (to be compressed on the fly).
fn site() -> (tempfile::TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0".iter().copied().chain(b"registry manager ".repeat(500)).collect();
    std::fs::write(pkg.join(format!("registry-manager.{HASH}.wasm")), &wasm).unwrap();
    std::fs::write(
        pkg.join(format!("registry-manager.{HASH}.js")),
        "export function hydrate() {}\n".repeat(50),
    )
    .unwrap();
    std::fs::write(pkg.join(format!("registry-manager.{HASH}.js.br")), b"precompressed brotli").unwrap();
    std::fs::write(pkg.join(format!("registry-manager.{HASH}.js.gz")), b"precompressed gzip").unwrap();
    std::fs::write(pkg.join("registry-manager.css"), "body { margin: 0 }\n".repeat(50)).unwrap();
    (dir, wasm)
}

async fn fetch(app: &axum::Router, path: &str, accept_encoding: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let request =
        Request::get(path).header(header::ACCEPT_ENCODING, accept_encoding).body(Body::empty()).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap().to_vec();
    (parts.status, parts.headers, body)
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn hashed_files_are_immutable_for_a_year_and_precompressed_brotli_is_served_as_is() {
    let (site, _) = site();
    let app = router(&["--site-root", site.path().to_str().unwrap()]);
    let path = format!("/pkg/registry-manager.{HASH}.js");

    let (status, headers, body) = fetch(&app, &path, "gzip, deflate, br, zstd").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "br");
    assert_eq!(body, b"precompressed brotli");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
    assert!(header(&headers, header::CONTENT_TYPE).contains("javascript"), "{headers:?}");
    assert!(header(&headers, header::VARY).to_ascii_lowercase().contains("accept-encoding"), "{headers:?}");
    // The security headers stay on static files too.
    assert!(header(&headers, header::CONTENT_SECURITY_POLICY).contains("script-src"), "{headers:?}");

    let (_, headers, body) = fetch(&app, &path, "gzip").await;
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(body, b"precompressed gzip");
}

#[tokio::test]
async fn a_file_without_a_precompressed_copy_is_compressed_on_the_fly() {
    let (site, wasm) = site();
    let app = router(&["--site-root", site.path().to_str().unwrap()]);
    let path = format!("/pkg/registry-manager.{HASH}.wasm");

    for encoding in ["br", "gzip"] {
        let (status, headers, body) = fetch(&app, &path, encoding).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, header::CONTENT_ENCODING), encoding);
        assert_eq!(header(&headers, header::CONTENT_TYPE), "application/wasm");
        assert_eq!(header(&headers, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
        assert!(body.len() < wasm.len() / 4, "{encoding}: {} of {} bytes", body.len(), wasm.len());
    }
    // A client that takes no compression gets the bytes as they are.
    let (_, headers, body) = fetch(&app, &path, "identity").await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none(), "{headers:?}");
    assert_eq!(body, wasm);
}

#[tokio::test]
async fn unhashed_files_and_pages_are_revalidated_not_kept() {
    let (site, _) = site();
    let app = router(&["--site-root", site.path().to_str().unwrap()]);

    let (status, headers, _) = fetch(&app, "/pkg/registry-manager.css", "gzip").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");

    for page in ["/", "/login", "/status"] {
        let (status, headers, _) = fetch(&app, page, "gzip").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(header(&headers, header::CONTENT_TYPE).starts_with("text/html"), "{page}");
        assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache", "{page}");
    }

    let (status, headers, _) = fetch(&app, "/pkg/registry-manager.nothere.js", "gzip").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!header(&headers, header::CACHE_CONTROL).contains("immutable"), "{headers:?}");
}

#[test]
fn a_hash_file_that_names_files_the_site_lacks_is_ignored() {
    let (site, _) = site();
    let hash_file = site.path().join("hash.txt");
    std::fs::write(&hash_file, format!("js: {HASH}\nwasm: {HASH}\ncss: {HASH}\n")).unwrap();
    assert!(server::static_files::site_matches_hash_file(&hash_file, site.path()));
    // Regression guard: a stale hash.txt next to the binary must not send pages to missing files.
    std::fs::write(&hash_file, "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: AAAAAAAAAAAAAAAAAAAAAA\n").unwrap();
    assert!(!server::static_files::site_matches_hash_file(&hash_file, site.path()));
    assert!(!server::static_files::site_matches_hash_file(&site.path().join("absent.txt"), site.path()));
}
