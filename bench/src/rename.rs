//! Scenario 4: rename 10 repositories (30 tags) to a new prefix within one registry.
//!
//! Tools, each run `ctx.jobs_reps` times (interleaved, every run to a fresh prefix):
//! * ours: one `POST /api/remote-prefix-jobs` for the 10 repositories, polled until finished;
//! * mount: [`mount_rename`], the floor (tags/list, then per tag GET manifest, one mount per blob,
//!   PUT manifest; one request at a time);
//! * skopeo: `skopeo copy` per tag (30 processes, one after the other);
//! * docker: `docker pull`, `docker tag`, `docker push` per tag through a private dockerd, as the
//!   original tool did (its images are removed afterwards, untimed, so every run pulls again).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use futures::{StreamExt, TryStreamExt, stream};
use rm_harness::{Dockerd, ImageSpec, PushedImage, Registry};
use serde_json::json;

use crate::Ctx;
use crate::jobs::{Copy, Verified, job_phases, run_failed, run_job, skopeo_copy, target_prefix, verify};
use crate::reference::mount_rename;
use crate::report::{Row, Samples, Table, Target};

const REPOS: usize = 10;
const TAGS: usize = 3;
/// Uncompressed bytes of each layer's one file (random: gzip stores it, ~the same size).
const LAYER_BYTES: usize = 10_000_000;
const LAYERS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Mount,
    Ours,
    Skopeo,
    Docker,
}

impl Tool {
    const ALL: [Tool; 4] = [Tool::Mount, Tool::Ours, Tool::Skopeo, Tool::Docker];

    fn name(self) -> &'static str {
        match self {
            Tool::Mount => "mount",
            Tool::Ours => "ours",
            Tool::Skopeo => "skopeo",
            Tool::Docker => "docker",
        }
    }
}

#[derive(Default)]
struct Results {
    samples: Samples,
    verified: Verified,
    error: Option<String>,
}

/// Removes what the docker runs created (pulled and new tags), untimed.
async fn docker_cleanup(dockerd: &Dockerd, refs: &[String]) -> Result<()> {
    let mut args = vec!["rmi", "--force"];
    args.extend(refs.iter().map(String::as_str));
    dockerd.cli_ok(&args).await.map(drop)
}

/// `docker, per run: pull 7.1 s, tag 0.9 s, push 4.8 s` (means over the runs that finished).
fn docker_breakdown(steps: &[Duration; 3], runs: usize) -> String {
    if runs == 0 {
        return "docker, per run: not measured".into();
    }
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64() / runs as f64);
    format!(
        "docker, per run (mean): pull {}, tag {}, push {} — `docker tag` is mostly the CLI's start-up \
         (3 CLI processes per tag)",
        s(steps[0]),
        s(steps[1]),
        s(steps[2])
    )
}

pub async fn run(ctx: &Ctx) -> Result<Table> {
    let registry = Registry::builder().blob_descriptor_cache(true).start().await?;
    let (base, host) = (registry.url(), registry.host());
    let started = Instant::now();
    let repos: Vec<String> = (0..REPOS).map(|i| format!("bench/rename-{i:02}")).collect();
    let spec = ImageSpec::docker().layers(&[LAYER_BYTES; LAYERS]);
    let images: Vec<PushedImage> = stream::iter(&repos)
        .map(|repo| registry.push_many_tags(repo, TAGS, &spec))
        .buffered(2)
        .try_collect::<Vec<_>>()
        .await?
        .into_iter()
        .flatten()
        .collect();
    ensure!(images.len() == REPOS * TAGS);
    let bytes: u64 = images.iter().step_by(TAGS).map(|i| i.size).sum();
    println!(
        "  [4] fixtures: {} tags in {REPOS} repositories ({:.0} MB of blobs) pushed in {:.1} s",
        images.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let server = ctx.launcher.start(&base, &[]).await?;
    // Without a daemon only the docker runs fail (reported), the other tools still run.
    let dockerd = Dockerd::start().await.context("starting a private dockerd");

    // Time spent in `docker pull`, `docker tag`, `docker push` over all runs (`tag` changes
    // nothing on the network: it is mostly the CLI's own start-up and one API call).
    let mut docker_steps = [Duration::ZERO; 3];
    // Ours, inside the server (the job's own timestamps): queued, running.
    let (mut queued, mut running) = (Samples::default(), Samples::default());
    let mut results: Vec<(Tool, Results)> = Tool::ALL.iter().map(|&t| (t, Results::default())).collect();
    for run in 1..=ctx.jobs_reps {
        for (tool, res) in results.iter_mut() {
            if res.error.is_some() {
                continue;
            }
            let prefix = target_prefix(&ctx.nonce, tool.name(), run);
            let copies: Vec<Copy> = images
                .iter()
                .map(|i| Copy {
                    src_repo: i.repository.clone(),
                    src_tag: i.tag.clone(),
                    dst_repo: format!("{prefix}/{}", i.repository),
                    dst_tag: i.tag.clone(),
                    digest: i.digest.clone(),
                })
                .collect();
            let measured: Result<Duration> = async {
                let elapsed = match tool {
                    Tool::Mount => {
                        let renames: Vec<(String, String)> =
                            repos.iter().map(|r| (r.clone(), format!("{prefix}/{r}"))).collect();
                        let t = Instant::now();
                        let n = mount_rename(&ctx.http, &base, &renames).await?;
                        let d = t.elapsed();
                        ensure!(n == images.len(), "the mount reference copied {n} tags");
                        d
                    }
                    Tool::Ours => {
                        let body = json!({
                            "repositories": repos,
                            "prefix_mode": "add",
                            "prefix_value": prefix,
                            "cleanup_source_tag": false,
                        });
                        let (d, job) =
                            run_job(&server.http, &server.url(), "/api/remote-prefix-jobs", &body).await?;
                        let items = job["items"].as_array().map(Vec::len).unwrap_or(0);
                        ensure!(items == images.len(), "the job has {items} items, wanted {}", images.len());
                        let (q, r) = job_phases(&job)?;
                        queued.push(q);
                        running.push(r);
                        d
                    }
                    Tool::Skopeo => {
                        let t = Instant::now();
                        for c in &copies {
                            skopeo_copy(
                                &format!("{host}/{}:{}", c.src_repo, c.src_tag),
                                &format!("{host}/{}:{}", c.dst_repo, c.dst_tag),
                            )
                            .await?;
                        }
                        t.elapsed()
                    }
                    Tool::Docker => {
                        let dockerd = dockerd.as_ref().map_err(|e| anyhow!("{e:#}"))?;
                        let mut created = Vec::new();
                        let t = Instant::now();
                        let r = async {
                            for c in &copies {
                                let src = format!("{host}/{}:{}", c.src_repo, c.src_tag);
                                let dst = format!("{host}/{}:{}", c.dst_repo, c.dst_tag);
                                let step = Instant::now();
                                dockerd.cli_ok(&["pull", "--quiet", &src]).await?;
                                created.push(src.clone());
                                docker_steps[0] += step.elapsed();
                                let step = Instant::now();
                                dockerd.cli_ok(&["tag", &src, &dst]).await?;
                                created.push(dst.clone());
                                docker_steps[1] += step.elapsed();
                                let step = Instant::now();
                                dockerd.cli_ok(&["push", "--quiet", &dst]).await?;
                                docker_steps[2] += step.elapsed();
                            }
                            Ok::<_, anyhow::Error>(())
                        }
                        .await;
                        let d = t.elapsed();
                        let cleaned = docker_cleanup(dockerd, &created).await;
                        r?;
                        cleaned.context("docker rmi of the pulled and tagged images")?;
                        d
                    }
                };
                verify(&ctx.http, &base, &base, &copies, &mut res.verified).await?;
                Ok(elapsed)
            }
            .await;
            match measured {
                Ok(d) => res.samples.push(d),
                Err(e) => res.error = Some(run_failed(4, tool.name(), run, &e)),
            }
        }
    }

    let get = |tool: Tool| &results.iter().find(|(t, _)| *t == tool).expect("every tool has results").1;
    let ours = get(Tool::Ours).samples.clone();
    let case = |what: &str| format!("rename {} tags {what}", images.len());
    let rows = vec![
        Row {
            case: case("vs mount floor"),
            ours: ours.clone(),
            reference: Some(("mount".into(), get(Tool::Mount).samples.clone())),
            target: Target::Ratio(1.2),
        },
        Row {
            case: case("vs skopeo copy per tag"),
            ours: ours.clone(),
            reference: Some(("skopeo".into(), get(Tool::Skopeo).samples.clone())),
            target: Target::None,
        },
        Row {
            case: case("vs docker pull/tag/push"),
            ours,
            reference: Some(("docker".into(), get(Tool::Docker).samples.clone())),
            target: Target::Speedup(30.0),
        },
    ];
    let checks: Vec<String> =
        results.iter().map(|(t, r)| format!("{} {}", t.name(), r.verified.text())).collect();
    Ok(Table {
        title: format!(
            "[4] Rename {REPOS} repositories ({} tags) to a new prefix, one registry",
            images.len()
        ),
        notes: vec![
            format!(
                "fixtures: {REPOS} repositories × {TAGS} tags (Docker schema 2); each repository has its own \
                 {LAYERS} layers of {} MB random data, shared by its {TAGS} tags (each tag its own config)",
                LAYER_BYTES / 1_000_000
            ),
            "ours: one POST /api/remote-prefix-jobs {repositories: all 10, prefix_mode: add, \
             prefix_value: b<nonce>-ours-<run>}, then GET /api/sync-jobs/{id} every 20 ms until finished"
                .into(),
            "mount: per repository tags/list, per tag GET manifest, POST mount per blob (config + layers), \
             PUT manifest; one request at a time, keep-alive"
                .into(),
            "skopeo: `skopeo copy docker://… docker://…` per tag, 30 processes in sequence; \
             docker: pull + tag + push per tag (private dockerd; `docker rmi` afterwards, untimed)"
                .into(),
            format!(
                "runs interleaved mount, ours, skopeo, docker; runs per tool: {}, every run to a fresh prefix b{}-<tool>-<run>",
                ctx.jobs_reps, ctx.nonce
            ),
            format!(
                "ours inside the server (job timestamps, ms precision): queued {}, running {}; the rest of \
                 ours' time is the POST (validation, storing the job) and the 20 ms polling",
                queued.summary(),
                running.summary()
            ),
            docker_breakdown(&docker_steps, get(Tool::Docker).samples.0.len()),
            "ratio: ours / reference; the docker row: docker / ours (how many times faster ours is)".into(),
            format!("check through the registry API after every run: {}", checks.join("; ")),
        ],
        rows,
        errors: results.iter().filter_map(|(_, r)| r.error.clone()).collect(),
        ..Table::default()
    })
}
