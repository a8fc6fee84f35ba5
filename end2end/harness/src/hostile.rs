//! A hostile "registry": an axum server on 127.0.0.1 that answers the registry API the way an
//! attacker's sync source would, to test the app's outbound policy and size caps
//! (issue 11). It is not a registry (a real one cannot misbehave on purpose); it serves only what
//! each [`Behaviour`] needs, and records every request it gets ([`HostileRegistry::requests`]),
//! with whether it carried credentials, so tests can assert that nothing (or no secret) arrived.
//!
//! Everything stays on loopback: "another host" is `localhost` against `127.0.0.1`, and "another
//! address" is another port.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest as _, Sha256};

use crate::serve::ThreadServer;

/// What the hostile registry does. `/v2/` always answers 200 unless the behaviour says otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers 404 to everything but `/v2/`: a place to point redirects at and count arrivals.
    Recorder,
    /// Manifest requests answer `307 Temporary Redirect` to `location`.
    RedirectManifests { location: String },
    /// Every API request answers 401 with a Bearer challenge whose realm is this server named
    /// `localhost` (`http://localhost:PORT/token`): another host than `127.0.0.1`. The realm
    /// answers a token to whoever asks, and records whether credentials came with the request.
    TokenRealmOnOtherHost,
    /// Manifest GETs answer 200 with a body that never ends (no `Content-Length`).
    EndlessManifest,
    /// A small image manifest whose config blob (descriptor size [`HUGE_CONFIG_DESCRIPTOR_SIZE`])
    /// answers `Content-Length: 5000000000` and streams zeros.
    HugeConfig,
    /// Names what the spec does not allow: the tag list has names that are not tags
    /// ([`OFF_SPEC_TAGS`]; only `v1` is one), and every manifest `HEAD`/`GET` answers 200 with
    /// `Docker-Content-Digest: not-a-digest`.
    OffSpecNames,
}

/// The tag list [`Behaviour::OffSpecNames`] serves.
pub const OFF_SPEC_TAGS: [&str; 3] = ["v1", "bad tag", ".hidden"];

/// The config size the [`Behaviour::HugeConfig`] manifest names.
pub const HUGE_CONFIG_DESCRIPTOR_SIZE: u64 = 1234;
/// The `Content-Length` its config blob announces: 5 GB.
pub const HUGE_CONFIG_LENGTH: u64 = 5_000_000_000;

/// One request the hostile registry got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostileRequest {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The `Host` header.
    pub host: String,
    /// Whether an `Authorization` header came with it.
    pub authorization: bool,
}

struct Shared {
    behaviour: Behaviour,
    port: u16,
    log: Mutex<Vec<HostileRequest>>,
    /// Bytes of never-ending bodies handed to the connection so far.
    streamed: AtomicU64,
}

/// The server; stopped (its connections with it) on drop.
pub struct HostileRegistry {
    server: ThreadServer,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HostileRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostileRegistry")
            .field("host", &self.host())
            .field("behaviour", &self.shared.behaviour)
            .finish()
    }
}

impl HostileRegistry {
    pub fn start(behaviour: Behaviour) -> Result<HostileRegistry> {
        let mut shared = None;
        let server = ThreadServer::start("hostile", |port| {
            let state = Arc::new(Shared {
                behaviour,
                port,
                log: Mutex::new(Vec::new()),
                streamed: AtomicU64::new(0),
            });
            shared = Some(state.clone());
            axum::Router::new().fallback(answer).with_state(state)
        })?;
        Ok(HostileRegistry { server, shared: shared.expect("the app was built") })
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `127.0.0.1:PORT`, as an image reference names it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port())
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.host())
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<HostileRequest> {
        self.shared.log.lock().expect("request log lock").clone()
    }

    /// Bytes of endless bodies (manifest or config) handed to connections so far.
    pub fn streamed_bytes(&self) -> u64 {
        self.shared.streamed.load(Ordering::Relaxed)
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let authorization = headers.contains_key(header::AUTHORIZATION);
    shared.log.lock().expect("request log lock").push(HostileRequest {
        method: method.clone(),
        path: path.clone(),
        host,
        authorization,
    });
    let is_manifest = path.contains("/manifests/");
    match &shared.behaviour {
        Behaviour::TokenRealmOnOtherHost if path.starts_with("/token") => {
            axum::Json(serde_json::json!({"token": "hostile-token", "expires_in": 300})).into_response()
        }
        Behaviour::TokenRealmOnOtherHost => {
            let challenge =
                format!(r#"Bearer realm="http://localhost:{}/token",service="hostile""#, shared.port);
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_str(&challenge).unwrap());
            response
        }
        _ if path == "/v2/" => StatusCode::OK.into_response(),
        Behaviour::RedirectManifests { location } if is_manifest => {
            let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
            response.headers_mut().insert(header::LOCATION, HeaderValue::from_str(location).unwrap());
            response
        }
        Behaviour::EndlessManifest if is_manifest => {
            let mut response =
                Body::from_stream(endless(shared.clone(), b"{\"schemaVersion\":2,\"x\":\"")).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.oci.image.manifest.v1+json"),
            );
            response
        }
        Behaviour::HugeConfig if is_manifest => {
            let (manifest, _) = huge_config_manifest();
            let digest = format!("sha256:{}", hex::encode(Sha256::digest(&manifest)));
            let mut response = manifest.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.oci.image.manifest.v1+json"),
            );
            headers.insert("docker-content-digest", HeaderValue::from_str(&digest).unwrap());
            response
        }
        Behaviour::HugeConfig if path.contains("/blobs/") => {
            let mut response = Body::from_stream(endless(shared.clone(), b"")).into_response();
            response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(HUGE_CONFIG_LENGTH));
            response
        }
        Behaviour::OffSpecNames if path.contains("/tags/list") => {
            axum::Json(serde_json::json!({"name": "off/spec", "tags": OFF_SPEC_TAGS})).into_response()
        }
        Behaviour::OffSpecNames if is_manifest => {
            let mut response =
                br#"{"schemaVersion":2,"config":{"digest":"x","size":1},"layers":[]}"#.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/vnd.oci.image.manifest.v1+json"),
            );
            headers.insert("docker-content-digest", HeaderValue::from_static("not-a-digest"));
            response
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The [`Behaviour::HugeConfig`] manifest, and its config digest.
fn huge_config_manifest() -> (Vec<u8>, String) {
    let config = format!("sha256:{}", "c".repeat(64));
    let layer = format!("sha256:{}", "d".repeat(64));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": HUGE_CONFIG_DESCRIPTOR_SIZE},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": 10}],
    });
    (serde_json::to_vec(&manifest).expect("JSON"), config)
}

/// `prefix`, then 64 KiB chunks of `a` forever (a little pause every 16 chunks, so a client that
/// keeps reading gets about 100 MB/s and the test machine stays usable).
fn endless(
    shared: Arc<Shared>,
    prefix: &'static [u8],
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let chunk = Bytes::from(vec![b'a'; 64 << 10]);
    futures::stream::unfold((0u64, shared), move |(n, shared)| {
        let chunk = if n == 0 && !prefix.is_empty() { Bytes::from_static(prefix) } else { chunk.clone() };
        async move {
            if n % 16 == 15 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            shared.streamed.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            Some((Ok(chunk), (n + 1, shared)))
        }
    })
}
