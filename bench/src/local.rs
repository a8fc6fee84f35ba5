//! Scenario 6: push 5 local images (20 MB each) from the host's Docker daemon to a registry under
//! new names (the "local images" feature).
//!
//! Fixture: 5 images, each with its own 2 layers of 10 MB random data, loaded once into a private
//! dockerd (a generated docker-archive, `POST /images/load`) as `bench/local-<i>:v1`.
//!
//! Tools, each run `ctx.jobs_reps` times, the tool that goes first rotating from run to run. Every
//! run pushes into a new, empty registry (dockerd would otherwise find the blobs an earlier run
//! left there, "Layer already exists", and upload nothing) and to fresh names
//! `b<nonce>-<tool>-<run>/bench/local-<i>:v1`:
//! * ours: a new server (`REGISTRY_API_URL` = that registry, `DOCKER_HOST` = the private dockerd,
//!   default `LOCAL_PUSH_CONCURRENCY` 2), one `POST /api/local-push-jobs` (prefix add, no arch
//!   suffix, `cleanup_local_tag`), polled until finished;
//! * ours-c5: the same with `LOCAL_PUSH_CONCURRENCY=5` (information);
//! * docker-serial: `docker tag` + `docker push` + `docker rmi` of the source tag per image, one
//!   image after the other;
//! * docker-parallel: the 5 `docker tag` + `docker push` + `docker rmi` chains at once.
//!
//! Every tool ends in the same state, the original's `cleanup_local_tag`: the images in the
//! registry, and locally renamed (the new tags kept, the source tags removed; ours through
//! `cleanup_local_tag`, the docker chains through their `docker rmi`, both timed). Untimed after
//! each run, the source tags are put back and the new ones removed. One untimed `docker push` to
//! a throwaway registry warms the daemon up first. A tool that ends in another state fails its
//! run. Every pushed tag is read back through the registry API: its config digest must be the
//! local image's ID.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rm_harness::{Dockerd, ImageSpec, Registry};
use serde_json::{Value, json};

use crate::Ctx;
use crate::jobs::{job_phases, manifest, run_failed, run_job, target_prefix};
use crate::report::{Row, Samples, Table, Target};

const IMAGES: usize = 5;
const LAYERS: usize = 2;
/// Uncompressed bytes of each layer's one file (random: `docker push`'s gzip cannot shrink it).
const LAYER_BYTES: usize = 10_000_000;
const TAG: &str = "v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    Ours,
    Ours5,
    DockerSerial,
    DockerParallel,
}

impl Tool {
    const ALL: [Tool; 4] = [Tool::Ours, Tool::Ours5, Tool::DockerSerial, Tool::DockerParallel];

    fn name(self) -> &'static str {
        match self {
            Tool::Ours => "ours",
            Tool::Ours5 => "ours-c5",
            Tool::DockerSerial => "docker-serial",
            Tool::DockerParallel => "docker-parallel",
        }
    }

    fn is_ours(self) -> bool {
        matches!(self, Tool::Ours | Tool::Ours5)
    }
}

/// One fixture image in the dockerd.
struct LocalImage {
    /// `bench/local-<i>`
    repository: String,
    /// `bench/local-<i>:v1`
    reference: String,
    /// The image ID (`sha256:…`), which is its config digest.
    id: String,
}

#[derive(Default)]
struct Results {
    samples: Samples,
    /// Tags read back with the expected config digest and layer count.
    checked: usize,
    /// Of ours: job items whose digest is the one the registry serves.
    item_digests: usize,
    error: Option<String>,
}

/// The tool run `k` (0-based) of a run starts with: rotates by one per run.
fn order(run: usize) -> Vec<Tool> {
    (0..Tool::ALL.len()).map(|k| Tool::ALL[(k + run - 1) % Tool::ALL.len()]).collect()
}

/// The dockerd's `repository:tag` names under `/<prefix>/` (a run's targets).
async fn tags_under(dockerd: &Dockerd, prefix: &str) -> Result<Vec<String>> {
    let out = dockerd.cli_ok(&["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]).await?;
    let marker = format!("/{prefix}/");
    Ok(out.lines().map(str::trim).filter(|l| l.contains(&marker)).map(String::from).collect())
}

/// Every item of a finished job of ours `succeeded` for the expected target; its digests by image.
fn item_digests(job: &Value, targets: &[String]) -> Result<Vec<String>> {
    let items = job["items"].as_array().map(Vec::as_slice).unwrap_or_default();
    ensure!(items.len() == targets.len(), "the job has {} items, wanted {}", items.len(), targets.len());
    targets
        .iter()
        .map(|target| {
            let item = items
                .iter()
                .find(|i| i["target"].as_str() == Some(target))
                .with_context(|| format!("no job item pushes {target}"))?;
            ensure!(item["status"] == "succeeded", "item {target}: {}", item["status"]);
            item["digest"].as_str().map(String::from).with_context(|| format!("item {target} has no digest"))
        })
        .collect()
}

/// Reads every pushed tag through the registry API: config digest = the local image ID, `LAYERS`
/// layers, and (ours) the digest the job reported.
async fn verify(
    http: &reqwest::Client,
    base: &str,
    images: &[LocalImage],
    prefix: &str,
    reported: Option<&[String]>,
    into: &mut Results,
) -> Result<()> {
    for (i, image) in images.iter().enumerate() {
        let repo = format!("{prefix}/{}", image.repository);
        let (digest, m) = manifest(http, base, &repo, TAG).await?;
        let config = m["config"]["digest"].as_str().unwrap_or_default();
        ensure!(config == image.id, "{repo}:{TAG} has config {config}, the local image is {}", image.id);
        let layers = m["layers"].as_array().map(Vec::len).unwrap_or(0);
        ensure!(layers == LAYERS, "{repo}:{TAG} has {layers} layers, wanted {LAYERS}");
        into.checked += 1;
        if let Some(reported) = reported {
            ensure!(
                reported[i] == digest,
                "the job reported {} for {repo}:{TAG}, the registry serves {digest}",
                reported[i]
            );
            into.item_digests += 1;
        }
    }
    Ok(())
}

pub async fn run(ctx: &Ctx) -> Result<Table> {
    let dockerd = Dockerd::start().await.context("starting a private dockerd")?;
    let started = Instant::now();
    let spec = ImageSpec::docker().layers(&[LAYER_BYTES; LAYERS]);
    let mut images = Vec::new();
    for i in 0..IMAGES {
        let repository = format!("bench/local-{i}");
        let reference = format!("{repository}:{TAG}");
        let id = dockerd.load_image(&reference, &spec).await?;
        images.push(LocalImage { repository, reference, id });
    }
    let mb = (IMAGES * LAYERS * LAYER_BYTES) as f64 / 1e6;
    println!(
        "  [6] fixture: {IMAGES} local images ({mb:.0} MB of layers) loaded into a private dockerd in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let refs: Vec<&str> = images.iter().map(|i| i.reference.as_str()).collect();
    // Untimed warm-up: one docker tag + push to a throwaway registry, so the first measured run
    // does not pay for the daemon's (and the CLI's) first push.
    {
        let scratch = Registry::builder().start().await?;
        let warm = format!("{}/warm-up/local:{TAG}", scratch.host());
        dockerd.cli_ok(&["tag", &images[0].reference, &warm]).await?;
        dockerd.cli_ok(&["push", "--quiet", &warm]).await.context("warm-up docker push")?;
        dockerd.cli_ok(&["rmi", &warm]).await?;
    }

    let mut results: Vec<(Tool, Results)> = Tool::ALL.iter().map(|&t| (t, Results::default())).collect();
    let mut ours_detail: Option<String> = None;
    // Ours (c=2), inside the server (the job's own timestamps): queued, running.
    let (mut queued, mut running) = (Samples::default(), Samples::default());
    for run in 1..=ctx.jobs_reps {
        for tool in order(run) {
            let res = &mut results.iter_mut().find(|(t, _)| *t == tool).expect("every tool has results").1;
            if res.error.is_some() {
                continue;
            }
            let registry = Registry::builder().blob_descriptor_cache(true).start().await?;
            let prefix = target_prefix(&ctx.nonce, tool.name(), run);
            let host = registry.host();
            let targets: Vec<String> =
                images.iter().map(|i| format!("{host}/{prefix}/{}:{TAG}", i.repository)).collect();
            let measured: Result<(Duration, Option<Vec<String>>)> = async {
                Ok(match tool {
                    Tool::Ours | Tool::Ours5 => {
                        let env: &[(&str, &str)] =
                            if tool == Tool::Ours5 { &[("LOCAL_PUSH_CONCURRENCY", "5")] } else { &[] };
                        let server =
                            ctx.launcher.start_with_docker(&registry.url(), dockerd.host(), env).await?;
                        let body = json!({
                            "image_refs": refs,
                            "prefix_mode": "add",
                            "prefix_value": prefix,
                            "arch_mode": "none",
                            "cleanup_local_tag": true,
                        });
                        let (d, job) =
                            run_job(&server.http, &server.url(), "/api/local-push-jobs", &body).await?;
                        let digests = item_digests(&job, &targets)?;
                        if tool == Tool::Ours {
                            let (q, r) = job_phases(&job)?;
                            queued.push(q);
                            running.push(r);
                        }
                        if ours_detail.is_none() {
                            ours_detail = job["items"][0]["detail"].as_str().map(String::from);
                        }
                        (d, Some(digests))
                    }
                    Tool::DockerSerial => {
                        let t = Instant::now();
                        for (image, target) in images.iter().zip(&targets) {
                            dockerd.cli_ok(&["tag", &image.reference, target]).await?;
                            dockerd.cli_ok(&["push", "--quiet", target]).await?;
                            dockerd.cli_ok(&["rmi", &image.reference]).await?;
                        }
                        (t.elapsed(), None)
                    }
                    Tool::DockerParallel => {
                        let dockerd = &dockerd;
                        let t = Instant::now();
                        futures::future::try_join_all(images.iter().zip(&targets).map(
                            |(image, target)| async move {
                                dockerd.cli_ok(&["tag", &image.reference, target]).await?;
                                dockerd.cli_ok(&["push", "--quiet", target]).await?;
                                dockerd.cli_ok(&["rmi", &image.reference]).await
                            },
                        ))
                        .await?;
                        (t.elapsed(), None)
                    }
                })
            }
            .await;
            // Untimed: the end state (the new tags, no source tag), then the source tags put back and
            // the run's tags removed, so the next run starts from the fixture.
            let renamed = tags_under(&dockerd, &prefix).await;
            let mut sources_left = Vec::new();
            for image in &images {
                if dockerd.cli_ok(&["image", "inspect", &image.reference]).await.is_ok() {
                    sources_left.push(image.reference.clone());
                } else {
                    dockerd
                        .cli_ok(&["tag", &image.id, &image.reference])
                        .await
                        .context("putting a source tag back")?;
                }
            }
            if let Ok(renamed) = &renamed
                && !renamed.is_empty()
            {
                let mut args = vec!["rmi"];
                args.extend(renamed.iter().map(String::as_str));
                dockerd.cli_ok(&args).await.context("docker rmi of the run's tags")?;
            }
            let checked: Result<Duration> = async {
                let (d, digests) = measured?;
                let mut renamed = renamed.context("listing the dockerd's tags")?;
                renamed.sort();
                let mut wanted = targets.clone();
                wanted.sort();
                let how = if tool.is_ours() { "cleanup_local_tag" } else { "docker rmi" };
                ensure!(renamed == wanted, "{how} left the new tags {renamed:?}, wanted {wanted:?}");
                ensure!(sources_left.is_empty(), "{how} left the source tags {sources_left:?}");
                verify(&ctx.http, &registry.url(), &images, &prefix, digests.as_deref(), res).await?;
                Ok(d)
            }
            .await;
            match checked {
                Ok(d) => res.samples.push(d),
                Err(e) => res.error = Some(run_failed(6, tool.name(), run, &e)),
            }
        }
    }

    let get = |tool: Tool| &results.iter().find(|(t, _)| *t == tool).expect("every tool has results").1;
    let parallel = || Some(("docker ×5".to_string(), get(Tool::DockerParallel).samples.clone()));
    let case = |what: &str| format!("push {IMAGES} × {} MB {what}", LAYERS * LAYER_BYTES / 1_000_000);
    let rows = vec![
        Row {
            case: case("(c=2) vs parallel docker push"),
            ours: get(Tool::Ours).samples.clone(),
            reference: parallel(),
            target: Target::Ratio(1.0),
        },
        Row {
            case: case("(c=5) vs parallel docker push"),
            ours: get(Tool::Ours5).samples.clone(),
            reference: parallel(),
            target: Target::None,
        },
        Row {
            case: case("(c=2) vs serial tag + push"),
            ours: get(Tool::Ours).samples.clone(),
            reference: Some(("docker".into(), get(Tool::DockerSerial).samples.clone())),
            target: Target::None,
        },
    ];
    let checks: Vec<String> = results
        .iter()
        .map(|(t, r)| {
            let mut s = format!("{} {} tags with config digest = local image ID", t.name(), r.checked);
            if t.is_ours() {
                s.push_str(&format!(
                    ", {} job digests = registry's, local tags removed by the job",
                    r.item_digests
                ));
            }
            s
        })
        .collect();
    Ok(Table {
        title: format!("[6] Push {IMAGES} local images ({mb:.0} MB) from the Docker daemon to a registry, new names"),
        notes: vec![
            format!(
                "fixture: {IMAGES} images bench/local-<i>:{TAG}, each its own {LAYERS} layers of {} MB random data, \
                 loaded into a private dockerd (docker-archive); docker push gzips them on every push",
                LAYER_BYTES / 1_000_000
            ),
            "ours: new server (REGISTRY_API_URL = the run's registry, DOCKER_HOST = the dockerd), \
             POST /api/local-push-jobs {image_refs: all 5, prefix_mode: add, prefix_value: b<nonce>-ours-<run>, \
             arch_mode: none, cleanup_local_tag: true}, GET /api/sync-jobs/{id} every 20 ms until finished; \
             c = LOCAL_PUSH_CONCURRENCY (2 default, 5 for information)"
                .into(),
            "docker ×5: the 5 `docker tag` + `docker push` + `docker rmi <source tag>` chains at once; docker: the same \
             one image after the other (every tool leaves the host's tags as they were, timed)"
                .into(),
            format!(
                "every run into a new empty registry (so every tool uploads every layer), to fresh names \
                 b{}-<tool>-<run>/bench/local-<i>:{TAG}; runs per tool: {}, rotating which tool goes first; \
                 one untimed docker push to a throwaway registry before the first run",
                ctx.nonce, ctx.jobs_reps
            ),
            format!(
                "ours (c=2) inside the server (job timestamps, ms precision): queued {}, running {}",
                queued.summary(),
                running.summary()
            ),
            match &ours_detail {
                Some(d) => format!("ours, an item's detail in run 1: {d}"),
                None => "ours: no item detail".into(),
            },
            format!("check through the registry API after every run: {}", checks.join("; ")),
        ],
        rows,
        errors: results.iter().filter_map(|(_, r)| r.error.clone()).collect(),
        ..Table::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_goes_first_in_turn() {
        assert_eq!(order(1), Tool::ALL.to_vec());
        assert_eq!(order(2)[0], Tool::Ours5);
        assert_eq!(order(5), Tool::ALL.to_vec());
        for run in 1..=4 {
            let o = order(run);
            assert!(Tool::ALL.iter().all(|t| o.contains(t)), "run {run}: {o:?}");
        }
    }

    #[test]
    fn job_items_must_all_succeed_for_their_targets() {
        let targets = vec!["h/p/a:v1".to_string(), "h/p/b:v1".to_string()];
        let job = json!({"items": [
            {"target": "h/p/b:v1", "status": "succeeded", "digest": "sha256:b"},
            {"target": "h/p/a:v1", "status": "succeeded", "digest": "sha256:a"},
        ]});
        assert_eq!(item_digests(&job, &targets).unwrap(), vec!["sha256:a", "sha256:b"]);
        let failed = json!({"items": [
            {"target": "h/p/a:v1", "status": "succeeded", "digest": "sha256:a"},
            {"target": "h/p/b:v1", "status": "failed"},
        ]});
        assert!(item_digests(&failed, &targets).is_err());
        assert!(item_digests(&json!({"items": []}), &targets).is_err());
    }
}
