//! The outbound policy and the size caps end to end (issue 11 points 4 and 5): sync jobs from a
//! hostile source ([`rm_harness::HostileRegistry`]) that is not listed, redirects to a port that is
//! not listed, names a token realm on another host, streams an endless manifest, or announces a
//! 5 GB config. Everything is on 127.0.0.1; address classes other than loopback are checked at the
//! policy level only (unit tests in `app/src/backend/registry/outbound.rs`), never connected to.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{NO_DOCKER, app_for, start};
use rm_harness::hostile::{Behaviour, HUGE_CONFIG_DESCRIPTOR_SIZE, HostileRegistry};
use rm_harness::registry::{Flavour, Registry};
use serde_json::{Value, json};

/// What a finished job says: its items' details and its log, one line each.
fn said(job: &Value) -> String {
    let details = job["items"].as_array().into_iter().flatten().filter_map(|i| i["detail"].as_str());
    let logs = job["log_entries"].as_array().into_iter().flatten().filter_map(|l| l["message"].as_str());
    details.chain(logs).collect::<Vec<_>>().join("\n")
}

fn sync(source: &str) -> Value {
    json!({"source_image": format!("{source}/team/app:v1"), "target_repository": "stolen/app"})
}

#[tokio::test]
async fn a_source_that_is_not_listed_is_refused_before_anything_is_sent() {
    let ours = Registry::start(Flavour::Plain).await.unwrap();
    let hostile = HostileRegistry::start(Behaviour::Recorder).unwrap();
    let app = app_for(&ours, NO_DOCKER, &[]);
    // By address (checked before sending) and by name (checked on the resolved address).
    for source in [hostile.host(), format!("localhost:{}", hostile.port())] {
        let started = Instant::now();
        let job = start(&app, "/api/sync-jobs", sync(&source)).await;
        let took = started.elapsed();
        assert_eq!(job["state"], "failed", "{job:#}");
        let said = said(&job);
        assert!(said.contains("is a loopback address") && said.contains("SOURCE_REGISTRIES"), "{said}");
        println!("figure: refused {source} in {took:?} (POST to finished job, polled every 100 ms)");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    assert_eq!(hostile.requests(), [], "nothing reached the unlisted source");
    assert!(ours.tags("stolen/app").await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_listed_source_works_and_its_redirect_to_an_unlisted_port_is_refused() {
    let ours = Registry::start(Flavour::Plain).await.unwrap();
    let unlisted = HostileRegistry::start(Behaviour::Recorder).unwrap();
    let hostile = HostileRegistry::start(Behaviour::RedirectManifests {
        location: format!("{}/v2/team/app/manifests/v1", unlisted.url()),
    })
    .unwrap();
    let app = app_for(&ours, NO_DOCKER, &["--source-registries", &hostile.host()]);
    let job = start(&app, "/api/sync-jobs", sync(&hostile.host())).await;
    assert_eq!(job["state"], "failed", "{job:#}");
    let said = said(&job);
    assert!(
        said.contains(&format!("redirect to {}/v2/team/app/manifests/v1 refused", unlisted.url())),
        "{said}"
    );
    assert!(said.contains("loopback address") && said.contains("SOURCE_REGISTRIES"), "{said}");
    assert!(!hostile.requests().is_empty(), "the listed source was asked");
    assert_eq!(unlisted.requests(), [], "the redirect was not followed");
}

#[tokio::test]
async fn credentials_never_go_to_a_token_realm_on_another_host() {
    let ours = Registry::start(Flavour::Plain).await.unwrap();
    let hostile = HostileRegistry::start(Behaviour::TokenRealmOnOtherHost).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let auth = dir.path().join("auth.json");
    let secret = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
    std::fs::write(&auth, json!({"auths": {hostile.host(): {"auth": secret}}}).to_string()).unwrap();
    // The realm (`localhost:PORT`) is reachable: the address policy is not what stops it.
    let listed = format!("{},localhost:{}", hostile.host(), hostile.port());
    let app = app_for(
        &ours,
        NO_DOCKER,
        &["--source-registries", &listed, "--source-registry-auth-file", auth.to_str().unwrap()],
    );
    let job = start(&app, "/api/sync-jobs", sync(&hostile.host())).await;
    assert_eq!(job["state"], "failed", "{job:#}");
    let said = said(&job);
    assert!(said.contains("TOKEN_REALM_HOSTS") && said.contains("another host"), "{said}");
    let requests = hostile.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| !r.authorization), "a credential arrived: {requests:?}");
    assert!(requests.iter().all(|r| !r.path.starts_with("/token")), "the realm was asked: {requests:?}");
}

#[tokio::test]
async fn a_config_announcing_5_gb_fails_the_sync_without_being_read() {
    let ours = Registry::start(Flavour::Plain).await.unwrap();
    let hostile = HostileRegistry::start(Behaviour::HugeConfig).unwrap();
    let app = app_for(&ours, NO_DOCKER, &["--source-registries", &hostile.host()]);
    // With a platform filter the config is read (and capped at its descriptor's size); without,
    // it is streamed as a blob, whose announced length must match the descriptor.
    let cases = [
        (
            json!(["linux/amd64"]),
            format!("image config larger than 1.2 KiB ({HUGE_CONFIG_DESCRIPTOR_SIZE} bytes)"),
        ),
        (json!([]), "5000000000".to_owned()),
    ];
    for (platforms, expected) in cases {
        let started = Instant::now();
        let mut request = sync(&hostile.host());
        request["platforms"] = platforms;
        let job = start(&app, "/api/sync-jobs", request).await;
        assert_eq!(job["state"], "failed", "{job:#}");
        let said = said(&job);
        assert!(said.contains(&expected), "{said}");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }
    assert!(hostile.streamed_bytes() < 64 << 20, "read {} bytes of the config", hostile.streamed_bytes());
}

/// Polls a job of a server process until it has finished (30 s at most).
async fn wait_finished(http: &reqwest::Client, url: &str) -> Value {
    use rm_harness::app::{ADMIN_PASSWORD, ADMIN_USERNAME};
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let request = http.get(url).basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD));
        let job: Value = request.send().await.unwrap().json().await.unwrap();
        if !matches!(job["state"].as_str(), Some("queued" | "running")) {
            return job;
        }
        assert!(Instant::now() < deadline, "still running: {job:#}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs a sync job on the server process `pid` at `base`, sampling its anonymous resident memory
/// (the heap; VmHWM would also count code pages the job pages in) every millisecond: the finished
/// job, how long it took, and its peak growth in KiB.
async fn measured(http: &reqwest::Client, base: &str, pid: u32, body: &Value) -> (Value, Duration, u64) {
    use rm_harness::app::{ADMIN_PASSWORD, ADMIN_USERNAME};
    use std::sync::atomic::{AtomicBool, Ordering};
    let baseline = status_kib(pid, "RssAnon");
    let sampling = std::sync::Arc::new(AtomicBool::new(true));
    let sampler = std::thread::spawn({
        let sampling = sampling.clone();
        move || {
            let mut peak = 0;
            while sampling.load(Ordering::Relaxed) {
                peak = peak.max(status_kib(pid, "RssAnon"));
                std::thread::sleep(Duration::from_millis(1));
            }
            peak
        }
    });
    let started = Instant::now();
    let request = http.post(format!("{base}/api/sync-jobs")).basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD));
    let job: Value = request.json(body).send().await.unwrap().json().await.unwrap();
    let id = job["id"].as_str().unwrap_or_else(|| panic!("{job}")).to_owned();
    let job = wait_finished(http, &format!("{base}/api/sync-jobs/{id}")).await;
    let took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    (job, took, peak.saturating_sub(baseline))
}

/// A `/proc/PID/status` field in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn an_endless_manifest_fails_the_sync_within_seconds_and_memory_stays_flat() {
    use rm_harness::app::{ADMIN_PASSWORD, ADMIN_USERNAME, AppConfig, AppServer};
    let ours = Registry::start(Flavour::Plain).await.unwrap();
    let hostile = HostileRegistry::start(Behaviour::EndlessManifest).unwrap();
    ours.push_image("team/app", "v1", &rm_harness::ImageSpec::docker().layers(&[2048])).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    // The real binary in its own process, so its memory is its own.
    let server = AppServer::start(AppConfig {
        name: "endless".to_owned(),
        bin: env!("CARGO_BIN_EXE_registry-manager").into(),
        site_root: data.path().to_path_buf(),
        registry_url: ours.url(),
        docker_host: NO_DOCKER.to_owned(),
        admin_password: Some(ADMIN_PASSWORD.to_owned()),
        extra_env: vec![("SOURCE_REGISTRIES".to_owned(), hostile.host())],
    })
    .await
    .unwrap();
    let pid = server.pid();
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}{path}", server.url());
    // A sync that succeeds (from our own registry) and one that fails at once (an unlisted
    // source) warm the job engine, the copy engine, the store and the log: a first sync costs
    // some 30 MiB of peak RSS in a debug build, whatever it copies.
    let warm_ups = [
        json!({"source_image": format!("{}/team/app:v1", ours.host()), "target_repository": "copy/app"}),
        sync(&format!("127.0.0.1:{}", common::dead_port())),
    ];
    for warm_up in warm_ups {
        let request = http.post(api("/api/sync-jobs")).basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD));
        let warm: Value = request.json(&warm_up).send().await.unwrap().json().await.unwrap();
        let id = warm["id"].as_str().unwrap_or_else(|| panic!("{warm}")).to_owned();
        wait_finished(&http, &api(&format!("/api/sync-jobs/{id}"))).await;
    }
    // A normal sync of a small image is the control: what a sync costs anyway.
    let control =
        json!({"source_image": format!("{}/team/app:v1", ours.host()), "target_repository": "copy/again"});
    let (control_job, _, control_growth) = measured(&http, &server.url(), pid, &control).await;
    assert_eq!(control_job["state"], "succeeded", "{control_job:#}");
    let (job, took, growth) = measured(&http, &server.url(), pid, &sync(&hostile.host())).await;
    let growth_kib = growth.saturating_sub(control_growth);
    println!(
        "figure: endless manifest refused in {took:?}; peak heap growth {growth} KiB against {control_growth} KiB \
         for a normal small sync ({growth_kib} KiB more); the source streamed {} bytes",
        hostile.streamed_bytes()
    );
    assert_eq!(job["state"], "failed", "{job:#}");
    let said = said(&job);
    let expected = format!(
        "manifest larger than 4.0 MiB (4194304 bytes) from {}/v2/team/app/manifests/v1",
        hostile.url()
    );
    assert!(said.contains(&expected), "{said}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(
        growth_kib < 10 << 10,
        "the endless manifest grew the heap by {growth_kib} KiB more than a sync does"
    );
}
