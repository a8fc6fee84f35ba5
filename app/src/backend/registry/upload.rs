//! Blob transfer between registries: existence checks, cross-repository mounts, upload sessions
//! and streamed downloads and uploads
//! (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-blobs).
//!
//! Nothing here buffers a blob: a download hands out its body chunk by chunk, and an upload sends
//! whatever stream it is given with the blob's `Content-Length`. A streamed body cannot be sent a
//! second time, so an upload never goes through the retry-after-401 loop: starting its session
//! (a `POST` through [`RegistryClient::execute`]) learns the scheme and caches the token for the
//! push scope first, and the `PUT` reuses that authorisation.

use std::time::Duration;

use bytes::Bytes;
use futures::TryStream;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use url::Url;

use super::client::{Answer, Op, status_error};
use super::reference::{Digest, RepositoryName};
use super::{RegistryClient, RegistryError};

/// Streamed requests replace the client's total timeout (meant for small JSON answers) with this
/// ceiling; stalls are caught sooner by the caller's idle timeout between chunks.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(6 * 3600);

/// An open upload session on a registry: where to send the blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSession {
    repository: RepositoryName,
    location: Url,
}

impl UploadSession {
    pub fn repository(&self) -> &RepositoryName {
        &self.repository
    }

    /// The session URL the registry named (`Location`), resolved against the request URL.
    pub fn location(&self) -> &Url {
        &self.location
    }
}

/// What a cross-repository mount request did.
#[derive(Debug)]
pub enum MountOutcome {
    /// 201: the blob is now in the target repository; nothing to upload.
    Mounted,
    /// 202: the registry could not mount (source blob unknown, or not readable with our token)
    /// and opened an ordinary upload session instead.
    Upload(UploadSession),
}

/// A blob download whose body has not been read yet.
#[derive(Debug)]
pub struct BlobDownload {
    url: Url,
    content_length: Option<u64>,
    response: reqwest::Response,
}

impl BlobDownload {
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The length the registry announced, if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next piece of the body, `None` at its end. A connection cut mid-body is an
    /// [`RegistryError::Unreachable`] (retryable).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, RegistryError> {
        self.response.chunk().await.map_err(|e| RegistryError::unreachable(self.url.as_str(), &e))
    }
}

impl RegistryClient {
    fn blob_url(&self, repository: &RepositoryName, digest: &Digest) -> Url {
        self.url(&format!("v2/{repository}/blobs/{digest}"))
    }

    /// Whether two clients talk to the same registry (same base URL), so that blobs can be
    /// mounted from one repository into another instead of copied.
    pub fn is_same_registry(&self, other: &RegistryClient) -> bool {
        self.base_url() == other.base_url()
    }

    /// The per-request timeout this client was configured with.
    pub fn request_timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// `HEAD` a blob: its size if the repository has it, `None` if not.
    pub async fn blob_size(
        &self,
        repository: &RepositoryName,
        digest: &Digest,
    ) -> Result<Option<u64>, RegistryError> {
        let url = self.blob_url(repository, digest);
        let answer = self.execute(Op::BlobHead, repository.as_str(), url, None, None).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let answer = answer.error_for_status()?;
        Ok(Some(answer.header("content-length").and_then(|v| v.parse().ok()).unwrap_or_default()))
    }

    /// `GET` a blob, returning once the headers arrived; the body is read by the caller.
    pub async fn get_blob(
        &self,
        repository: &RepositoryName,
        digest: &Digest,
    ) -> Result<BlobDownload, RegistryError> {
        let url = self.blob_url(repository, digest);
        let scope = Op::BlobGet.scope(repository.as_str());
        let response = self.send(Op::BlobGet, &scope, &url, None, None, Some(TRANSFER_TIMEOUT)).await?;
        if !response.status().is_success() {
            return Err(status_error(&url, response).await);
        }
        // The final URL: the registry may redirect to its storage backend.
        let url = response.url().clone();
        let content_length = response.content_length();
        Ok(BlobDownload { url, content_length, response })
    }

    /// Mounts `digest` from repository `from` into `repository` (same registry). The token asks
    /// for push on the target and pull on the source in one request.
    pub async fn mount_blob(
        &self,
        repository: &RepositoryName,
        from: &RepositoryName,
        digest: &Digest,
    ) -> Result<MountOutcome, RegistryError> {
        let mut url = self.url(&format!("v2/{repository}/blobs/uploads/"));
        url.query_pairs_mut().append_pair("mount", digest.as_str()).append_pair("from", from.as_str());
        let scope = format!("{} repository:{from}:pull", Op::BlobMount.scope(repository.as_str()));
        let answer =
            self.execute_scoped(Op::BlobMount, &scope, url, None, None, Op::BlobMount.body_limit().1).await?;
        match answer.status {
            StatusCode::CREATED => Ok(MountOutcome::Mounted),
            StatusCode::ACCEPTED => Ok(MountOutcome::Upload(session(repository, &answer)?)),
            _ => Err(unexpected(answer, "201 Created or 202 Accepted")),
        }
    }

    /// Opens an upload session (`POST …/blobs/uploads/`).
    pub async fn start_upload(&self, repository: &RepositoryName) -> Result<UploadSession, RegistryError> {
        let url = self.url(&format!("v2/{repository}/blobs/uploads/"));
        let answer = self.execute(Op::BlobUploadStart, repository.as_str(), url, None, None).await?;
        if answer.status != StatusCode::ACCEPTED {
            return Err(unexpected(answer, "202 Accepted"));
        }
        session(repository, &answer)
    }

    /// Abandons an upload session (`DELETE <location>`), so the registry drops what it received.
    /// A session that is already gone counts as cancelled.
    pub async fn cancel_upload(&self, session: &UploadSession) -> Result<(), RegistryError> {
        let url = session.location.clone();
        let answer = self.execute(Op::BlobUploadCancel, session.repository.as_str(), url, None, None).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(());
        }
        answer.error_for_status().map(|_| ())
    }

    /// Completes an upload in one streamed `PUT <location>?digest=` of exactly `size` bytes. If
    /// `body` yields an error, the request is aborted mid-body and the registry commits nothing;
    /// it also refuses bytes that do not hash to `digest`.
    pub async fn finish_upload<S>(
        &self,
        session: &UploadSession,
        digest: &Digest,
        size: u64,
        body: S,
    ) -> Result<(), RegistryError>
    where
        S: TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        let inner = &self.inner;
        let mut url = session.location.clone();
        url.query_pairs_mut().append_pair("digest", digest.as_str());
        let scope = Op::BlobUploadPut.scope(session.repository.as_str());
        inner.outbound.check_url(&url).map_err(|refusal| RegistryError::refused(&url, refusal))?;
        let authorization = inner.auth.authorization(inner.token_client(), &scope).await?;
        let request = inner
            .http
            .put(url.clone())
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, size)
            .timeout(TRANSFER_TIMEOUT)
            .body(reqwest::Body::wrap_stream(body));
        let request = inner.authorize(request, &url, &authorization);
        inner.stats.count(Op::BlobUploadPut);
        let response = request.send().await.map_err(|e| RegistryError::unreachable(url.as_str(), &e))?;
        match response.status() {
            StatusCode::CREATED => Ok(()),
            StatusCode::UNAUTHORIZED => {
                // The body is gone, so no retry here; drop the refused token so a new attempt
                // (with a new session) asks for a fresh one.
                let header = response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok());
                let _ = inner
                    .auth
                    .on_unauthorized(url.as_str(), header, &authorization, &inner.credentials, &scope)
                    .await;
                Err(RegistryError::CredentialsRefused { url: url.to_string(), status: 401 })
            }
            _ => Err(status_error(&url, response).await),
        }
    }
}

/// The registry's error for a non-success answer, or a protocol error for a success we did not
/// expect.
fn unexpected(answer: Answer, expected: &str) -> RegistryError {
    let (url, status) = (answer.url.to_string(), answer.status);
    answer
        .error_for_status()
        .err()
        .unwrap_or(RegistryError::Protocol { url, reason: crate::msg!(RegExpectedStatus, expected, &status) })
}

/// The session a 202 named in `Location` (relative or absolute, resolved against the request).
fn session(repository: &RepositoryName, answer: &Answer) -> Result<UploadSession, RegistryError> {
    let request_url = &answer.url;
    let location = answer.header("location").ok_or_else(|| RegistryError::Protocol {
        url: request_url.to_string(),
        reason: crate::msg!(RegUploadNoLocation),
    })?;
    let location = request_url.join(location).map_err(|e| RegistryError::Protocol {
        url: request_url.to_string(),
        reason: crate::msg!(RegUploadLocationNotUrl, &format!("{location:?}"), &e),
    })?;
    Ok(UploadSession { repository: repository.clone(), location })
}
