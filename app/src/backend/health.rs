//! The health check behind `GET /api/health` and the status view.

use std::time::{SystemTime, UNIX_EPOCH};

use super::AppState;
use super::docker::detected_arch;
use crate::model::Health;

/// Asks the registry and the Docker daemon at once; either being down is reported, not raised.
/// Our own wording (why the registry or the daemon cannot be used, why GC is unavailable) is
/// rendered in `lang`; the registry's and the daemon's own reasons inside stay as they gave them.
pub async fn check(state: &AppState, lang: crate::ui::lang::Lang) -> Health {
    let (registry, docker) = tokio::join!(state.registry.ping(), state.docker.version());
    let host_machine = std::env::consts::ARCH.to_owned();
    let (gc_available, gc_unavailable_reason) = super::service::gc::availability(state);
    Health {
        registry_api_url: state.config.registry_api_url().to_string().trim_end_matches('/').to_owned(),
        registry_push_host: state.config.registry_push_host(),
        registry_healthy: registry.result.is_ok(),
        detected_arch: detected_arch(),
        registry_error: registry.result.err().map(|e| e.message().render(lang)),
        registry_auth: registry.auth,
        registry_credentials_configured: state.registry.credentials_configured(),
        docker_healthy: docker.is_ok(),
        docker_version: docker.as_ref().ok().map(|v| format!("{} (API {})", v.version, v.api_version)),
        docker_error: docker.err().map(|e| e.message().render(lang)),
        docker_host: state.docker.host().to_owned(),
        host_machine,
        checked_at_unix_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or_default(),
        registry_mode: state.config.registry_mode.as_str().to_owned(),
        gc_available,
        gc_method: super::service::gc::method(state).as_str().to_owned(),
        gc_unavailable_reason: gc_unavailable_reason.map(|reason| reason.render(lang)),
    }
}
