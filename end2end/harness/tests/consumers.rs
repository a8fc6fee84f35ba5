//! Real consumers read what the harness pushed: the private dockerd (`docker pull`, bollard)
//! and skopeo. Also local images and dockerd lifecycle.

use std::process::Command;

use bollard::auth::DockerCredentials;
use bollard::query_parameters::CreateImageOptions;
use futures::StreamExt;
use rm_harness::process::{self, descendants, pid_alive};
use rm_harness::{Dockerd, Flavour, ImageSpec, ManifestFormat, Registry, dockerd};
use serde_json::Value;

fn skopeo(args: &[&str]) -> Command {
    let mut c = Command::new("skopeo");
    c.args(args);
    c
}

async fn skopeo_json(args: &[&str]) -> Value {
    let out = process::run_ok(skopeo(args)).await.unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn docker_pull_from_plain_and_layers_extract() {
    let d = dockerd::shared().await.unwrap();
    let r = Registry::start(Flavour::Plain).await.unwrap();
    let img = r
        .push_image(
            "pull/plain",
            "v1",
            &ImageSpec::default().layers(&[4096, 100_000]).label("rmh.test", "plain"),
        )
        .await
        .unwrap();
    let reference = img.reference(&r.host());
    d.cli_ok(&["pull", &reference]).await.unwrap();
    let inspect: Value =
        serde_json::from_str(&d.cli_ok(&["image", "inspect", &reference]).await.unwrap()).unwrap();
    let inspect = &inspect[0];
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Config"]["Labels"]["rmh.test"], "plain");
    let repo_digests: Vec<&str> =
        inspect["RepoDigests"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
    assert!(
        repo_digests.contains(&format!("{}/pull/plain@{}", r.host(), img.digest).as_str()),
        "{repo_digests:?}"
    );
    assert_eq!(inspect["Id"], img.config_digest.as_str());

    // The layers really extracted: export a (never started) container's filesystem.
    let cid = d.cli_ok(&["create", "--network", "none", &reference]).await.unwrap();
    let cid = cid.trim();
    let export = d.cli(&["export", cid]).await.unwrap();
    assert!(export.status.success());
    d.cli_ok(&["rm", cid]).await.unwrap();
    let mut ar = tar::Archive::new(&export.stdout[..]);
    let mut sizes: Vec<u64> = ar
        .entries()
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let p = e.path().unwrap().to_string_lossy().into_owned();
            (p.starts_with("rmh/layer-") && p.ends_with(".bin")).then(|| e.header().size().unwrap())
        })
        .collect();
    sizes.sort();
    assert_eq!(sizes, vec![4096, 100_000]);
}

#[tokio::test]
async fn bollard_pull_with_basic_credentials() {
    let d = dockerd::shared().await.unwrap();
    let r = Registry::start(Flavour::Basic).await.unwrap();
    let img = r.push_image("pull/basic", "v1", &ImageSpec::oci()).await.unwrap();
    let docker = d.client();
    let from_image = format!("{}/pull/basic", r.host());
    let pull = |creds: Option<DockerCredentials>| {
        docker
            .create_image(
                Some(CreateImageOptions {
                    from_image: Some(from_image.clone()),
                    tag: Some("v1".into()),
                    ..Default::default()
                }),
                None,
                creds,
            )
            .collect::<Vec<_>>()
    };
    // Without credentials the daemon is refused.
    let anon = pull(None).await;
    assert!(anon.iter().any(|r| r.is_err()), "anonymous pull succeeded?");
    let (user, pass) = r.credentials().unwrap();
    let creds = DockerCredentials {
        username: Some(user),
        password: Some(pass),
        serveraddress: Some(r.host()),
        ..Default::default()
    };
    for item in pull(Some(creds)).await {
        item.unwrap();
    }
    let inspect = docker.inspect_image(&format!("{from_image}:v1")).await.unwrap();
    assert_eq!(inspect.id.as_deref(), Some(img.config_digest.as_str()));
}

#[tokio::test]
async fn docker_login_and_pull_through_bearer_challenge() {
    let d = dockerd::shared().await.unwrap();
    let r = Registry::start(Flavour::Bearer).await.unwrap();
    let img = r.push_image("pull/bearer", "v1", &ImageSpec::default()).await.unwrap();
    let reference = img.reference(&r.host());
    let (user, pass) = r.credentials().unwrap();
    // Without login the daemon gets no token.
    let anon = d.cli(&["pull", &reference]).await.unwrap();
    assert!(!anon.status.success());
    // The daemon follows the challenge to the harness token endpoint with these creds.
    d.cli_ok(&["login", "-u", &user, "-p", &pass, &r.host()]).await.unwrap();
    d.cli_ok(&["pull", &reference]).await.unwrap();
    let id = d.cli_ok(&["image", "inspect", "-f", "{{.Id}}", &reference]).await.unwrap();
    assert_eq!(id.trim(), img.config_digest);
    d.cli_ok(&["logout", &r.host()]).await.unwrap();
}

#[tokio::test]
async fn docker_pull_of_multi_arch_index_picks_amd64() {
    let d = dockerd::shared().await.unwrap();
    let r = Registry::start(Flavour::Plain).await.unwrap();
    let idx = r
        .push_index(
            "pull/multi",
            "latest",
            &[ImageSpec::default(), ImageSpec::default().arch("arm64")],
            ManifestFormat::Oci,
        )
        .await
        .unwrap();
    let reference = format!("{}/pull/multi:latest", r.host());
    d.cli_ok(&["pull", &reference]).await.unwrap();
    let arch = d.cli_ok(&["image", "inspect", "-f", "{{.Architecture}} {{.Id}}", &reference]).await.unwrap();
    assert_eq!(arch.trim(), format!("amd64 {}", idx.children[0].config_digest));
}

#[tokio::test]
async fn skopeo_reads_tls_with_ca_and_auth_flavours() {
    let tls = Registry::start(Flavour::Tls).await.unwrap();
    let img = tls.push_image("sk/tls", "v1", &ImageSpec::oci().label("k", "v")).await.unwrap();
    let cert_dir = tls.ca_cert_path().unwrap().parent().unwrap().to_str().unwrap();
    let v = skopeo_json(&[
        "inspect",
        "--tls-verify=true",
        "--cert-dir",
        cert_dir,
        &format!("docker://{}/sk/tls:v1", tls.host()),
    ])
    .await;
    assert_eq!(v["Digest"], img.digest.as_str());
    assert_eq!(v["Labels"]["k"], "v");
    // Without the CA, verification fails.
    let out = process::run(skopeo(&[
        "inspect",
        "--tls-verify=true",
        &format!("docker://{}/sk/tls:v1", tls.host()),
    ]))
    .await
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate"), "{err}");

    for flavour in [Flavour::Basic, Flavour::Bearer] {
        let r = Registry::start(flavour).await.unwrap();
        let img = r.push_image("sk/auth", "v1", &ImageSpec::default()).await.unwrap();
        let (u, p) = r.credentials().unwrap();
        let creds = format!("{u}:{p}");
        let target = format!("docker://{}/sk/auth:v1", r.host());
        let v = skopeo_json(&["inspect", "--tls-verify=false", "--creds", &creds, &target]).await;
        assert_eq!(v["Digest"], img.digest.as_str(), "{flavour:?}");
        let denied =
            process::run(skopeo(&["inspect", "--tls-verify=false", "--no-creds", &target])).await.unwrap();
        assert!(!denied.status.success(), "{flavour:?}: anonymous inspect worked");
    }
}

#[tokio::test]
async fn skopeo_raw_index_shows_both_platforms() {
    let r = Registry::start(Flavour::Plain).await.unwrap();
    for format in [ManifestFormat::Docker, ManifestFormat::Oci] {
        let repo = format!("sk/index-{format:?}").to_lowercase();
        let idx = r
            .push_index(&repo, "multi", &[ImageSpec::default(), ImageSpec::default().arch("arm64")], format)
            .await
            .unwrap();
        let target = format!("docker://{}/{repo}:multi", r.host());
        let raw = skopeo_json(&["inspect", "--raw", "--tls-verify=false", &target]).await;
        assert_eq!(raw["mediaType"], format.index_media_type());
        let platforms: Vec<String> = raw["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}/{}",
                    m["platform"]["os"].as_str().unwrap(),
                    m["platform"]["architecture"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
        // skopeo resolves the index to the arm64 child when asked for it (its `Digest`
        // stays the index's).
        let arm = skopeo_json(&["inspect", "--override-arch", "arm64", "--tls-verify=false", &target]).await;
        assert_eq!(arm["Digest"], idx.digest.as_str());
        assert_eq!(arm["Architecture"], "arm64");
        assert_eq!(arm["Layers"][0], idx.children[1].layers[0].0.as_str());
    }
}

#[tokio::test]
async fn load_image_keeps_the_spec_architecture() {
    let d = dockerd::shared().await.unwrap();
    let spec = ImageSpec::oci()
        .arch("arm64")
        .layers(&[2048, 10])
        .label("org.opencontainers.image.title", "arm thing");
    let id = d.load_image("rmh/local-arm", &spec).await.unwrap();
    assert!(id.starts_with("sha256:"));
    let docker = d.client();
    let inspect = docker.inspect_image("rmh/local-arm:latest").await.unwrap();
    assert_eq!(inspect.id.as_deref(), Some(id.as_str()));
    assert_eq!(inspect.architecture.as_deref(), Some("arm64"));
    assert_eq!(inspect.variant.as_deref(), Some("v8"));
    assert_eq!(inspect.os.as_deref(), Some("linux"));
    assert_eq!(inspect.root_fs.and_then(|r| r.layers).map(|l| l.len()), Some(2));
    let amd = d.load_image("rmh/local-amd:1.0", &ImageSpec::default()).await.unwrap();
    let arch = d.cli_ok(&["image", "inspect", "-f", "{{.Architecture}}", &amd]).await.unwrap();
    assert_eq!(arch.trim(), "amd64");
}

#[tokio::test]
async fn dropping_a_dockerd_stops_it_and_its_children_and_removes_its_dir() {
    let d = Dockerd::start().await.unwrap();
    let pid = d.pid();
    let dir = d.root_dir().to_path_buf();
    assert!(d.host().starts_with("unix:///tmp/rmh-"));
    assert!(d.host().len() < 108);
    let version = d.client().version().await.unwrap();
    assert_eq!(version.api_version.as_deref(), Some("1.41"));
    let kids = descendants(pid);
    assert!(!kids.is_empty(), "dockerd should have started containerd");
    drop(d);
    assert!(!pid_alive(pid), "dockerd {pid} survived drop");
    for k in kids {
        assert!(!process::process_running(k), "dockerd child {k} survived");
    }
    assert!(!dir.exists(), "{} still exists", dir.display());
}

/// Run as a child process by the next test: starts the shared daemon and exits.
#[tokio::test]
#[ignore = "helper, run by shared_dockerd_is_stopped_when_the_process_exits"]
async fn shared_dockerd_child_probe() {
    let Ok(out) = std::env::var("RMH_PROBE_OUT") else {
        return;
    };
    let d = dockerd::shared().await.unwrap();
    std::fs::write(out, format!("{} {}", d.pid(), d.root_dir().display())).unwrap();
}

#[tokio::test]
async fn shared_dockerd_is_stopped_when_the_process_exits() {
    let tmp = process::temp_dir().unwrap();
    let out_file = tmp.path().join("probe");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "shared_dockerd_child_probe"]).env("RMH_PROBE_OUT", &out_file);
    process::run_ok(cmd).await.unwrap();
    let probe = std::fs::read_to_string(&out_file).unwrap();
    let (pid, dir) = probe.split_once(' ').unwrap();
    let pid: u32 = pid.parse().unwrap();
    assert!(!process::process_running(pid), "shared dockerd {pid} survived its process");
    assert!(!std::path::Path::new(dir).exists(), "shared dockerd dir {dir} survived");
}

/// Run as a child process by the next test: starts a registry and the shared daemon, reports
/// their pids and dirs, then waits to be SIGKILLed.
#[tokio::test]
#[ignore = "helper, run by children_die_when_the_test_process_is_killed"]
async fn killed_process_child_probe() {
    let Ok(out) = std::env::var("RMH_PROBE_OUT") else {
        return;
    };
    let r = Registry::start(Flavour::Bearer).await.unwrap();
    let d = dockerd::shared().await.unwrap();
    let line = format!("{} {} {} {}", r.pid(), r.root_dir().display(), d.pid(), d.root_dir().display());
    std::fs::write(format!("{out}.tmp"), line).unwrap();
    std::fs::rename(format!("{out}.tmp"), &out).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(120)).await;
}

#[tokio::test]
async fn children_die_when_the_test_process_is_killed() {
    use std::time::{Duration, Instant};
    let tmp = process::temp_dir().unwrap();
    let out_file = tmp.path().join("probe");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--ignored", "--exact", "killed_process_child_probe"])
        .env("RMH_PROBE_OUT", &out_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = process::spawn_guarded(cmd).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !out_file.exists() {
        assert!(Instant::now() < deadline, "probe never reported");
        assert!(child.try_wait().unwrap().is_none(), "probe exited early");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let probe = std::fs::read_to_string(&out_file).unwrap();
    let parts: Vec<&str> = probe.split(' ').collect();
    let (reg_pid, reg_dir, d_pid, d_dir): (u32, &str, u32, &str) =
        (parts[0].parse().unwrap(), parts[1], parts[2].parse().unwrap(), parts[3]);
    assert!(process::process_running(reg_pid) && process::process_running(d_pid));
    child.kill().unwrap(); // SIGKILL: no Drop, no atexit runs in the probe.
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while process::process_running(reg_pid) || process::process_running(d_pid) {
        assert!(Instant::now() < deadline, "PDEATHSIG did not stop the children of a killed process");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Their dirs are left behind (nobody ran Drop) until a sweep removes them. A sweep skips a
    // dir while any process still names it (a child of the daemon on its way out, under the load
    // of the whole suite), so it is tried again for a few seconds; what still names a dir that
    // stays is reported.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        process::sweep_stale_dirs();
        let left: Vec<&str> =
            [reg_dir, d_dir].into_iter().filter(|d| std::path::Path::new(d).exists()).collect();
        if left.is_empty() {
            break;
        }
        let naming: Vec<(u32, String)> =
            process::all_cmdlines().into_iter().filter(|(_, c)| left.iter().any(|d| c.contains(d))).collect();
        let owners: Vec<String> = left
            .iter()
            .map(|d| std::fs::read_to_string(std::path::Path::new(d).join(".rmh-owner")).unwrap_or_default())
            .map(|pid| format!("{pid} alive: {}", pid.trim().parse().is_ok_and(process::pid_alive)))
            .collect();
        assert!(
            Instant::now() < deadline,
            "{left:?} not swept; owners {owners:?}; processes naming them: {naming:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
