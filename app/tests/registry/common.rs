//! Helpers: a client configured for a harness registry, and request counting.

use std::time::Duration;

use app::backend::config::Secret;
use app::backend::registry::{
    Credentials, OutboundPolicy, RegistryClient, RegistryClientOptions, RegistryStats,
};
use app::model::AppError;
use rm_harness::Registry;

/// A client for `registry` with its credentials (if any) and CA (TLS).
pub fn client(registry: &Registry) -> RegistryClient {
    let credentials = match registry.credentials() {
        Some((username, password)) => Credentials::Basic { username, password: Secret::new(password) },
        None => Credentials::Anonymous,
    };
    client_with(&registry.url(), credentials, registry.ca_cert_path().map(Into::into), false)
}

pub fn client_with(
    url: &str,
    credentials: Credentials,
    ca_cert: Option<std::path::PathBuf>,
    insecure: bool,
) -> RegistryClient {
    let base_url: url::Url = url.parse().expect("registry URL");
    RegistryClient::new(RegistryClientOptions {
        // The test's own loopback registry is trusted, as REGISTRY_API_URL is.
        outbound: OutboundPolicy::trusting([&base_url]),
        base_url,
        credentials,
        timeout: Duration::from_secs(30),
        ca_cert,
        insecure,
    })
    .expect("client builds")
}

/// Requests made between two snapshots, field by field.
pub fn delta(after: RegistryStats, before: RegistryStats) -> RegistryStats {
    RegistryStats {
        requests: after.requests - before.requests,
        token_requests: after.token_requests - before.token_requests,
        catalog_pages: after.catalog_pages - before.catalog_pages,
        tag_lists: after.tag_lists - before.tag_lists,
        manifest_heads: after.manifest_heads - before.manifest_heads,
        manifest_gets: after.manifest_gets - before.manifest_gets,
        manifest_puts: after.manifest_puts - before.manifest_puts,
        manifest_deletes: after.manifest_deletes - before.manifest_deletes,
        blob_gets: after.blob_gets - before.blob_gets,
        blob_heads: after.blob_heads - before.blob_heads,
        blob_mounts: after.blob_mounts - before.blob_mounts,
        blob_upload_starts: after.blob_upload_starts - before.blob_upload_starts,
        blob_puts: after.blob_puts - before.blob_puts,
        blob_upload_cancels: after.blob_upload_cancels - before.blob_upload_cancels,
    }
}

/// The message of a `BadRequest`, failing the test on anything else.
pub fn bad_request<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::BadRequest(message)) => message,
        other => panic!("expected a BadRequest, got {other:?}"),
    }
}
