//! The header's health light: whether the registry and the Docker daemon answer, asked again
//! every [`INTERVAL`] through the status view's own server function (`get_status`), with the
//! reason on hover (`title`) and on click (a small panel that Escape closes).
//!
//! Asked from the browser only, after hydration: the server renders "Checking…", so no page
//! waits for a registry round trip and the first paint hydrates as it was rendered. A check is
//! skipped while the tab is hidden or while the previous one is still on its way, so a slow
//! registry never piles requests up; showing the tab again checks at once.

use leptos::prelude::*;

use crate::model::{AppError, Health};
use crate::ui::components::{LocalTime, TimeStyle};
use crate::ui::strings::{fill, strings};

/// How often the light asks again.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// What the light shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// No answer yet.
    Checking,
    /// Registry and daemon answer.
    Ok,
    /// The registry answers, the daemon does not: only local images are affected.
    Degraded,
    /// The registry does not answer, or the server itself did not.
    Down,
}

impl Level {
    /// The machine value (`data-health`, and the CSS class of the dot).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Ok => "ok",
            Self::Degraded => "degraded",
            Self::Down => "down",
        }
    }
}

/// The level, the short label and the reasons (one line each) for a check's outcome.
pub fn describe(outcome: Option<&Result<Health, AppError>>) -> (Level, &'static str, Vec<String>) {
    let s = strings();
    let Some(outcome) = outcome else { return (Level::Checking, s.health_checking, Vec::new()) };
    let health = match outcome {
        Ok(health) => health,
        Err(error) => return (Level::Down, s.health_no_answer, vec![error.to_string()]),
    };
    let mut reasons = Vec::new();
    if !health.registry_healthy {
        let why = health.registry_error.as_deref().unwrap_or(s.status_unreachable);
        reasons.push(fill(s.health_registry_reason, &[&why]));
    }
    if !health.docker_healthy {
        let why = health.docker_error.as_deref().unwrap_or(s.status_unreachable);
        reasons.push(fill(s.health_docker_reason, &[&why]));
    }
    let (level, label) = match (health.registry_healthy, health.docker_healthy) {
        (true, true) => (Level::Ok, s.health_ok),
        (true, false) => (Level::Degraded, s.health_docker_down),
        (false, true) => (Level::Down, s.health_registry_down),
        (false, false) => (Level::Down, s.health_both_down),
    };
    if reasons.is_empty() {
        reasons.push(s.health_all_reachable.to_owned());
    }
    (level, label, reasons)
}

/// The light and its panel. A `<button>`, so it is reached and opened by keyboard too.
#[component]
pub fn HealthIndicator() -> impl IntoView {
    let s = strings();
    let outcome = RwSignal::new(None::<Result<Health, AppError>>);
    let open = RwSignal::new(false);
    poll(outcome);
    let described = Memo::new(move |_| outcome.with(|o| describe(o.as_ref())));
    let level = move || described.with(|(level, _, _)| level.as_str());
    let label = move || described.with(|(_, label, _)| *label);
    let reasons = move || described.with(|(_, _, reasons)| reasons.clone());
    let checked_at = move || {
        outcome.with(|o| match o {
            Some(Ok(health)) => Some(crate::format::rfc3339_utc(health.checked_at_unix_ms as i64)),
            _ => None,
        })
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.stop_propagation();
            open.set(false);
        }
    };
    view! {
        <div class="health" on:keydown=on_keydown>
            <button
                type="button"
                class="health-button"
                data-testid="health-indicator"
                data-health=level
                aria-label=move || format!("{}: {}", s.health_label, label())
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="health-details"
                title=move || reasons().join("\n")
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class=move || format!("health-dot health-{}", level()) aria-hidden="true"></span>
                <span class="health-text">{label}</span>
            </button>
            <Show when=move || open.get()>
                <div id="health-details" class="health-details" data-testid="health-details">
                    <ul class="plain">
                        {move || reasons().into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                    {move || checked_at().map(|at| view! {
                        <p class="muted">{s.status_checked_at} " " <LocalTime at style=TimeStyle::Clock /></p>
                    })}
                    <a href="/status" on:click=move |_| open.set(false)>{s.health_details}</a>
                </div>
            </Show>
        </div>
    }
}

/// Asks now (once hydrated), then every [`INTERVAL`] while the tab is visible, and again when it
/// becomes visible; never while an answer is awaited. Browser only.
fn poll(outcome: RwSignal<Option<Result<Health, AppError>>>) {
    #[cfg(feature = "hydrate")]
    {
        let in_flight = StoredValue::new(false);
        let check = move || {
            let hidden = document().hidden();
            if hidden || in_flight.try_get_value().unwrap_or(true) {
                return;
            }
            in_flight.set_value(true);
            leptos::task::spawn_local(async move {
                let answer = crate::api::status::get_status().await;
                // The header may be gone (signed out) by the time the answer comes.
                let _ = outcome.try_set(Some(answer));
                let _ = in_flight.try_update_value(|busy| *busy = false);
            });
        };
        Effect::new(move |_| check());
        let interval = set_interval_with_handle(check, INTERVAL).ok();
        let visible = window_event_listener_untyped("visibilitychange", move |_| check());
        on_cleanup(move || {
            if let Some(interval) = interval {
                interval.clear();
            }
            visible.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = outcome;
}

#[cfg(test)]
mod tests {
    use super::{Level, describe};
    use crate::model::{AppError, Health, RegistryAuthMode};

    fn health(registry: bool, docker: bool) -> Health {
        Health {
            registry_api_url: "http://127.0.0.1:5000".to_owned(),
            registry_push_host: "127.0.0.1:5000".to_owned(),
            registry_healthy: registry,
            detected_arch: "x86".to_owned(),
            registry_error: (!registry).then(|| "cannot reach the registry: connection refused".to_owned()),
            registry_auth: RegistryAuthMode::None,
            registry_credentials_configured: false,
            docker_healthy: docker,
            docker_error: (!docker).then(|| "cannot reach the Docker daemon".to_owned()),
            docker_host: "unix:///var/run/docker.sock".to_owned(),
            docker_version: None,
            host_machine: "x86_64".to_owned(),
            checked_at_unix_ms: 0,
            registry_mode: "external".to_owned(),
            gc_available: false,
            gc_method: "none".to_owned(),
            gc_unavailable_reason: None,
        }
    }

    #[test]
    fn the_light_says_which_side_is_down_and_why() {
        assert_eq!(describe(None).0, Level::Checking);
        let (level, label, reasons) = describe(Some(&Ok(health(true, true))));
        assert_eq!((level, label), (Level::Ok, "Healthy"));
        assert_eq!(reasons, ["The registry and the Docker daemon answer."]);

        let (level, label, reasons) = describe(Some(&Ok(health(true, false))));
        assert_eq!((level, label), (Level::Degraded, "Docker unreachable"));
        assert_eq!(reasons, ["Docker daemon: cannot reach the Docker daemon"]);

        let (level, _, reasons) = describe(Some(&Ok(health(false, false))));
        assert_eq!(level, Level::Down);
        assert_eq!(reasons.len(), 2);
        assert!(reasons[0].starts_with("Registry: cannot reach the registry"));

        let (level, label, _) = describe(Some(&Err(AppError::BadRequest("x".to_owned().into()))));
        assert_eq!((level, label), (Level::Down, "Server not answering"));
    }
}
