//! How the built site reaches the browser: the JS, WASM and CSS under `/pkg`, compressed and
//! cached for as long as their names say they may be.
//!
//! - `cargo leptos build` with `hash-files` (Cargo.toml) names them `registry-manager.<hash>.js`
//!   and writes `hash.txt` beside the server binary; leptos reads it to name them in the page.
//!   [`leptos_options`] turns hashing on only when that file matches the site being served, so
//!   a binary built by plain `cargo build` (tests, the benchmark) still serves plain names.
//! - A hashed name never changes content, so it is `immutable` for a year: a later visit
//!   downloads nothing. Anything else under `/pkg` is revalidated on every use (`no-cache`).
//!   HTML pages are never stored as fresh (`no-cache`): they carry the signed-in user's data.
//! - Brotli or gzip: the `.br`/`.gz` files `cargo leptos build --release --precompress` writes
//!   beside each file are served as they are; without them (debug builds) the file is
//!   compressed on the fly.

use std::path::{Path, PathBuf};

use app::backend::Config;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::{Env, LeptosOptions};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// The name cargo-leptos gives the JS, WASM and CSS (`output-name` in Cargo.toml).
pub const OUTPUT_NAME: &str = "registry-manager";
/// `site-pkg-dir` in Cargo.toml.
pub const PKG_DIR: &str = "pkg";
/// How long a browser may keep a content-hashed file: a year, the longest RFC 9111 advises.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Stored, but checked with the server before every use (a `304` when unchanged).
pub const REVALIDATE: &str = "no-cache";

/// The server's Leptos options: where the site is, and whether its files have hashed names.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let exe_dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
    let hashed = exe_dir.is_some_and(|dir| site_matches_hash_file(&dir.join("hash.txt"), &config.site_root));
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir(PKG_DIR)
        .site_addr(config.listen_addr)
        .env(Env::PROD)
        .hash_files(hashed)
        .build()
}

/// Whether `hash_file` (cargo-leptos' `js: <hash>` lines) names a JS file that `site_root` has.
/// A stale hash.txt, left by an earlier `cargo leptos build` beside a binary since rebuilt by
/// cargo alone or pointed at another site, would make every page ask for files that are not
/// there, and the app would never hydrate: then plain names are used, and the log says why.
pub fn site_matches_hash_file(hash_file: &Path, site_root: &Path) -> bool {
    let Ok(hashes) = std::fs::read_to_string(hash_file) else {
        return false;
    };
    let js_hash = hashes.lines().find_map(|line| line.trim().strip_prefix("js:").map(str::trim));
    let Some(js_hash) = js_hash else {
        return false;
    };
    let js = site_root.join(PKG_DIR).join(format!("{OUTPUT_NAME}.{js_hash}.js"));
    if !js.is_file() {
        tracing::warn!(
            hash_file = %hash_file.display(),
            missing = %js.display(),
            "hash.txt names a file the site does not have: serving unhashed names"
        );
        return false;
    }
    true
}

/// `/pkg/*`: the files of `site_root/pkg`, precompressed or compressed on the fly, with the
/// cache headers their names allow.
pub fn pkg_router(site_root: &Path) -> Router {
    let dir: PathBuf = site_root.join(PKG_DIR);
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        // Only for files without a `.br`/`.gz` beside them (a response that already has a
        // Content-Encoding is passed through). Level 5: brotli's default (11) would take
        // seconds per request for the WASM.
        .layer(CompressionLayer::new().br(true).gzip(true).quality(CompressionLevel::Precise(5)))
        .layer(axum::middleware::from_fn(pkg_cache_control))
}

/// Sets `Cache-Control` on a `/pkg` answer by the name asked for, and `Vary: Accept-Encoding`
/// (the same URL answers brotli, gzip or plain bytes).
async fn pkg_cache_control(request: Request, next: Next) -> Response {
    let immutable = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED {
        let value = if immutable { IMMUTABLE } else { REVALIDATE };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    let headers = response.headers_mut();
    let varies = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str().is_ok_and(|v| v.split(',').any(|part| part.trim().eq_ignore_ascii_case("accept-encoding")))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// A file name with a cargo-leptos content hash: `<name>.<hash>.<ext>`, the hash being 22
/// base64url characters (an MD5). Split chunks and the split loader use the same scheme. The
/// unhashed loader's placeholder (`__wasm_split.______________________.js`) is not one.
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == 22
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && part.bytes().any(|b| b != b'_')
        })
}

/// `Cache-Control: no-cache` on HTML that says nothing itself: a page is rendered for the
/// signed-in user with a fresh CSP nonce, so a browser may keep it only to revalidate.
pub async fn html_no_cache(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html && !response.headers().contains_key(header::CACHE_CONTROL) {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn names_with_a_cargo_leptos_hash_are_content_hashed() {
        for name in [
            "/pkg/registry-manager.VQHW2wqR0l6vRr0jd3IYmA.wasm",
            "/pkg/registry-manager.VQHW2wqR0l6vRr0jd3IYmA.js",
            "/pkg/registry-manager.a-b_cdefghijklmnopqrst.css",
            "/pkg/__wasm_split.Wq2fR-0l6vRr0jd3IYmA_x.js",
        ] {
            assert!(is_content_hashed(name), "{name}");
        }
        for name in [
            "/pkg/registry-manager.wasm",
            "/pkg/registry-manager.js",
            "/pkg/__wasm_split.______________________.js",
            "/pkg/registry-manager.short.js",
            "/favicon.svg",
        ] {
            assert!(!is_content_hashed(name), "{name}");
        }
    }
}
