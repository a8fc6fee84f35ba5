//! The container image and the compose files, against a real private dockerd (`rm_harness`),
//! real registries and Debian's `docker-compose` 1.29. Run by `make test-image`
//! (scripts/test-image.sh), which builds the release artefacts first: every test here is
//! `#[ignore]`d in `make test`, which has no release build.
//!
//! The image is built once per run by `scripts/image.sh` (what `make image` runs) into the shared
//! private daemon. Containers use the host network (the daemon has no bridge) and listen on free
//! loopback ports; nothing here talks to anything but 127.0.0.1. The figures for the closing note
//! (image size, `docker run` to a healthy `/api/health`, idle RSS, `make image` time, `docker
//! stop` time) are printed as `figure: …` lines.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rm_harness::{Dockerd, Flavour, ImageSpec, Registry, dockerd, free_port};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

const IMAGE: &str = "registry-manager:latest";
const ADMIN: &str = "admin";
const PASSWORD: &str = "image-test-admin-password";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn nonce() -> String {
    format!("{:x}", rm_harness::fixtures::fresh_seed() & 0xff_ffff)
}

/// `docker args…` on the private daemon, synchronously (also usable from `Drop`).
fn docker(d: &Dockerd, args: &[&str]) -> std::process::Output {
    let mut command = Command::new(rm_harness::dockerd::docker_bin());
    command
        .env("DOCKER_HOST", d.host())
        .env("DOCKER_CONFIG", d.root_dir().join("cli-config"))
        .args(args)
        .stdin(Stdio::null());
    command.output().expect("the docker CLI runs")
}

/// Like [`docker`], failing the test on a non-zero exit; stdout, trimmed.
fn docker_ok(d: &Dockerd, args: &[&str]) -> String {
    let output = docker(d, args);
    assert!(
        output.status.success(),
        "docker {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// The daemon and, built once into it by `scripts/image.sh`, the image.
async fn daemon_with_image() -> &'static Dockerd {
    static BUILT: OnceCell<()> = OnceCell::const_new();
    let d = dockerd::shared().await.expect("the private dockerd starts");
    BUILT
        .get_or_init(|| async {
            let started = Instant::now();
            // `--no-build`: scripts/test-image.sh has just built the artefacts (the same step
            // `make image` starts with), and a cargo run from inside `cargo test` would wait for
            // its lock on the target directory.
            let output = Command::new(repo_root().join("scripts/image.sh"))
                .arg("--no-build")
                .env("DOCKER_HOST", d.host())
                .env("DOCKER_CONFIG", d.root_dir().join("cli-config"))
                .env("IMAGE", IMAGE)
                .output()
                .expect("scripts/image.sh runs");
            assert!(
                output.status.success(),
                "make image failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            println!(
                "figure: make image (artefacts built, --no-build): {:.1} s",
                started.elapsed().as_secs_f64()
            );
        })
        .await;
    d
}

/// A container removed (with its anonymous volumes) when dropped.
struct Container {
    d: &'static Dockerd,
    name: String,
}

impl Container {
    /// `docker run -d --network host` of the image, hardened as the compose files run it, with
    /// the given further `docker run` arguments (before the image name).
    fn run(d: &'static Dockerd, name: &str, args: &[&str]) -> Container {
        let mut all = vec![
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "host",
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges:true",
        ];
        all.extend_from_slice(args);
        all.push(IMAGE);
        docker_ok(d, &all);
        Container { d, name: name.to_owned() }
    }

    fn inspect(&self, format: &str) -> String {
        docker_ok(self.d, &["inspect", "-f", format, &self.name])
    }

    fn logs(&self) -> String {
        let output = docker(self.d, &["logs", &self.name]);
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    }

    /// A line of /proc/<pid>/status of the container's process, as the kernel sees it.
    fn proc_status(&self, key: &str) -> String {
        let pid = self.inspect("{{.State.Pid}}");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}:")))
            .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
            .trim()
            .to_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("container {} log:\n{}", self.name, self.logs());
        }
        docker(self.d, &["rm", "-f", "-v", &self.name]);
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap()
}

/// Polls `GET {base}/api/health` until it answers 200; the time it took.
async fn wait_for_health(base: &str, container: &Container) -> Duration {
    let started = Instant::now();
    let client = http();
    loop {
        if let Ok(response) = client.get(format!("{base}/api/health")).send().await
            && response.status().is_success()
        {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no /api/health after 60 s:\n{}",
            container.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `GET {base}/api/health` until the manager sees its registry healthy (60 s at most).
async fn wait_registry_healthy(base: &str, failure: &str) {
    let started = Instant::now();
    loop {
        let health = http().get(format!("{base}/api/health")).send().await;
        if let Ok(response) = health
            && let Ok(body) = response.json::<Value>().await
            && body["registry_healthy"] == true
        {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{failure}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn get_json(base: &str, path: &str, user: (&str, &str)) -> Value {
    let response = http().get(format!("{base}{path}")).basic_auth(user.0, Some(user.1)).send().await.unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "GET {path}: {status} {body}");
    serde_json::from_str(&body).unwrap()
}

async fn post_json(base: &str, path: &str, body: Value) -> Value {
    let response = http()
        .post(format!("{base}{path}"))
        .basic_auth(ADMIN, Some(PASSWORD))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// Polls a job until its `state` is one of `states`.
async fn wait_job(base: &str, id: &str, states: &[&str]) -> Value {
    let started = Instant::now();
    loop {
        let job = get_json(base, &format!("/api/sync-jobs/{id}"), (ADMIN, PASSWORD)).await;
        if states.contains(&job["state"].as_str().unwrap_or_default()) {
            return job;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "job {id} never reached {states:?}: {job:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The group of the private daemon's socket, for `--group-add` (the container's user is not root).
fn socket_gid(d: &Dockerd) -> String {
    std::fs::metadata(d.socket_path()).unwrap().gid().to_string()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release artefacts and a dockerd: run by make test-image"]
async fn make_image_builds_a_small_static_image_with_the_runtime_settings() {
    let d = daemon_with_image().await;
    let size: u64 = docker_ok(d, &["image", "inspect", "-f", "{{.Size}}", IMAGE]).parse().unwrap();
    println!("figure: image size {size} bytes ({:.1} MiB)", size as f64 / 1048576.0);
    assert!(size <= 30_000_000, "image is {size} bytes, target ≤ 30 MB");

    let config: Value =
        serde_json::from_str(&docker_ok(d, &["image", "inspect", "-f", "{{json .Config}}", IMAGE])).unwrap();
    assert_eq!(config["User"], "10001:10001");
    assert_eq!(config["StopSignal"], "SIGTERM");
    assert!(config["ExposedPorts"].get("8080/tcp").is_some(), "{config:#}");
    assert!(config["Volumes"].get("/data").is_some(), "{config:#}");
    let env: Vec<&str> = config["Env"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for expected in
        ["LISTEN_ADDR=0.0.0.0:8080", "DATA_DIR=/data", "LEPTOS_SITE_ROOT=/usr/share/registry-manager/site"]
    {
        assert!(env.contains(&expected), "{expected} not in {env:?}");
    }
    assert_eq!(config["Healthcheck"]["Test"][2], "healthcheck", "{config:#}");
    for label in ["source", "version", "revision", "licenses"] {
        let key = format!("org.opencontainers.image.{label}");
        assert!(config["Labels"][&key].as_str().is_some_and(|v| !v.is_empty()), "no {key}: {config:#}");
    }
    // One layer: the root filesystem tar; /data is the app user's, everything else root's.
    let layers = docker_ok(d, &["image", "inspect", "-f", "{{len .RootFS.Layers}}", IMAGE]);
    assert_eq!(layers, "1");
}

#[test]
#[ignore = "needs Debian's docker-compose: run by make test-image"]
fn both_compose_files_are_valid_and_harden_the_manager_alike() {
    let root = repo_root();
    let config = |file: &str| -> String {
        let output = Command::new("docker-compose")
            .current_dir(&root)
            .args(["-f", file, "config"])
            .env("DOCKER_GID", "999")
            .env("REGISTRY_API_URL", "http://127.0.0.1:5000")
            .env("ADMIN_PASSWORD_SECRET", "/dev/null")
            .output()
            .expect("docker-compose runs");
        assert!(output.status.success(), "{file}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let existing = config("docker-compose.yml");
    let full = config("docker-compose.full.yml");
    // The part of the manager's service that must not drift between the two files.
    let hardening = |text: &str| -> Vec<String> {
        let service = text.split("  registry-manager:\n").nth(1).unwrap();
        let keys = ["cap_drop", "group_add", "healthcheck", "read_only", "restart", "security_opt", "tmpfs"];
        let mut kept = Vec::new();
        let mut keep = false;
        for line in service.lines().take_while(|l| l.starts_with("    ") || l.is_empty()) {
            if !line.starts_with("     ") {
                keep = keys.iter().any(|k| line.trim_start().starts_with(&format!("{k}:")));
            }
            if keep {
                kept.push(line.to_owned());
            }
        }
        kept
    };
    assert_eq!(hardening(&existing), hardening(&full));
    for expected in
        ["read_only: true", "- ALL", "no-new-privileges:true", "- /tmp", "restart: unless-stopped"]
    {
        assert!(existing.contains(expected), "docker-compose.yml lacks {expected}:\n{existing}");
    }
    assert!(full.contains("container_name: registry"), "{full}");
    assert!(full.contains("/etc/docker/registry/config.yml:ro"), "{full}");

    // A missing REGISTRY_API_URL (existing registry) is an error naming it, not a silent default.
    let output = Command::new("docker-compose")
        .current_dir(&root)
        .args(["-f", "docker-compose.yml", "config"])
        .env_remove("REGISTRY_API_URL")
        .env("DOCKER_GID", "999")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("set REGISTRY_API_URL"));
}

#[test]
#[ignore = "part of make test-image"]
fn the_dockerfile_pins_the_tool_versions_of_setup_sh() {
    let root = repo_root();
    let setup = std::fs::read_to_string(root.join("scripts/setup.sh")).unwrap();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    for name in ["CARGO_LEPTOS_VERSION", "WASM_BINDGEN_VERSION", "BINARYEN_VERSION"] {
        let pinned = |text: &str, prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{prefix}{name}=")))
                .map(|v| v.split_whitespace().next().unwrap().to_owned())
                .unwrap_or_else(|| panic!("{name} not pinned"))
        };
        assert_eq!(pinned(&dockerfile, "ARG "), pinned(&setup, ""), "{name}");
    }
    let rustc = String::from_utf8(Command::new("rustc").arg("--version").output().unwrap().stdout).unwrap();
    let version = rustc.split_whitespace().nth(1).unwrap();
    assert!(
        dockerfile.contains(&format!("FROM rust:{version}-bookworm AS builder")),
        "the builder is not rust:{version}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release artefacts and a dockerd: run by make test-image"]
async fn the_container_runs_as_non_root_read_only_without_capabilities_and_is_healthy() {
    let d = daemon_with_image().await;
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let port = free_port().unwrap();
    let listen = format!("LISTEN_ADDR=127.0.0.1:{port}");
    // The registry by a name, as in compose: the static binary's getaddrinfo must read the
    // /etc/hosts Docker writes (glibc's built-in `files` module, no libnss_*.so in the image).
    let api = format!("REGISTRY_API_URL=http://rm-test-registry:{}", registry.port());
    let name = format!("rmt-hardened-{}", nonce());
    let started = Instant::now();
    let container = Container::run(
        d,
        &name,
        &[
            "-e",
            &listen,
            "-e",
            &api,
            "--add-host",
            "rm-test-registry:127.0.0.1",
            "-e",
            &format!("ADMIN_PASSWORD={PASSWORD}"),
            "--health-interval",
            "1s",
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    let ready = started.elapsed() + wait_for_health(&base, &container).await;
    println!("figure: docker run to /api/health 200: {} ms", ready.as_millis());

    let health = get_json(&base, "/api/health", (ADMIN, PASSWORD)).await;
    assert_eq!(health["registry_healthy"], true, "{health:#}");

    // What the kernel says of the process, not only what was asked for.
    assert_eq!(container.proc_status("Uid").split_whitespace().collect::<Vec<_>>(), ["10001"; 4]);
    assert_eq!(container.proc_status("CapEff"), "0000000000000000");
    assert_eq!(container.proc_status("CapPrm"), "0000000000000000");
    assert_eq!(container.proc_status("NoNewPrivs"), "1");
    assert_eq!(container.inspect("{{.HostConfig.ReadonlyRootfs}}"), "true");
    // The binary is the image's only program: it runs the healthcheck, and its CLI writes to
    // the /data volume while / stays read-only.
    let user_list = docker(d, &["exec", &name, "/usr/local/bin/registry-manager", "user", "list"]);
    assert!(String::from_utf8_lossy(&user_list.stdout).contains(ADMIN), "{user_list:?}");
    let write_root = docker(
        d,
        &["exec", "-e", "DATA_DIR=/probe", &name, "/usr/local/bin/registry-manager", "user", "list"],
    );
    assert!(!write_root.status.success(), "the root filesystem took a new DATA_DIR");

    let started = Instant::now();
    loop {
        match container.inspect("{{.State.Health.Status}}").as_str() {
            "healthy" => break,
            "unhealthy" => panic!("unhealthy: {}", container.inspect("{{json .State.Health}}")),
            _ => {}
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            container.inspect("{{json .State.Health}}")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The image's server and WASM come from one build with the same `--cfg` flags, or the
    // markers the server renders would not be the ones the WASM hydrates.
    assert_hydrates(&format!("{base}/login"));

    // Idle: a few requests done, nothing running.
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!("figure: idle VmRSS in the container: {}", container.proc_status("VmRSS"));
}

/// Loads `url` in headless Chromium (the one Playwright uses) and asserts that the WASM took the
/// page over: the app marks `<body data-hydrated="true">` once hydration has run without a panic.
fn assert_hydrates(url: &str) {
    let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        dom.contains(r#"data-hydrated="true""#),
        "{url} did not hydrate in Chromium ({}):\n{}\n{}",
        output.status,
        dom.chars().take(2000).collect::<String>(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release artefacts and a dockerd: run by make test-image"]
async fn through_the_mounted_socket_the_container_lists_and_pushes_the_daemons_images() {
    let d = daemon_with_image().await;
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let tag = nonce();
    let local = format!("image-test/local:{tag}");
    d.load_image(&local, &ImageSpec::docker().layers(&[4096, 2048])).await.unwrap();

    let port = free_port().unwrap();
    let socket = format!("{}:/var/run/docker.sock", d.socket_path().display());
    let name = format!("rmt-socket-{tag}");
    let container = Container::run(
        d,
        &name,
        &[
            "-e",
            &format!("LISTEN_ADDR=127.0.0.1:{port}"),
            "-e",
            &format!("REGISTRY_API_URL={}", registry.url()),
            "-e",
            &format!("ADMIN_PASSWORD={PASSWORD}"),
            "-v",
            &socket,
            "--group-add",
            &socket_gid(d),
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_for_health(&base, &container).await;

    let images = get_json(&base, "/api/local-images", (ADMIN, PASSWORD)).await;
    let references: Vec<&str> =
        images["images"].as_array().unwrap().iter().filter_map(|i| i["reference"].as_str()).collect();
    assert!(references.contains(&local.as_str()), "{local} not in {references:?}");

    let job = post_json(
        &base,
        "/api/local-push-jobs",
        json!({"image_refs": [local], "prefix_mode": "add", "prefix_value": "pushed", "arch_mode": "none"}),
    )
    .await;
    let id = job["id"].as_str().unwrap().to_owned();
    let done = wait_job(&base, &id, &["succeeded", "partial", "failed", "cancelled", "interrupted"]).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert_eq!(registry.tags("pushed/image-test/local").await.unwrap(), vec![tag]);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release artefacts and a dockerd: run by make test-image"]
async fn docker_stop_interrupts_a_running_job_and_a_new_container_on_the_volume_keeps_history_and_accounts() {
    let d = daemon_with_image().await;
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    // A source that accepts connections and never answers: the sync stays running.
    let stalled = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stalled_host = format!("127.0.0.1:{}", stalled.local_addr().unwrap().port());
    let volume = format!("rmt-data-{}", nonce());
    let port = free_port().unwrap();
    let run = |name: &str| {
        Container::run(
            d,
            name,
            &[
                "-e",
                &format!("LISTEN_ADDR=127.0.0.1:{port}"),
                "-e",
                &format!("REGISTRY_API_URL={}", registry.url()),
                "-e",
                &format!("SOURCE_REGISTRIES={stalled_host}"),
                "-e",
                "REQUEST_TIMEOUT_SEC=3600",
                "-e",
                &format!("ADMIN_PASSWORD={PASSWORD}"),
                "-v",
                &format!("{volume}:/data"),
            ],
        )
    };
    let base = format!("http://127.0.0.1:{port}");

    let first = run(&format!("{volume}-1"));
    wait_for_health(&base, &first).await;
    // An account made with the CLI inside the container, on the volume.
    let mut add = Command::new(rm_harness::dockerd::docker_bin());
    add.env("DOCKER_HOST", d.host())
        .args([
            "exec",
            "-i",
            &first.name,
            "/usr/local/bin/registry-manager",
            "user",
            "add",
            "ana",
            "--role",
            "operator",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = add.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"ana's long password\n").unwrap();
    let added = child.wait_with_output().unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    let job =
        post_json(&base, "/api/sync-jobs", json!({"source_image": format!("{stalled_host}/slow/app:1")}))
            .await;
    let id = job["id"].as_str().unwrap().to_owned();
    wait_job(&base, &id, &["running"]).await;

    let stopping = Instant::now();
    docker_ok(d, &["stop", &first.name]);
    println!(
        "figure: docker stop with a running job: {:.1} s, exit code {}",
        stopping.elapsed().as_secs_f64(),
        first.inspect("{{.State.ExitCode}}")
    );
    drop(first);

    let second = run(&format!("{volume}-2"));
    wait_for_health(&base, &second).await;
    let job = get_json(&base, &format!("/api/sync-jobs/{id}"), (ADMIN, PASSWORD)).await;
    assert_eq!(job["state"], "interrupted", "{job:#}");
    assert_eq!(job["status"], "failed", "{job:#}");
    let me = get_json(&base, "/api/me", ("ana", "ana's long password")).await;
    assert_eq!(me["username"], "ana");
    assert_eq!(me["role"], "operator");
    drop(second);
    docker_ok(d, &["volume", "rm", &volume]);
    drop(stalled);
}

/// `docker-compose config` output without the services' `ports:` lists.
fn without_ports(config: &str) -> String {
    let mut kept = Vec::new();
    let mut in_ports = false;
    for line in config.lines() {
        if line == "    ports:" {
            in_ports = true;
            continue;
        }
        if in_ports && (line.starts_with("    - ") || line.starts_with("      ")) {
            continue;
        }
        in_ports = false;
        kept.push(line);
    }
    kept.join("\n") + "\n"
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the release artefacts and a dockerd: run by make test-image"]
async fn the_full_stack_comes_up_takes_a_push_lists_it_and_comes_down() {
    let d = daemon_with_image().await;
    // `registry:2` cannot be pulled here: the harness' stand-in, with the stack's config.
    rm_harness::registry_image::build_stand_in(
        d,
        "registry:2",
        &repo_root().join("docker/registry/config.yml"),
    )
    .await
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let (registry_port, app_port) = (free_port().unwrap(), free_port().unwrap());
    let registry_host = format!("127.0.0.1:{registry_port}");
    // No bridge on this machine: every service on the host network, on free loopback ports.
    let override_file = work.path().join("host-network.yml");
    std::fs::write(
        &override_file,
        format!(
            "services:\n  registry:\n    network_mode: host\n    environment:\n      - REGISTRY_HTTP_ADDR={registry_host}\n\
             \x20 registry-manager:\n    network_mode: host\n    environment:\n      - LISTEN_ADDR=127.0.0.1:{app_port}\n"
        ),
    )
    .unwrap();
    let secret = work.path().join("admin_password.txt");
    std::fs::write(&secret, format!("{PASSWORD}\n")).unwrap();
    // The container's user (10001) reads the bind-mounted secret.
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let project = format!("rmt{}", nonce());
    let compose_env = |command: &mut Command| {
        command
            .current_dir(repo_root())
            .env("DOCKER_HOST", d.host())
            .env("DOCKER_CONFIG", d.root_dir().join("cli-config"))
            .env("DOCKER_GID", socket_gid(d))
            .env("DOCKER_SOCKET", d.socket_path())
            .env("ADMIN_PASSWORD_SECRET", &secret)
            .env("REGISTRY_API_URL", format!("http://{registry_host}"))
            .env("REGISTRY_PUSH_HOST", &registry_host)
            .env("PUBLIC_URL", format!("http://127.0.0.1:{app_port}"));
    };
    // The file and the override as Compose resolves them, minus `ports`: publishing is refused
    // with host networking, and Compose 1.29 cannot reset a list in an override (v2's `!reset`).
    let mut resolve = Command::new("docker-compose");
    resolve.args(["-f", "docker-compose.full.yml", "-f"]).arg(&override_file).arg("config");
    compose_env(&mut resolve);
    let resolved = resolve.output().expect("docker-compose runs");
    assert!(resolved.status.success(), "{}", String::from_utf8_lossy(&resolved.stderr));
    let resolved_file = work.path().join("resolved.yml");
    std::fs::write(&resolved_file, without_ports(&String::from_utf8_lossy(&resolved.stdout))).unwrap();
    let compose = |args: &[&str]| {
        let mut command = Command::new("docker-compose");
        command.args(["-p", &project, "-f"]).arg(&resolved_file).args(args);
        compose_env(&mut command);
        let output = command.output().expect("docker-compose runs");
        assert!(
            output.status.success(),
            "docker-compose {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    struct Down<F: Fn(&[&str]) -> String>(F);
    impl<F: Fn(&[&str]) -> String> Drop for Down<F> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                eprintln!("{}", (self.0)(&["logs", "--no-color"]));
                (self.0)(&["down", "-v"]);
            }
        }
    }
    let stack = Down(compose);
    (stack.0)(&["up", "-d", "--no-build"]);

    let base = format!("http://127.0.0.1:{app_port}");
    wait_registry_healthy(&base, "the stack did not come up").await;
    // Signed in with the secret's password; a fixture pushed through the registry by the daemon.
    assert_eq!(get_json(&base, "/api/me", (ADMIN, PASSWORD)).await["role"], "admin");
    let fixture = format!("{registry_host}/stack/fixture:1");
    d.load_image(&fixture, &ImageSpec::docker().layers(&[1024])).await.unwrap();
    docker_ok(d, &["push", &fixture]);
    let repositories = get_json(&base, "/api/repositories", (ADMIN, PASSWORD)).await;
    assert!(repositories.to_string().contains("\"stack/fixture\""), "{repositories:#}");
    let tags = get_json(&base, "/api/repositories/stack/fixture/tags", (ADMIN, PASSWORD)).await;
    assert_eq!(tags["tags"][0]["tag"], "1", "{tags:#}");

    // Garbage collection through the mounted socket (REGISTRY_CONTAINER=registry), as the stack
    // runs it: a second image is pushed and deleted, the dry run lists its blobs, the run stops
    // the registry, sweeps them in a one-off container and starts it again; tag 1 still pulls.
    let health = get_json(&base, "/api/health", (ADMIN, PASSWORD)).await;
    assert_eq!(
        (health["gc_method"].as_str(), health["gc_available"].as_bool()),
        (Some("container"), Some(true)),
        "{health:#}"
    );
    let doomed = format!("{registry_host}/stack/fixture:2");
    d.load_image(&doomed, &ImageSpec::docker().layers(&[4096])).await.unwrap();
    docker_ok(d, &["push", &doomed]);
    docker_ok(d, &["image", "rm", &doomed]);
    let response = http()
        .delete(format!("{base}/api/repositories/stack/fixture/tags/2?scope=image"))
        .basic_auth(ADMIN, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
    let dry = post_json(&base, "/api/gc-jobs", json!({"dry_run": true})).await;
    let dry = wait_job(&base, dry["id"].as_str().unwrap(), &["succeeded", "failed", "cancelled"]).await;
    assert_eq!(dry["state"], "succeeded", "{dry:#}");
    let predicted = dry["progress"]["bytes_total"].as_u64().unwrap();
    assert!(predicted > 4096, "the deleted image's layer, config and manifest are listed: {dry:#}");
    let done = post_json(&base, "/api/gc-jobs", json!({"dry_run": false})).await;
    let done = wait_job(&base, done["id"].as_str().unwrap(), &["succeeded", "failed", "cancelled"]).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert_eq!(done["progress"]["bytes_done"].as_u64(), Some(predicted), "{done:#}");
    let logs = done["logs"].to_string();
    assert!(logs.contains("the registry container registry was stopped for"), "{logs}");
    assert!(logs.contains("it runs again"), "{logs}");
    wait_registry_healthy(&base, "the registry did not come back").await;
    docker_ok(d, &["image", "rm", &fixture]);
    docker_ok(d, &["pull", &fixture]);
    let tags = get_json(&base, "/api/repositories/stack/fixture/tags", (ADMIN, PASSWORD)).await;
    assert_eq!(tags["total"], 1, "{tags:#}");

    (stack.0)(&["down", "-v"]);
    let label = format!("label=com.docker.compose.project={project}");
    assert_eq!(docker_ok(d, &["ps", "-aq", "--filter", &label]), "");
    assert_eq!(docker_ok(d, &["volume", "ls", "-q", "--filter", &label]), "");
    docker_ok(d, &["image", "rm", &fixture]);
}
