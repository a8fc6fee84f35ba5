//! Scenario 2: walking a 2,000-repository catalog, all repositories and non-empty only; the
//! non-empty walk also on a new server whose `DATA_DIR` a previous server left its tag count index
//! in (issue 15: the cold non-empty walk).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use rm_harness::Registry;

use crate::Ctx;
use crate::push::{Pusher, SharedLayer, TagJob, created_at, format_of};
use crate::reference::raw_catalog_walk;
use crate::report::{Row, Samples, Table, Target};
use crate::server::timed_get;

const REPOS: usize = 2000;
/// Every tenth repository has its only tag deleted (by digest): it stays in `_catalog`.
fn emptied(i: usize) -> bool {
    i % 10 == 3
}
/// Page size of both walks (distribution 2.8.2 refuses more).
const PAGE: usize = 1000;

/// `GET /api/repositories?n=1000[&last=…][&non_empty_only=true]` until `next` is null.
async fn our_walk(http: &reqwest::Client, server: &str, non_empty: bool) -> Result<(Duration, Vec<String>)> {
    let url = format!("{server}/api/repositories");
    let page = PAGE.to_string();
    let mut last: Option<String> = None;
    let mut names = Vec::new();
    let mut total = Duration::ZERO;
    loop {
        let mut query = vec![("n", page.as_str())];
        if non_empty {
            query.push(("non_empty_only", "true"));
        }
        if let Some(l) = &last {
            query.push(("last", l.as_str()));
        }
        let (d, answer) = timed_get(http, &url, &query).await?;
        total += d;
        let repos = answer["repositories"].as_array().context("no `repositories` in the answer")?;
        names.extend(repos.iter().filter_map(|r| r.as_str().map(String::from)));
        match answer["next"].as_str() {
            Some(next) => last = Some(next.to_string()),
            None => return Ok((total, names)),
        }
    }
}

pub async fn run(ctx: &Ctx) -> Result<Table> {
    let registry = Registry::builder().blob_descriptor_cache(true).start().await?;
    let base = registry.url();
    let started = Instant::now();
    let repos: Vec<String> = (0..REPOS).map(|i| format!("team-{:02}/app-{i:04}", i % 20)).collect();
    let jobs: Vec<TagJob> = repos
        .iter()
        .enumerate()
        .map(|(i, repo)| TagJob {
            repo: repo.clone(),
            tag: "latest".into(),
            format: format_of(i),
            created: created_at(i as u64),
            label: repo.clone(),
        })
        .collect();
    let pusher = Pusher::new(&base, ctx.push_concurrency)?;
    let layer = SharedLayer::build(512, rm_harness::fixtures::fresh_seed())?;
    let digests = pusher.populate(&layer, &repos, &jobs, ctx.push_concurrency, false).await?;
    for (i, (repo, digest)) in repos.iter().zip(&digests).enumerate() {
        if emptied(i) {
            pusher.delete_manifest(repo, digest).await?;
        }
    }
    let mut all = repos.clone();
    all.sort();
    let mut non_empty: Vec<String> =
        repos.iter().enumerate().filter(|(i, _)| !emptied(*i)).map(|(_, r)| r.clone()).collect();
    non_empty.sort();
    eprintln!(
        "  [2] fixtures: {REPOS} repositories ({} emptied) pushed in {:.1} s",
        REPOS - non_empty.len(),
        started.elapsed().as_secs_f64()
    );

    // Untimed: the raw walk sees every repository (emptied ones too), and warms the page cache.
    let raw_names = raw_catalog_walk(&ctx.http, &base, PAGE).await?;
    ensure!(raw_names == all, "_catalog lists {} repositories, wanted {REPOS}", raw_names.len());

    let max = PAGE.to_string();
    let env = [("MAX_CATALOG_RESULTS", max.as_str())];
    let check = |names: &[String], non_empty_only: bool| -> Result<()> {
        let want = if non_empty_only { &non_empty } else { &all };
        ensure!(
            names == want.as_slice(),
            "the walk returned {} repositories, wanted {} (non_empty_only={non_empty_only})",
            names.len(),
            want.len()
        );
        Ok(())
    };

    let (mut raw, mut cold, mut cold_ne) = (Samples::default(), Samples::default(), Samples::default());
    for _ in 0..ctx.cold_reps {
        for non_empty_only in [false, true] {
            let server = ctx.launcher.start(&base, &env).await?;
            let (d, names) = our_walk(&server.http, &server.url(), non_empty_only).await?;
            check(&names, non_empty_only)?;
            if non_empty_only { cold_ne.push(d) } else { cold.push(d) }
        }
        let t = Instant::now();
        raw_catalog_walk(&ctx.http, &base, PAGE).await?;
        raw.push(t.elapsed());
    }

    // A DATA_DIR kept across servers: the first one (untimed) builds the tag count index by a
    // non-empty walk; each timed one is a new process over it. TAG_CACHE_TTL_SEC=0 makes every
    // count loaded from disk old, so each walk also revalidates every count in the background
    // while it runs, as after a long downtime (the worst case).
    let kept = rm_harness::process::temp_dir()?;
    let kept_data = kept.path().join("data");
    let kept_data = kept_data.to_str().context("a temp dir that is not UTF-8")?;
    let kept_env =
        [("MAX_CATALOG_RESULTS", max.as_str()), ("DATA_DIR", kept_data), ("TAG_CACHE_TTL_SEC", "0")];
    {
        let server = ctx.launcher.start(&base, &kept_env).await?;
        let (_, names) = our_walk(&server.http, &server.url(), true).await?;
        check(&names, true)?;
        // Let it write the index (batched every 250 ms) and its revalidations finish.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    let (mut kept_ne, mut kept_raw) = (Samples::default(), Samples::default());
    for _ in 0..ctx.cold_reps {
        let server = ctx.launcher.start(&base, &kept_env).await?;
        let (d, names) = our_walk(&server.http, &server.url(), true).await?;
        check(&names, true)?;
        kept_ne.push(d);
        drop(server);
        let t = Instant::now();
        raw_catalog_walk(&ctx.http, &base, PAGE).await?;
        kept_raw.push(t.elapsed());
    }

    let server = ctx.launcher.start(&base, &env).await?;
    let (mut warm, mut warm_ne) = (Samples::default(), Samples::default());
    for non_empty_only in [false, true] {
        let (_, names) = our_walk(&server.http, &server.url(), non_empty_only).await?;
        check(&names, non_empty_only)?;
    }
    for _ in 0..ctx.warm_reps {
        let t = Instant::now();
        raw_catalog_walk(&ctx.http, &base, PAGE).await?;
        raw.push(t.elapsed());
        let (d, names) = our_walk(&server.http, &server.url(), false).await?;
        check(&names, false)?;
        warm.push(d);
        let (d, names) = our_walk(&server.http, &server.url(), true).await?;
        check(&names, true)?;
        warm_ne.push(d);
    }

    let reference = Some(("raw".to_string(), raw));
    let row = |case: &str, ours: Samples, max: f64| Row {
        case: case.into(),
        ours,
        reference: reference.clone(),
        target: Target::Ratio(max),
    };
    let emptied_count = REPOS - non_empty.len();
    let first_start = Row {
        case: "non-empty walk, first start (empty DATA_DIR)".into(),
        ours: cold_ne,
        reference: reference.clone(),
        target: Target::None,
    };
    let kept_row = Row {
        case: "non-empty walk, cold (new server, index on disk)".into(),
        ours: kept_ne,
        reference: Some(("raw".to_string(), kept_raw)),
        target: Target::Ratio(2.0),
    };
    Ok(Table {
        title: "[2] 2,000-repository catalog walk".into(),
        notes: vec![
            format!(
                "ours: GET /api/repositories?n={PAGE}&last=… until next is null \
                 (MAX_CATALOG_RESULTS={PAGE}); non-empty: the same with non_empty_only=true"
            ),
            format!("raw: GET /v2/_catalog?n={PAGE} following Link headers (cold and warm runs interleaved)"),
            format!(
                "fixtures: {REPOS} repositories × 1 tag; {emptied_count} of them emptied by DELETE of their \
                 manifest digest (still in _catalog); walks checked against the expected names"
            ),
            "cold: each walk on a new server process; warm: the same server after one walk of each kind \
             (tag counts are trusted for the server's 30 s tag TTL)"
                .into(),
            "first start: a new server with an empty DATA_DIR lists every repository's tags (information); \
             index on disk: a new server over the DATA_DIR a previous one left its tag count index in, \
             with TAG_CACHE_TTL_SEC=0 so every kept count is revalidated in the background during the walk \
             (raw walks timed right after each)"
                .into(),
        ],
        rows: vec![
            row("catalog walk, cold (new server)", cold, 1.1),
            row("catalog walk, warm", warm, 1.1),
            first_start,
            kept_row,
            row("non-empty walk, warm", warm_ne, 2.0),
        ],
        ..Table::default()
    })
}
