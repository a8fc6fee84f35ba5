//! `rm-bench`: Registry Manager's browsing REST API and jobs against references, on generated
//! fixtures, all against real processes on 127.0.0.1 (`docker-registry` and `dockerd` via
//! rm-harness, `skopeo`, and the release `registry-manager` binary). Run it with `make bench` (see
//! the README's "Benchmarks").
//!
//! 1. 300-tag repository, details for every tag: ours cold (new server) and warm, against a naive
//!    reference (tags/list + three sequential requests per tag).
//! 2. 2,000-repository catalog walk, all and non-empty only, cold and warm, against a raw
//!    `_catalog` walk; the non-empty walk also on a new server over a kept `DATA_DIR` (its tag count
//!    index on disk).
//! 3. Scale: 10,000 repositories / 100,000 tags (generated once, kept in `bench/data/scale.img`), the
//!    repositories page and a 5,000-tag repository page, warm, with the server's memory.
//! 4. Rename (jobs): 30 tags of 10 repositories renamed to a new prefix, ours (one
//!    `POST /api/remote-prefix-jobs`) against a mount-only floor written here, `skopeo copy` per tag
//!    and `docker pull`/`tag`/`push` per tag through a private dockerd.
//! 5. Sync (jobs): one 200 MB image copied between two registries, ours (`POST /api/sync-jobs`)
//!    against `skopeo copy`, with the server's memory during the copy.
//! 6. Local push (jobs): 5 local images × 20 MB pushed from a private dockerd under new names, ours
//!    (`POST /api/local-push-jobs`) against `docker tag` + `docker push`, all at once and one by one.
//! 7. Access control: login time against a raw argon2id verification, a new server's idle memory
//!    against `AUTH=none`, and the latency a token or session cookie adds to `GET /api/me`.
//! 8. Merge (jobs): 50 pairs of arch-suffixed tags combined into multi-arch tags in one repository
//!    (`POST /api/merge-jobs`), time and registry requests per pair (target ≤ 5 per pair besides
//!    the tag list), counted through the harness proxy.
//!
//! `--only browse` runs 1–3, `--only jobs` runs 4–6 and 8, `--only merge` runs 8 alone (`scripts/bench.sh jobs`, `make bench BENCH=jobs`),
//! `--only local` runs 6 alone (`scripts/bench.sh local`, `make bench BENCH=local`), `--only auth`
//! runs 7 (`scripts/bench.sh auth`, `make bench BENCH=auth`).
//!
//! Access control is on in every server the bench starts (except the `AUTH=none` reference of 7):
//! each gets its own API token at start (a login and `POST /api/tokens`, untimed), sent by that
//! server's client ([`server::Server::http`]) as `Authorization: Bearer`.
//!
//! Prints one table per scenario and a summary; a missed target is printed as MISS. Exits
//! non-zero only when something could not be measured (an error or a wrong answer).

mod auth;
mod catalog;
mod jobs;
mod local;
mod merge;
mod push;
mod reference;
mod rename;
mod report;
mod scale;
mod server;
mod store;
mod sync;
mod tags;
mod volume;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use clap::{Parser, ValueEnum};

use crate::report::Table;
use crate::server::Launcher;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    Tags,
    Catalog,
    Scale,
    Rename,
    Sync,
    Local,
    Auth,
    Merge,
    /// tags, catalog, scale
    Browse,
    /// rename, sync, local, merge
    Jobs,
}

impl Scenario {
    /// The scenarios run, in order.
    const RUN_ORDER: [Scenario; 8] = [
        Scenario::Tags,
        Scenario::Catalog,
        Scenario::Scale,
        Scenario::Rename,
        Scenario::Sync,
        Scenario::Local,
        Scenario::Auth,
        Scenario::Merge,
    ];

    /// Whether `--only` selected this scenario (directly or through its group).
    fn selected(self, only: &[Scenario]) -> bool {
        only.iter().any(|&o| {
            o == self
                || (o == Scenario::Browse
                    && matches!(self, Scenario::Tags | Scenario::Catalog | Scenario::Scale))
                || (o == Scenario::Jobs
                    && matches!(self, Scenario::Rename | Scenario::Sync | Scenario::Local | Scenario::Merge))
        })
    }
}

#[derive(Debug, Parser)]
#[command(name = "rm-bench", about = "Benchmark of Registry Manager's browsing API and jobs (make bench)")]
struct Args {
    /// The `registry-manager` binary to measure (a release build).
    #[arg(long, env = "RM_BENCH_SERVER_BIN", default_value = "target/release/registry-manager")]
    server_bin: PathBuf,
    /// Where the scale fixture is kept between runs (`<dir>/scale`).
    #[arg(long, env = "RM_BENCH_DATA_DIR", default_value = "bench/data")]
    data_dir: PathBuf,
    /// Scenarios to run, comma-separated (`browse` = tags,catalog,scale; `jobs` = rename,sync,local,merge).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "browse,jobs,auth")]
    only: Vec<Scenario>,
    /// Cold runs (each on a new server process).
    #[arg(long, default_value_t = 5)]
    cold_reps: usize,
    /// Warm runs (scale: at least 10).
    #[arg(long, default_value_t = 15)]
    warm_reps: usize,
    /// Runs of the naive reference of scenario 1.
    #[arg(long, default_value_t = 5)]
    reference_reps: usize,
    /// Requests in flight while generating fixtures.
    #[arg(long, default_value_t = 32)]
    push_concurrency: usize,
    /// Generate the scale fixture again even if a complete one is kept.
    #[arg(long)]
    regenerate: bool,
    /// How to generate the scale fixture: write distribution's storage layout directly (then
    /// check it through the API), or push everything through the registry API (slower).
    #[arg(long, value_enum, default_value = "direct")]
    generation: scale::Generation,
    /// Where the scale fixture lives: an ext4 image loop-mounted while the benchmark runs
    /// (`<data dir>/scale.img`, ~0.75 GB on disk; needs root), or a plain directory (~6 GB).
    #[arg(long, value_enum, default_value = "image")]
    scale_store: scale::Store,
    /// Seconds to leave the scale server idle before measuring once more with its tag TTL
    /// expired (0 skips it); default: the server's 30 s TTL plus one.
    #[arg(long, default_value_t = 31)]
    ttl_wait: u64,
    /// Skip the naive reference on the 5,000-tag repository (one run, ~20 s).
    #[arg(long)]
    no_scale_naive: bool,
    /// `KEY=VALUE` set on every server the bench starts, e.g. `TAG_CACHE_MAX_STALE_SEC=0` to
    /// measure without stale-while-revalidate (repeatable; scenarios' own settings come after).
    #[arg(long = "server-env", value_parser = parse_env_pair)]
    server_env: Vec<(String, String)>,
    /// Runs of each tool in the jobs scenarios (rename, sync, local), each to fresh target names.
    #[arg(long, default_value_t = 3)]
    jobs_reps: usize,
    /// Timed logins in the auth scenario (sequential, each ~one argon2id verification).
    #[arg(long, default_value_t = 30)]
    auth_logins: usize,
    /// Timed `GET /api/me` per variant (token, cookie, `AUTH=none`) in the auth scenario.
    #[arg(long, default_value_t = 1000)]
    auth_requests: usize,
}

/// What every scenario needs.
pub struct Ctx {
    pub launcher: Launcher,
    /// Keep-alive client for the references' requests, straight to a registry. Requests to our
    /// server go through that server's own authenticated client ([`server::Server::http`]).
    pub http: reqwest::Client,
    pub cold_reps: usize,
    pub warm_reps: usize,
    pub reference_reps: usize,
    pub push_concurrency: usize,
    pub data_dir: PathBuf,
    pub regenerate: bool,
    pub generation: scale::Generation,
    pub scale_store: scale::Store,
    pub ttl_wait: Option<Duration>,
    pub scale_naive: bool,
    pub jobs_reps: usize,
    pub auth_logins: usize,
    pub auth_requests: usize,
    /// Starts every target name the jobs scenarios write (`b<nonce>-<tool>-<run>/…`): fresh per run.
    pub nonce: String,
}

/// A permutation of `0..n` (2377 is prime and divides neither 300 nor 5000), so creation order
/// differs from name order.
pub fn spread(i: usize, n: usize) -> u64 {
    (i as u64 * 2377) % n as u64
}

fn parse_env_pair(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("{value:?} is not KEY=VALUE")),
    }
}

fn command_line(program: &str, args: &[&str]) -> String {
    match Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => {
            let out = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&out).lines().next().unwrap_or_default().trim().to_string()
        }
        Ok(o) => format!("`{program}` failed: {}", o.status),
        Err(e) => format!("`{program}` not runnable: {e}"),
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn header(launcher: &Launcher, args: &Args, nonce: &str) {
    let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!("rm-bench — Registry Manager benchmark");
    println!("  date      {}", rm_harness::fixtures::rfc3339(SystemTime::now()));
    println!(
        "  machine   nproc {nproc}, {}, Linux {}, load average {}",
        cpu_model(),
        kernel.trim(),
        loadavg()
    );
    println!("  rustc     {}", command_line("rustc", &["--version"]));
    println!(
        "  registry  {} (plain HTTP, blobdescriptor cache inmemory)",
        command_line(&rm_harness::registry::registry_bin(), &["--version"])
    );
    println!("  server    {}", launcher.bin().display());
    if !args.server_env.is_empty() {
        let env: Vec<String> = args.server_env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("  env       {} (every server)", env.join(" "));
    }
    let jobs = [Scenario::Rename, Scenario::Sync, Scenario::Local].iter().any(|s| s.selected(&args.only));
    if jobs {
        println!("  skopeo    {}", command_line("skopeo", &["--version"]));
        println!(
            "  docker    {}; daemon {}",
            command_line(&rm_harness::dockerd::docker_bin(), &["--version"]),
            command_line(&rm_harness::dockerd::dockerd_bin(), &["--version"])
        );
    }
    println!(
        "  runs      cold {} (new server each), warm {}, naive {}; jobs {} per tool (targets b{nonce}-…); \
         auth {} logins, {} requests per variant; times are medians [min–max] in ms, client-side over loopback",
        args.cold_reps,
        args.warm_reps,
        args.reference_reps,
        args.jobs_reps,
        args.auth_logins,
        args.auth_requests
    );
}

async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT",
        _ = term.recv() => "SIGTERM",
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let launcher = Launcher::new(args.server_bin.clone(), args.server_env.clone())?;
    let nonce = jobs::nonce();
    header(&launcher, &args, &nonce);
    let ctx = Ctx {
        launcher,
        http: push::http_client(8)?,
        cold_reps: args.cold_reps.max(1),
        warm_reps: args.warm_reps.max(1),
        reference_reps: args.reference_reps.max(1),
        push_concurrency: args.push_concurrency.max(1),
        data_dir: std::path::absolute(&args.data_dir)?,
        regenerate: args.regenerate,
        generation: args.generation,
        scale_store: args.scale_store,
        ttl_wait: (args.ttl_wait > 0).then(|| Duration::from_secs(args.ttl_wait)),
        scale_naive: !args.no_scale_naive,
        jobs_reps: args.jobs_reps.max(1),
        auth_logins: args.auth_logins.max(1),
        auth_requests: args.auth_requests.max(1),
        nonce,
    };

    let mut tables: Vec<Table> = Vec::new();
    let mut failed = Vec::new();
    for scenario in Scenario::RUN_ORDER {
        if !scenario.selected(&args.only) {
            continue;
        }
        let t = Instant::now();
        let run = async {
            match scenario {
                Scenario::Tags => tags::run(&ctx).await,
                Scenario::Catalog => catalog::run(&ctx).await,
                Scenario::Scale => scale::run(&ctx).await,
                Scenario::Rename => rename::run(&ctx).await,
                Scenario::Sync => sync::run(&ctx).await,
                Scenario::Local => local::run(&ctx).await,
                Scenario::Auth => auth::run(&ctx).await,
                Scenario::Merge => merge::run(&ctx).await,
                Scenario::Browse | Scenario::Jobs => unreachable!("groups are not in RUN_ORDER"),
            }
        };
        // On SIGINT/SIGTERM the scenario is dropped first: its server and registry processes
        // stop and the scale image is unmounted before the process exits.
        let result = tokio::select! {
            r = run => Some(r),
            signal = interrupted() => {
                println!("\ninterrupted by {signal} during {scenario:?}");
                None
            }
        };
        let Some(result) = result else {
            drop(ctx); // removes the server's empty site dir
            std::process::exit(130)
        };
        match result {
            Ok(table) => {
                print!("{}", table.render());
                println!("  ({:.0} s)", t.elapsed().as_secs_f64());
                if !table.errors.is_empty() {
                    failed.push(scenario);
                }
                tables.push(table);
            }
            Err(e) => {
                println!("\n{scenario:?}: FAILED, nothing measured: {e:#}");
                failed.push(scenario);
            }
        }
    }

    println!("\nSummary (load average now {})", loadavg());
    for t in &tables {
        for line in t.summary_lines() {
            println!("  {line}");
        }
    }
    for s in &failed {
        println!("  FAILED {s:?}");
    }
    println!("  total time {:.0} s", started.elapsed().as_secs_f64());
    if !failed.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
