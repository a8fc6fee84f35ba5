//! `registry-manager`: parses the configuration, builds the state, serves the app until SIGINT or
//! SIGTERM, then drains open requests.

use app::backend::{AppState, Config};
use clap::Parser;
use leptos::config::{Env, LeptosOptions};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // An invalid value exits here with clap's message, which names the variable and the accepted form.
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();

    let leptos_options = LeptosOptions::builder()
        .output_name("registry-manager")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.listen_addr)
        .env(Env::PROD)
        .build();
    let listen_addr = config.listen_addr;
    let state = match AppState::new(config, leptos_options) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let router = server::router(state);
    let listener = match tokio::net::TcpListener::bind(listen_addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on LISTEN_ADDR={listen_addr}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing::info!("Registry Manager listening on http://{listen_addr}");
    if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown_signal()).await {
        eprintln!("error: server failed: {e}");
        return std::process::ExitCode::FAILURE;
    }
    tracing::info!("Registry Manager stopped");
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler cannot fail on unix");
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
    tracing::info!("shutting down");
}
