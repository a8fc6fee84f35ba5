//! Push and pull, as streams of typed progress events.
//!
//! Pull goes through bollard (`POST /images/create`). Push does not: bollard 0.21's
//! `PushImageInfo` has no `id` field, so the daemon's per-layer progress lines could not be told
//! apart. The push request is the same Engine API call (`POST /v1.xx/images/{name}/push`, with
//! `X-Registry-Auth`), sent with reqwest over the daemon's socket at the version bollard
//! negotiated, and its newline-delimited JSON is read here.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use bollard::query_parameters::CreateImageOptionsBuilder;
use futures::{Stream, StreamExt as _};
use serde::Deserialize;

use super::images::{repo_and_tag, split_reference};
use super::{DockerAction, DockerClient, DockerError};
use crate::backend::error_text::error_chain;
use crate::backend::registry::Credentials;
use crate::backend::registry::reference::ImageReference;
use crate::model::Message;

/// Credentials the daemon passes on to a registry (`X-Registry-Auth`). Never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RegistryAuth {
    pub username: String,
    pub password: String,
    /// The registry host (`127.0.0.1:5000`).
    pub server_address: String,
}

impl fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryAuth")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("server_address", &self.server_address)
            .finish()
    }
}

impl RegistryAuth {
    /// Basic credentials for `host`; anonymous means none (the daemon then asks anonymously and
    /// follows token challenges by itself).
    pub fn for_host(credentials: &Credentials, host: &str) -> Option<Self> {
        match credentials {
            Credentials::Anonymous => None,
            Credentials::Basic { username, password } => Some(Self {
                username: username.clone(),
                password: password.expose().to_owned(),
                server_address: host.to_owned(),
            }),
        }
    }

    /// The header value: base64url of the JSON auth config. `{}` when anonymous: some daemon
    /// versions refuse a push without the header.
    fn header(auth: Option<&Self>) -> String {
        let json = match auth {
            Some(a) => serde_json::json!({
                "username": a.username,
                "password": a.password,
                "serveraddress": a.server_address,
            }),
            None => serde_json::json!({}),
        };
        base64::engine::general_purpose::URL_SAFE.encode(json.to_string())
    }

    fn bollard(&self) -> bollard::auth::DockerCredentials {
        bollard::auth::DockerCredentials {
            username: Some(self.username.clone()),
            password: Some(self.password.clone()),
            serveraddress: Some(self.server_address.clone()),
            ..Default::default()
        }
    }
}

/// One step of a push or pull.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferEvent {
    /// A layer's state (`Pushing`, `Pushed`, `Layer already exists`, `Downloading`, …) and, while
    /// it moves, its bytes so far of `total`.
    Layer { id: String, status: String, current: Option<u64>, total: Option<u64> },
    /// A line about the whole image (`The push refers to repository …`).
    Status(String),
    /// The manifest digest the registry now serves for the pushed (or pulled) tag.
    Digest(String),
}

/// Per-layer bytes → deltas for the job's byte counters (which only add). A layer counts once,
/// by the largest `total` seen; `current` never moves backwards; a finished layer counts whole.
#[derive(Debug, Default)]
pub struct LayerBytes {
    layers: HashMap<String, (u64, u64)>,
}

impl LayerBytes {
    /// Applies one event; returns `(total added, done added)`.
    pub fn update(&mut self, event: &TransferEvent) -> (u64, u64) {
        let TransferEvent::Layer { id, status, current, total } = event else { return (0, 0) };
        let (done, known) = self.layers.entry(id.clone()).or_default();
        let (before_done, before_known) = (*done, *known);
        if let Some(total) = total.filter(|t| *t > 0) {
            *known = (*known).max(total);
        }
        let finished = matches!(
            status.as_str(),
            "Pushed" | "Layer already exists" | "Download complete" | "Pull complete" | "Already exists"
        );
        if finished {
            *done = *known;
        } else if let Some(current) = current {
            *done = (*done).max((*current).min(*known));
        }
        (*known - before_known, done.saturating_sub(before_done))
    }

    /// Bytes known so far, over all layers.
    pub fn total(&self) -> u64 {
        self.layers.values().map(|(_, total)| total).sum()
    }
}

#[derive(Deserialize)]
struct WireLine {
    id: Option<String>,
    status: Option<String>,
    #[serde(rename = "progressDetail")]
    progress_detail: Option<WireProgress>,
    error: Option<String>,
    #[serde(rename = "errorDetail")]
    error_detail: Option<WireError>,
    aux: Option<WireAux>,
}

#[derive(Deserialize)]
struct WireProgress {
    current: Option<i64>,
    total: Option<i64>,
}

#[derive(Deserialize)]
struct WireError {
    message: Option<String>,
}

#[derive(Deserialize)]
struct WireAux {
    #[serde(rename = "Digest")]
    digest: Option<String>,
}

/// `v1: digest: sha256:… size: 528`, the status line a push ends with.
fn digest_in_status(status: &str) -> Option<String> {
    let rest = status.split_once("digest: ")?.1;
    let digest = rest.split_whitespace().next()?;
    digest.starts_with("sha256:").then(|| digest.to_owned())
}

fn event(
    id: Option<String>,
    status: Option<String>,
    current: Option<i64>,
    total: Option<i64>,
) -> Option<TransferEvent> {
    let status = status.unwrap_or_default();
    let positive = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).filter(|v| *v > 0);
    match id.filter(|id| !id.is_empty()) {
        // Pull lines name the tag as their id (`v1: Pulling from …`); layers have hex ids.
        Some(id) if id.chars().all(|c| c.is_ascii_hexdigit()) => {
            Some(TransferEvent::Layer { id, status, current: positive(current), total: positive(total) })
        }
        _ if status.is_empty() => None,
        _ => Some(digest_in_status(&status).map_or(TransferEvent::Status(status), TransferEvent::Digest)),
    }
}

/// One line of the daemon's progress stream: an event, nothing (blank or unknown), or the
/// error the daemon reported in-band.
fn parse_line(line: &[u8]) -> Result<Option<TransferEvent>, Message> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return Ok(None);
    }
    let wire: WireLine =
        serde_json::from_slice(line).map_err(|e| crate::msg!(DockerProgressUnreadable, &e))?;
    if let Some(message) = wire.error_detail.and_then(|e| e.message).or(wire.error) {
        return Err(message.into());
    }
    if let Some(digest) = wire.aux.and_then(|a| a.digest) {
        return Ok(Some(TransferEvent::Digest(digest)));
    }
    let (current, total) = wire.progress_detail.map_or((None, None), |p| (p.current, p.total));
    Ok(event(wire.id, wire.status, current, total))
}

/// Splits a byte stream into lines.
fn lines<S, E>(bytes: S) -> impl Stream<Item = Result<Vec<u8>, E>> + Send
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Send + Unpin,
    E: Send,
{
    futures::stream::unfold((bytes, Vec::new(), false), |(mut bytes, mut buffer, mut ended)| async move {
        loop {
            if let Some(end) = buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buffer.drain(..=end).collect();
                return Some((Ok(line), (bytes, buffer, ended)));
            }
            if ended {
                if buffer.is_empty() {
                    return None;
                }
                let line = std::mem::take(&mut buffer);
                return Some((Ok(line), (bytes, buffer, ended)));
            }
            match bytes.next().await {
                Some(Ok(chunk)) => buffer.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    ended = true;
                    buffer.clear();
                    return Some((Err(e), (bytes, buffer, ended)));
                }
                None => ended = true,
            }
        }
    })
}

/// A boxed stream of transfer events.
pub type Transfer = std::pin::Pin<Box<dyn Stream<Item = Result<TransferEvent, DockerError>> + Send>>;

impl DockerClient {
    /// `docker push target`. Answers once the daemon has accepted the request; the stream then
    /// reports each layer and ends with the [`TransferEvent::Digest`] the registry serves, or with
    /// the daemon's in-band error. Dropping the stream closes the connection, which makes the
    /// daemon stop the push.
    pub async fn push(
        &self,
        target: &ImageReference,
        auth: Option<&RegistryAuth>,
    ) -> Result<Transfer, DockerError> {
        let version = self.client().await?.client_version();
        let reference = &target.to_string();
        let (name, tag) = repo_and_tag(target);
        let (client, base) = if let Some(path) = self.host.strip_prefix("unix://") {
            (reqwest::Client::builder().unix_socket(path), "http://docker".to_owned())
        } else {
            let address = self.host.trim_start_matches("tcp://").trim_start_matches("http://");
            (reqwest::Client::builder(), format!("http://{address}"))
        };
        let client = client
            .connect_timeout(std::time::Duration::from_secs(self.timeout_secs))
            .build()
            .map_err(|e| self.unavailable(error_chain(&e)))?;
        let mut url = url::Url::parse(&format!(
            "{base}/v{}.{}/images/{name}/push",
            version.major_version, version.minor_version
        ))
        .map_err(|e| DockerError::Refused {
            action: DockerAction::Push(reference.to_owned()),
            status: 400,
            message: e.to_string(),
        })?;
        url.query_pairs_mut().append_pair("tag", tag);
        let action = DockerAction::Push(reference.to_owned());
        let response = client
            .post(url)
            .header("X-Registry-Auth", RegistryAuth::header(auth))
            .header("Content-Type", "application/json")
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(e) => {
                self.forget().await;
                return Err(self.unavailable(error_chain(&e)));
            }
        };
        let status = response.status().as_u16();
        if status >= 300 {
            let body = response.text().await.unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or(body);
            return Err(if status == 404 {
                DockerError::NotFound { reference: reference.to_owned(), message }
            } else {
                DockerError::Refused { action, status, message }
            });
        }
        let host = self.host.clone();
        let events = lines(response.bytes_stream()).filter_map(move |line| {
            let action = action.clone();
            let host = host.clone();
            async move {
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        return Some(Err(DockerError::Unavailable {
                            host,
                            reason: crate::msg!(DockerPushStreamBroke, error_chain(&e)),
                        }));
                    }
                };
                match parse_line(&line) {
                    Ok(event) => event.map(Ok),
                    Err(message) => Some(Err(DockerError::Transfer { action, message })),
                }
            }
        });
        Ok(Box::pin(events))
    }

    /// `docker pull reference` (`host/repo:tag` or `host/repo@sha256:…`), for one `platform`
    /// (`os/arch[/variant]`) or the daemon's own.
    pub async fn pull(
        &self,
        reference: &str,
        platform: Option<&str>,
        auth: Option<&RegistryAuth>,
    ) -> Result<Transfer, DockerError> {
        let docker = self.client().await?;
        let (name, tag) = match reference.split_once('@') {
            Some((name, digest)) => (name, digest),
            None => split_reference(reference),
        };
        let mut options = CreateImageOptionsBuilder::new().from_image(name).tag(tag);
        if let Some(platform) = platform {
            options = options.platform(platform);
        }
        let action = DockerAction::Pull(reference.to_owned());
        let host = self.host.clone();
        let stream = docker.create_image(Some(options.build()), None, auth.map(RegistryAuth::bollard));
        let events = stream.filter_map(move |info| {
            let action = action.clone();
            let host = host.clone();
            async move {
                use bollard::errors::Error as E;
                match info {
                    Ok(info) => {
                        if let Some(message) = info.error_detail.and_then(|e| e.message) {
                            return Some(Err(DockerError::Transfer { action, message: message.into() }));
                        }
                        let (current, total) =
                            info.progress_detail.map_or((None, None), |p| (p.current, p.total));
                        event(info.id, info.status, current, total).map(Ok)
                    }
                    Err(
                        E::DockerResponseServerError { message, .. }
                        | E::DockerStreamError { error: message },
                    ) => Some(Err(DockerError::Transfer { action, message: message.into() })),
                    Err(other) => {
                        Some(Err(DockerError::Unavailable { host, reason: error_chain(&other).into() }))
                    }
                }
            }
        });
        Ok(Box::pin(events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(id: &str, status: &str, current: Option<u64>, total: Option<u64>) -> TransferEvent {
        TransferEvent::Layer { id: id.into(), status: status.into(), current, total }
    }

    #[test]
    fn push_lines_become_typed_events() {
        let cases: &[(&str, Result<Option<TransferEvent>, Message>)] = &[
            (
                r#"{"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"[=> ]","id":"5f70bf18a086"}"#,
                Ok(Some(layer("5f70bf18a086", "Pushing", Some(512), Some(2048)))),
            ),
            (
                r#"{"status":"Layer already exists","progressDetail":{},"id":"aa11"}"#,
                Ok(Some(layer("aa11", "Layer already exists", None, None))),
            ),
            (
                r#"{"status":"The push refers to repository [127.0.0.1:5000/app]"}"#,
                Ok(Some(TransferEvent::Status("The push refers to repository [127.0.0.1:5000/app]".into()))),
            ),
            (
                r#"{"status":"v1: digest: sha256:abcd size: 528"}"#,
                Ok(Some(TransferEvent::Digest("sha256:abcd".into()))),
            ),
            (
                r#"{"progress":"","aux":{"Tag":"v1","Digest":"sha256:abcd","Size":528}}"#,
                Ok(Some(TransferEvent::Digest("sha256:abcd".into()))),
            ),
            (
                r#"{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}"#,
                Err("unauthorized: authentication required".into()),
            ),
            // Pull names the tag as the line's id: that is about the image, not a layer.
            (
                r#"{"status":"Pulling from team/app","id":"v1"}"#,
                Ok(Some(TransferEvent::Status("Pulling from team/app".into()))),
            ),
            ("  \r", Ok(None)),
        ];
        for (line, expected) in cases {
            assert_eq!(&parse_line(line.as_bytes()), expected, "{line}");
        }
        assert!(parse_line(b"not json").unwrap_err().contains("unreadable"));
    }

    #[test]
    fn layer_bytes_add_up_without_counting_twice() {
        let mut bytes = LayerBytes::default();
        assert_eq!(bytes.update(&layer("a", "Preparing", None, None)), (0, 0));
        assert_eq!(bytes.update(&layer("a", "Pushing", Some(100), Some(1000))), (1000, 100));
        assert_eq!(bytes.update(&layer("b", "Pushing", Some(50), Some(500))), (500, 50));
        assert_eq!(bytes.update(&layer("a", "Pushing", Some(600), Some(1000))), (0, 500));
        // A restart of the layer (current falls) does not take bytes back.
        assert_eq!(bytes.update(&layer("a", "Pushing", Some(10), Some(1000))), (0, 0));
        // Progress past the total is capped; finishing counts the rest.
        assert_eq!(bytes.update(&layer("b", "Pushing", Some(9000), Some(500))), (0, 450));
        assert_eq!(bytes.update(&layer("a", "Pushed", None, None)), (0, 400));
        assert_eq!(bytes.update(&layer("a", "Pushed", None, None)), (0, 0));
        // Layers the registry already has cost nothing.
        assert_eq!(bytes.update(&layer("c", "Layer already exists", None, None)), (0, 0));
        assert_eq!(bytes.update(&TransferEvent::Digest("sha256:x".into())), (0, 0));
        assert_eq!(bytes.total(), 1500);
    }

    #[test]
    fn auth_headers_are_base64url_json_and_never_print_the_password() {
        let credentials = Credentials::Basic {
            username: "alice".into(),
            password: crate::backend::config::Secret::new("s3cret?>"),
        };
        let auth = RegistryAuth::for_host(&credentials, "127.0.0.1:5000").unwrap();
        assert!(!format!("{auth:?}").contains("s3cret"));
        let header = RegistryAuth::header(Some(&auth));
        let json: serde_json::Value =
            serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE.decode(header).unwrap())
                .unwrap();
        assert_eq!(json["username"], "alice");
        assert_eq!(json["password"], "s3cret?>");
        assert_eq!(json["serveraddress"], "127.0.0.1:5000");
        assert_eq!(RegistryAuth::header(None), "e30=");
        assert!(RegistryAuth::for_host(&Credentials::Anonymous, "h").is_none());
    }

    #[tokio::test]
    async fn lines_are_split_across_chunks() {
        let chunks: Vec<Result<bytes::Bytes, ()>> =
            vec![Ok("{\"a\":1}\n{\"b\"".into()), Ok(":2}\n\n{\"c\":3}".into())];
        let got: Vec<Vec<u8>> = lines(futures::stream::iter(chunks)).map(|l| l.unwrap()).collect().await;
        let got: Vec<&str> = got.iter().map(|l| std::str::from_utf8(l).unwrap().trim()).collect();
        assert_eq!(got, ["{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"]);
    }
}
