//! Scenario 5: copy one 200 MB image from registry A into a new repository of registry B.
//!
//! Each run gets a new, empty registry B (so no tool can mount blobs that an earlier run left
//! there; skopeo's blob cache would), and the tools alternate which goes first:
//! * ours: a new server with `REGISTRY_API_URL` = B, one `POST /api/sync-jobs`, polled until
//!   finished; its VmRSS is read just before the POST (idle) and VmHWM after the job (peak);
//! * skopeo: `skopeo copy docker://A/… docker://B/…`.

use std::time::{Duration, Instant};

use anyhow::Result;
use rm_harness::{ImageSpec, Registry};
use serde_json::json;

use crate::Ctx;
use crate::jobs::{Copy, Verified, run_failed, run_job, skopeo_copy, target_prefix, verify};
use crate::report::{Check, Row, Samples, Table, Target};
use crate::server::memory;

const LAYERS: usize = 4;
/// Uncompressed bytes of each layer's one file (random: gzip stores it, ~the same size).
const LAYER_BYTES: usize = 50_000_000;
const REPO: &str = "bench/sync-200";
const TAG: &str = "v1";
/// Peak minus idle resident memory of the server during the copy, at most.
const MEMORY_TARGET_MIB: f64 = 40.0;

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub async fn run(ctx: &Ctx) -> Result<Table> {
    let a = Registry::builder().blob_descriptor_cache(true).start().await?;
    let started = Instant::now();
    let image = a.push_image(REPO, TAG, &ImageSpec::docker().layers(&[LAYER_BYTES; LAYERS])).await?;
    println!(
        "  [5] fixture: {REPO}:{TAG}, {:.1} MB in {LAYERS} layers + config, pushed in {:.1} s",
        image.size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let source = format!("{}/{REPO}:{TAG}", a.host());

    let (mut ours, mut skopeo) = (Samples::default(), Samples::default());
    let (mut ours_checked, mut skopeo_checked) = (Verified::default(), Verified::default());
    // (idle VmRSS, peak VmHWM) in KiB per run of ours.
    let mut mem: Vec<(u64, u64)> = Vec::new();
    let mut errors = Vec::new();
    for run in 1..=ctx.jobs_reps {
        let order = if run % 2 == 1 { ["ours", "skopeo"] } else { ["skopeo", "ours"] };
        for tool in order {
            let failed = errors.iter().any(|e: &String| e.starts_with(tool));
            if failed {
                continue;
            }
            let b = Registry::builder().blob_descriptor_cache(true).start().await?;
            let copy = Copy {
                src_repo: REPO.into(),
                src_tag: TAG.into(),
                dst_repo: format!("{}/sync-200", target_prefix(&ctx.nonce, tool, run)),
                dst_tag: TAG.into(),
                digest: image.digest.clone(),
            };
            let measured: Result<Duration> = async {
                if tool == "ours" {
                    // The source is on loopback: listed, as the outbound policy requires.
                    let server = ctx.launcher.start(&b.url(), &[("SOURCE_REGISTRIES", &a.host())]).await?;
                    let idle = memory(server.pid())?;
                    let body = json!({
                        "source_image": source,
                        "target_repository": copy.dst_repo,
                        "target_tag": TAG,
                    });
                    let (d, _) = run_job(&server.http, &server.url(), "/api/sync-jobs", &body).await?;
                    let after = memory(server.pid())?;
                    mem.push((idle.rss_kib, after.hwm_kib));
                    verify(&ctx.http, &a.url(), &b.url(), std::slice::from_ref(&copy), &mut ours_checked)
                        .await?;
                    Ok(d)
                } else {
                    let d = skopeo_copy(&source, &format!("{}/{}:{TAG}", b.host(), copy.dst_repo)).await?;
                    verify(&ctx.http, &a.url(), &b.url(), std::slice::from_ref(&copy), &mut skopeo_checked)
                        .await?;
                    Ok(d)
                }
            }
            .await;
            match measured {
                Ok(d) if tool == "ours" => ours.push(d),
                Ok(d) => skopeo.push(d),
                Err(e) => errors.push(run_failed(5, tool, run, &e)),
            }
        }
    }

    let mut checks = Vec::new();
    if !mem.is_empty() {
        let grown: Vec<f64> = mem.iter().map(|&(idle, peak)| mib(peak.saturating_sub(idle))).collect();
        let worst = grown.iter().copied().fold(0.0, f64::max);
        let runs: Vec<String> = grown.iter().map(|g| format!("{g:.1}")).collect();
        checks.push(Check {
            case: "server memory: peak − idle, worst run".into(),
            value: format!("{worst:.1} MiB (runs: {} MiB)", runs.join(", ")),
            target: format!("≤ {MEMORY_TARGET_MIB:.0} MiB"),
            passed: worst <= MEMORY_TARGET_MIB,
        });
    }
    let mb = image.size as f64 / 1e6;
    Ok(Table {
        title: format!("[5] Sync one {mb:.0} MB image from registry A to a new repository of registry B"),
        notes: vec![
            format!(
                "fixture: {REPO}:{TAG} in A, Docker schema 2, {LAYERS} layers of {} MB random data ({mb:.1} MB of blobs)",
                LAYER_BYTES / 1_000_000
            ),
            "ours: new server (REGISTRY_API_URL = B), POST /api/sync-jobs {source_image: 127.0.0.1:A/…, \
             target_repository: b<nonce>-ours-<run>/sync-200}, GET /api/sync-jobs/{id} every 20 ms until finished"
                .into(),
            "skopeo: `skopeo copy --src-tls-verify=false --dest-tls-verify=false docker://A/… docker://B/…`".into(),
            format!(
                "every run into a new empty registry B, to a fresh name b{}-<tool>-<run>/sync-200; runs per tool: {}, \
                 alternating which tool goes first",
                ctx.nonce, ctx.jobs_reps
            ),
            match mem.first() {
                Some(&(idle, _)) => format!(
                    "memory: VmRSS of the (new) server just before the POST (idle, after the bench's login \
                     and token creation; {:.1} MiB in run 1), VmHWM after the job (peak)",
                    mib(idle)
                ),
                None => "memory: not measured".into(),
            },
            format!(
                "check through B's registry API after every run: ours {}; skopeo {}",
                ours_checked.text(),
                skopeo_checked.text()
            ),
        ],
        rows: vec![Row {
            case: format!("sync {mb:.0} MB A → B vs skopeo copy"),
            ours,
            reference: Some(("skopeo".into(), skopeo)),
            target: Target::Ratio(1.0),
        }],
        checks,
        errors,
    })
}
