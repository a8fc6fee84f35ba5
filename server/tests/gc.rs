//! Garbage collection (issue 15 point 2) and `REGISTRY_MODE=embedded`, against real processes:
//! images are pushed into a storage directory by the harness' own registry, then the server runs
//! its embedded `docker-registry` on that storage. A dry run predicts the bytes; the real run frees
//! exactly those on disk (an oracle computed from the storage directory: every blob file minus
//! those the remaining tags refer to), refuses pushes while it sweeps, and leaves every remaining
//! tag whole (each manifest and blob fetched again and its digest checked). A failing sweep still
//! gives the registry its normal service back; a killed registry is restarted; none outlives the
//! server, even one killed with SIGKILL.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{blob_bytes, blob_files, embedded_app, get_json, post_json, push_blob, referenced, wait_job};
use rm_harness::fixtures::sha256_digest;
use rm_harness::process::{descendants, free_port, process_running, temp_dir};
use rm_harness::registry::Registry;
use rm_harness::{ImageSpec, PushedImage};
use serde_json::json;

async fn stop(app: common::TestApp) {
    if let Some(registry) = &app.state.embedded {
        registry.stop().await;
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

/// Starts a blob upload: 202 when the registry takes pushes, 405 when it is read-only.
async fn try_push(client: &reqwest::Client, addr: &str) -> Option<StatusCode> {
    let response = client.post(format!("http://{addr}/v2/gc/kept/blobs/uploads/")).send().await.ok()?;
    Some(StatusCode::from_u16(response.status().as_u16()).unwrap())
}

/// Every remaining tag pulls whole: its manifest and every blob it names, each digest checked.
async fn assert_pulls(registry: &Registry, images: &[&PushedImage]) {
    for image in images {
        let (_, manifest) = registry.get_manifest(&image.repository, &image.tag).await.unwrap();
        assert_eq!(sha256_digest(&manifest), image.digest, "{}:{}", image.repository, image.tag);
        for digest in referenced(image).into_iter().skip(1) {
            let path = format!("/v2/{}/blobs/{digest}", image.repository);
            let scope = rm_harness::registry::repo_scope(&image.repository);
            let response = registry.request(reqwest::Method::GET, &path, &scope).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body = response.bytes().await.unwrap();
            assert_eq!(sha256_digest(&body), digest, "{path}: the bytes are whole");
        }
    }
}

#[tokio::test]
async fn gc_frees_exactly_what_the_dry_run_predicts_refuses_pushes_meanwhile_and_keeps_every_tag() {
    let data = temp_dir().unwrap();
    let storage = data.path().join("registry/storage");
    // Fixture: three images, the first two sharing a layer (same seed); then the first is deleted.
    let fixture = Registry::builder().storage_dir(&storage).start().await.unwrap();
    let gone = fixture
        .push_image("gc/app", "old", &ImageSpec::docker().seed(7).layers(&[30_000, 12_000]).label("v", "old"))
        .await
        .unwrap();
    let kept = fixture
        .push_image("gc/app", "new", &ImageSpec::docker().seed(7).layers(&[30_000]).label("v", "new"))
        .await
        .unwrap();
    let other = fixture.push_image("gc/kept", "v1", &ImageSpec::oci().layers(&[8_000])).await.unwrap();
    assert_eq!(fixture.delete_manifest("gc/app", &gone.digest).await.unwrap(), 202);
    drop(fixture);

    // The oracle: every blob file no remaining tag refers to goes.
    let keep: BTreeSet<String> = [&kept, &other].into_iter().flat_map(referenced).collect();
    let doomed: Vec<(String, u64)> =
        blob_files(&storage).into_iter().filter(|(d, _)| !keep.contains(d)).collect();
    let predicted: u64 = doomed.iter().map(|(_, size)| size).sum();
    assert!(predicted > 12_000, "the deleted image's own layer, config and manifest go: {doomed:?}");
    assert!(doomed.iter().any(|(d, _)| *d == gone.digest), "{doomed:?}");

    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let app = embedded_app(data.path(), &addr, &[]).await;
    let (_, health) = get_json(&app, "/api/health").await;
    assert_eq!(
        (health["registry_mode"].as_str(), health["gc_available"].as_bool()),
        (Some("embedded"), Some(true))
    );
    assert_eq!(health["gc_method"], "embedded");
    assert_eq!(health["registry_api_url"], format!("http://{addr}"), "REGISTRY_API_URL defaults to it");

    // The Storage page offers the dry run to an admin.
    let (_, _, body) = common::get(&app, "/storage").await;
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("Reclaim space…") && !html.contains("gc-manual"), "{html}");

    // The dry run: what would go, and the bytes; nothing deleted.
    let before = blob_bytes(&storage);
    let (status, job) = post_json(&app, "/api/gc-jobs", json!({"dry_run": true})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(job["job_type"], "gc");
    let dry = wait_job(&app, job["id"].as_str().unwrap()).await;
    assert_eq!(dry["state"], "succeeded", "{dry:#}");
    assert_eq!(dry["progress"]["bytes_total"], predicted, "{dry:#}");
    let listed: BTreeSet<&str> =
        dry["items"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = doomed.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(listed, expected);
    assert_eq!(blob_bytes(&storage), before, "a dry run deletes nothing");

    // The real run, with pushes tried all along: refused while it sweeps, never corrupted.
    let client = http();
    let (status, job) = post_json(&app, "/api/gc-jobs", json!({"dry_run": false})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    let mut refused = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if try_push(&client, &addr).await == Some(StatusCode::METHOD_NOT_ALLOWED) {
            refused += 1;
        }
        let (_, job) = get_json(&app, &format!("/api/sync-jobs/{id}")).await;
        if !matches!(job["state"].as_str(), Some("queued" | "running")) {
            break;
        }
        assert!(Instant::now() < deadline, "gc did not finish: {job:#}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let done = wait_job(&app, &id).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert!(refused > 0, "a push during the sweep is refused with the read-only answer (405)");
    assert_eq!(before - blob_bytes(&storage), predicted, "exactly the predicted bytes are freed");
    assert_eq!(done["progress"]["bytes_done"], predicted, "{done:#}");
    let logs = done["logs"].to_string();
    assert!(logs.contains("read-only for"), "{logs}");
    // Writable again.
    assert_eq!(try_push(&client, &addr).await, Some(StatusCode::ACCEPTED));
    assert_eq!(push_blob(&client, &addr, b"written after the sweep").await, StatusCode::CREATED);
    stop(app).await;

    // Every remaining tag still pulls whole (through a registry of the harness' own on the
    // same storage, an independent client).
    let check = Registry::builder().storage_dir(&storage).start().await.unwrap();
    assert_pulls(&check, &[&kept, &other]).await;
    assert_eq!(check.manifest_digest("gc/app", "old").await.unwrap(), None);
}

/// A registry binary that runs Debian's, except that `garbage-collect` does first what `case`
/// says (shell `case` arms over the arguments): a forced failure or a slow dry run.
fn wrapped_binary(dir: &Path, name: &str, case: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let real = app::backend::registry_process::find_binary().expect("docker-registry is installed");
    let path = dir.join(name);
    let script = format!("#!/bin/sh\ncase \"$*\" in\n{case}esac\nexec {} \"$@\"\n", real.display());
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A registry binary whose real sweep fails: a forced failure.
fn failing_gc_binary(dir: &Path) -> PathBuf {
    let case = "  *garbage-collect*--dry-run*) ;;\n  *garbage-collect*) echo 'sweep failed on purpose' >&2; exit 3 ;;\n";
    wrapped_binary(dir, "registry-failing-gc", case)
}

/// A storage directory holding one deleted image (its blobs left for a collection), for the
/// server to run its registry on; and the directory's owner.
async fn storage_with_one_deleted_image() -> (tempfile::TempDir, PathBuf) {
    let data = temp_dir().unwrap();
    let storage = data.path().join("registry/storage");
    let fixture = Registry::builder().storage_dir(&storage).start().await.unwrap();
    let gone = fixture.push_image("gc/app", "old", &ImageSpec::docker().layers(&[5_000])).await.unwrap();
    assert_eq!(fixture.delete_manifest("gc/app", &gone.digest).await.unwrap(), 202);
    (data, storage)
}

#[tokio::test]
async fn a_failing_sweep_still_gives_the_registry_its_normal_service_back() {
    let (data, storage) = storage_with_one_deleted_image().await;
    let tools = temp_dir().unwrap();
    let binary = failing_gc_binary(tools.path());
    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let app = embedded_app(data.path(), &addr, &["--embedded-registry-bin", binary.to_str().unwrap()]).await;
    let before = blob_bytes(&storage);

    let (status, job) =
        post_json(&app, "/api/gc-jobs", json!({"dry_run": false, "delete_untagged": true})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let done = wait_job(&app, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert!(done["error"].as_str().unwrap().contains("sweep failed on purpose"), "{done:#}");
    assert!(done["logs"].to_string().contains("read-only for"), "{done:#}");
    assert_eq!(blob_bytes(&storage), before, "nothing was swept");
    let client = http();
    assert_eq!(push_blob(&client, &addr, b"pushes work again").await, StatusCode::CREATED);
    stop(app).await;
}

/// A registry binary whose dry run takes seconds, so a cancel lands before the sweep.
fn slow_dry_run_binary(dir: &Path) -> PathBuf {
    wrapped_binary(dir, "registry-slow-dry-run", "  *garbage-collect*--dry-run*) sleep 5 ;;\n")
}

#[tokio::test]
async fn a_gc_cancelled_before_its_sweep_deletes_nothing_and_never_makes_the_registry_read_only() {
    let (data, storage) = storage_with_one_deleted_image().await;
    let tools = temp_dir().unwrap();
    let binary = slow_dry_run_binary(tools.path());
    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let app = embedded_app(data.path(), &addr, &["--embedded-registry-bin", binary.to_str().unwrap()]).await;
    let before = blob_bytes(&storage);
    let (status, job) = post_json(&app, "/api/gc-jobs", json!({"dry_run": false})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = post_json(&app, &format!("/api/sync-jobs/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let client = http();
    // Until the job has ended, the registry keeps taking pushes.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert_eq!(try_push(&client, &addr).await, Some(StatusCode::ACCEPTED), "never read-only");
        let (_, job) = get_json(&app, &format!("/api/sync-jobs/{id}")).await;
        if !matches!(job["state"].as_str(), Some("queued" | "running")) {
            assert_eq!(job["state"], "cancelled", "{job:#}");
            break;
        }
        assert!(Instant::now() < deadline, "the cancelled gc did not end: {job:#}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(blob_bytes(&storage), before, "nothing was swept");
    assert!(!wait_job(&app, &id).await["logs"].to_string().contains("read-only for"));
    stop(app).await;
}

#[tokio::test]
async fn an_external_registry_is_not_collected_and_the_answer_says_what_to_run() {
    let registry = Registry::start(rm_harness::Flavour::Plain).await.unwrap();
    let app = common::app_for(&registry, common::NO_DOCKER, &[]);
    let (status, body) = post_json(&app, "/api/gc-jobs", json!({"dry_run": true})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let text = body.to_string();
    assert!(text.contains("registry garbage-collect /etc/docker/registry/config.yml"), "{text}");
    assert!(text.contains("REGISTRY_MODE=embedded"), "{text}");
    let (_, health) = get_json(&app, "/api/health").await;
    assert_eq!(
        (health["registry_mode"].as_str(), health["gc_available"].as_bool()),
        (Some("external"), Some(false))
    );
    assert_eq!(health["gc_method"], "none");
    assert!(health["gc_unavailable_reason"].as_str().unwrap().contains("garbage-collect"), "{health}");
    // The Storage page says what to run on the registry's host instead of offering the button.
    let (status, _, body) = common::get(&app, "/storage").await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("data-testid=\"gc-manual\""), "{html}");
    assert!(html.contains("registry garbage-collect /etc/docker/registry/config.yml"), "{html}");
    assert!(!html.contains("Reclaim space…"), "{html}");
}

const BIN: &str = env!("CARGO_BIN_EXE_registry-manager");

/// The registry child of the server `pid`, once there is one that answers on `addr`, other than
/// `not`.
fn registry_child(pid: u32, addr: &str, not: Option<u32>) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let child = descendants(pid).into_iter().find(|p| Some(*p) != not && process_running(*p));
        if let Some(child) = child
            && std::net::TcpStream::connect(addr).is_ok()
        {
            return child;
        }
        assert!(Instant::now() < deadline, "no registry child answered on {addr}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_gone(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while process_running(pid) {
        assert!(Instant::now() < deadline, "process {pid} outlived the server");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The binary in embedded mode, once it listens (its signal handlers are installed by then).
fn start_server(data: &Path, registry_addr: &str) -> std::process::Child {
    let port = free_port().unwrap();
    let child = std::process::Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("REGISTRY_MODE", "embedded")
        .env("EMBEDDED_REGISTRY_ADDR", registry_addr)
        .env("AUTH", "none")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn the_embedded_registry_is_restarted_when_it_dies_and_never_outlives_the_server() {
    let data = temp_dir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let mut server = start_server(data.path(), &addr);
    let first = registry_child(server.id(), &addr, None);
    assert!(data.path().join("registry/config.yml").is_file());
    // Killed: a new one comes up on the same address.
    unsafe { libc::kill(first as libc::pid_t, libc::SIGKILL) };
    let second = registry_child(server.id(), &addr, Some(first));
    assert_ne!(first, second);
    // The server killed outright (no shutdown runs): its registry goes too.
    unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGKILL) };
    server.wait().unwrap();
    wait_gone(second);

    // Stopped politely: the same.
    let mut server = start_server(data.path(), &addr);
    let child = registry_child(server.id(), &addr, None);
    unsafe { libc::kill(server.id() as libc::pid_t, libc::SIGTERM) };
    let status = server.wait().unwrap();
    assert!(status.success(), "{status}");
    wait_gone(child);
    assert!(std::net::TcpStream::connect(&addr).is_err(), "nothing answers on {addr} any more");
}

/// A retention run whose policy says `gc_after` starts a real collection once it has deleted tags
/// (where this server runs the registry), recorded in the audit log as the `scheduler`: the deleted
/// tag's bytes leave the disk and the protected tag stays whole.
#[tokio::test]
async fn a_retention_run_with_gc_after_collects_the_garbage_it_left() {
    let data = temp_dir().unwrap();
    let storage = data.path().join("registry/storage");
    let fixture = Registry::builder().storage_dir(&storage).start().await.unwrap();
    let kept = fixture.push_image("gcr/app", "keep", &ImageSpec::docker().layers(&[9_000])).await.unwrap();
    let dropped = fixture.push_image("gcr/app", "drop", &ImageSpec::oci().layers(&[21_000])).await.unwrap();
    drop(fixture);

    let addr = format!("127.0.0.1:{}", free_port().unwrap());
    let app = embedded_app(data.path(), &addr, &[]).await;
    let before = blob_bytes(&storage);
    let policy = json!({
        "name": "gc after", "repositories": "gcr/**", "keep_last": 0, "protect_regex": "^keep$", "gc_after": true
    });
    let (status, job) =
        post_json(&app, "/api/retention-jobs", json!({"policy": policy, "dry_run": false})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let run = wait_job(&app, job["id"].as_str().unwrap()).await;
    assert_eq!(run["state"], "succeeded", "{run:#}");
    assert!(run["logs"].to_string().contains("started garbage collection job"), "{run:#}");

    let (_, list) = get_json(&app, "/api/sync-jobs").await;
    let gc =
        list["jobs"].as_array().unwrap().iter().find(|j| j["job_type"] == "gc").expect("a gc job").clone();
    let gc = wait_job(&app, gc["id"].as_str().unwrap()).await;
    assert_eq!(gc["state"], "succeeded", "{gc:#}");
    let freed = before - blob_bytes(&storage);
    assert!(freed > 21_000, "the dropped image's layer left the disk: {freed} bytes freed");
    assert_eq!(gc["progress"]["bytes_done"], freed, "{gc:#}");
    let (_, audit) = get_json(&app, "/api/audit?limit=20").await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "scheduler" && e["operation"] == "start-gc"),
        "{audit:#}"
    );
    stop(app).await;

    let check = Registry::builder().storage_dir(&storage).start().await.unwrap();
    assert_pulls(&check, &[&kept]).await;
    assert_eq!(check.manifest_digest("gcr/app", "drop").await.unwrap(), None);
    let _ = dropped;
}
