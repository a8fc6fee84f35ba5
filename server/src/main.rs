//! `registry-manager`: parses the configuration, builds the state (starting the embedded registry
//! with `REGISTRY_MODE=embedded`), serves the app until SIGINT or SIGTERM, then drains open
//! requests and stops that registry. With a command (`user …`, `token …`) it runs that on
//! DATA_DIR instead ([`app::backend::cli`]) and exits; `healthcheck` asks the running server's
//! `/api/health` (the container image's HEALTHCHECK).

use app::backend::{AppState, Config};
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> std::process::ExitCode {
    return_large_buffers_to_the_system();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
        .block_on(run())
}

/// Every login hashes with argon2id, which takes a 19 MiB buffer. glibc raises its mmap threshold
/// to the size of the largest block freed, so after the first login such buffers come from the
/// heap and stay there: each login grew the idle server by ~19 MiB (up to ~135 MiB). A fixed
/// threshold keeps them mmapped, so they go back to the system when freed.
fn return_large_buffers_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator setting; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

async fn run() -> std::process::ExitCode {
    // An invalid value exits here with clap's message, which names the variable and the accepted form.
    let mut config = Config::parse();
    if let Some(command) = config.command.take() {
        // `user …`/`token …` on DATA_DIR, then exit; stdout carries their results, so logs go to stderr.
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")))
            .init();
        return app::backend::cli::run(config, command).await;
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    for warning in app::backend::config::take_startup_warnings() {
        tracing::warn!("{warning}");
    }

    let leptos_options = server::static_files::leptos_options(&config);
    let listen_addr = config.listen_addr;
    let state = match AppState::new(config, leptos_options) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let embedded = state.embedded.clone();
    if let Some(registry) = &embedded {
        match registry.wait_ready().await {
            Ok(()) => tracing::info!(
                "REGISTRY_MODE=embedded: {} serves http://{} (data and config in {})",
                registry.binary().display(),
                registry.addr(),
                state.config.data_dir.join("registry").display()
            ),
            Err(e) => {
                eprintln!(
                    "error: REGISTRY_MODE=embedded: {e} (see {})",
                    state.config.data_dir.join("registry/registry.log").display()
                );
                registry.stop().await;
                return std::process::ExitCode::from(2);
            }
        }
    }
    if let Err(message) = announce_login(&state) {
        eprintln!("error: {message}");
        return std::process::ExitCode::from(2);
    }
    state.auth.spawn_housekeeping(std::time::Duration::from_secs(state.config.audit_retention_days * 86_400));
    state.tag_index.spawn_refresh(
        state.registry.clone(),
        std::time::Duration::from_secs(state.config.tag_index_refresh_sec),
    );
    app::backend::service::retention::spawn_scheduler(state.clone());
    let router = server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // Handlers first, then the port: once a client can connect, SIGTERM already means "drain and
    // stop", never the default "die at once" (a supervisor may signal as soon as the port opens).
    let shutdown = shutdown_signal();
    let listener = match tokio::net::TcpListener::bind(listen_addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on LISTEN_ADDR={listen_addr}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!("Registry Manager listening on http://{listen_addr}");
    let served = axum::serve(listener, router).with_graceful_shutdown(shutdown).await;
    if let Some(registry) = &embedded {
        registry.stop().await;
        tracing::info!("the embedded registry stopped");
    }
    if let Err(e) = served {
        eprintln!("error: server failed: {e}");
        return std::process::ExitCode::FAILURE;
    }
    tracing::info!("Registry Manager stopped");
    std::process::ExitCode::SUCCESS
}

/// Creates or resets the admin from `ADMIN_PASSWORD`, or makes the one-time setup link, and says
/// in the log how to sign in.
fn announce_login(state: &AppState) -> Result<(), String> {
    use app::backend::auth::authenticator::Bootstrap;
    let password = state.config.admin_password()?;
    let admin = password.as_ref().map(|p| (state.config.admin_username.as_str(), p.expose()));
    let base = state.config.public_base();
    match state.auth.bootstrap(admin).map_err(|e| e.to_string())? {
        Bootstrap::Disabled => {
            tracing::warn!("AUTH=none: no login, everyone who reaches {base} is admin (loopback only)")
        }
        Bootstrap::Ready => tracing::info!("sign in at {base}/login"),
        Bootstrap::AdminCreated(name) => {
            tracing::info!("created admin {name:?} from ADMIN_PASSWORD; sign in at {base}/login")
        }
        Bootstrap::AdminReset(name) => {
            tracing::info!("admin {name:?} set from ADMIN_PASSWORD; sign in at {base}/login")
        }
        Bootstrap::SetupToken(token) => tracing::warn!(
            "no account exists yet: create the first admin within the hour at\n\n    {base}/setup?token={token}\n\n(the link works once; or restart with ADMIN_PASSWORD set)"
        ),
    }
    Ok(())
}

/// Installs the SIGINT and SIGTERM handlers now; the returned future ends at the first signal.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt =
        signal(SignalKind::interrupt()).expect("installing a SIGINT handler cannot fail on unix");
    let mut terminate =
        signal(SignalKind::terminate()).expect("installing a SIGTERM handler cannot fail on unix");
    async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    }
}
