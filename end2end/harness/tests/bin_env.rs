//! `rm-harness env`: starts everything, writes the state file, tears down on EOF/SIGTERM.
//!
//! The app binary is the real server when `RMH_APP_BIN` (and `RMH_SITE_ROOT`) are set;
//! otherwise a stand-in (this test binary's ignored `stand_in_app`, an axum server started
//! through a shell wrapper) that answers `/api/health` and echoes its environment on `/env`,
//! so these tests check the harness bin itself, not the app.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rm_harness::process::{self, descendants, process_running};
use serde_json::Value;

/// The stand-in app: runs only when started through the wrapper script.
#[tokio::test]
#[ignore = "stand-in app, started by the env tests through a wrapper script"]
async fn stand_in_app() {
    if std::env::var("RMH_STAND_IN").is_err() {
        return;
    }
    let addr = std::env::var("LISTEN_ADDR").expect("LISTEN_ADDR");
    let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    let app = axum::Router::new()
        .route("/api/health", axum::routing::get(|| async { "ok" }))
        .route("/env", axum::routing::get(move || async move { axum::Json(env) }));
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind LISTEN_ADDR");
    // As the real app does on a first run (no account, no ADMIN_PASSWORD): log a setup link.
    if std::env::var("ADMIN_PASSWORD").is_err() {
        // Written to the fd directly: the test harness captures `println!`.
        let line = format!(
            "no account exists yet: create the first admin at http://{addr}/setup?token=stand-in-token\n"
        );
        std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).unwrap();
    }
    axum::serve(listener, app).await.unwrap();
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(path, perms).unwrap();
}

struct Setup {
    _dir: tempfile::TempDir,
    app_bin: PathBuf,
    site_root: PathBuf,
    state: PathBuf,
    stand_in: bool,
}

fn setup() -> Setup {
    let dir = process::temp_dir().unwrap();
    let (app_bin, site_root, stand_in) = match std::env::var("RMH_APP_BIN") {
        Ok(bin) => (
            PathBuf::from(bin),
            PathBuf::from(std::env::var("RMH_SITE_ROOT").expect("RMH_SITE_ROOT with RMH_APP_BIN")),
            false,
        ),
        Err(_) => {
            let bin = dir.path().join("stand-in-app");
            let exe = std::env::current_exe().unwrap();
            write_executable(
                &bin,
                &format!(
                    "#!/bin/sh\nRMH_STAND_IN=1 exec '{}' --ignored --exact stand_in_app --test-threads 1 --quiet\n",
                    exe.display()
                ),
            );
            let site = dir.path().join("site");
            std::fs::create_dir_all(&site).unwrap();
            (bin, site, true)
        }
    };
    let state = dir.path().join("state/harness.json");
    Setup { _dir: dir, app_bin, site_root, state, stand_in }
}

fn spawn_env(s: &Setup, extra: &[&str]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rm-harness"));
    cmd.arg("env")
        .arg("--app-bin")
        .arg(&s.app_bin)
        .arg("--site-root")
        .arg(&s.site_root)
        .arg("--state-file")
        .arg(&s.state)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    process::spawn_guarded(cmd).unwrap()
}

async fn wait_for_state(child: &mut Child, state: &Path) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(text) = std::fs::read_to_string(state) {
            return serde_json::from_str(&text).expect("state file is complete JSON");
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("rm-harness env exited early with {status}");
        }
        assert!(Instant::now() < deadline, "no state file after 120 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "rm-harness env did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

/// The environment a stand-in app at `app_url` was started with (its `/env` answer).
async fn stand_in_env(http: &reqwest::Client, app_url: &Value) -> Value {
    let resp = http.get(format!("{}/env", app_url.as_str().unwrap())).send().await.unwrap();
    resp.json().await.unwrap()
}

async fn check_running_env(state: &Value, stand_in: bool) {
    let http = http();
    for key in ["app_url", "dead_registry_app_url", "embedded_app_url"] {
        let url = state[key].as_str().unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "{key}: {url}");
        let r = http.get(format!("{url}/api/health")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{key}");
    }
    let registry = state["registry_url"].as_str().unwrap();
    assert_eq!(format!("http://{}", state["registry_host"].as_str().unwrap()), registry);
    let v2 = http.get(format!("{registry}/v2/")).send().await.unwrap();
    assert_eq!(v2.status(), 200);
    let docker_host = state["docker_host"].as_str().unwrap();
    assert!(docker_host.starts_with("unix:///tmp/rmh-"));
    let docker = bollard::Docker::connect_with_unix(
        docker_host,
        30,
        &bollard::ClientVersion { major_version: 1, minor_version: 41 },
    )
    .unwrap();
    docker.ping().await.unwrap();

    if stand_in {
        let env = stand_in_env(&http, &state["app_url"]).await;
        assert_eq!(env["REGISTRY_API_URL"], registry);
        assert_eq!(env["DOCKER_HOST"], docker_host);
        assert_eq!(env["RUST_LOG"], "info");
        assert_eq!(env["ADMIN_USERNAME"], rm_harness::app::ADMIN_USERNAME);
        assert_eq!(env["ADMIN_PASSWORD"], rm_harness::app::ADMIN_PASSWORD);
        let setup = state["setup_url"].as_str().unwrap();
        assert_eq!(setup, format!("{}/setup?token=stand-in-token", state["fresh_app_url"].as_str().unwrap()));
        assert!(env["DATA_DIR"].as_str().unwrap().starts_with("/tmp/rmh-"));
        assert!(env["LEPTOS_SITE_ROOT"].as_str().is_some());
        let dead = stand_in_env(&http, &state["dead_registry_app_url"]).await;
        assert_eq!(dead["DOCKER_HOST"], "unix:///tmp/rmh-nonexistent/docker.sock");
        let dead_registry = dead["REGISTRY_API_URL"].as_str().unwrap();
        assert!(dead_registry.starts_with("http://127.0.0.1:"));
        assert!(
            http.get(format!("{dead_registry}/v2/")).send().await.is_err(),
            "nothing may listen on the dead registry port"
        );
        let embedded = stand_in_env(&http, &state["embedded_app_url"]).await;
        assert_eq!(embedded["REGISTRY_MODE"], "embedded");
        assert_eq!(
            format!("http://{}", embedded["EMBEDDED_REGISTRY_ADDR"].as_str().unwrap()),
            state["embedded_registry_url"].as_str().unwrap()
        );
        assert!(embedded.get("REGISTRY_API_URL").is_none_or(Value::is_null), "{embedded}");
    } else {
        // The real app runs its own registry there.
        let embedded_registry = state["embedded_registry_url"].as_str().unwrap();
        let v2 = http.get(format!("{embedded_registry}/v2/")).send().await.unwrap();
        assert_eq!(v2.status(), 200, "the embedded app's registry");
    }
}

/// Everything the harness started, and their dirs (from /proc, before teardown).
fn started_by(pid: u32) -> (Vec<u32>, Vec<String>) {
    let kids = descendants(pid);
    let mut dirs: Vec<String> = process::all_cmdlines()
        .into_iter()
        .filter(|(p, _)| kids.contains(p))
        .flat_map(|(_, c)| {
            c.split([' ', '='])
                .filter_map(|w| {
                    w.strip_prefix(rm_harness::PROCESS_MARKER).map(|rest| {
                        format!("{}{}", rm_harness::PROCESS_MARKER, rest.split('/').next().unwrap())
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    (kids, dirs)
}

fn assert_all_gone(kids: &[u32], dirs: &[String], state: &Path) {
    for k in kids {
        assert!(!process_running(*k), "process {k} survived teardown");
    }
    for d in dirs {
        assert!(!Path::new(d).exists(), "{d} survived teardown");
    }
    assert!(!state.exists(), "state file not removed at teardown");
}

#[tokio::test]
async fn env_runs_until_stdin_eof_then_tears_down() {
    let s = setup();
    let mut child = spawn_env(&s, &[]);
    let state = wait_for_state(&mut child, &s.state).await;
    assert_eq!(state["pid"].as_u64(), Some(child.id() as u64));
    check_running_env(&state, s.stand_in).await;
    let (kids, dirs) = started_by(child.id());
    assert!(kids.len() >= 4, "registry, dockerd, 2 apps: {kids:?}");
    assert!(dirs.len() >= 2, "registry and dockerd dirs: {dirs:?}");
    // Still running a moment later (stdin open).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none());
    let mut stdin = child.stdin.take().unwrap();
    stdin.flush().unwrap();
    drop(stdin); // EOF
    let status = wait_exit(&mut child).await;
    assert!(status.success(), "{status}");
    assert_all_gone(&kids, &dirs, &s.state);
}

#[tokio::test]
async fn env_tears_down_on_sigterm() {
    let s = setup();
    let mut child = spawn_env(&s, &["--stdin-eof", "never"]);
    let state = wait_for_state(&mut child, &s.state).await;
    check_running_env(&state, s.stand_in).await;
    let (kids, dirs) = started_by(child.id());
    drop(child.stdin.take()); // ignored with --stdin-eof never
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.try_wait().unwrap().is_none());
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = wait_exit(&mut child).await;
    assert!(status.success(), "{status}");
    assert_all_gone(&kids, &dirs, &s.state);
}

#[tokio::test]
async fn env_reports_an_app_that_fails_to_start() {
    let s = setup();
    let bad = s.app_bin.with_file_name("bad-app");
    write_executable(&bad, "#!/bin/sh\necho 'boom: cannot open database' >&2\nexit 3\n");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rm-harness"));
    cmd.arg("env")
        .arg("--app-bin")
        .arg(&bad)
        .arg("--site-root")
        .arg(&s.site_root)
        .arg("--state-file")
        .arg(&s.state);
    let out = process::run(cmd).await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("boom: cannot open database"), "{err}");
    assert!(err.contains("exited with"), "{err}");
    assert!(!s.state.exists());
}
