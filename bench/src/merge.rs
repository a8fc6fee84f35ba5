//! Scenario 8: merge 50 pairs of arch-suffixed tags (`<n>-x86` amd64 + `<n>-arm` arm64) into 50
//! multi-arch tags in one repository, with one `POST /api/merge-jobs` (the suffix rule).
//!
//! The server reaches the registry through the harness's proxy, which logs every request: the
//! scenario reports the time per pair and the registry requests per pair. Target: at most five
//! per pair (two manifest `GET`s, two config `GET`s, one index `PUT`) besides the one tag list of
//! the repository. Each run works on a repository of its own (pushed untimed), so every run is a
//! cold first merge.

use std::time::Duration;

use anyhow::{Result, ensure};
use futures::{StreamExt, TryStreamExt, stream};
use rm_harness::{FaultProxy, ImageSpec, Registry};
use serde_json::json;

use crate::Ctx;
use crate::jobs::{run_failed, run_job};
use crate::report::{Check, Row, Samples, Table, Target};

const PAIRS: usize = 50;
/// Registry requests a pair may cost, besides the repository's tag list.
const REQUESTS_PER_PAIR: f64 = 5.0;

pub async fn run(ctx: &Ctx) -> Result<Table> {
    let registry = Registry::builder().blob_descriptor_cache(true).start().await?;
    let proxy = FaultProxy::start(&registry.url())?;
    let server = ctx.launcher.start(&proxy.url(), &[]).await?;
    let mut samples = Samples::default();
    let mut per_pair = Vec::new();
    let mut errors = Vec::new();
    for run in 1..=ctx.jobs_reps {
        let repository = format!("b{}-merge-{run}/app", ctx.nonce);
        let pushed = stream::iter(0..PAIRS)
            .map(|i| {
                let (registry, repository) = (&registry, &repository);
                async move {
                    registry.push_image(repository, &format!("{i}-x86"), &ImageSpec::docker()).await?;
                    registry
                        .push_image(repository, &format!("{i}-arm"), &ImageSpec::docker().arch("arm64"))
                        .await
                }
            })
            .buffer_unordered(ctx.push_concurrency.min(8))
            .try_collect::<Vec<_>>()
            .await;
        if let Err(error) = pushed {
            errors.push(run_failed(8, "fixtures", run, &error));
            continue;
        }
        proxy.clear_log();
        let body = json!({"repository": repository, "suffixes": ["-x86", "-arm"]});
        let measured = async {
            let (elapsed, job) = run_job(&server.http, &server.url(), "/api/merge-jobs", &body).await?;
            let items = job["items"].as_array().map(Vec::len).unwrap_or(0);
            ensure!(items == PAIRS, "the job has {items} items, wanted {PAIRS}");
            let prefix = format!("/v2/{repository}/");
            let requests =
                proxy.requests().into_iter().filter(|r| r.path.starts_with(&prefix)).collect::<Vec<_>>();
            let tag_lists = requests.iter().filter(|r| r.path.contains("/tags/list")).count();
            let puts = requests.iter().filter(|r| r.method == "PUT").count();
            ensure!(puts == PAIRS, "{puts} index PUTs for {PAIRS} pairs");
            Ok::<_, anyhow::Error>((elapsed, (requests.len() - tag_lists) as f64 / PAIRS as f64, tag_lists))
        }
        .await;
        match measured {
            Ok((elapsed, requests, tag_lists)) => {
                println!(
                    "  [8] run {run}: {:.1} ms, {requests:.2} requests per pair + {tag_lists} tag list",
                    elapsed.as_secs_f64() * 1000.0
                );
                samples.push(elapsed);
                per_pair.push(requests);
            }
            Err(error) => errors.push(run_failed(8, "ours", run, &error)),
        }
    }
    let per_pair_time = Samples(samples.0.iter().map(|d| *d / PAIRS as u32).collect::<Vec<Duration>>());
    let worst = per_pair.iter().copied().fold(0.0, f64::max);
    let shown: Vec<String> = per_pair.iter().map(|r| format!("{r:.2}")).collect();
    Ok(Table {
        title: format!("[8] Merge {PAIRS} pairs of arch-suffixed tags into multi-arch tags, one repository"),
        notes: vec![
            format!(
                "fixtures per run: a new repository with {PAIRS} × (<n>-x86 amd64 + <n>-arm arm64), Docker schema 2, \
                 one 1 KB layer each (pushed untimed)"
            ),
            "ours: one POST /api/merge-jobs {repository, suffixes: [-x86, -arm]}, then GET /api/sync-jobs/{id} \
             every 20 ms until finished; registry requests counted by the harness proxy in front of the registry"
                .into(),
        ],
        rows: vec![
            Row { case: format!("merge {PAIRS} pairs (whole job)"), ours: samples, reference: None, target: Target::None },
            Row { case: "time per pair".into(), ours: per_pair_time, reference: None, target: Target::None },
        ],
        checks: vec![Check {
            case: "registry requests per pair (besides 1 tag list)".into(),
            value: format!("{worst:.2} (runs: {})", shown.join(", ")),
            target: format!("≤ {REQUESTS_PER_PAIR:.0}"),
            passed: !per_pair.is_empty() && worst <= REQUESTS_PER_PAIR,
        }],
        errors,
    })
}
