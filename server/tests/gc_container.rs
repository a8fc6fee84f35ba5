//! Garbage collection of a registry the manager does not run itself (issue 15 point 2): a
//! registry container operated through the Docker socket (`REGISTRY_CONTAINER`), and a host
//! registry described by its config (`REGISTRY_CONFIG`). Against real processes: a private
//! dockerd, a stand-in `registry:2` image built in it from Debian's distribution binary (nothing
//! is pulled), and `docker-registry` processes of the harness.
//!
//! The registry container's storage is a directory of the test, mounted at /var/lib/registry, so
//! the oracle is the same as in gc.rs: every blob file minus those the remaining tags refer to.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{blob_bytes, blob_files, get_json, post_json, push_blob, referenced, wait_job};
use rm_harness::fixtures::sha256_digest;
use rm_harness::process::{free_port, temp_dir};
use rm_harness::registry::Registry;
use rm_harness::{Dockerd, ImageSpec, PushedImage};
use serde_json::json;
use tokio::sync::OnceCell;

/// The stand-in registry image, built once per test process.
const IMAGE: &str = "rmt-registry-gc:stand-in";

/// A storage directory with three images pushed, two sharing a layer, and the first deleted
/// again; with the images kept and the blob files that no kept tag refers to (what GC frees).
struct Fixture {
    _dir: tempfile::TempDir,
    storage: std::path::PathBuf,
    kept: Vec<PushedImage>,
    doomed: Vec<(String, u64)>,
}

impl Fixture {
    async fn new() -> Fixture {
        let dir = temp_dir().unwrap();
        let storage = dir.path().join("storage");
        let registry = Registry::builder().storage_dir(&storage).start().await.unwrap();
        let spec =
            |label: &str, layers: &[usize]| ImageSpec::docker().seed(11).layers(layers).label("v", label);
        let gone = registry.push_image("gc/app", "old", &spec("old", &[24_000, 9_000])).await.unwrap();
        let new = registry.push_image("gc/app", "new", &spec("new", &[24_000])).await.unwrap();
        let other = registry.push_image("gc/kept", "v1", &ImageSpec::oci().layers(&[7_000])).await.unwrap();
        assert_eq!(registry.delete_manifest("gc/app", &gone.digest).await.unwrap(), 202);
        drop(registry);
        let kept = vec![new, other];
        let keep: BTreeSet<String> = kept.iter().flat_map(referenced).collect();
        let doomed: Vec<(String, u64)> =
            blob_files(&storage).into_iter().filter(|(d, _)| !keep.contains(d)).collect();
        assert!(doomed.iter().any(|(d, _)| *d == gone.digest), "{doomed:?}");
        Fixture { _dir: dir, storage, kept, doomed }
    }

    fn predicted(&self) -> u64 {
        self.doomed.iter().map(|(_, size)| size).sum()
    }
}

fn nonce() -> String {
    format!("{:x}", rm_harness::fixtures::fresh_seed() & 0xff_ffff)
}

async fn daemon_with_image() -> &'static Dockerd {
    static BUILT: OnceCell<()> = OnceCell::const_new();
    let d = rm_harness::dockerd::shared().await.expect("the private dockerd starts");
    BUILT
        .get_or_init(|| async {
            let config = rm_harness::registry_image::stack_config();
            rm_harness::registry_image::build_stand_in(d, IMAGE, &config).await.expect("the stand-in builds");
        })
        .await;
    d
}

/// `docker args…` on the private daemon, synchronously (also usable from `Drop`); stdout, trimmed.
fn docker(d: &Dockerd, args: &[&str]) -> Result<String, String> {
    let output =
        d.cli_command(args).stdin(std::process::Stdio::null()).output().expect("the docker CLI runs");
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!("docker {args:?} failed: {stdout}{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// A registry container of the stand-in image on the host network, its storage `storage`
/// (mounted read-only with `read_only`); removed on drop.
struct RegistryContainer {
    d: &'static Dockerd,
    name: String,
    addr: String,
    /// A named volume of its own, removed with it.
    volume: Option<String>,
}

impl RegistryContainer {
    async fn start(d: &'static Dockerd, storage: &Path, read_only: bool) -> RegistryContainer {
        let name = format!("rmt-gc-{}", nonce());
        let addr = format!("127.0.0.1:{}", free_port().unwrap());
        let volume = format!("{}:/var/lib/registry{}", storage.display(), if read_only { ":ro" } else { "" });
        let env = format!("REGISTRY_HTTP_ADDR={addr}");
        docker(d, &["run", "-d", "--name", &name, "--network", "host", "-e", &env, "-v", &volume, IMAGE])
            .unwrap();
        let container = RegistryContainer { d, name, addr, volume: None };
        container.wait_answering().await;
        container
    }

    /// As the full stack runs it: storage in a named volume (seeded with a copy of `seed`), here
    /// mounted at /srv/registry with the root moved there by the container's environment
    /// (`REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY`), which the manager has to apply to the
    /// config it reads out of the image.
    async fn start_on_volume(d: &'static Dockerd, seed: &Path) -> RegistryContainer {
        let name = format!("rmt-gc-{}", nonce());
        let volume = format!("rmt-gc-vol-{}", nonce());
        let addr = format!("127.0.0.1:{}", free_port().unwrap());
        let mount = format!("{volume}:/srv/registry");
        let env = format!("REGISTRY_HTTP_ADDR={addr}");
        let root = "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/srv/registry";
        let create =
            ["create", "--name", &name, "--network", "host", "-e", &env, "-e", root, "-v", &mount, IMAGE];
        docker(d, &create).unwrap();
        let container = RegistryContainer { d, name, addr, volume: Some(volume) };
        let source = format!("{}/.", seed.display());
        docker(d, &["cp", &source, &format!("{}:/srv/registry", container.name)]).unwrap();
        docker(d, &["start", &container.name]).unwrap();
        container.wait_answering().await;
        container
    }

    /// The named volume's directory on this host (the daemon's data root is the test's).
    fn volume_dir(&self) -> std::path::PathBuf {
        let volume = self.volume.as_ref().expect("a container on a named volume");
        self.d.root_dir().join("data/volumes").join(volume).join("_data")
    }

    async fn wait_answering(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = http().get(format!("http://{}/v2/", self.addr)).send().await
                && response.status() == 200
            {
                return;
            }
            assert!(Instant::now() < deadline, "the registry container does not answer: {:?}", self.logs());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn inspect(&self, format: &str) -> String {
        docker(self.d, &["inspect", "-f", format, &self.name]).unwrap()
    }

    fn started_at(&self) -> String {
        self.inspect("{{.State.StartedAt}}")
    }

    fn running(&self) -> bool {
        self.inspect("{{.State.Running}}") == "true"
    }

    fn logs(&self) -> Result<String, String> {
        docker(self.d, &["logs", "--tail", "20", &self.name])
    }

    /// The manager, operating this container through the private daemon's socket.
    fn app(&self) -> common::TestApp {
        let url = format!("http://{}", self.addr);
        common::router(&[
            "--registry-api-url",
            &url,
            "--docker-host",
            self.d.host(),
            "--registry-container",
            &self.name,
        ])
    }
}

impl Drop for RegistryContainer {
    fn drop(&mut self) {
        let _ = docker(self.d, &["rm", "-f", &self.name]);
        if let Some(volume) = &self.volume {
            let _ = docker(self.d, &["volume", "rm", volume]);
        }
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap()
}

/// Every kept tag pulls whole: with `docker pull` through the daemon, and its manifest and
/// blobs fetched over HTTP with each digest checked.
async fn assert_pulls(d: &Dockerd, addr: &str, images: &[PushedImage]) {
    let client = http();
    for image in images {
        let reference = format!("{addr}/{}:{}", image.repository, image.tag);
        docker(d, &["pull", &reference]).unwrap();
        docker(d, &["image", "rm", &reference]).unwrap();
        let manifest = client
            .get(format!("http://{addr}/v2/{}/manifests/{}", image.repository, image.tag))
            .header("accept", image.media_type.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(manifest.status(), 200, "{reference}");
        assert_eq!(sha256_digest(&manifest.bytes().await.unwrap()), image.digest, "{reference}");
        for digest in referenced(image).into_iter().skip(1) {
            let url = format!("http://{addr}/v2/{}/blobs/{digest}", image.repository);
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), 200, "{url}");
            assert_eq!(sha256_digest(&response.bytes().await.unwrap()), digest, "{url}: the bytes are whole");
        }
    }
}

/// No one-off GC container of `registry` is left behind (other tests' may run meanwhile).
fn assert_no_gc_containers(registry: &RegistryContainer) {
    let id = registry.inspect("{{.Id}}");
    let filter = format!("label=registry-manager.volumes-from={id}");
    let left =
        docker(registry.d, &["ps", "-aq", "--filter", "label=registry-manager.role=gc", "--filter", &filter])
            .unwrap();
    assert_eq!(left, "", "one-off garbage collection containers were left behind");
}

async fn run_gc(app: &common::TestApp, body: serde_json::Value) -> serde_json::Value {
    let (status, job) = post_json(app, "/api/gc-jobs", body).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    wait_job(app, job["id"].as_str().unwrap()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registry_container_is_collected_by_a_one_off_container_and_runs_again_afterwards() {
    let fixture = Fixture::new().await;
    let d = daemon_with_image().await;
    let registry = RegistryContainer::start(d, &fixture.storage, false).await;
    let app = registry.app();
    let (_, health) = get_json(&app, "/api/health").await;
    assert_eq!(
        (health["gc_method"].as_str(), health["gc_available"].as_bool()),
        (Some("container"), Some(true)),
        "{health:#}"
    );
    let (_, _, body) = common::get(&app, "/status").await;
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("available through the Docker socket"), "the Status page says how: {html}");
    let (_, _, body) = common::get(&app, "/storage").await;
    assert!(String::from_utf8_lossy(&body).contains("Reclaim space…"), "an admin is offered the dry run");

    // The dry run: what would go, with the bytes; nothing deleted, the registry left running.
    let before = blob_bytes(&fixture.storage);
    let started = registry.started_at();
    let dry = run_gc(&app, json!({"dry_run": true})).await;
    assert_eq!(dry["state"], "succeeded", "{dry:#}");
    assert_eq!(dry["progress"]["bytes_total"], fixture.predicted(), "{dry:#}");
    let listed: BTreeSet<&str> =
        dry["items"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = fixture.doomed.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(listed, expected);
    assert_eq!(blob_bytes(&fixture.storage), before, "a dry run deletes nothing");
    assert_eq!(registry.started_at(), started, "a dry run leaves the registry running");
    assert!(dry["logs"].to_string().contains("--volumes-from"), "{dry:#}");
    assert_no_gc_containers(&registry);

    // The real run: the registry is stopped for the sweep and started again.
    let done = run_gc(&app, json!({"dry_run": false})).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert_eq!(
        before - blob_bytes(&fixture.storage),
        fixture.predicted(),
        "exactly the predicted bytes are freed"
    );
    assert_eq!(done["progress"]["bytes_done"], fixture.predicted(), "{done:#}");
    let logs = done["logs"].to_string();
    assert!(logs.contains(&format!("the registry container {} was stopped for", registry.name)), "{logs}");
    assert!(logs.contains("it runs again"), "{logs}");
    assert!(registry.running(), "the registry container runs again");
    assert_ne!(registry.started_at(), started, "it was stopped and started");
    assert_no_gc_containers(&registry);
    registry.wait_answering().await;
    assert_eq!(push_blob(&http(), &registry.addr, b"written after the sweep").await, StatusCode::CREATED);
    assert_pulls(d, &registry.addr, &fixture.kept).await;
    let gone = http().get(format!("http://{}/v2/gc/app/manifests/old", registry.addr)).send().await.unwrap();
    assert_eq!(gone.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registry_on_a_named_volume_with_its_root_moved_by_the_environment_is_measured_and_collected() {
    let fixture = Fixture::new().await;
    let d = daemon_with_image().await;
    let registry = RegistryContainer::start_on_volume(d, &fixture.storage).await;
    let storage = registry.volume_dir();
    assert_eq!(blob_bytes(&storage), blob_bytes(&fixture.storage), "the volume holds the fixture");
    let app = registry.app();
    let dry = run_gc(&app, json!({"dry_run": true})).await;
    assert_eq!(dry["state"], "succeeded", "{dry:#}");
    assert_eq!(
        dry["progress"]["bytes_total"],
        fixture.predicted(),
        "sizes read under the moved root: {dry:#}"
    );
    let before = blob_bytes(&storage);
    let done = run_gc(&app, json!({"dry_run": false})).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert_eq!(before - blob_bytes(&storage), fixture.predicted());
    assert_eq!(done["progress"]["bytes_done"], fixture.predicted(), "{done:#}");
    assert!(registry.running());
    registry.wait_answering().await;
    assert_pulls(d, &registry.addr, &fixture.kept).await;
    assert_no_gc_containers(&registry);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_sweep_in_the_container_still_starts_the_registry_again() {
    let fixture = Fixture::new().await;
    let d = daemon_with_image().await;
    // Storage mounted read-only: the dry run reads it fine, the sweep cannot delete.
    let registry = RegistryContainer::start(d, &fixture.storage, true).await;
    let app = registry.app();
    let before = blob_bytes(&fixture.storage);
    let done = run_gc(&app, json!({"dry_run": false, "delete_untagged": true})).await;
    assert_eq!(done["state"], "failed", "{done:#}");
    assert!(done["error"].as_str().unwrap().contains("garbage-collect failed"), "{done:#}");
    let logs = done["logs"].to_string();
    assert!(logs.contains("was stopped for") && logs.contains("it runs again"), "{logs}");
    assert!(registry.running(), "the registry container runs again after the failure");
    registry.wait_answering().await;
    assert_eq!(blob_bytes(&fixture.storage), before, "nothing was swept");
    assert_pulls(d, &registry.addr, &fixture.kept).await;
    assert_no_gc_containers(&registry);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gc_cancelled_during_its_dry_run_leaves_the_registry_container_running_and_untouched() {
    let fixture = Fixture::new().await;
    let d = daemon_with_image().await;
    let registry = RegistryContainer::start(d, &fixture.storage, false).await;
    let app = registry.app();
    let (before, started) = (blob_bytes(&fixture.storage), registry.started_at());
    let (status, job) = post_json(&app, "/api/gc-jobs", json!({"dry_run": false})).await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    // The dry run alone creates, starts and removes a container: the cancel lands before the sweep.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (status, _) = post_json(&app, &format!("/api/sync-jobs/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let done = wait_job(&app, &id).await;
    assert_eq!(done["state"], "cancelled", "{done:#}");
    assert!(!done["logs"].to_string().contains("was stopped for"), "{done:#}");
    assert_eq!(registry.started_at(), started, "the registry was never stopped");
    assert!(registry.running());
    assert_eq!(blob_bytes(&fixture.storage), before, "nothing was swept");
    // The dry run's one-off is removed, if only once the job has let go of it.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let id = registry.inspect("{{.Id}}");
        let filter = format!("label=registry-manager.volumes-from={id}");
        if docker(d, &["ps", "-aq", "--filter", &filter]).unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the dry run's one-off container was left behind");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_registry_container_fails_the_job_with_what_to_check() {
    let d = rm_harness::dockerd::shared().await.unwrap();
    let name = format!("rmt-missing-{}", nonce());
    let app = common::router(&[
        "--registry-api-url",
        "http://127.0.0.1:9",
        "--docker-host",
        d.host(),
        "--registry-container",
        &name,
    ]);
    let done = run_gc(&app, json!({"dry_run": true})).await;
    assert_eq!(done["state"], "failed", "{done:#}");
    let error = done["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("there is no container {name}")) && error.contains("docker ps -a"),
        "{error}"
    );
}

/// A config.yml for a host registry on `storage`, serving on `addr`.
fn host_config(dir: &Path, storage: &Path, addr: &str, read_only: bool) -> std::path::PathBuf {
    let path = dir.join("config.yml");
    let maintenance = if read_only { "  maintenance:\n    readonly:\n      enabled: true\n" } else { "" };
    let text = format!(
        "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n{maintenance}http:\n  addr: {addr}\n",
        storage.display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_host_registry_is_swept_only_while_it_cannot_take_pushes() {
    let fixture = Fixture::new().await;
    let tools = temp_dir().unwrap();
    // The registry of REGISTRY_CONFIG, running and writable.
    let running = Registry::builder().storage_dir(&fixture.storage).start().await.unwrap();
    let addr = running.host();
    let config = host_config(tools.path(), &fixture.storage, &addr, false);
    let url = running.url();
    let config_arg = config.to_string_lossy().into_owned();
    let app = common::router(&["--registry-api-url", &url, "--registry-config", &config_arg]);
    let (_, health) = get_json(&app, "/api/health").await;
    assert_eq!((health["gc_method"].as_str(), health["gc_available"].as_bool()), (Some("host"), Some(true)));
    let (_, _, body) = common::get(&app, "/status").await;
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("available while the registry is read-only or stopped"), "{html}");

    // A dry run works at any time.
    let before = blob_bytes(&fixture.storage);
    let dry = run_gc(&app, json!({"dry_run": true})).await;
    assert_eq!(dry["state"], "succeeded", "{dry:#}");
    assert_eq!(dry["progress"]["bytes_total"], fixture.predicted(), "{dry:#}");

    // A sweep while it takes pushes is refused, saying what to do; nothing is deleted.
    let refused = run_gc(&app, json!({"dry_run": false})).await;
    assert_eq!(refused["state"], "failed", "{refused:#}");
    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("refused: the registry described by"), "{error}");
    assert!(error.contains("storage.maintenance.readonly.enabled: true"), "{error}");
    assert_eq!(blob_bytes(&fixture.storage), before);

    // Stopped, it no longer answers: the sweep runs and frees what the dry run predicted.
    drop(running);
    let done = run_gc(&app, json!({"dry_run": false})).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert!(done["logs"].to_string().contains("nothing answers on the registry's address"), "{done:#}");
    assert_eq!(before - blob_bytes(&fixture.storage), fixture.predicted());
    assert_eq!(done["progress"]["bytes_done"], fixture.predicted(), "{done:#}");

    // Every remaining tag is whole, read back by a registry of the harness on the same storage.
    let check = Registry::builder().storage_dir(&fixture.storage).start().await.unwrap();
    for image in &fixture.kept {
        let (_, manifest) = check.get_manifest(&image.repository, &image.tag).await.unwrap();
        assert_eq!(sha256_digest(&manifest), image.digest);
        for digest in referenced(image).into_iter().skip(1) {
            assert!(check.blob_exists(&image.repository, &digest).await.unwrap(), "{digest}");
        }
    }
}

#[tokio::test]
async fn a_host_registry_configured_read_only_is_swept_while_it_runs() {
    let fixture = Fixture::new().await;
    let tools = temp_dir().unwrap();
    let running = Registry::builder().storage_dir(&fixture.storage).start().await.unwrap();
    // The config says read-only (as its operator would have restarted it with).
    let config = host_config(tools.path(), &fixture.storage, &running.host(), true);
    let config_arg = config.to_string_lossy().into_owned();
    let app = common::router(&["--registry-api-url", &running.url(), "--registry-config", &config_arg]);
    let before = blob_bytes(&fixture.storage);
    let done = run_gc(&app, json!({"dry_run": false})).await;
    assert_eq!(done["state"], "succeeded", "{done:#}");
    assert!(done["logs"].to_string().contains("storage.maintenance.readonly.enabled: true"), "{done:#}");
    assert_eq!(before - blob_bytes(&fixture.storage), fixture.predicted());
}
