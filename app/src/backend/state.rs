//! Application state, built once at start-up and shared by REST handlers and server functions.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::access::{Operation, Policy};
use super::config::Config;
use super::docker::DockerClient;
use super::registry::{Credentials, RegistryClient, RegistryClientOptions, RegistryError};
use crate::model::AppError;

/// Everything a request needs. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub registry: RegistryClient,
    pub docker: Arc<DockerClient>,
}

impl AppState {
    pub fn new(config: Config, leptos_options: LeptosOptions) -> Result<Self, RegistryError> {
        let credentials = match (&config.registry_username, &config.registry_password) {
            (Some(username), Some(password)) => {
                Credentials::Basic { username: username.clone(), password: password.clone() }
            }
            _ => Credentials::Anonymous,
        };
        let registry = RegistryClient::new(RegistryClientOptions {
            base_url: config.registry_api_url.clone(),
            credentials,
            timeout: Duration::from_secs(config.request_timeout_sec),
            ca_cert: config.registry_ca_cert.clone(),
            insecure: config.registry_insecure,
        })?;
        let docker = Arc::new(DockerClient::new(config.docker_host.as_deref(), config.request_timeout_sec));
        Ok(Self { leptos_options, config: Arc::new(config), registry, docker })
    }

    /// The single gate for every change; see [`super::access`].
    pub fn authorize(&self, operation: Operation) -> Result<(), AppError> {
        Policy { read_only: self.config.read_only }.check(operation)
    }
}
