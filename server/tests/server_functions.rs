//! Every server function the UI calls (`/rpc/*`), driven over HTTP the way the browser's client
//! calls them (form-encoded arguments, JSON answers), against real registries and the harness's
//! private dockerd. What they change is checked through the harness, never through our client.

mod common;

use std::time::{Duration, Instant};

use app::api::{jobs, local, registry as browse, status};
use app::model::{
    AppError, DeleteScope, ItemStatus, Job, JobList, JobStatus, JobSummary, LocalDeletePreview,
    LocalImageList, LocalPushPreview, LocalPushRequest, RemotePrefixRequest, RenamePreview, SyncPreview,
    SyncRequest,
};
use app::naming::{ArchMode, PrefixMode, batch_delete_phrase};
use axum::Router;
use axum::http::StatusCode;
use common::{NO_DOCKER, app_for, rpc};
use rm_harness::registry::{Flavour, Registry};
use rm_harness::{ImageSpec, dockerd};

/// `get-job` until the job has finished (two minutes at most).
async fn finished(app: &Router, id: &str) -> Job {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let job: Job = rpc(app, "get-job", &jobs::GetJob { id: id.to_owned() }).await.unwrap();
        if job.summary.status.is_finished() {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} did not finish: {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn bad_request<T: std::fmt::Debug>(result: Result<T, (StatusCode, AppError)>) -> String {
    match result {
        Err((_, AppError::BadRequest(message))) => message.to_string(),
        other => panic!("expected a bad request, got {other:?}"),
    }
}

async fn job_count(app: &Router) -> usize {
    let list: JobList = rpc(app, "list-jobs", &jobs::ListJobs { limit: Some(1000) }).await.unwrap();
    list.jobs.len()
}

fn sync_request(source_image: String) -> SyncRequest {
    SyncRequest {
        source_image,
        target_repository: None,
        target_tag: None,
        platforms: Vec::new(),
        cleanup_local_images: false,
        engine: Default::default(),
        overwrite: None,
    }
}

#[tokio::test]
async fn rename_sync_and_batch_delete_run_through_their_server_functions() {
    let (registry, source) =
        tokio::try_join!(Registry::start(Flavour::Plain), Registry::start(Flavour::Plain)).unwrap();
    let v1 = registry.push_image("team/app", "v1", &ImageSpec::docker()).await.unwrap();
    let v2 = registry.push_image("team/app", "v2", &ImageSpec::oci()).await.unwrap();
    registry.push_image("team/old", "v1", &ImageSpec::docker()).await.unwrap();
    let tool = source.push_image("mirror/tool", "v3", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &["--source-registries", &source.host()]);
    let host = registry.host();

    // Rename: the preview names every tag and its digest, then the job copies them.
    let request = RemotePrefixRequest {
        repositories: vec!["team/app".into()],
        prefix_mode: PrefixMode::Add,
        prefix_value: "x86".into(),
        cleanup_source_tag: false,
        target_registry_host: None,
        overwrite: false,
    };
    let preview: RenamePreview =
        rpc(&app, "preview-remote-prefix", &jobs::PreviewRemotePrefix { request: request.clone() })
            .await
            .unwrap();
    assert!(preview.errors.is_empty(), "{:?}", preview.errors);
    let [repository] = preview.repositories.as_slice() else { panic!("{preview:?}") };
    assert_eq!(repository.target, format!("{host}/x86/team/app"));
    let tags: Vec<(&str, Option<&str>)> =
        repository.tags.iter().map(|t| (t.tag.as_str(), t.digest.as_deref())).collect();
    assert_eq!(tags, [("v1", Some(v1.digest.as_str())), ("v2", Some(v2.digest.as_str()))]);
    assert!(repository.tags.iter().all(|t| t.target_digest.is_none() && !t.is_conflict()));
    assert_eq!(registry.catalog().await.unwrap(), ["team/app", "team/old"], "a preview writes nothing");

    let started: JobSummary =
        rpc(&app, "start-remote-prefix", &jobs::StartRemotePrefix { request }).await.unwrap();
    let job = finished(&app, &started.id).await;
    assert_eq!(job.summary.status, JobStatus::Succeeded, "{job:?}");
    for image in [&v1, &v2] {
        assert_eq!(
            registry.manifest_digest("x86/team/app", &image.tag).await.unwrap(),
            Some(image.digest.clone())
        );
    }
    let list: JobList = rpc(&app, "list-jobs", &jobs::ListJobs { limit: None }).await.unwrap();
    assert_eq!(list.jobs.first().map(|j| j.id.as_str()), Some(started.id.as_str()), "newest first");

    // Sync: the preview normalises the source and names the target; the copy keeps the digest.
    let request = sync_request(format!("{}/mirror/tool:v3", source.host()));
    let preview: SyncPreview =
        rpc(&app, "preview-sync", &jobs::PreviewSync { request: request.clone() }).await.unwrap();
    assert_eq!(
        (preview.source.as_str(), preview.target.as_str()),
        (request.source_image.as_str(), format!("{host}/mirror/tool:v3").as_str())
    );
    let message = bad_request(
        rpc::<_, SyncPreview>(
            &app,
            "preview-sync",
            &jobs::PreviewSync { request: sync_request("Team/App:v1".into()) },
        )
        .await,
    );
    assert!(message.contains("is not an image reference"), "{message}");
    assert_eq!(preview.source_digest.as_deref(), Some(tool.digest.as_str()));
    assert_eq!((preview.target_digest.as_deref(), preview.conflict), (None, false), "{preview:?}");
    let started: JobSummary =
        rpc(&app, "start-sync", &jobs::StartSync { request: request.clone() }).await.unwrap();
    assert_eq!(finished(&app, &started.id).await.summary.status, JobStatus::Succeeded);
    assert_eq!(registry.manifest_digest("mirror/tool", "v3").await.unwrap(), Some(tool.digest.clone()));

    // The source's tag moves on: the preview shows both digests and the conflict, and from the UI
    // the tag is replaced only when Overwrite is ticked.
    let moved = source.push_image("mirror/tool", "v3", &ImageSpec::oci().layers(&[300])).await.unwrap();
    let preview: SyncPreview =
        rpc(&app, "preview-sync", &jobs::PreviewSync { request: request.clone() }).await.unwrap();
    assert_eq!(
        (preview.source_digest.as_deref(), preview.target_digest.as_deref(), preview.conflict),
        (Some(moved.digest.as_str()), Some(tool.digest.as_str()), true)
    );
    for overwrite in [None, Some(false)] {
        let request = SyncRequest { overwrite, ..request.clone() };
        let started: JobSummary = rpc(&app, "start-sync", &jobs::StartSync { request }).await.unwrap();
        let job = finished(&app, &started.id).await;
        assert_eq!(job.summary.status, JobStatus::Failed, "{overwrite:?}: {job:?}");
        let detail = job.items[0].detail.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(detail.contains(&tool.digest) && detail.contains(&moved.digest), "{detail}");
        assert_eq!(
            registry.manifest_digest("mirror/tool", "v3").await.unwrap(),
            Some(tool.digest.clone()),
            "not overwritten"
        );
    }
    let ticked = SyncRequest { overwrite: Some(true), ..request };
    let started: JobSummary = rpc(&app, "start-sync", &jobs::StartSync { request: ticked }).await.unwrap();
    let job = finished(&app, &started.id).await;
    assert_eq!(job.summary.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(registry.manifest_digest("mirror/tool", "v3").await.unwrap(), Some(moved.digest.clone()));
    // The replaced digest is in the job log and in the audit entry, so it can be restored.
    let held = format!("it held {}", tool.digest);
    assert!(job.logs.iter().any(|line| line.message.contains(&held)), "{:?}", job.logs);
    let audit = app.state.auth.db().list_audit(&Default::default()).unwrap();
    let entry = audit.iter().find(|e| e.job_id.as_deref() == Some(started.id.as_str())).unwrap();
    assert!(entry.target.contains(&format!("held {} before", tool.digest)), "{entry:?}");

    // Batch delete: the typed phrase is checked before anything is recorded or deleted.
    let before = job_count(&app).await;
    let wrong =
        jobs::StartRepositoryDelete { repositories: vec!["team/old".into()], confirmation: "yes".into() };
    let message = bad_request(rpc::<_, JobSummary>(&app, "start-repository-delete", &wrong).await);
    assert!(message.contains(&batch_delete_phrase(1)), "{message}");
    assert_eq!(job_count(&app).await, before, "a refused request records no job");
    assert_eq!(registry.tags("team/old").await.unwrap(), ["v1"]);
    let right = jobs::StartRepositoryDelete {
        repositories: vec!["team/old".into()],
        confirmation: batch_delete_phrase(1),
    };
    let started: JobSummary = rpc(&app, "start-repository-delete", &right).await.unwrap();
    assert_eq!(finished(&app, &started.id).await.summary.status, JobStatus::Succeeded);
    assert!(registry.tags("team/old").await.unwrap_or_default().is_empty());
    assert_eq!(registry.tags("team/app").await.unwrap(), ["v1", "v2"], "other repositories stay");
}

/// `get-job` until `ready` holds (30 s at most).
async fn wait_until(app: &Router, id: &str, ready: impl Fn(&Job) -> bool) -> Job {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job: Job = rpc(app, "get-job", &jobs::GetJob { id: id.to_owned() }).await.unwrap();
        if ready(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} never got there: {job:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn running_and_queued_jobs_are_cancelled_and_retried_through_server_functions() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    // A source that accepts connections and never answers: a job copying from it stays running.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let source_host = black_hole.local_addr().unwrap().to_string();
    let app = app_for(
        &registry,
        NO_DOCKER,
        &["--request-timeout-sec", "120", "--job-workers", "1", "--source-registries", &source_host],
    );
    let source = format!("{source_host}/stall/app:v1");
    let start = || async {
        let request = sync_request(source.clone());
        rpc::<_, JobSummary>(&app, "start-sync", &jobs::StartSync { request }).await.unwrap()
    };
    let running = start().await;
    // Inside the copy: its item runs (one worker, so the next job waits in the queue).
    wait_until(&app, &running.id, |job| job.items.first().is_some_and(|i| i.status == ItemStatus::Running))
        .await;
    let queued = start().await;
    assert_eq!(queued.status, JobStatus::Queued);

    for (job, detail) in [
        (&queued, "cancelled before it started; nothing was written"),
        (&running, "cancelled; the target tag was not written"),
    ] {
        let answer: JobSummary =
            rpc(&app, "cancel-job", &jobs::CancelJob { id: job.id.clone() }).await.unwrap();
        assert_eq!(answer.id, job.id);
        let t = Instant::now();
        let cancelled = finished(&app, &job.id).await;
        assert!(t.elapsed() < Duration::from_secs(10), "cancelled in {:?}", t.elapsed());
        assert_eq!(cancelled.summary.status, JobStatus::Cancelled, "{cancelled:?}");
        // The running copy stopped by itself (its request to the silent source abandoned).
        let item = &cancelled.items[0];
        assert_eq!(
            (item.status, item.detail.as_ref().map(ToString::to_string).as_deref()),
            (ItemStatus::Cancelled, Some(detail))
        );
    }

    let message = bad_request(
        rpc::<_, JobSummary>(&app, "cancel-job", &jobs::CancelJob { id: running.id.clone() }).await,
    );
    assert!(message.contains("finished"), "{message}");
    let missing = rpc::<_, JobSummary>(&app, "cancel-job", &jobs::CancelJob { id: "nope".into() }).await;
    assert!(matches!(missing, Err((_, AppError::NotFound(_)))), "{missing:?}");

    // Retry: a new job for the cancelled item, pointing back to the first one.
    let retried: JobSummary =
        rpc(&app, "retry-job", &jobs::RetryJob { id: running.id.clone() }).await.unwrap();
    assert_ne!(retried.id, running.id);
    assert_eq!(retried.retry_of.as_deref(), Some(running.id.as_str()));
    assert_eq!(retried.source_image, running.source_image);
    let _: JobSummary = rpc(&app, "cancel-job", &jobs::CancelJob { id: retried.id.clone() }).await.unwrap();
    assert_eq!(finished(&app, &retried.id).await.summary.status, JobStatus::Cancelled);
    assert!(registry.catalog().await.unwrap().is_empty(), "nothing was written");
}

#[tokio::test]
async fn browsing_and_deleting_run_through_their_server_functions() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let v1 = registry.push_image("team/app", "v1", &ImageSpec::docker().arch("arm64")).await.unwrap();
    registry.tag_manifest("team/app", "v1-alias", &v1).await.unwrap();
    registry.push_image("team/app", "v2", &ImageSpec::docker()).await.unwrap();
    registry.push_image("team/gone", "v1", &ImageSpec::docker()).await.unwrap();
    let app = app_for(&registry, NO_DOCKER, &["--max-catalog-results", "7"]);

    let config: app::model::UiConfig = rpc(&app, "ui-config", &status::GetUiConfig {}).await.unwrap();
    assert_eq!(
        (config.registry_push_host.as_str(), config.read_only, config.max_catalog_results),
        (registry.host().as_str(), false, 7)
    );

    let page: app::model::RepositoryPage = rpc(
        &app,
        "repositories",
        &browse::ListRepositories { last: None, filter: Some("APP".into()), non_empty_only: Some(false) },
    )
    .await
    .unwrap();
    assert_eq!(page.repositories, ["team/app"]);

    let detail: app::model::TagDetail =
        rpc(&app, "tag-detail", &browse::GetTagDetail { repository: "team/app".into(), tag: "v1".into() })
            .await
            .unwrap();
    assert_eq!(detail.digest, v1.digest);
    assert_eq!(
        detail
            .images
            .iter()
            .map(|i| i.platform.as_ref().map(|p| p.architecture.as_str()))
            .collect::<Vec<_>>(),
        [Some("arm64")]
    );

    // One tag of two on the same digest: the sibling stays.
    let deleted: app::model::DeleteTagResult = rpc(
        &app,
        "delete-tag",
        &browse::DeleteTag { repository: "team/app".into(), tag: "v1".into(), scope: DeleteScope::Tag },
    )
    .await
    .unwrap();
    assert!(deleted.deleted);
    assert_eq!(registry.tags("team/app").await.unwrap(), ["v1-alias", "v2"]);
    assert_eq!(registry.manifest_digest("team/app", "v1-alias").await.unwrap(), Some(v1.digest.clone()));

    // A whole repository, only with its name repeated.
    let wrong = browse::DeleteRepository { repository: "team/gone".into(), confirmation: "team".into() };
    let message =
        bad_request(rpc::<_, app::model::DeleteRepositoryResult>(&app, "delete-repository", &wrong).await);
    assert!(message.contains("team/gone"), "{message}");
    assert_eq!(registry.tags("team/gone").await.unwrap(), ["v1"]);
    let right = browse::DeleteRepository { repository: "team/gone".into(), confirmation: "team/gone".into() };
    let deleted: app::model::DeleteRepositoryResult = rpc(&app, "delete-repository", &right).await.unwrap();
    assert_eq!(deleted.removed_tags, ["v1"]);
    assert!(registry.tags("team/gone").await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn local_images_are_listed_pushed_and_deleted_through_server_functions() {
    let docker = dockerd::shared().await.unwrap();
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let id = docker.load_image("rpc/web:1.0", &ImageSpec::docker().arch("arm64")).await.unwrap();
    docker.cli_ok(&["tag", "rpc/web:1.0", "rpc/web:copy"]).await.unwrap();
    let app = app_for(&registry, docker.host(), &[]);
    let host = registry.host();

    let list: LocalImageList =
        rpc(&app, "list-local-images", &local::ListLocalImages { include_dangling: false }).await.unwrap();
    let row = list.images.iter().find(|i| i.reference == "rpc/web:1.0").expect("the image is listed");
    assert_eq!((row.image_id.as_str(), row.architecture.as_str()), (id.as_str(), "arm64"));

    let request = LocalPushRequest {
        image_refs: vec!["rpc/web:1.0".into()],
        prefix_mode: PrefixMode::Add,
        prefix_value: "mirror".into(),
        arch_mode: ArchMode::Auto,
        arch_value: String::new(),
        target_registry_host: None,
        cleanup_local_tag: true,
        cleanup_registry_source_tag: false,
        multi_arch_tag: false,
    };
    let preview: LocalPushPreview =
        rpc(&app, "preview-local-push", &local::PreviewLocalPush { request: request.clone() }).await.unwrap();
    let targets: Vec<&str> = preview.items.iter().map(|i| i.target.as_str()).collect();
    assert_eq!(targets, [format!("{host}/mirror/rpc/web:1.0-arm")]);
    let started: JobSummary =
        rpc(&app, "start-local-push", &local::StartLocalPush { request }).await.unwrap();
    assert_eq!(finished(&app, &started.id).await.summary.status, JobStatus::Succeeded);
    assert!(registry.manifest_digest("mirror/rpc/web", "1.0-arm").await.unwrap().is_some());
    // cleanup_local_tag renamed it locally: the source tag is gone, the new one names the image.
    let pushed = format!("{host}/mirror/rpc/web:1.0-arm");
    assert!(!docker.cli(&["image", "inspect", "rpc/web:1.0"]).await.unwrap().status.success());
    assert!(docker.cli(&["image", "inspect", &pushed]).await.unwrap().status.success());

    // Deleting one of two tags of an image names the other, which goes too.
    let refs = vec!["rpc/web:copy".to_owned()];
    let preview: LocalDeletePreview =
        rpc(&app, "preview-local-delete", &local::PreviewLocalDelete { image_refs: refs.clone() })
            .await
            .unwrap();
    let [image] = preview.images.as_slice() else { panic!("{preview:?}") };
    assert_eq!(image.image_id, id);
    assert_eq!((image.selected.as_slice(), image.also_removed.as_slice()), (&refs[..], &[pushed][..]));
    let started: JobSummary =
        rpc(&app, "start-local-delete", &local::StartLocalDelete { image_refs: refs }).await.unwrap();
    assert_eq!(finished(&app, &started.id).await.summary.status, JobStatus::Succeeded);
    let inspect = docker.cli(&["image", "inspect", &id]).await.unwrap();
    assert!(!inspect.status.success(), "the image is gone from the daemon");
}
