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
    after.since(&before)
}

/// The message of a `BadRequest`, failing the test on anything else.
pub fn bad_request<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::BadRequest(message)) => message.to_string(),
        other => panic!("expected a BadRequest, got {other:?}"),
    }
}

/// The browse functions called with names as the tests write them: each name is parsed first
/// (a malformed one is the same `BadRequest` the service layer answers), then the typed function runs.
pub mod named {
    use app::backend::browse::{self, RepositoryQuery, TagQuery};
    use app::backend::registry::RegistryClient;
    use app::model::{
        AppError, DeleteRepositoryResult, DeleteScope, DeleteTagResult, RepositoryPage, TagDetail, TagList,
    };

    /// `n` per page (the cap is `n` itself), after `last`; counts from a new, empty tag count index
    /// each time (in a temporary `DATA_DIR`), so they are read from the registry.
    pub async fn repositories(
        client: &RegistryClient,
        n: u32,
        last: Option<&str>,
        non_empty_only: bool,
        details: bool,
    ) -> Result<RepositoryPage, AppError> {
        let query = RepositoryQuery {
            n: Some(n),
            last: last.map(str::to_owned),
            filter: None,
            non_empty_only,
            details,
        };
        let data_dir = tempfile::tempdir().expect("temp dir");
        let db = app::backend::store::Db::open(data_dir.path()).expect("database");
        let index = browse::TagIndex::new(db, client, app::backend::registry::DEFAULT_TAG_TTL);
        browse::repositories(client, &index, &query, n).await
    }

    pub async fn tags(
        client: &RegistryClient,
        repository: &str,
        details: bool,
        query: &TagQuery,
    ) -> Result<TagList, AppError> {
        let query = TagQuery { details, ..query.clone() };
        browse::tags(client, &repository.parse()?, &query).await
    }

    pub async fn tag_detail(
        client: &RegistryClient,
        repository: &str,
        tag: &str,
    ) -> Result<TagDetail, AppError> {
        browse::tag_detail(client, &repository.parse()?, &tag.parse()?).await
    }

    pub async fn delete_tag(
        client: &RegistryClient,
        repository: &str,
        tag: &str,
        scope: DeleteScope,
    ) -> Result<DeleteTagResult, AppError> {
        browse::delete_tag(client, &repository.parse()?, &tag.parse()?, scope).await
    }

    pub async fn delete_repository(
        client: &RegistryClient,
        repository: &str,
    ) -> Result<DeleteRepositoryResult, AppError> {
        browse::delete_repository(client, &repository.parse()?).await
    }
}
