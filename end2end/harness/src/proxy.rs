//! A fault-injecting HTTP/1.1 reverse proxy in front of a real registry, for testing how clients
//! cope with rate limits, flaky servers, broken connections and corrupted bytes.
//!
//! [`FaultProxy`] listens on `127.0.0.1:<free port>` (an axum server on its own thread and
//! runtime, like the token endpoint, so it outlives any single `#[tokio::test]` runtime) and
//! forwards every request faithfully: method, path and query, headers, streamed bodies both
//! ways, status. `Location` headers that point at the upstream are rewritten to point at the
//! proxy, so upload sessions keep going through it. Faults ([`Fault`]) match a method and a
//! substring of the path (with query) and fire a set number of times; every request is logged
//! ([`FaultProxy::requests`]) with the fault it met, so tests can assert that retries happened.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{Stream, StreamExt};

use crate::serve::ThreadServer;

/// What a [`Fault`] does to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status (with `Retry-After: <seconds>` if set) and an OCI error body, without
    /// asking the registry.
    Status { status: u16, retry_after: Option<u64>, code: Option<String> },
    /// Forward, then send the headers and only the first `after_bytes` of the body, and close the
    /// connection (the client sees a body cut short of its `Content-Length`).
    CutBody { after_bytes: u64 },
    /// Forward, inverting the body byte at offset `at_byte` (the length stays the same).
    CorruptBody { at_byte: u64 },
}

/// A programmed fault: requests whose method is `method` (any method if empty) and whose path
/// and query contain `path_contains` meet `kind`, `times` times; then the fault is spent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub method: String,
    pub path_contains: String,
    pub kind: FaultKind,
    pub times: usize,
}

impl Fault {
    /// Answers `status` once instead of forwarding.
    pub fn status(method: &str, path_contains: &str, status: u16) -> Fault {
        Fault::new(method, path_contains, FaultKind::Status { status, retry_after: None, code: None })
    }

    /// Cuts the body once after `after_bytes`.
    pub fn cut_body(method: &str, path_contains: &str, after_bytes: u64) -> Fault {
        Fault::new(method, path_contains, FaultKind::CutBody { after_bytes })
    }

    /// Corrupts the body byte at `at_byte` once.
    pub fn corrupt_body(method: &str, path_contains: &str, at_byte: u64) -> Fault {
        Fault::new(method, path_contains, FaultKind::CorruptBody { at_byte })
    }

    fn new(method: &str, path_contains: &str, kind: FaultKind) -> Fault {
        Fault {
            method: method.to_ascii_uppercase(),
            path_contains: path_contains.to_string(),
            kind,
            times: 1,
        }
    }

    /// Fires `times` times instead of once.
    pub fn times(mut self, times: usize) -> Fault {
        self.times = times;
        self
    }

    /// For [`FaultKind::Status`]: send `Retry-After: <seconds>`.
    pub fn retry_after(mut self, seconds: u64) -> Fault {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    /// For [`FaultKind::Status`]: the registry error code in the body (default `TOOMANYREQUESTS`
    /// for 429, `UNAVAILABLE` otherwise).
    pub fn code(mut self, value: &str) -> Fault {
        if let FaultKind::Status { code, .. } = &mut self.kind {
            *code = Some(value.to_owned());
        }
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.times > 0
            && (self.method.is_empty() || self.method == method)
            && path.contains(&self.path_contains)
    }
}

/// One request that went through the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxiedRequest {
    pub method: String,
    /// Path and query, as the client sent them.
    pub path: String,
    /// The status the client got (injected, or the registry's; 502 if the registry was unreachable).
    pub status: u16,
    /// The fault it met, if any.
    pub fault: Option<FaultKind>,
}

struct Shared {
    /// `http://127.0.0.1:PORT` of the registry, no trailing slash.
    upstream: String,
    /// `http://127.0.0.1:PORT` of the proxy.
    public: String,
    client: reqwest::Client,
    faults: Mutex<Vec<Fault>>,
    log: Mutex<Vec<ProxiedRequest>>,
}

impl Shared {
    /// The first live fault matching the request, spending one of its times.
    fn take_fault(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut faults = self.faults.lock().expect("fault list lock");
        let fault = faults.iter_mut().find(|f| f.matches(method, path))?;
        fault.times -= 1;
        Some(fault.kind.clone())
    }

    fn record(&self, method: &str, path: &str, status: u16, fault: Option<FaultKind>) {
        let entry = ProxiedRequest { method: method.to_string(), path: path.to_string(), status, fault };
        self.log.lock().expect("request log lock").push(entry);
    }
}

/// The proxy; stopped on drop.
pub struct FaultProxy {
    server: ThreadServer,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("url", &self.url())
            .field("upstream", &self.shared.upstream)
            .finish()
    }
}

impl FaultProxy {
    /// A proxy for the plain-HTTP registry at `upstream` (e.g. [`crate::Registry::url`]).
    pub fn start(upstream: &str) -> Result<FaultProxy> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("building the proxy's HTTP client")?;
        let mut shared = None;
        let server = ThreadServer::start("proxy", |port| {
            let state = Arc::new(Shared {
                upstream: upstream.trim_end_matches('/').to_string(),
                public: format!("http://127.0.0.1:{port}"),
                client,
                faults: Mutex::new(Vec::new()),
                log: Mutex::new(Vec::new()),
            });
            shared = Some(state.clone());
            axum::Router::new().fallback(forward).with_state(state)
        })?;
        let shared = shared.expect("the app was built");
        Ok(FaultProxy { server, shared })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): use it as the registry URL.
    pub fn url(&self) -> String {
        self.shared.public.clone()
    }

    /// Adds a fault; faults are tried in the order they were added.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.lock().expect("fault list lock").push(fault);
    }

    /// How many times the programmed faults have yet to fire.
    pub fn pending_faults(&self) -> usize {
        self.shared.faults.lock().expect("fault list lock").iter().map(|f| f.times).sum()
    }

    pub fn clear_faults(&self) {
        self.shared.faults.lock().expect("fault list lock").clear();
    }

    /// Every request so far, in the order the proxy answered them.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        self.shared.log.lock().expect("request log lock").clone()
    }

    /// How many requests had this method (any if empty) and a path containing `path_contains`.
    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        let log = self.shared.log.lock().expect("request log lock");
        log.iter()
            .filter(|r| {
                (method.is_empty() || r.method.eq_ignore_ascii_case(method)) && r.path.contains(path_contains)
            })
            .count()
    }

    pub fn clear_log(&self) {
        self.shared.log.lock().expect("request log lock").clear();
    }
}

/// Headers that belong to one connection, not to the message (RFC 9110 §7.6.1), plus `Host`,
/// which must name the upstream.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
    )
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let fault = shared.take_fault(method.as_str(), &path);

    if let Some(FaultKind::Status { status, retry_after, code }) = &fault {
        shared.record(method.as_str(), &path, *status, fault.clone());
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({"errors": [{
            "code": code.as_deref().unwrap_or(if status == StatusCode::TOO_MANY_REQUESTS { "TOOMANYREQUESTS" } else { "UNAVAILABLE" }),
            "message": "injected by the rm-harness fault proxy",
        }]});
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
        }
        return response;
    }

    let url = format!("{}{}", shared.upstream, path);
    let mut upstream = shared.client.request(method.clone(), url);
    for (name, value) in request.headers() {
        if !is_hop_by_hop(name) {
            upstream = upstream.header(name, value);
        }
    }
    // A body only when the client sent one (a GET must not turn into a chunked request).
    let has_body = request.headers().contains_key(header::CONTENT_LENGTH)
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    if has_body {
        upstream = upstream.body(reqwest::Body::wrap_stream(request.into_body().into_data_stream()));
    }
    let answer = match upstream.send().await {
        Ok(answer) => answer,
        Err(e) => {
            shared.record(method.as_str(), &path, 502, fault);
            return (StatusCode::BAD_GATEWAY, format!("rm-harness proxy: the registry did not answer: {e}"))
                .into_response();
        }
    };
    let status = answer.status();
    let mut headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if is_hop_by_hop(name) {
            continue;
        }
        if name == header::LOCATION
            && let Ok(location) = value.to_str()
            && let Some(rest) = location.strip_prefix(&shared.upstream)
            && let Ok(rewritten) = HeaderValue::from_str(&format!("{}{rest}", shared.public))
        {
            headers.append(name, rewritten);
            continue;
        }
        headers.append(name, value.clone());
    }
    shared.record(method.as_str(), &path, status.as_u16(), fault.clone());
    let body = answer.bytes_stream().map(|chunk| chunk.map_err(std::io::Error::other));
    let body = match fault {
        Some(FaultKind::CutBody { after_bytes }) => Body::from_stream(cut_after(body, after_bytes)),
        Some(FaultKind::CorruptBody { at_byte }) => Body::from_stream(corrupt_at(body, at_byte)),
        _ => Body::from_stream(body),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

type ByteStream = std::pin::Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// The first `limit` bytes of `body`, then an error (which makes the server drop the connection).
fn cut_after(body: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static, limit: u64) -> ByteStream {
    enum Step {
        Forwarding(u64),
        Cut,
        Done,
    }
    let body: ByteStream = Box::pin(body);
    Box::pin(futures::stream::unfold((body, Step::Forwarding(0)), move |(mut body, step)| async move {
        match step {
            Step::Done => None,
            Step::Cut => {
                // hyper flushes what it has buffered only when the body stream is pending; without
                // this pause the error would drop the headers and the partial body unsent.
                tokio::time::sleep(Duration::from_millis(100)).await;
                let error = std::io::Error::other("connection cut by the rm-harness fault proxy");
                Some((Err(error), (body, Step::Done)))
            }
            Step::Forwarding(sent) => match body.next().await? {
                Ok(chunk) if sent + chunk.len() as u64 >= limit => {
                    Some((Ok(chunk.slice(..(limit - sent) as usize)), (body, Step::Cut)))
                }
                Ok(chunk) => {
                    let sent = sent + chunk.len() as u64;
                    Some((Ok(chunk), (body, Step::Forwarding(sent))))
                }
                Err(e) => Some((Err(e), (body, Step::Done))),
            },
        }
    }))
}

/// `body` with the byte at offset `at` inverted.
fn corrupt_at(body: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static, at: u64) -> ByteStream {
    let mut offset = 0u64;
    Box::pin(body.map(move |chunk| {
        let chunk = chunk?;
        let start = offset;
        offset += chunk.len() as u64;
        if (start..offset).contains(&at) {
            let mut bytes = chunk.to_vec();
            bytes[(at - start) as usize] ^= 0xff;
            return Ok(Bytes::from(bytes));
        }
        Ok(chunk)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(stream: ByteStream) -> (Vec<u8>, bool) {
        let mut bytes = Vec::new();
        let mut failed = false;
        let mut stream = stream;
        while let Some(item) = stream.next().await {
            match item {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(_) => failed = true,
            }
        }
        (bytes, failed)
    }

    fn chunks(parts: &[&'static [u8]]) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
        futures::stream::iter(parts.iter().map(|p| Ok(Bytes::from_static(p))).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn cutting_sends_exactly_the_first_bytes_then_fails() {
        let (bytes, failed) = collect(cut_after(chunks(&[b"abc", b"defg", b"hi"]), 5)).await;
        assert_eq!((bytes.as_slice(), failed), (&b"abcde"[..], true));
        let (bytes, failed) = collect(cut_after(chunks(&[b"abc"]), 10)).await;
        assert_eq!((bytes.as_slice(), failed), (&b"abc"[..], false), "a shorter body passes whole");
    }

    #[tokio::test]
    async fn corrupting_flips_one_byte_and_keeps_the_length() {
        let (bytes, failed) = collect(corrupt_at(chunks(&[b"abc", b"def"]), 4)).await;
        assert!(!failed);
        assert_eq!(bytes, [b'a', b'b', b'c', b'd', b'e' ^ 0xff, b'f']);
    }

    #[test]
    fn faults_match_method_and_path_and_are_spent() {
        let fault = Fault::status("get", "/blobs/", 503).times(2).retry_after(1);
        assert_eq!(fault.kind, FaultKind::Status { status: 503, retry_after: Some(1), code: None });
        assert!(
            fault.matches("GET", "/v2/a/blobs/sha256:1") && !fault.matches("HEAD", "/v2/a/blobs/sha256:1")
        );
        assert!(!fault.matches("GET", "/v2/a/manifests/v1"));
        assert!(Fault::cut_body("", "/x", 1).matches("PUT", "/x?y"), "an empty method matches any");
    }
}
