//! The server's messages in the reader's language: REST error `detail`s follow `Accept-Language`
//! or the `lang` cookie (same status, same `code`), server functions return their errors already
//! rendered, and job log lines read in zh-CN through `log_entries`, the server function and the
//! live stream, while the original contract's `logs` stay English for the scripts that grep them.

mod common;

use app::api::jobs;
use app::model::{AppError, Job};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{dead_port, router, send};

/// The app, its registry a port nothing listens on: what is checked here needs no registry.
fn app() -> common::TestApp {
    router(&["--registry-api-url", &format!("http://127.0.0.1:{}", dead_port())])
}

/// A request as the admin's API token, with these extra headers; the answer as JSON.
async fn api(
    app: &common::TestApp,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {}", app.admin_token))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let (status, _, bytes) = send(app, request.body(body).unwrap()).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// A server function called as the browser calls it, signed in with the admin's session and the
/// language cookie `lang` (none for `None`).
async fn rpc_in<Args: serde::Serialize, Out: serde::de::DeserializeOwned>(
    app: &common::TestApp,
    endpoint: &str,
    args: &Args,
    lang: Option<&str>,
) -> Result<Out, (StatusCode, AppError)> {
    let mut cookie = format!("rm_session={}", app.admin_session);
    if let Some(lang) = lang {
        cookie.push_str(&format!("; lang={lang}"));
    }
    let request = Request::post(format!("/rpc/{endpoint}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("cookie", cookie)
        .body(Body::from(serde_qs::to_string(args).unwrap()))
        .unwrap();
    let (status, _, body) = send(app, request).await;
    if status.is_success() {
        Ok(serde_json::from_slice(&body).expect("answer decodes"))
    } else {
        Err((status, serde_json::from_slice(&body).expect("error decodes")))
    }
}

fn detail(body: &serde_json::Value) -> &str {
    body["detail"].as_str().unwrap_or_else(|| panic!("no detail: {body}"))
}

#[tokio::test]
async fn a_rest_validation_error_is_english_by_default_and_chinese_when_asked_with_the_same_code() {
    let app = app();
    let empty = serde_json::json!({ "repositories": [] });
    let (status, en) = api(&app, "POST", "/api/repository-delete-jobs", Some(empty.clone()), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{en}");
    assert_eq!(en["error"], "bad_request");
    assert_eq!(en["code"], "list_empty");
    assert_eq!(detail(&en), "repositories is empty: name at least one repository");
    for headers in [&[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")][..], &[("cookie", "lang=zh-CN")][..]] {
        let (status, zh) =
            api(&app, "POST", "/api/repository-delete-jobs", Some(empty.clone()), headers).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{headers:?}: {zh}");
        assert_eq!((&zh["error"], &zh["code"]), (&en["error"], &en["code"]), "{headers:?}");
        assert_eq!(detail(&zh), "repositories 为空：请至少指定一个仓库", "{headers:?}");
    }
    // The cookie wins over Accept-Language, as for pages.
    let (_, en_again) = api(
        &app,
        "POST",
        "/api/repository-delete-jobs",
        Some(empty),
        &[("cookie", "lang=en"), ("accept-language", "zh-CN")],
    )
    .await;
    assert_eq!(en_again, en);
}

#[tokio::test]
async fn not_found_and_unauthorized_answers_are_in_the_requests_language() {
    let app = app();
    let (status, zh) =
        api(&app, "GET", "/api/sync-jobs/no-such-job", None, &[("accept-language", "zh-CN")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(zh["code"], "job_not_found");
    assert!(detail(&zh).starts_with("没有 ID 为 no-such-job 的任务"), "{zh}");
    // Refused before any handler runs (the middleware's 401) is localized too.
    let request =
        Request::get("/api/sync-jobs").header("accept-language", "zh-CN").body(Body::empty()).unwrap();
    let (status, _, body) = send(&app.bare, request).await;
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "auth_required");
    assert!(detail(&body).starts_with("需要身份验证：请在 /login 登录"), "{body}");
}

#[tokio::test]
async fn a_server_function_error_comes_rendered_in_the_sessions_language() {
    let app = app();
    let args = jobs::GetJob { id: "no-such-job".to_owned() };
    let Err((status, AppError::NotFound(zh))) = rpc_in::<_, Job>(&app, "get-job", &args, Some("zh-CN")).await
    else {
        panic!("an unknown job was found");
    };
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(zh.to_string(), "没有 ID 为 no-such-job 的任务：它从未存在，或已按 SYNC_JOB_RETENTION 被清理");
    let Err((_, AppError::NotFound(en))) = rpc_in::<_, Job>(&app, "get-job", &args, None).await else {
        panic!("an unknown job was found");
    };
    assert!(en.to_string().starts_with("no job with id no-such-job:"), "{en}");
}

#[tokio::test]
async fn job_log_lines_read_in_the_viewers_language_while_the_original_logs_stay_english() {
    let app = app();
    // Deleting a repository from a registry that does not answer: the job runs and fails.
    let body = serde_json::json!({ "repositories": ["team/app"] });
    let (status, started) = api(&app, "POST", "/api/repository-delete-jobs", Some(body), &[]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    common::wait_job(&app, &id).await;

    let (status, zh) =
        api(&app, "GET", &format!("/api/sync-jobs/{id}"), None, &[("accept-language", "zh-CN")]).await;
    assert_eq!(status, StatusCode::OK);
    let entries: Vec<&str> =
        zh["log_entries"].as_array().unwrap().iter().map(|line| line["message"].as_str().unwrap()).collect();
    assert!(entries[0].starts_with("已排队："), "{entries:?}");
    assert!(entries.contains(&"已开始"), "{entries:?}");
    assert!(entries.last().unwrap().starts_with("已结束：failed"), "{entries:?}");
    let logs: Vec<&str> = zh["logs"].as_array().unwrap().iter().map(|line| line.as_str().unwrap()).collect();
    assert!(logs[0].contains(" queued: "), "{logs:?}");
    assert!(logs.iter().any(|line| line.ends_with(" started")), "{logs:?}");
    let chinese = |line: &&str| line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '：');
    assert!(!logs.iter().any(chinese), "the original's logs stay English: {logs:?}");
    assert!(logs.last().unwrap().contains(" finished: failed"), "{logs:?}");

    // The same job through the UI's server function, in the session's language.
    let job: Job = rpc_in(&app, "get-job", &jobs::GetJob { id: id.clone() }, Some("zh-CN")).await.unwrap();
    assert!(job.logs[0].message.to_string().starts_with("已排队："), "{:?}", job.logs);
    let job: Job = rpc_in(&app, "get-job", &jobs::GetJob { id }, None).await.unwrap();
    assert!(job.logs[0].message.to_string().starts_with("queued: "), "{:?}", job.logs);
}

#[tokio::test]
async fn a_retention_dry_runs_log_lines_and_item_details_read_in_chinese_while_logs_stay_english() {
    let registry = rm_harness::registry::Registry::builder().start().await.unwrap();
    let spec = rm_harness::ImageSpec::docker().seed(31).layers(&[1_000]).created("2020-01-01T00:00:00Z");
    registry.push_image("msg/app", "old", &spec).await.unwrap();
    let app = common::app_for(&registry, common::NO_DOCKER, &[]);
    let policy = serde_json::json!({ "name": "m", "repositories": "msg/*", "older_than_days": 30 });
    let body = serde_json::json!({ "policy": policy, "dry_run": true });
    let (status, started) = api(&app, "POST", "/api/retention-jobs", Some(body), &[]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(common::wait_job(&app, &id).await["state"], "succeeded");

    for headers in [&[("accept-language", "zh-CN")][..], &[("cookie", "lang=zh-CN")][..]] {
        let (status, zh) = api(&app, "GET", &format!("/api/sync-jobs/{id}"), None, headers).await;
        assert_eq!(status, StatusCode::OK, "{headers:?}");
        let entries: Vec<&str> =
            zh["log_entries"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
        assert!(
            entries.contains(&"1 个仓库匹配 `msg/*`；试运行：不会删除任何内容"),
            "{headers:?}: {entries:?}"
        );
        assert!(entries.contains(&"msg/app：1 个标签，删除 1 个，保留 0 个"), "{headers:?}: {entries:?}");
        let detail = zh["items"][0]["detail"].as_str().unwrap();
        assert!(detail.starts_with("将删除：创建于 "), "{headers:?}: {detail}");
        let logs = zh["logs"].to_string();
        assert!(logs.contains("1 repositories match `msg/*`; dry run: nothing is deleted"), "{logs}");
        assert!(logs.contains("msg/app: 1 tags, 1 go, 0 stay"), "{logs}");
    }
}

#[tokio::test]
async fn why_gc_and_the_registry_are_unavailable_read_in_the_requests_language() {
    let app = app();
    let (status, en) = api(&app, "GET", "/api/health", None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        en["gc_unavailable_reason"].as_str().unwrap().starts_with("REGISTRY_MODE=external: the registry at")
    );
    let (_, zh) = api(&app, "GET", "/api/health", None, &[("accept-language", "zh-CN")]).await;
    let reason = zh["gc_unavailable_reason"].as_str().unwrap();
    assert!(reason.starts_with("REGISTRY_MODE=external：") && reason.contains("垃圾回收"), "{zh}");
    // Why the registry cannot be reached: our words in Chinese, the connection's own reason as it came.
    let en_error = en["registry_error"].as_str().unwrap();
    let zh_error = zh["registry_error"].as_str().unwrap();
    assert!(en_error.starts_with("cannot reach the registry at "), "{en}");
    assert!(zh_error.starts_with("无法连接到 ") && zh_error.contains("的镜像仓库："), "{zh}");
    assert!(zh_error.to_lowercase().contains("connection refused"), "{zh}");
}

#[tokio::test]
async fn a_previews_per_item_reason_reads_in_the_requests_language() {
    let app = app();
    // Removing the prefix `x86` from `x86` itself: that name is refused, before any registry call.
    let body = serde_json::json!({ "repositories": ["x86"], "prefix_mode": "remove", "prefix_value": "x86" });
    let path = "/api/remote-prefix-jobs/preview";
    let (status, en) = api(&app, "POST", path, Some(body.clone()), &[]).await;
    assert_eq!(status, StatusCode::OK, "{en}");
    assert!(en["repositories"][0]["error"].as_str().unwrap().contains("is the prefix itself"), "{en}");
    let (_, zh) = api(&app, "POST", path, Some(body), &[("cookie", "lang=zh-CN")]).await;
    let error = zh["repositories"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("x86") && !error.contains("is the prefix itself"), "{zh}");
    assert!(error.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
}

#[tokio::test]
async fn a_failed_jobs_summary_reads_in_chinese_as_error_detail_while_error_stays_english() {
    let app = app();
    // Two repositories of a registry that does not answer: both items fail, and so does the job.
    let body = serde_json::json!({ "repositories": ["team/app", "team/web"] });
    let (status, started) = api(&app, "POST", "/api/repository-delete-jobs", Some(body), &[]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    common::wait_job(&app, &id).await;

    let (_, en) = api(&app, "GET", &format!("/api/sync-jobs/{id}"), None, &[]).await;
    assert_eq!((en["status"].as_str(), en["state"].as_str()), (Some("failed"), Some("failed")), "{en}");
    assert_eq!(en["error"], "all 2 items failed");
    assert_eq!(en["error_code"], "job_items_failed_all");
    assert_eq!(en["error_detail"], en["error"], "English readers get the same text");
    for headers in [&[("accept-language", "zh-CN")][..], &[("cookie", "lang=zh-CN")][..]] {
        let (_, zh) = api(&app, "GET", &format!("/api/sync-jobs/{id}"), None, headers).await;
        // The original's fields stay English for its scripts; ours follow the reader.
        assert_eq!(zh["error"], "all 2 items failed", "{headers:?}");
        assert_eq!((&zh["source_image"], &zh["target_image"]), (&en["source_image"], &en["target_image"]));
        assert_eq!(zh["target_image"], "deleted");
        assert_eq!(zh["error_code"], "job_items_failed_all", "{headers:?}");
        assert_eq!(zh["error_detail"], "全部 2 个条目失败", "{headers:?}");
        let detail = zh["items"][0]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("无法连接到 ") && detail.contains("的镜像仓库："),
            "{headers:?}: {detail}"
        );
        // The job list carries the same fields.
        let (_, list) = api(&app, "GET", "/api/sync-jobs", None, headers).await;
        let entry = list["jobs"].as_array().unwrap().iter().find(|job| job["id"] == id.as_str()).unwrap();
        assert_eq!((&entry["error"], &entry["error_detail"]), (&zh["error"], &zh["error_detail"]));
        assert_eq!(entry["error_code"], "job_items_failed_all");
    }

    // The UI's server function gives the summary, its labels included, in the session's language.
    let job: Job = rpc_in(&app, "get-job", &jobs::GetJob { id: id.clone() }, Some("zh-CN")).await.unwrap();
    assert_eq!(job.summary.error.map(|e| e.to_string()).as_deref(), Some("全部 2 个条目失败"));
    assert_eq!(job.summary.target_image.to_string(), "已删除");
    assert_eq!(job.summary.source_image.to_string(), "2 个仓库（team/app, team/web）");
    let list: app::model::JobList =
        rpc_in(&app, "list-jobs", &jobs::ListJobs { limit: None }, Some("zh-CN")).await.unwrap();
    let summary = list.jobs.iter().find(|job| job.id == id).unwrap();
    assert_eq!(summary.error.as_ref().map(ToString::to_string).as_deref(), Some("全部 2 个条目失败"));

    // One item: the job's summary is that item's reason, keyed too.
    let body = serde_json::json!({ "repositories": ["team/app"] });
    let (_, started) = api(&app, "POST", "/api/repository-delete-jobs", Some(body), &[]).await;
    let id = started["id"].as_str().unwrap().to_owned();
    common::wait_job(&app, &id).await;
    let (_, zh) =
        api(&app, "GET", &format!("/api/sync-jobs/{id}"), None, &[("accept-language", "zh-CN")]).await;
    assert_eq!(zh["error_code"], "reg_unreachable");
    assert!(zh["error"].as_str().unwrap().starts_with("cannot reach the registry at "), "{zh}");
    assert!(zh["error_detail"].as_str().unwrap().starts_with("无法连接到 "), "{zh}");
}

#[tokio::test]
async fn a_taken_name_is_refused_in_the_requests_language_with_a_stable_code() {
    let app = app();
    let policy = serde_json::json!({ "name": "nightly", "repositories": "*", "keep_last": 1 });
    let (status, created) = api(&app, "POST", "/api/retention-policies", Some(policy.clone()), &[]).await;
    assert!(status.is_success(), "{created}");
    let (status, en) = api(&app, "POST", "/api/retention-policies", Some(policy.clone()), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{en}");
    assert_eq!(en["code"], "policy_name_taken");
    assert_eq!(detail(&en), "a retention policy named \"nightly\" already exists: choose another name");
    let (_, zh) =
        api(&app, "POST", "/api/retention-policies", Some(policy), &[("accept-language", "zh-CN")]).await;
    assert_eq!(zh["code"], "policy_name_taken");
    assert_eq!(detail(&zh), "名为“nightly”的保留策略已存在：请换一个名称");
}
