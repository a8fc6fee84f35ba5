//! `rm-harness env …`: the environment for the Playwright suite (see `--help`).

use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rm_harness::{AppConfig, AppServer, Dockerd, Flavour, Registry, free_port};
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser)]
#[command(
    name = "rm-harness",
    about = "Real registries, a private dockerd and app instances for end-to-end tests"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start a Plain registry, a private dockerd and four app instances ("main",
    /// "dead_registry", "fresh" and "embedded"), write the state file, then wait for SIGTERM/SIGINT (or EOF on stdin)
    /// and tear everything down.
    Env(EnvArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StdinMode {
    /// Watch stdin for EOF only when it is a pipe or a socket (not /dev/null, a file or a tty).
    Auto,
    /// Always stop at EOF on stdin.
    Always,
    /// Ignore stdin; stop only on SIGTERM/SIGINT.
    Never,
}

#[derive(Args)]
struct EnvArgs {
    /// The server binary of the app.
    #[arg(long)]
    app_bin: PathBuf,
    /// `LEPTOS_SITE_ROOT` for the app (the built site, e.g. target/site).
    #[arg(long)]
    site_root: PathBuf,
    /// Where to write the state JSON (written atomically once everything is ready, removed
    /// at teardown).
    #[arg(long)]
    state_file: PathBuf,
    /// Copy every process log here at teardown.
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// When EOF on stdin means "tear down".
    #[arg(long, value_enum, default_value = "auto")]
    stdin_eof: StdinMode,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RMH_LOG")
                .unwrap_or_else(|_| "rm_harness=info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Env(args) => env(args).await,
    };
    if let Err(e) = result {
        eprintln!("rm-harness: error: {e:#}");
        std::process::exit(1);
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("resolving {}", p.display()))
}

fn stdin_is_pipe_or_socket() -> bool {
    match std::fs::metadata("/proc/self/fd/0") {
        Ok(m) => m.file_type().is_fifo() || m.file_type().is_socket(),
        Err(_) => false,
    }
}

fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

async fn env(args: EnvArgs) -> Result<()> {
    let app_bin = absolute(&args.app_bin)?;
    let site_root = absolute(&args.site_root)?;
    let state_file = absolute(&args.state_file)?;
    let watch_stdin = match args.stdin_eof {
        StdinMode::Auto => stdin_is_pipe_or_socket(),
        StdinMode::Always => true,
        StdinMode::Never => false,
    };
    // Registered before start-up, so that SIGTERM/SIGINT during start-up cancel it cleanly.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;

    // A source registry that accepts connections and never answers: a sync from it stays running
    // until it is cancelled (the kernel completes the connections; nobody reads them). Bound
    // first, so the apps can list it in SOURCE_REGISTRIES (loopback sources are refused otherwise).
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").context("binding the stalled source")?;
    let stalled_host = format!("127.0.0.1:{}", stalled.local_addr()?.port());

    // Start-up is cancellable: on a signal, the partly started guards drop and clean up.
    let started = tokio::select! {
        r = start_all(&app_bin, &site_root, &stalled_host) => r?,
        _ = term.recv() => { tracing::info!("SIGTERM during start-up"); return Ok(()); }
        _ = int.recv() => { tracing::info!("SIGINT during start-up"); return Ok(()); }
    };
    let Started { registry, dockerd, main_app, dead_app, fresh_app, embedded_app, embedded_registry_url } =
        started;
    let setup_url = fresh_app.setup_url().context("the fresh app logged no setup link")?;
    let browse =
        rm_harness::scenarios::seed_browse(&registry).await.context("seeding the browse fixtures")?;
    let local =
        rm_harness::scenarios::seed_local(&dockerd).await.context("loading the local-image fixtures")?;
    let state = serde_json::json!({
        "app_url": main_app.url(),
        "dead_registry_app_url": dead_app.url(),
        "fresh_app_url": fresh_app.url(),
        "embedded_app_url": embedded_app.url(),
        "embedded_registry_url": embedded_registry_url,
        "setup_url": setup_url,
        "admin_username": rm_harness::app::ADMIN_USERNAME,
        "admin_password": rm_harness::app::ADMIN_PASSWORD,
        "registry_url": registry.url(),
        "registry_host": registry.host(),
        "docker_host": dockerd.host(),
        "stalled_source_host": stalled_host,
        "pid": std::process::id(),
        "fixtures": { "browse": browse, "local": local },
    });
    write_atomically(&state_file, serde_json::to_string_pretty(&state)?.as_bytes())?;
    println!("rm-harness: ready {state}");
    tracing::info!(state_file = %state_file.display(), "ready");

    let (eof_tx, mut eof_rx) = tokio::sync::mpsc::channel::<()>(1);
    if watch_stdin {
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
            let _ = eof_tx.blocking_send(());
        });
    } else {
        // Keep the sender alive so `recv` stays pending.
        std::mem::forget(eof_tx);
    }
    let registry_tail = || registry.log_tail();
    let dockerd_tail = || dockerd.log_tail();
    let main_tail = || main_app.log_tail();
    let dead_tail = || dead_app.log_tail();
    let fresh_tail = || fresh_app.log_tail();
    let embedded_tail = || embedded_app.log_tail();
    let watched: [(&str, u32, &dyn Fn() -> String); 6] = [
        ("registry", registry.pid(), &registry_tail),
        ("dockerd", dockerd.pid(), &dockerd_tail),
        ("app main", main_app.pid(), &main_tail),
        ("app dead_registry", dead_app.pid(), &dead_tail),
        ("app fresh", fresh_app.pid(), &fresh_tail),
        ("app embedded", embedded_app.pid(), &embedded_tail),
    ];
    let mut reported = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let reason = loop {
        tokio::select! {
            _ = term.recv() => break "SIGTERM",
            _ = int.recv() => break "SIGINT",
            _ = eof_rx.recv() => break "EOF on stdin",
            _ = tick.tick() => {
                for (name, pid, tail) in &watched {
                    if !reported.contains(pid) && !rm_harness::process::process_running(*pid) {
                        reported.push(*pid);
                        eprintln!("rm-harness: {name} (pid {pid}) died; log tail:\n{}", tail());
                    }
                }
            }
        }
    };
    tracing::info!("{reason}: tearing down");
    if let Some(dir) = &args.log_dir {
        copy_logs(
            dir,
            &[
                main_app.log_path(),
                dead_app.log_path(),
                fresh_app.log_path(),
                embedded_app.log_path(),
                &dockerd.root_dir().join("dockerd.log"),
            ],
            registry.root_dir(),
        );
    }
    let _ = std::fs::remove_file(&state_file);
    drop(main_app);
    drop(dead_app);
    drop(fresh_app);
    // Stopped with SIGTERM, it stops the registry it runs before it exits.
    drop(embedded_app);
    drop(dockerd);
    drop(registry);
    drop(stalled);
    tracing::info!("torn down");
    Ok(())
}

/// Everything `env` runs. Later flows (fixture seeding, more app instances) extend this.
struct Started {
    registry: Registry,
    dockerd: Dockerd,
    main_app: AppServer,
    dead_app: AppServer,
    /// Started with no account and no admin password: it logs a first-run setup link.
    fresh_app: AppServer,
    /// `REGISTRY_MODE=embedded`: it runs its own registry (at `embedded_registry_url`), so
    /// garbage collection can be driven from the UI.
    embedded_app: AppServer,
    embedded_registry_url: String,
}

async fn start_all(app_bin: &Path, site_root: &Path, stalled_host: &str) -> Result<Started> {
    let (registry, dockerd) = tokio::try_join!(Registry::start(Flavour::Plain), Dockerd::start())?;
    tracing::info!(url = %registry.url(), docker_host = %dockerd.host(), "registry and dockerd up");
    let dead_port = free_port()?;
    let cfg = |name: &str, registry_url: String, docker_host: String| AppConfig {
        name: name.into(),
        bin: app_bin.to_path_buf(),
        site_root: site_root.to_path_buf(),
        registry_url,
        docker_host,
        admin_password: Some(rm_harness::app::ADMIN_PASSWORD.to_owned()),
        extra_env: vec![("SOURCE_REGISTRIES".to_owned(), stalled_host.to_owned())],
    };
    let fresh =
        AppConfig { admin_password: None, ..cfg("fresh", registry.url(), dockerd.host().to_string()) };
    let embedded_addr = format!("127.0.0.1:{}", free_port()?);
    let embedded = AppConfig {
        registry_url: String::new(),
        extra_env: vec![
            ("REGISTRY_MODE".to_owned(), "embedded".to_owned()),
            ("EMBEDDED_REGISTRY_ADDR".to_owned(), embedded_addr.clone()),
        ],
        ..cfg("embedded", String::new(), dockerd.host().to_string())
    };
    let (main_app, dead_app, fresh_app, embedded_app) = tokio::try_join!(
        AppServer::start(cfg("main", registry.url(), dockerd.host().to_string())),
        AppServer::start(cfg(
            "dead_registry",
            format!("http://127.0.0.1:{dead_port}"),
            "unix:///tmp/rmh-nonexistent/docker.sock".into(),
        )),
        AppServer::start(fresh),
        AppServer::start(embedded),
    )?;
    let embedded_registry_url = format!("http://{embedded_addr}");
    Ok(Started { registry, dockerd, main_app, dead_app, fresh_app, embedded_app, embedded_registry_url })
}

fn copy_logs(dir: &Path, files: &[&Path], registry_dir: &Path) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("rm-harness: cannot create {}: {e}", dir.display());
        return;
    }
    let mut all: Vec<PathBuf> = files.iter().map(|p| p.to_path_buf()).collect();
    if let Ok(rd) = std::fs::read_dir(registry_dir) {
        all.extend(rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "log")));
    }
    for f in all {
        if let Some(name) = f.file_name() {
            let _ = std::fs::copy(&f, dir.join(name));
        }
    }
}
