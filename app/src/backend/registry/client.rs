use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use strum::EnumCount as _;
use tokio::sync::Semaphore;
use url::Url;

use super::RegistryError;
use super::auth::{AuthState, Challenge, Credentials, TokenClient, fetch_token};
use super::cache::Caches;
use super::limits::{
    Body, MAX_CONFIG_BYTES, MAX_ERROR_BODY_BYTES, MAX_LIST_PAGE_BYTES, MAX_MANIFEST_BYTES, MAX_OTHER_BYTES,
    read_capped, read_truncated,
};
use super::outbound::{OutboundPolicy, PolicyResolver, redirect_policy};
use crate::model::RegistryAuthMode;

/// How to reach one registry.
#[derive(Clone, Debug)]
pub struct RegistryClientOptions {
    pub base_url: Url,
    pub credentials: Credentials,
    pub timeout: Duration,
    /// Extra CA certificates (PEM) to trust for https.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate: for self-signed test setups only.
    pub insecure: bool,
    /// Where this client may connect and send credentials (shared by every client).
    pub outbound: Arc<OutboundPolicy>,
}

/// How many requests one client (and its clones) keeps in flight at most: enough to hide latency,
/// few enough not to swamp a small registry. Everything that fans out (tag details, tag counts)
/// is bounded by this.
pub const MAX_IN_FLIGHT: usize = 16;

/// A client for one registry. Cheap to clone: clones share the connection pool, the tokens, the
/// caches and the concurrency bound.
#[derive(Clone)]
pub struct RegistryClient {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) base: Url,
    pub(super) http: reqwest::Client,
    pub(super) credentials: Credentials,
    pub(super) outbound: Arc<OutboundPolicy>,
    pub(super) auth: AuthState,
    pub(super) cache: Caches,
    limiter: Semaphore,
    /// The configured per-request timeout; streamed blob transfers use it as their idle timeout.
    pub(super) timeout: Duration,
    pub(super) stats: Counters,
    /// The smaller `n` this registry accepted for `_catalog` after refusing the usual one; 0 until
    /// it refuses (`catalog.rs` owns the page sizes).
    pub(super) catalog_page_cap: AtomicU32,
}

impl Inner {
    /// What asking this registry's token service needs (see `auth.rs`).
    pub(super) fn token_client(&self) -> TokenClient<'_> {
        TokenClient {
            http: &self.http,
            base: &self.base,
            credentials: &self.credentials,
            outbound: &self.outbound,
        }
    }
}

impl fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryClient")
            .field("base", &self.inner.base.as_str())
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// What a `/v2/` ping learned: the auth scheme the registry asked for, and whether we got in.
#[derive(Debug)]
pub struct PingOutcome {
    pub auth: RegistryAuthMode,
    pub result: Result<(), RegistryError>,
}

/// The kinds of registry request, for counting and for the scope each needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::EnumCount)]
pub(super) enum Op {
    Catalog,
    TagList,
    ManifestHead,
    ManifestGet,
    ManifestPut,
    ManifestDelete,
    BlobGet,
    BlobHead,
    /// `POST …/blobs/uploads/?mount=&from=`; its scope also names the source repository, so
    /// callers build it themselves ([`RegistryClient::execute_scoped`]).
    BlobMount,
    BlobUploadStart,
    BlobUploadPut,
    BlobUploadCancel,
}

impl Op {
    fn method(self) -> Method {
        match self {
            Self::Catalog | Self::TagList | Self::ManifestGet | Self::BlobGet => Method::GET,
            Self::ManifestHead | Self::BlobHead => Method::HEAD,
            Self::BlobMount | Self::BlobUploadStart => Method::POST,
            Self::ManifestPut | Self::BlobUploadPut => Method::PUT,
            Self::ManifestDelete | Self::BlobUploadCancel => Method::DELETE,
        }
    }

    /// What a successful answer's body is called in errors, and how much of it we read
    /// (`limits.rs`). A blob GET read whole is an image config (copies stream blobs instead).
    pub(super) fn body_limit(self) -> (Body, u64) {
        match self {
            Self::ManifestGet => (Body::Manifest, MAX_MANIFEST_BYTES),
            Self::Catalog => (Body::CatalogPage, MAX_LIST_PAGE_BYTES),
            Self::TagList => (Body::TagListPage, MAX_LIST_PAGE_BYTES),
            Self::BlobGet => (Body::ImageConfig, MAX_CONFIG_BYTES),
            _ => (Body::Answer, MAX_OTHER_BYTES),
        }
    }

    /// The token scope (https://distribution.github.io/distribution/spec/auth/scope/).
    /// distribution asks for `pull` on GET/HEAD, `pull,push` on POST/PUT/PATCH and `delete` on
    /// DELETE; manifest writes ask for all three so one token serves tag writes and deletes.
    pub(super) fn scope(self, repository: &str) -> String {
        match self {
            Self::Catalog => "registry:catalog:*".to_owned(),
            Self::TagList | Self::ManifestHead | Self::ManifestGet | Self::BlobGet | Self::BlobHead => {
                format!("repository:{repository}:pull")
            }
            Self::BlobMount | Self::BlobUploadStart | Self::BlobUploadPut => {
                format!("repository:{repository}:pull,push")
            }
            Self::ManifestPut | Self::ManifestDelete | Self::BlobUploadCancel => {
                format!("repository:{repository}:pull,push,delete")
            }
        }
    }
}

/// Declares [`RegistryStats`] from one list of `field => Op`, so the counters, the snapshot and
/// the difference of two snapshots cannot drift apart.
macro_rules! registry_stats {
    ($($(#[$doc:meta])* $field:ident => $op:ident,)*) => {
        /// How many requests a client (with its clones) has sent since it was built.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct RegistryStats {
            /// Every request to the registry API (retries after a 401 included; the `/v2/` ping not).
            pub requests: u64,
            /// Requests to the Bearer token service.
            pub token_requests: u64,
            $($(#[$doc])* pub $field: u64,)*
        }

        impl RegistryStats {
            fn read(counters: &Counters, token_requests: u64) -> Self {
                Self {
                    requests: counters.requests.load(Ordering::Relaxed),
                    token_requests,
                    $($field: counters.by_op[Op::$op as usize].load(Ordering::Relaxed),)*
                }
            }

            /// The requests made between `before` and this snapshot, field by field.
            pub fn since(&self, before: &Self) -> Self {
                Self {
                    requests: self.requests - before.requests,
                    token_requests: self.token_requests - before.token_requests,
                    $($field: self.$field - before.$field,)*
                }
            }
        }
    };
}

registry_stats! {
    catalog_pages => Catalog,
    tag_lists => TagList,
    manifest_heads => ManifestHead,
    manifest_gets => ManifestGet,
    manifest_puts => ManifestPut,
    manifest_deletes => ManifestDelete,
    /// Blob downloads: image configs, and blobs a copy streams.
    blob_gets => BlobGet,
    blob_heads => BlobHead,
    /// Cross-repository mount attempts (`POST …?mount=`), answered 201 or 202.
    blob_mounts => BlobMount,
    /// Upload sessions started (`POST …/blobs/uploads/`).
    blob_upload_starts => BlobUploadStart,
    /// Streamed blob uploads (`PUT <upload>?digest=`).
    blob_puts => BlobUploadPut,
    blob_upload_cancels => BlobUploadCancel,
}

/// Request counters by kind, readable through [`RegistryClient::stats`] (tests and benchmarks use
/// them to check that caches work).
#[derive(Default)]
pub(super) struct Counters {
    requests: AtomicU64,
    by_op: [AtomicU64; Op::COUNT],
}

impl Counters {
    pub(super) fn count(&self, op: Op) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.by_op[op as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// A registry answer, read in full (manifests, configs and lists are small JSON documents).
pub(super) struct Answer {
    pub url: Url,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Turns any non-success answer into the registry error, with its parsed body.
    pub fn error_for_status(self) -> Result<Self, RegistryError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(RegistryError::from_answer(
                self.url.as_str(),
                self.status.as_u16(),
                self.header("retry-after"),
                &self.body,
            ))
        }
    }
}

impl Inner {
    /// Adds the authorization to a request for `url` when `url` is on the registry's own origin:
    /// registry credentials and tokens never go anywhere else (an upload `Location` on another
    /// host gets the request bare). Redirects are reqwest's: it drops `Authorization` on a
    /// redirect to another host or port.
    pub(super) fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        url: &Url,
        authorization: &super::auth::Authorization,
    ) -> reqwest::RequestBuilder {
        if super::outbound::same_origin(url, &self.base) {
            authorization.apply(request, &self.credentials)
        } else {
            request
        }
    }
}

impl RegistryClient {
    pub fn new(options: RegistryClientOptions) -> Result<Self, RegistryError> {
        let mut base = options.base_url;
        // `join("v2/")` must keep a path prefix such as https://host/registry/.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("registry-manager/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(MAX_IN_FLIGHT)
            .dns_resolver(Arc::new(PolicyResolver(options.outbound.clone())))
            .redirect(redirect_policy(options.outbound.clone()))
            .danger_accept_invalid_certs(options.insecure);
        if let Some(path) = &options.ca_cert {
            let pem = std::fs::read(path).map_err(|e| RegistryError::Protocol {
                url: path.display().to_string(),
                reason: crate::msg!(RegCaCertUnreadable, &e),
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| RegistryError::Protocol {
                url: path.display().to_string(),
                reason: crate::msg!(RegCaCertNotPem, &e),
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| RegistryError::Protocol {
            url: base.to_string(),
            reason: crate::msg!(RegHttpClient, &e),
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                base,
                http,
                credentials: options.credentials,
                outbound: options.outbound,
                auth: AuthState::new(),
                cache: Caches::new(),
                limiter: Semaphore::new(MAX_IN_FLIGHT),
                timeout: options.timeout,
                stats: Counters::default(),
                catalog_page_cap: AtomicU32::new(0),
            }),
        })
    }

    /// Requests sent so far by this client and its clones.
    pub fn stats(&self) -> RegistryStats {
        RegistryStats::read(&self.inner.stats, self.inner.auth.token_requests())
    }

    /// Sends one registry API request needing `op`'s scope on `repository`, authorising it as the
    /// registry asked (learning the scheme from the first 401, then sending credentials or a
    /// cached token up front) and retrying once after a 401 with a fresh token. At most
    /// [`MAX_IN_FLIGHT`] requests of this client are in flight at once.
    pub(super) async fn execute(
        &self,
        op: Op,
        repository: &str,
        url: Url,
        accept: Option<&str>,
        body: Option<(&str, Bytes)>,
    ) -> Result<Answer, RegistryError> {
        self.execute_scoped(op, &op.scope(repository), url, accept, body, op.body_limit().1).await
    }

    /// [`RegistryClient::execute`] with the token scope given (a mount needs two repositories),
    /// reading at most `limit` bytes of a successful answer (an image config, up to the size its
    /// descriptor names; otherwise `op.body_limit().1`); error bodies are cut at 64 KiB.
    pub(super) async fn execute_scoped(
        &self,
        op: Op,
        scope: &str,
        url: Url,
        accept: Option<&str>,
        body: Option<(&str, Bytes)>,
        limit: u64,
    ) -> Result<Answer, RegistryError> {
        let _permit = self.inner.limiter.acquire().await.expect("the request limiter is never closed");
        let mut response = self.send(op, scope, &url, accept, body, None).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = if status.is_success() {
            read_capped(&mut response, &url, op.body_limit().0, limit).await?
        } else {
            read_truncated(&mut response, MAX_ERROR_BODY_BYTES).await
        };
        Ok(Answer { url, status, headers, body })
    }

    /// The request loop of [`RegistryClient::execute`] up to the response headers: the body is
    /// left unread and no in-flight permit is held (streamed blob downloads use this; their
    /// number is bounded by the copy engine). `timeout` replaces the client's total timeout.
    pub(super) async fn send(
        &self,
        op: Op,
        scope: &str,
        url: &Url,
        accept: Option<&str>,
        body: Option<(&str, Bytes)>,
        timeout: Option<Duration>,
    ) -> Result<reqwest::Response, RegistryError> {
        let inner = &self.inner;
        inner.outbound.check_url(url).map_err(|refusal| RegistryError::refused(url, refusal))?;
        let mut retried = false;
        loop {
            let authorization = inner.auth.authorization(inner.token_client(), scope).await?;
            let mut request = inner.http.request(op.method(), url.clone());
            if let Some(accept) = accept {
                request = request.header(ACCEPT, accept);
            }
            if let Some((content_type, bytes)) = &body {
                request = request.header(CONTENT_TYPE, *content_type).body(bytes.clone());
            }
            if let Some(timeout) = timeout {
                request = request.timeout(timeout);
            }
            request = inner.authorize(request, url, &authorization);
            inner.stats.count(op);
            let response = request.send().await.map_err(|e| RegistryError::unreachable(url.as_str(), &e))?;
            if response.status() == StatusCode::UNAUTHORIZED {
                let header = response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok());
                if retried {
                    return Err(if inner.credentials.is_configured() {
                        RegistryError::CredentialsRefused { url: url.to_string(), status: 401 }
                    } else {
                        RegistryError::CredentialsRequired {
                            url: url.to_string(),
                            scheme: header.and_then(Challenge::parse).map(|c| c.scheme).unwrap_or_default(),
                        }
                    });
                }
                inner
                    .auth
                    .on_unauthorized(url.as_str(), header, &authorization, &inner.credentials, scope)
                    .await?;
                retried = true;
                continue;
            }
            return Ok(response);
        }
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The credentials this client sends (for handing on to the Docker daemon; never printed).
    pub fn credentials(&self) -> &Credentials {
        &self.inner.credentials
    }

    pub fn credentials_configured(&self) -> bool {
        self.inner.credentials.is_configured()
    }

    pub(super) fn url(&self, path: &str) -> Url {
        self.inner.base.join(path).expect("relative registry API paths always join")
    }

    /// `GET /v2/`: is the registry there, which auth does it ask for, and do our credentials work?
    pub async fn ping(&self) -> PingOutcome {
        let url = self.url("v2/");
        if let Err(refusal) = self.inner.outbound.check_url(&url) {
            return PingOutcome {
                auth: RegistryAuthMode::Unknown,
                result: Err(RegistryError::refused(&url, refusal)),
            };
        }
        let anonymous = match self.inner.http.get(url.clone()).send().await {
            Ok(response) => response,
            Err(e) => {
                return PingOutcome {
                    auth: RegistryAuthMode::Unknown,
                    result: Err(RegistryError::unreachable(url.as_str(), &e)),
                };
            }
        };
        if anonymous.status().is_success() {
            return PingOutcome { auth: RegistryAuthMode::None, result: Ok(()) };
        }
        if anonymous.status() != StatusCode::UNAUTHORIZED {
            return PingOutcome {
                auth: RegistryAuthMode::Unknown,
                result: Err(status_error(&url, anonymous).await),
            };
        }
        let challenge = anonymous
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(Challenge::parse);
        let Some(challenge) = challenge else {
            return PingOutcome {
                auth: RegistryAuthMode::Unknown,
                result: Err(RegistryError::Protocol {
                    url: url.to_string(),
                    reason: crate::msg!(RegNoChallenge),
                }),
            };
        };
        match challenge.scheme.as_str() {
            "basic" => {
                let result = if self.inner.credentials.is_configured() {
                    self.expect_ok(self.inner.credentials.apply(self.inner.http.get(url.clone())), &url).await
                } else {
                    Err(RegistryError::CredentialsRequired {
                        url: url.to_string(),
                        scheme: "Basic".to_owned(),
                    })
                };
                PingOutcome { auth: RegistryAuthMode::Basic, result }
            }
            "bearer" => {
                let result = match fetch_token(self.inner.token_client(), &challenge, None).await {
                    Ok(token) => {
                        self.expect_ok(self.inner.http.get(url.clone()).bearer_auth(token.value), &url).await
                    }
                    Err(e) => Err(e),
                };
                PingOutcome { auth: RegistryAuthMode::Bearer, result }
            }
            other => PingOutcome {
                auth: RegistryAuthMode::Unknown,
                result: Err(RegistryError::Protocol {
                    url: url.to_string(),
                    reason: crate::msg!(RegUnsupportedScheme, &format!("{other:?}")),
                }),
            },
        }
    }

    async fn expect_ok(&self, request: reqwest::RequestBuilder, url: &Url) -> Result<(), RegistryError> {
        let response = request.send().await.map_err(|e| RegistryError::unreachable(url.as_str(), &e))?;
        match response.status() {
            s if s.is_success() => Ok(()),
            s @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                Err(RegistryError::CredentialsRefused { url: url.to_string(), status: s.as_u16() })
            }
            _ => Err(status_error(url, response).await),
        }
    }
}

pub(super) async fn status_error(url: &Url, mut response: reqwest::Response) -> RegistryError {
    let status = response.status().as_u16();
    let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = read_truncated(&mut response, MAX_ERROR_BODY_BYTES).await;
    RegistryError::from_answer(url.as_str(), status, retry_after.as_deref(), &body)
}
