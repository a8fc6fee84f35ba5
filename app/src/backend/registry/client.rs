use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use url::Url;

use super::auth::{Challenge, Credentials, fetch_token};
use super::{OciErrorBody, RegistryError};
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
}

/// A client for one registry. Cheap to clone (reqwest's pool is shared).
#[derive(Clone, Debug)]
pub struct RegistryClient {
    base: Url,
    http: reqwest::Client,
    credentials: Credentials,
}

/// What a `/v2/` ping learned: the auth scheme the registry asked for, and whether we got in.
#[derive(Debug)]
pub struct PingOutcome {
    pub auth: RegistryAuthMode,
    pub result: Result<(), RegistryError>,
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
            .danger_accept_invalid_certs(options.insecure);
        if let Some(path) = &options.ca_cert {
            let pem = std::fs::read(path).map_err(|e| RegistryError::Protocol {
                url: path.display().to_string(),
                reason: format!("cannot read REGISTRY_CA_CERT: {e}"),
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| RegistryError::Protocol {
                url: path.display().to_string(),
                reason: format!("REGISTRY_CA_CERT is not a PEM certificate bundle: {e}"),
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| RegistryError::Protocol {
            url: base.to_string(),
            reason: format!("cannot build the HTTP client: {e}"),
        })?;
        Ok(Self { base, http, credentials: options.credentials })
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub fn credentials_configured(&self) -> bool {
        self.credentials.is_configured()
    }

    fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("relative registry API paths always join")
    }

    /// `GET /v2/`: is the registry there, which auth does it ask for, and do our credentials work?
    pub async fn ping(&self) -> PingOutcome {
        let url = self.url("v2/");
        let anonymous = match self.http.get(url.clone()).send().await {
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
                    reason: "401 without a usable WWW-Authenticate header".to_owned(),
                }),
            };
        };
        match challenge.scheme.as_str() {
            "basic" => {
                let result = if self.credentials.is_configured() {
                    self.expect_ok(self.credentials.apply(self.http.get(url.clone())), &url).await
                } else {
                    Err(RegistryError::CredentialsRequired {
                        url: url.to_string(),
                        scheme: "Basic".to_owned(),
                    })
                };
                PingOutcome { auth: RegistryAuthMode::Basic, result }
            }
            "bearer" => {
                let result = match fetch_token(&self.http, &challenge, None, &self.credentials).await {
                    Ok(token) => self.expect_ok(self.http.get(url.clone()).bearer_auth(token), &url).await,
                    Err(e) => Err(e),
                };
                PingOutcome { auth: RegistryAuthMode::Bearer, result }
            }
            other => PingOutcome {
                auth: RegistryAuthMode::Unknown,
                result: Err(RegistryError::Protocol {
                    url: url.to_string(),
                    reason: format!("unsupported authentication scheme {other:?}"),
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

async fn status_error(url: &Url, response: reqwest::Response) -> RegistryError {
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    RegistryError::Status { url: url.to_string(), status, body: OciErrorBody::parse(&body) }
}
