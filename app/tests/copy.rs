//! The registry-to-registry copy engine (`app::backend::copy`) against real distribution 2.8.2
//! registries started by the harness, with the harness fault proxy in front where a test needs
//! rate limits, server errors, cut connections or corrupted bytes. What landed on the target is
//! always checked through the harness's own registry requests, not through our client.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::backend::config::Secret;
use app::backend::copy::{CopyError, CopyObserver, CopyOutcome, CopySpec, TargetMemo, copy_image};
use app::backend::registry::reference::{RepositoryName, Tag};
use app::backend::registry::{
    Credentials, OutboundPolicy, RegistryClient, RegistryClientOptions, RegistryError,
};
use app::model::LogLevel;
use rm_harness::fixtures::{DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST};
use rm_harness::{Fault, FaultProxy, Flavour, ImageSpec, ManifestFormat, PushedImage, Registry};
use tokio_util::sync::CancellationToken;

/// A client for `registry` (its credentials, if any), reached at `url` (the registry's own, or a
/// proxy's in front of it).
fn client_at(registry: &Registry, url: &str) -> RegistryClient {
    let credentials = match registry.credentials() {
        Some((username, password)) => Credentials::Basic { username, password: Secret::new(password) },
        None => Credentials::Anonymous,
    };
    let base_url: url::Url = url.parse().expect("registry URL");
    RegistryClient::new(RegistryClientOptions {
        outbound: OutboundPolicy::trusting([&base_url]),
        base_url,
        credentials,
        timeout: Duration::from_secs(20),
        ca_cert: None,
        insecure: false,
    })
    .expect("client builds")
}

fn client(registry: &Registry) -> RegistryClient {
    client_at(registry, &registry.url())
}

fn name(repository: &str) -> RepositoryName {
    repository.parse().expect("a repository name")
}

fn tag(tag: &str) -> Tag {
    tag.parse().expect("a tag")
}

/// What to copy, as the tests write it: `reference` is a tag or a digest; an empty `target_tag`
/// copies by digest only.
fn spec(source: &str, reference: &str, target: &str, target_tag: &str) -> CopySpec {
    CopySpec {
        source_repository: name(source),
        source_reference: reference.parse().expect("a tag or a digest"),
        target_repository: name(target),
        target_tag: (!target_tag.is_empty()).then(|| tag(target_tag)),
        platforms: Vec::new(),
        overwrite: false,
    }
}

/// Records what a copy reports; optionally cancels the copy at its first progress report.
#[derive(Default)]
struct Recorder {
    logs: Mutex<Vec<(LogLevel, String)>>,
    total: AtomicU64,
    done: AtomicU64,
    cancel_on_progress: Option<CancellationToken>,
}

impl CopyObserver for Recorder {
    fn log(&self, level: LogLevel, message: app::model::Message) {
        self.logs.lock().unwrap().push((level, message.to_string()));
    }

    fn add_bytes_total(&self, bytes: u64) {
        self.total.fetch_add(bytes, Ordering::Relaxed);
    }

    fn add_bytes_done(&self, bytes: u64) {
        self.done.fetch_add(bytes, Ordering::Relaxed);
        if let Some(cancel) = &self.cancel_on_progress {
            cancel.cancel();
        }
    }
}

impl Recorder {
    fn lines(&self, level: LogLevel) -> Vec<String> {
        self.logs.lock().unwrap().iter().filter(|(l, _)| *l == level).map(|(_, m)| m.clone()).collect()
    }

    fn logged(&self, level: LogLevel, needle: &str) -> bool {
        self.lines(level).iter().any(|m| m.contains(needle))
    }

    fn bytes(&self) -> (u64, u64) {
        (self.total.load(Ordering::Relaxed), self.done.load(Ordering::Relaxed))
    }
}

async fn copy(
    source: &RegistryClient,
    target: &RegistryClient,
    spec: &CopySpec,
    observer: &Recorder,
) -> Result<CopyOutcome, CopyError> {
    copy_image(source, target, spec, observer, &CancellationToken::new(), &TargetMemo::new()).await
}

/// Every blob of `image` is in `repository` of `registry`.
async fn assert_blobs_present(registry: &Registry, repository: &str, image: &PushedImage) {
    assert!(
        registry.blob_exists(repository, &image.config_digest).await.unwrap(),
        "config of {}",
        image.digest
    );
    for (layer, _) in &image.layers {
        assert!(registry.blob_exists(repository, layer).await.unwrap(), "layer {layer}");
    }
}

/// The target serves `image`'s exact manifest under `reference`.
async fn assert_same_manifest(registry: &Registry, repository: &str, reference: &str, image: &PushedImage) {
    assert_eq!(
        registry.manifest_digest(repository, reference).await.unwrap().as_deref(),
        Some(image.digest.as_str())
    );
    let (content_type, bytes) = registry.get_manifest(repository, reference).await.unwrap();
    assert_eq!(
        (content_type.as_str(), bytes.as_slice()),
        (image.media_type.as_str(), image.manifest_bytes.as_slice())
    );
}

#[tokio::test]
async fn single_images_cross_registries_with_their_digests() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Bearer)).unwrap();
    let docker =
        from.push_image("team/app", "v1", &ImageSpec::docker().layers(&[300_000, 2_000])).await.unwrap();
    let oci = from.push_image("team/oci", "v1", &ImageSpec::oci()).await.unwrap();
    let (source, target) = (client(&from), client(&to));

    let observer = Recorder::default();
    let outcome =
        copy(&source, &target, &spec("team/app", "v1", "x86/team/app", "v1"), &observer).await.unwrap();
    assert_eq!(
        (outcome.digest.as_str(), outcome.media_type.as_str()),
        (docker.digest.as_str(), DOCKER_MANIFEST)
    );
    assert_eq!((outcome.blobs_streamed, outcome.blobs_present, outcome.blobs_mounted), (3, 0, 0));
    assert_eq!(outcome.bytes_streamed, docker.size);
    assert!(!outcome.already_present);
    assert_same_manifest(&to, "x86/team/app", "v1", &docker).await;
    assert_blobs_present(&to, "x86/team/app", &docker).await;
    assert_eq!(observer.bytes(), (docker.size, docker.size));
    assert!(observer.logged(LogLevel::Info, &format!("wrote x86/team/app:v1 → {}", docker.digest)));
    assert!(observer.logged(LogLevel::Info, "streamed sha256:"));
    assert!(observer.lines(LogLevel::Warn).is_empty(), "{:?}", observer.lines(LogLevel::Warn));
    // Different registries: every blob was downloaded once and uploaded once, nothing mounted.
    assert_eq!(source.stats().blob_gets, 3);
    assert_eq!((target.stats().blob_puts, target.stats().blob_mounts), (3, 0));

    // By digest, into a repository of another name, OCI this time.
    let by_digest =
        CopySpec { target_tag: Some(tag("latest")), ..spec("team/oci", &oci.digest, "oci/copy", "") };
    let outcome = copy(&source, &target, &by_digest, &Recorder::default()).await.unwrap();
    assert_eq!((outcome.digest.as_str(), outcome.media_type.as_str()), (oci.digest.as_str(), OCI_MANIFEST));
    assert_same_manifest(&to, "oci/copy", "latest", &oci).await;
}

#[tokio::test]
async fn a_multi_arch_index_copies_every_child_byte_for_byte() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Basic)).unwrap();
    let platforms = [
        ImageSpec::default().arch("amd64"),
        ImageSpec::default().arch("arm64").variant(Some("v8")),
        ImageSpec::default().arch("arm").variant(Some("v7")),
    ];
    let index = from.push_index("team/multi", "v2", &platforms, ManifestFormat::Oci).await.unwrap();
    let observer = Recorder::default();
    let outcome =
        copy(&client(&from), &client(&to), &spec("team/multi", "v2", "mirror/multi", "v2"), &observer)
            .await
            .unwrap();
    assert_eq!((outcome.digest.as_str(), outcome.media_type.as_str()), (index.digest.as_str(), OCI_INDEX));
    assert_eq!(outcome.blobs_streamed, 6);
    let (content_type, bytes) = to.get_manifest("mirror/multi", "v2").await.unwrap();
    assert_eq!((content_type.as_str(), bytes), (OCI_INDEX, index.manifest_bytes.clone()));
    for child in &index.children {
        assert_same_manifest(&to, "mirror/multi", &child.digest, child).await;
        assert_blobs_present(&to, "mirror/multi", child).await;
    }
    assert!(
        observer.logged(LogLevel::Info, "OCI index of 3 platforms"),
        "{:?}",
        observer.lines(LogLevel::Info)
    );
    assert!(observer.logged(LogLevel::Info, "wrote 3 child manifests"));
    // Only the tag was written: the children are reachable by digest alone.
    assert_eq!(to.tags("mirror/multi").await.unwrap(), ["v2"]);
}

// Guards the same-registry path: blobs must be mounted, never downloaded and uploaded again. A
// Bearer registry also checks that the mount's token covers both repositories.
#[tokio::test]
async fn within_one_registry_blobs_are_mounted_not_downloaded() {
    let registry = Registry::start(Flavour::Bearer).await.unwrap();
    let image =
        registry.push_image("team/app", "v1", &ImageSpec::default().layers(&[50_000, 60_000])).await.unwrap();
    let source = client(&registry);
    let target = client(&registry);
    let observer = Recorder::default();
    let outcome =
        copy(&source, &target, &spec("team/app", "v1", "x86/team/app", "v1"), &observer).await.unwrap();
    assert_eq!((outcome.blobs_mounted, outcome.blobs_streamed, outcome.bytes_streamed), (3, 0, 0));
    assert_same_manifest(&registry, "x86/team/app", "v1", &image).await;
    assert_blobs_present(&registry, "x86/team/app", &image).await;
    let (source, target) = (source.stats(), target.stats());
    assert_eq!((source.blob_gets, target.blob_gets), (0, 0), "no blob was downloaded");
    assert_eq!((target.blob_mounts, target.blob_puts, target.blob_upload_starts), (3, 0, 0));
    assert!(observer.logged(LogLevel::Info, "mounted 3 blobs from team/app"));
    assert_eq!(observer.bytes(), (image.size, image.size));
}

#[tokio::test]
async fn an_external_source_behind_bearer_auth_copies_to_a_plain_registry() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Bearer), Registry::start(Flavour::Plain)).unwrap();
    let image = from.push_image("vendor/tool", "1.0", &ImageSpec::oci().layers(&[100_000])).await.unwrap();
    let source = client(&from);
    let outcome =
        copy(&source, &client(&to), &spec("vendor/tool", "1.0", "mirror/tool", "1.0"), &Recorder::default())
            .await
            .unwrap();
    assert_eq!(outcome.digest, image.digest);
    assert_same_manifest(&to, "mirror/tool", "1.0", &image).await;
    assert_blobs_present(&to, "mirror/tool", &image).await;
    assert!(source.stats().token_requests >= 1, "the source was read with a token");

    // Without credentials the source refuses, and nothing reaches the target.
    let from_url: url::Url = from.url().parse().unwrap();
    let anonymous = RegistryClient::new(RegistryClientOptions {
        outbound: OutboundPolicy::trusting([&from_url]),
        base_url: from_url,
        credentials: Credentials::Anonymous,
        timeout: Duration::from_secs(20),
        ca_cert: None,
        insecure: false,
    })
    .unwrap();
    let refused = copy(
        &anonymous,
        &client(&to),
        &spec("vendor/tool", "1.0", "other/tool", "1.0"),
        &Recorder::default(),
    )
    .await;
    assert!(
        matches!(refused, Err(CopyError::Registry(RegistryError::CredentialsRequired { .. }))),
        "{refused:?}"
    );
    assert_eq!(to.manifest_digest("other/tool", "1.0").await.unwrap(), None);
}

#[tokio::test]
async fn artifacts_are_copied_with_their_blobs() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let artifact = from
        .push_artifact("charts/web", "0.1.0", "application/vnd.cncf.helm.config.v1+json", b"chart bytes")
        .await
        .unwrap();
    let observer = Recorder::default();
    let outcome =
        copy(&client(&from), &client(&to), &spec("charts/web", "0.1.0", "mirror/web", "0.1.0"), &observer)
            .await
            .unwrap();
    assert_eq!(outcome.digest, artifact.digest);
    assert_same_manifest(&to, "mirror/web", "0.1.0", &artifact).await;
    assert_blobs_present(&to, "mirror/web", &artifact).await;
    assert!(observer.logged(LogLevel::Info, "artifact (application/vnd.cncf.helm.config.v1+json)"));
}

#[tokio::test]
async fn a_platform_filter_copies_one_platform_or_a_smaller_index() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let platforms = [
        ImageSpec::default().arch("amd64"),
        ImageSpec::default().arch("arm64").variant(Some("v8")),
        ImageSpec::default().arch("arm").variant(Some("v7")),
    ];
    let index = from.push_index("team/multi", "v1", &platforms, ManifestFormat::Docker).await.unwrap();
    let (amd64, arm64, arm) = (&index.children[0], &index.children[1], &index.children[2]);
    let (source, target) = (client(&from), client(&to));

    // One platform: the tag gets that platform's own manifest (its digest, not the index's).
    let one =
        CopySpec { platforms: vec!["linux/arm64".into()], ..spec("team/multi", "v1", "arm/multi", "v1") };
    let outcome = copy(&source, &target, &one, &Recorder::default()).await.unwrap();
    assert_eq!(
        (outcome.digest.as_str(), outcome.media_type.as_str()),
        (arm64.digest.as_str(), DOCKER_MANIFEST)
    );
    assert_same_manifest(&to, "arm/multi", "v1", arm64).await;
    assert!(!to.blob_exists("arm/multi", &amd64.layers[0].0).await.unwrap(), "other platforms stay behind");

    // Several: a new manifest list of just those, children unchanged.
    let observer = Recorder::default();
    let two = CopySpec {
        platforms: vec!["linux/amd64".into(), "linux/arm/v7".into()],
        ..spec("team/multi", "v1", "two/multi", "v1")
    };
    let outcome = copy(&source, &target, &two, &observer).await.unwrap();
    assert_ne!(outcome.digest, index.digest);
    assert_eq!(to.manifest_digest("two/multi", "v1").await.unwrap(), Some(outcome.digest.clone()));
    let (content_type, bytes) = to.get_manifest("two/multi", "v1").await.unwrap();
    assert_eq!(content_type, DOCKER_MANIFEST_LIST);
    let list: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let digests: Vec<&str> =
        list["manifests"].as_array().unwrap().iter().map(|m| m["digest"].as_str().unwrap()).collect();
    assert_eq!(digests, [amd64.digest.as_str(), arm.digest.as_str()]);
    assert_same_manifest(&to, "two/multi", &amd64.digest, amd64).await;
    assert_same_manifest(&to, "two/multi", &arm.digest, arm).await;
    assert!(!to.blob_exists("two/multi", &arm64.layers[0].0).await.unwrap());
    assert!(
        observer.logged(LogLevel::Info, "because of the platform filter"),
        "{:?}",
        observer.lines(LogLevel::Info)
    );

    // A platform the index does not have: an error, and nothing written.
    let missing =
        CopySpec { platforms: vec!["linux/s390x".into()], ..spec("team/multi", "v1", "none/multi", "v1") };
    let error = copy(&source, &target, &missing, &Recorder::default()).await.unwrap_err();
    assert!(
        matches!(&error, CopyError::PlatformNotFound { requested, available }
            if requested == "linux/s390x" && available == "linux/amd64, linux/arm64/v8, linux/arm/v7"),
        "{error:?}"
    );
    let bad = CopySpec { platforms: vec!["arm64".into()], ..spec("team/multi", "v1", "none/multi", "v1") };
    assert!(matches!(
        copy(&source, &target, &bad, &Recorder::default()).await,
        Err(CopyError::InvalidSpec(_))
    ));
    assert!(!to.catalog().await.unwrap().contains(&"none/multi".to_string()));
}

// A rename copies many tags sharing layers: with the job's memo, the target's tag list read once
// answers "does the tag exist" and a blob put in place by one copy is not asked about again. A
// tag the list shows is still checked, so a conflict is never hidden.
#[tokio::test]
async fn copies_sharing_a_memo_ask_only_what_they_do_not_know() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let images =
        registry.push_many_tags("team/app", 3, &ImageSpec::docker().layers(&[40_000, 50_000])).await.unwrap();
    let source = client(&registry);
    let memo = TargetMemo::new();
    memo.set_tags(&name("x86/team/app"), []);
    let copy_tag = |image: &PushedImage| {
        let (registry, source, memo) = (&registry, &source, &memo);
        let spec = spec("team/app", &image.tag, "x86/team/app", &image.tag);
        async move {
            let target = client(registry);
            let observer = Recorder::default();
            let cancel = CancellationToken::new();
            let outcome = copy_image(source, &target, &spec, &observer, &cancel, memo).await;
            (outcome, target.stats())
        }
    };

    // First tag: no HEAD for the tag (listed absent) nor for the blobs (a mount answers for them).
    let (outcome, stats) = copy_tag(&images[0]).await;
    let outcome = outcome.unwrap();
    assert_eq!((outcome.blobs_mounted, outcome.blobs_present), (3, 0));
    assert_eq!(
        (stats.manifest_heads, stats.blob_heads, stats.blob_mounts, stats.manifest_puts),
        (0, 0, 3, 1)
    );
    // Second tag: only its own config is mounted; the shared layers are known to be in place.
    let (outcome, stats) = copy_tag(&images[1]).await;
    let outcome = outcome.unwrap();
    assert_eq!((outcome.blobs_mounted, outcome.blobs_present), (1, 2));
    assert_eq!((stats.requests, stats.blob_mounts, stats.manifest_puts), (2, 1, 1));
    for image in &images[..2] {
        assert_same_manifest(&registry, "x86/team/app", &image.tag, image).await;
        assert_blobs_present(&registry, "x86/team/app", image).await;
    }

    // A tag written by this job is asked about again: the same image is found in place.
    let (outcome, stats) = copy_tag(&images[0]).await;
    assert!(outcome.unwrap().already_present);
    assert_eq!((stats.requests, stats.manifest_heads), (1, 1));
    // A tag the listing showed is checked: another digest there is a conflict, not overwritten.
    memo.set_tags(&name("x86/team/app"), [tag(&images[2].tag)]);
    let spec = spec("team/app", &images[1].tag, "x86/team/app", &images[2].tag);
    registry.push_image("x86/team/app", &images[2].tag, &ImageSpec::docker()).await.unwrap();
    let result = copy_image(
        &source,
        &client(&registry),
        &spec,
        &Recorder::default(),
        &CancellationToken::new(),
        &memo,
    )
    .await;
    assert!(matches!(result, Err(CopyError::Conflict { .. })), "{result:?}");
}

#[tokio::test]
async fn a_tag_already_pointing_at_the_image_is_left_alone() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let image = from.push_image("team/app", "v1", &ImageSpec::default()).await.unwrap();
    let (source, target) = (client(&from), client(&to));
    let spec = spec("team/app", "v1", "team/app", "v1");
    copy(&source, &target, &spec, &Recorder::default()).await.unwrap();
    let before = target.stats();
    let observer = Recorder::default();
    let outcome = copy(&source, &target, &spec, &observer).await.unwrap();
    assert!(outcome.already_present);
    assert_eq!(outcome.digest, image.digest);
    let after = target.stats();
    assert_eq!(after.manifest_puts, before.manifest_puts, "nothing written");
    assert_eq!((after.blob_heads, after.blob_puts), (before.blob_heads, before.blob_puts), "no blob touched");
    assert!(observer.logged(LogLevel::Info, "already points to"));
}

#[tokio::test]
async fn an_existing_tag_with_another_digest_is_overwritten_only_when_asked() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let wanted = from.push_image("team/app", "v1", &ImageSpec::default().layers(&[5_000])).await.unwrap();
    let existing = to.push_image("team/app", "v1", &ImageSpec::default().layers(&[6_000])).await.unwrap();
    let (source, target) = (client(&from), client(&to));

    let spec = spec("team/app", "v1", "team/app", "v1");
    let error = copy(&source, &target, &spec, &Recorder::default()).await.unwrap_err();
    assert!(
        matches!(&error, CopyError::Conflict { reference, existing: d, incoming } if reference == "team/app:v1" && *d == existing.digest && *incoming == wanted.digest),
        "{error:?}"
    );
    assert_eq!(to.manifest_digest("team/app", "v1").await.unwrap(), Some(existing.digest.clone()));
    assert!(!to.blob_exists("team/app", &wanted.layers[0].0).await.unwrap(), "nothing written on a conflict");

    let overwrite = CopySpec { overwrite: true, ..spec };
    let observer = Recorder::default();
    let outcome = copy(&source, &target, &overwrite, &observer).await.unwrap();
    assert_eq!(outcome.digest, wanted.digest);
    assert_same_manifest(&to, "team/app", "v1", &wanted).await;
    // The replaced digest is logged whole, so it can be restored.
    assert!(
        observer.logged(LogLevel::Warn, &format!("overwriting team/app:v1: it held {}", existing.digest))
    );
}

#[tokio::test]
async fn a_missing_source_is_reported_as_such() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    from.push_image("team/app", "v1", &ImageSpec::default()).await.unwrap();
    let error =
        copy(&client(&from), &client(&to), &spec("team/app", "v9", "team/app", "v9"), &Recorder::default())
            .await
            .unwrap_err();
    assert!(matches!(&error, CopyError::NotFound { reference } if reference == "team/app:v9"), "{error:?}");
}

/// A source registry behind a fault proxy, and a plain target.
async fn faulty_source() -> (Registry, FaultProxy, Registry) {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let proxy = FaultProxy::start(&from.url()).unwrap();
    (from, proxy, to)
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_as_retry_after_says() {
    let (from, proxy, to) = faulty_source().await;
    let image = from.push_image("team/app", "v1", &ImageSpec::default()).await.unwrap();
    proxy.inject(Fault::status("GET", "/blobs/", 429).retry_after(1));
    let observer = Recorder::default();
    let started = Instant::now();
    let outcome = copy(
        &client_at(&from, &proxy.url()),
        &client(&to),
        &spec("team/app", "v1", "team/app", "v1"),
        &observer,
    )
    .await
    .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited as Retry-After asked");
    assert_eq!(outcome.digest, image.digest);
    assert_same_manifest(&to, "team/app", "v1", &image).await;
    assert_eq!(proxy.pending_faults(), 0);
    let warnings = observer.lines(LogLevel::Warn);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("HTTP 429") && warnings[0].ends_with("retrying in 1s (attempt 2/5)"),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn server_errors_on_either_side_are_retried() {
    let (from, source_proxy, to) = faulty_source().await;
    let target_proxy = FaultProxy::start(&to.url()).unwrap();
    let image = from.push_image("team/app", "v1", &ImageSpec::default()).await.unwrap();
    source_proxy.inject(Fault::status("GET", "/blobs/", 503).times(2));
    target_proxy.inject(Fault::status("POST", "/blobs/uploads/", 502));
    target_proxy.inject(Fault::status("PUT", "/manifests/v1", 500));
    let observer = Recorder::default();
    let outcome = copy(
        &client_at(&from, &source_proxy.url()),
        &client_at(&to, &target_proxy.url()),
        &spec("team/app", "v1", "team/app", "v1"),
        &observer,
    )
    .await
    .unwrap();
    assert_eq!(outcome.digest, image.digest);
    assert_same_manifest(&to, "team/app", "v1", &image).await;
    assert_eq!((source_proxy.pending_faults(), target_proxy.pending_faults()), (0, 0));
    let warnings = observer.lines(LogLevel::Warn);
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert_eq!(warnings.iter().filter(|w| w.contains("HTTP 503")).count(), 2, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("HTTP 502")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.starts_with("writing team/app:v1 failed") && w.contains("HTTP 500")));
    assert_eq!(target_proxy.count("PUT", "/manifests/v1"), 2);
}

/// distribution can briefly report a blob it has as unknown while another copy mounts the same
/// blob into the same repository; the manifest write looks again a few times, then gives up.
#[tokio::test]
async fn a_manifest_naming_a_blob_the_registry_momentarily_misses_is_written_again() {
    let (from, _source_proxy, to) = faulty_source().await;
    let target_proxy = FaultProxy::start(&to.url()).unwrap();
    let image = from.push_image("team/app", "v1", &ImageSpec::default()).await.unwrap();
    let source = client_at(&from, &from.url());
    let target = client_at(&to, &target_proxy.url());
    target_proxy.inject(Fault::status("PUT", "/manifests/v1", 400).code("MANIFEST_BLOB_UNKNOWN"));
    let observer = Recorder::default();
    let outcome = copy(&source, &target, &spec("team/app", "v1", "team/app", "v1"), &observer).await.unwrap();
    assert_eq!(outcome.digest, image.digest);
    assert_same_manifest(&to, "team/app", "v1", &image).await;
    let warnings = observer.lines(LogLevel::Warn);
    assert!(warnings.iter().any(|w| w.contains("did not see one of its blobs yet")), "{warnings:?}");

    // A blob that stays unknown is an error after a few looks, and no tag is written.
    target_proxy.inject(Fault::status("PUT", "/manifests/v2", 400).code("MANIFEST_BLOB_UNKNOWN").times(10));
    let error = copy(&source, &target, &spec("team/app", "v1", "team/app", "v2"), &Recorder::default())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("MANIFEST_BLOB_UNKNOWN"), "{error}");
    assert_eq!(target_proxy.count("PUT", "/manifests/v2"), 4);
    assert_eq!(to.manifest_digest("team/app", "v2").await.unwrap(), None);
}

// Guards the restart of a broken download: the retry needs a fresh upload session and must not
// count the bytes of the broken attempt twice.
#[tokio::test]
async fn a_download_cut_mid_blob_is_retried_from_scratch() {
    let (from, proxy, to) = faulty_source().await;
    let image = from.push_image("team/app", "v1", &ImageSpec::default().layers(&[1_500_000])).await.unwrap();
    let layer = image.layers[0].0.clone();
    proxy.inject(Fault::cut_body("GET", &format!("/blobs/{layer}"), 1_200_000));
    let target = client(&to);
    let observer = Recorder::default();
    let outcome =
        copy(&client_at(&from, &proxy.url()), &target, &spec("team/app", "v1", "team/app", "v1"), &observer)
            .await
            .unwrap();
    assert_eq!(outcome.digest, image.digest);
    assert_same_manifest(&to, "team/app", "v1", &image).await;
    assert_blobs_present(&to, "team/app", &image).await;
    assert_eq!(proxy.count("GET", &layer), 2, "one cut download, one whole");
    assert_eq!(observer.bytes(), (image.size, image.size), "progress counted once");
    let stats = target.stats();
    assert_eq!((stats.blob_upload_starts, stats.blob_puts, stats.blob_upload_cancels), (3, 3, 1));
    let warnings = observer.lines(LogLevel::Warn);
    assert!(warnings.iter().any(|w| w.contains("the download broke after")), "{warnings:?}");
}

#[tokio::test]
async fn corrupted_bytes_fail_the_copy_and_tag_nothing() {
    let (from, proxy, to) = faulty_source().await;
    let image = from.push_image("team/app", "v1", &ImageSpec::default().layers(&[200_000])).await.unwrap();
    let layer = image.layers[0].0.clone();
    proxy.inject(Fault::corrupt_body("GET", &format!("/blobs/{layer}"), 150_000));
    let error = copy(
        &client_at(&from, &proxy.url()),
        &client(&to),
        &spec("team/app", "v1", "team/app", "v1"),
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, CopyError::DigestMismatch { digest, actual, .. } if *digest == layer && *actual != layer),
        "{error:?}"
    );
    assert_eq!(to.manifest_digest("team/app", "v1").await.unwrap(), None);
    assert!(!to.blob_exists("team/app", &layer).await.unwrap(), "the corrupted upload was not committed");
    assert_eq!(proxy.count("GET", &layer), 1, "a mismatch is not retried");
}

#[tokio::test]
async fn retries_give_up_after_five_attempts() {
    let (from, proxy, to) = faulty_source().await;
    from.push_image("team/app", "v1", &ImageSpec::default()).await.unwrap();
    proxy.inject(Fault::status("GET", "/blobs/", 503).times(100));
    let observer = Recorder::default();
    let error = copy(
        &client_at(&from, &proxy.url()),
        &client(&to),
        &spec("team/app", "v1", "team/app", "v1"),
        &observer,
    )
    .await
    .unwrap_err();
    assert!(matches!(&error, CopyError::Registry(e) if e.status() == Some(503)), "{error:?}");
    assert!(observer.logged(LogLevel::Warn, "(attempt 5/5)"));
    assert!(observer.logged(LogLevel::Warn, "failed after 5 attempts"));
    assert!(!observer.logged(LogLevel::Warn, "(attempt 6/5)"));
    assert_eq!(to.manifest_digest("team/app", "v1").await.unwrap(), None);
    // The blob that gave up was tried 5 times; its failure stopped the others.
    assert!(proxy.count("GET", "/blobs/") >= 5);
}

#[tokio::test]
async fn cancelling_mid_copy_stops_before_the_tag() {
    let (from, to) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let image = from.push_image("team/big", "v1", &ImageSpec::default().layers(&[8_000_000])).await.unwrap();
    let cancel = CancellationToken::new();
    let observer = Recorder { cancel_on_progress: Some(cancel.clone()), ..Recorder::default() };
    let result = copy_image(
        &client(&from),
        &client(&to),
        &spec("team/big", "v1", "team/big", "v1"),
        &observer,
        &cancel,
        &TargetMemo::new(),
    )
    .await;
    assert!(matches!(result, Err(CopyError::Cancelled)), "{result:?}");
    let (total, done) = observer.bytes();
    assert!(total == image.size && done < total, "stopped part way: {done} of {total}");
    assert_eq!(to.manifest_digest("team/big", "v1").await.unwrap(), None);
    assert!(!to.blob_exists("team/big", &image.layers[0].0).await.unwrap());

    // A token cancelled before the start stops the copy at once.
    let result = copy_image(
        &client(&from),
        &client(&to),
        &spec("team/big", "v1", "team/big", "v1"),
        &Recorder::default(),
        &cancel,
        &TargetMemo::new(),
    )
    .await;
    assert!(matches!(result, Err(CopyError::Cancelled)), "{result:?}");
}
