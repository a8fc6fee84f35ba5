//! Scenario 1: one repository with 300 tags, details for every tag.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use rm_harness::Registry;
use serde_json::Value;

use crate::push::{Pusher, SharedLayer, TagJob, created_at, format_of};
use crate::reference::{NaiveTag, naive_tag_details};
use crate::report::{Row, Samples, Table, Target};
use crate::server::timed_get;
use crate::{Ctx, spread};

const TAGS: usize = 300;
const REPO: &str = "bench/tags-300";

/// The server's answer must agree with what the naive reference read from the registry.
fn check(answer: &Value, expected: &HashMap<String, NaiveTag>) -> Result<()> {
    let tags = answer["tags"].as_array().context("no `tags` in the answer")?;
    ensure!(answer["total"] == TAGS, "total = {}, wanted {TAGS}", answer["total"]);
    ensure!(tags.len() == TAGS, "{} tags in the answer, wanted {TAGS}", tags.len());
    for t in tags {
        let name = t["tag"].as_str().context("a tag without a name")?;
        let want = expected.get(name).with_context(|| format!("unexpected tag {name}"))?;
        ensure!(t["error"].is_null(), "tag {name}: error {}", t["error"]);
        ensure!(t["digest"] == want.digest.as_str(), "tag {name}: digest {} ≠ {}", t["digest"], want.digest);
        ensure!(
            t["created_at"].as_str() == want.created.as_deref(),
            "tag {name}: created {} ≠ {:?}",
            t["created_at"],
            want.created
        );
        ensure!(t["size_bytes"] == want.size, "tag {name}: size {} ≠ {}", t["size_bytes"], want.size);
    }
    Ok(())
}

pub async fn run(ctx: &Ctx) -> Result<Table> {
    let registry = Registry::builder().blob_descriptor_cache(true).start().await?;
    let base = registry.url();
    let started = Instant::now();
    let layer = SharedLayer::build(2048, rm_harness::fixtures::fresh_seed())?;
    let jobs: Vec<TagJob> = (0..TAGS)
        .map(|i| TagJob {
            repo: REPO.into(),
            tag: format!("t-{i:03}"),
            format: format_of(i),
            created: created_at(spread(i, TAGS)),
            label: format!("{REPO}:{i}"),
        })
        .collect();
    Pusher::new(&base, ctx.push_concurrency)?
        .populate(&layer, &[REPO.to_string()], &jobs, ctx.push_concurrency, false)
        .await?;
    println!("  [1] fixtures: {TAGS} tags pushed in {:.1} s", started.elapsed().as_secs_f64());

    // One untimed pass, so that both sides meet the same warm page cache and registry.
    let expected = naive_tag_details(&ctx.http, &base, REPO).await?;
    ensure!(expected.len() == TAGS, "the registry lists {} tags, wanted {TAGS}", expected.len());
    let expected: HashMap<String, NaiveTag> = expected.into_iter().map(|t| (t.tag.clone(), t)).collect();

    let path = format!("/api/repositories/{REPO}/tags");
    // The default page: details for every tag, as the original's clients ask for it (no parameters).
    let query: [(&str, &str); 0] = [];
    let (mut naive, mut cold, mut warm) = (Samples::default(), Samples::default(), Samples::default());
    let warm_per_server = ctx.warm_reps.div_ceil(ctx.cold_reps.max(1));
    for rep in 0..ctx.cold_reps.max(ctx.reference_reps) {
        if rep < ctx.reference_reps {
            let t = Instant::now();
            let got = naive_tag_details(&ctx.http, &base, REPO).await?;
            naive.push(t.elapsed());
            ensure!(got.len() == TAGS);
        }
        if rep < ctx.cold_reps {
            let server = ctx.launcher.start(&base, &[]).await?;
            let url = format!("{}{path}", server.url());
            let (d, answer) = timed_get(&server.http, &url, &query).await?;
            check(&answer, &expected).context("cold answer")?;
            cold.push(d);
            for _ in 0..warm_per_server {
                if warm.0.len() < ctx.warm_reps {
                    let (d, answer) = timed_get(&server.http, &url, &query).await?;
                    check(&answer, &expected).context("warm answer")?;
                    warm.push(d);
                }
            }
        }
    }

    let reference = |s: &Samples| Some(("naive".to_string(), s.clone()));
    Ok(Table {
        title: "[1] 300-tag repository, details for every tag".into(),
        notes: vec![
            format!(
                "ours: GET {path}?details=true&limit=300 (each cold run on a new server process; \
                 warm = the same request again on it)"
            ),
            format!(
                "naive: tags/list + {TAGS} × (HEAD manifest, GET manifest, GET config blob), \
                 one request at a time, keep-alive"
            ),
            format!(
                "fixtures: {TAGS} tags, each its own manifest and config (¾ Docker schema 2, ¼ OCI), one shared \
                 2 KiB layer; answers checked against naive (digest, created, size)"
            ),
        ],
        rows: vec![
            Row {
                case: "tag details, cold (new server)".into(),
                ours: cold,
                reference: reference(&naive),
                target: Target::Ratio(0.7),
            },
            Row {
                case: "tag details, warm".into(),
                ours: warm,
                reference: reference(&naive),
                target: Target::Ratio(0.05),
            },
        ],
        ..Table::default()
    })
}
