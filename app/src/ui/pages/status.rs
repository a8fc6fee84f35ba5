use leptos::prelude::*;

use super::PageHeader;
use crate::api::status::get_status;
use crate::model::{Health, RegistryAuthMode};
use crate::ui::components::{Badge, ErrorList, LocalTime, TimeStyle, Tone};
use crate::ui::format::rfc3339_utc;
use crate::ui::strings::strings;

/// Registry and Docker daemon health, with a button to check again.
#[component]
pub fn StatusPage() -> impl IntoView {
    let s = strings();
    let health = crate::ui::resource::resource(|| (), |_| get_status());
    view! {
        <section class="page">
            <PageHeader title=s.status_title intro=s.status_intro>
                <button type="button" class="button" on:click=move |_| health.refetch()>
                    {s.status_check_again}
                </button>
            </PageHeader>
            <Transition fallback=move || view! { <p class="muted">{s.loading}</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorList errors /> }>
                    {move || Suspend::new(async move { health.await.map(|h| view! { <HealthView health=h /> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

fn reachability(ok: bool) -> impl IntoView {
    let s = strings();
    if ok {
        view! { <Badge tone=Tone::Ok text=s.status_reachable /> }
    } else {
        view! { <Badge tone=Tone::Bad text=s.status_unreachable /> }
    }
}

/// How the registry asks for credentials, as the UI words it.
fn auth_mode(mode: RegistryAuthMode) -> &'static str {
    let s = strings();
    match mode {
        RegistryAuthMode::None => s.status_auth_none,
        RegistryAuthMode::Basic => s.status_auth_basic,
        RegistryAuthMode::Bearer => s.status_auth_bearer,
        RegistryAuthMode::Unknown => s.status_auth_unknown,
    }
}

/// The three status cards.
#[component]
fn HealthView(health: Health) -> impl IntoView {
    let s = strings();
    let credentials = if health.registry_credentials_configured {
        s.status_credentials_set
    } else {
        s.status_credentials_unset
    };
    let mode =
        if health.registry_mode == "embedded" { s.status_mode_embedded } else { s.status_mode_external };
    let gc = match (health.gc_available, health.gc_method.as_str()) {
        (false, _) => s.status_gc_unavailable,
        (true, "container") => s.status_gc_container,
        (true, "host") => s.status_gc_host,
        (true, _) => s.status_gc_available,
    };
    view! {
        <p class="muted checked-at">{s.status_checked_at} " " <LocalTime at=rfc3339_utc(health.checked_at_unix_ms as i64) style=TimeStyle::ClockMillis /></p>
        <div class="cards">
            <section class="card" aria-label=s.status_registry>
                <h2>{s.status_registry} " " {reachability(health.registry_healthy)}</h2>
                <dl>
                    <dt>{s.status_api_url}</dt>
                    <dd><code>{health.registry_api_url}</code></dd>
                    <dt>{s.status_push_host}</dt>
                    <dd><code>{health.registry_push_host}</code></dd>
                    <dt>{s.status_auth_mode}</dt>
                    <dd>{auth_mode(health.registry_auth)}</dd>
                    <dt>{s.status_credentials}</dt>
                    <dd>{credentials}</dd>
                    <dt>{s.status_registry_mode}</dt>
                    <dd data-testid="registry-mode">{mode}</dd>
                    <dt>{s.status_gc}</dt>
                    <dd data-testid="gc-availability">{gc}</dd>
                    {health.registry_error.map(|e| view! { <dt>{s.status_reason}</dt><dd class="reason">{e}</dd> })}
                </dl>
            </section>
            <section class="card" aria-label=s.status_docker>
                <h2>{s.status_docker} " " {reachability(health.docker_healthy)}</h2>
                <dl>
                    <dt>{s.status_docker_host}</dt>
                    <dd><code>{health.docker_host}</code></dd>
                    {health.docker_version.map(|v| view! { <dt>{s.status_docker_version}</dt><dd>{v}</dd> })}
                    {health.docker_error.map(|e| view! { <dt>{s.status_reason}</dt><dd class="reason">{e}</dd> })}
                </dl>
            </section>
            <section class="card" aria-label=s.status_host>
                <h2>{s.status_host}</h2>
                <dl>
                    <dt>{s.status_detected_arch}</dt>
                    <dd><code>{health.detected_arch}</code></dd>
                    <dt>{s.status_host_machine}</dt>
                    <dd><code>{health.host_machine}</code></dd>
                </dl>
            </section>
        </div>
    }
}
