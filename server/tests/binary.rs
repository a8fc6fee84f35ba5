//! The `registry-manager` binary itself: start-up validation and graceful shutdown.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_registry-manager");

/// Runs the binary with only the given variables set (no inherited configuration) and its own
/// `DATA_DIR`.
fn run_with_env(vars: &[(&str, &str)]) -> std::process::Output {
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("DATA_DIR", data.path());
    for (key, value) in vars {
        command.env(key, value);
    }
    command.output().expect("binary runs")
}

#[test]
fn invalid_values_stop_start_up_naming_the_variable() {
    let cases = [
        ("REQUEST_TIMEOUT_SEC", "abc", "REQUEST_TIMEOUT_SEC must be a whole number of seconds"),
        ("REGISTRY_API_URL", "ftp://127.0.0.1:5000", "the scheme http:// or https:// is missing"),
        ("MAX_CATALOG_RESULTS", "0", "MAX_CATALOG_RESULTS must be a whole number"),
        ("LISTEN_ADDR", "localhost", "LISTEN_ADDR must be ip:port"),
    ];
    for (variable, value, expected) in cases {
        let output = run_with_env(&[(variable, value)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variable}={value}: {stderr}");
        assert!(stderr.contains(expected), "{variable}={value}: {stderr}");
    }
}

#[test]
fn a_url_with_credentials_stops_start_up_without_printing_them() {
    let cases = [
        (
            "REGISTRY_API_URL",
            "http://alice:s3cret@127.0.0.1:5000",
            "use REGISTRY_USERNAME and REGISTRY_PASSWORD",
        ),
        ("PUBLIC_URL", "https://alice:s3cret@registry-ui.example", "PUBLIC_URL must be"),
        ("ALLOWED_ORIGINS", "https://alice:s3cret@ci.example", "ALLOWED_ORIGINS must list origins"),
    ];
    for (variable, value, expected) in cases {
        let output = run_with_env(&[(variable, value)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variable}: {stderr}");
        assert!(stderr.contains(expected), "{variable}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{variable}: {stderr}");
    }
}

/// The binary on a free loopback port with its own `DATA_DIR`, once it accepts connections.
fn listening(data: &std::path::Path) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(BIN)
        .env_clear()
        .env("DATA_DIR", data)
        .env("LISTEN_ADDR", &addr)
        .env("REGISTRY_API_URL", "http://127.0.0.1:9")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "server did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, addr)
}

#[test]
fn a_request_under_a_foreign_host_name_is_answered_421() {
    use std::io::{Read, Write};
    // DNS rebinding reaches the real listener with the attacker's name in Host.
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = listening(data.path());
    let ask = |host: &str| {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(stream, "GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let refused = ask("evil.example");
    let allowed = ask(&addr);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(refused.starts_with("HTTP/1.1 421"), "{refused}");
    assert!(refused.contains("ALLOWED_HOSTS"), "{refused}");
    assert!(allowed.starts_with("HTTP/1.1 200"), "{allowed}");
}

#[test]
fn auth_none_is_refused_off_loopback() {
    let output = run_with_env(&[("AUTH", "none"), ("LISTEN_ADDR", "0.0.0.0:0")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("AUTH=none is only allowed on a loopback LISTEN_ADDR"), "{stderr}");
}

#[test]
fn two_registries_to_garbage_collect_stop_start_up() {
    let output = run_with_env(&[
        ("REGISTRY_MODE", "embedded"),
        ("EMBEDDED_REGISTRY_ADDR", "127.0.0.1:9"),
        ("REGISTRY_CONTAINER", "registry"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("REGISTRY_MODE=embedded, REGISTRY_CONTAINER=registry"), "{stderr}");
    assert!(stderr.contains("set only one of them"), "{stderr}");
    // A REGISTRY_CONFIG that is no file is named, not found out at the first collection.
    let output = run_with_env(&[("REGISTRY_CONFIG", "/nonexistent/config.yml")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("REGISTRY_CONFIG must name the registry's config.yml"), "{stderr}");
}

#[test]
fn an_unreadable_admin_password_file_is_a_clear_error() {
    let output = run_with_env(&[("ADMIN_PASSWORD_FILE", "/nonexistent/admin-password")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ADMIN_PASSWORD_FILE must name a readable file"), "{stderr}");
}

#[test]
fn a_taken_listen_address_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = run_with_env(&[("LISTEN_ADDR", &addr)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("cannot listen on LISTEN_ADDR={addr}")), "{stderr}");
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, _) = listening(data.path());
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

/// `registry-manager healthcheck` with only `LISTEN_ADDR` (and `DATA_DIR`, which it must not touch).
fn healthcheck(
    listen_addr: &str,
    data_dir: &std::path::Path,
    extra: &[&str],
) -> (std::process::Output, Duration) {
    let started = Instant::now();
    let output = Command::new(BIN)
        .arg("healthcheck")
        .args(extra)
        .env_clear()
        .env("LISTEN_ADDR", listen_addr)
        .env("DATA_DIR", data_dir)
        .output()
        .expect("binary runs");
    (output, started.elapsed())
}

#[test]
fn healthcheck_passes_while_the_server_serves() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = listening(data.path());
    let probe_dir = data.path().join("not-created");
    let (output, _) = healthcheck(&addr, &probe_dir, &[]);
    child.kill().unwrap();
    child.wait().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    // The registry (port 9) is down: the verdict is about the server, the body just says so.
    assert!(stdout.contains(&format!("healthy: http://{addr}/api/health answered 200")), "{stdout}");
    assert!(stdout.contains("registry_healthy=false"), "{stdout}");
    // The image's root filesystem is read-only: the probe must not open the store.
    assert!(!probe_dir.exists(), "healthcheck created DATA_DIR");
}

#[test]
fn healthcheck_fails_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let data = tempfile::tempdir().unwrap();
    let (output, _) = healthcheck(&addr, data.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("unhealthy: http://{addr}/api/health")), "{stderr}");
}

#[test]
fn healthcheck_fails_within_its_timeout_when_the_server_hangs() {
    // A server that accepts and never answers (a deadlocked process) must not hang the probe.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let data = tempfile::tempdir().unwrap();
    let (output, took) = healthcheck(&addr, data.path(), &["--timeout", "1"]);
    drop(silent);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no answer within 1 s"), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
