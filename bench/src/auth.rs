//! Scenario 7: what access control costs. Three figures from the access-control issue, each
//! against a reference:
//!
//! * login: `POST /login` (JSON, the right password) on one server, sequentially, against one raw
//!   argon2id verification with the server's parameters in this process (the floor a login
//!   cannot go under); target ≤ 300 ms median. Only failed logins count towards the login throttle
//!   (5 a minute), so correct ones may follow each other.
//! * idle memory: VmRSS of a new server after its start-up, the bench's login and token creation
//!   and a few requests, then idle; against the same server started with `AUTH=none` (same
//!   requests, no login); target ≤ 20 MiB.
//! * added latency: `GET /api/me` with the API token and with the session cookie, against the
//!   same request on the `AUTH=none` server (the handler does the same work in all three: it
//!   answers the principal the middleware found); target: medians ≤ 1 ms apart. Each variant on
//!   its own keep-alive connection, sequential, interleaved in rotating order to cancel drift.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rm_harness::Registry;
use rm_harness::app::{ADMIN_PASSWORD, ADMIN_USERNAME};

use crate::Ctx;
use crate::push::{http_client, http_client_with_headers};
use crate::report::{Check, Row, Samples, Table, Target};
use crate::server::{Memory, Server, login, memory, session_cookie, timed_get};

const LOGIN_TARGET_MS: f64 = 300.0;
const RSS_TARGET_MIB: f64 = 20.0;
const ADDED_TARGET_MS: f64 = 1.0;
/// Server pairs (auth on, `AUTH=none`) whose idle memory is read.
const RSS_RUNS: usize = 3;
/// How long a server is left alone before its VmRSS is read.
const IDLE: Duration = Duration::from_secs(2);
/// Untimed requests per variant before the latency runs.
const WARM_UP: usize = 100;
const ME: &str = "/api/me";

/// The server's argon2id parameters (`app/src/backend/auth/password.rs`: OWASP's minimum,
/// m = 19 MiB, t = 2, p = 1). Kept in step by hand: the server's hash is in its database, which
/// the bench does not open.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2id parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// One verification of `password` against `phc`, timed, on the blocking pool (as the server runs it).
async fn timed_verify(phc: &str, password: &'static str) -> Result<Duration> {
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        let hash = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("parsing the reference hash: {e}"))?;
        let started = Instant::now();
        let ok = argon2().verify_password(password.as_bytes(), &hash).is_ok();
        let elapsed = started.elapsed();
        ensure!(ok, "the reference argon2 verification failed");
        Ok(elapsed)
    })
    .await?
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The requests a new server gets before it idles: health, who am I, the job list and the
/// (empty) registry's repositories with the server's client (its token under auth), and once
/// more who am I with the session cookie where there is one.
async fn a_few_requests(server: &Server) -> Result<()> {
    let base = server.url();
    for (path, query) in [
        ("/api/health", &[][..]),
        (ME, &[][..]),
        ("/api/sync-jobs", &[("limit", "1")][..]),
        ("/api/repositories", &[][..]),
    ] {
        timed_get(&server.http, &format!("{base}{path}"), query).await?;
    }
    let cookie = match &server.session {
        Some(session) => http_client_with_headers(1, session_cookie(session)?)?,
        None => server.http.clone(),
    };
    timed_get(&cookie, &format!("{base}{ME}"), &[]).await?;
    Ok(())
}

/// Idle VmRSS of `RSS_RUNS` new servers with auth on and as many with `AUTH=none`, interleaved.
/// Returns (auth on, `AUTH=none`) per run; keeps the last pair running for the other figures.
async fn idle_memory(ctx: &Ctx, base: &str) -> Result<(Vec<(Memory, Memory)>, Server, Server)> {
    let mut runs = Vec::new();
    let mut last = None;
    for _ in 0..RSS_RUNS {
        let on = ctx.launcher.start(base, &[]).await?;
        let off = ctx.launcher.start(base, &[("AUTH", "none")]).await?;
        a_few_requests(&on).await.context("auth on: the requests before idling")?;
        a_few_requests(&off).await.context("AUTH=none: the requests before idling")?;
        tokio::time::sleep(IDLE).await;
        runs.push((memory(on.pid())?, memory(off.pid())?));
        last = Some((on, off));
    }
    let (on, off) = last.context("no runs")?;
    Ok((runs, on, off))
}

/// `n` logins on `server`, each followed by one raw verification in this process.
async fn logins(server: &Server, n: usize) -> Result<(Samples, Samples)> {
    // Fixed salt: the reference only needs a hash with the server's parameters.
    let salt = SaltString::encode_b64(b"rm-bench-salt-16").map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let phc = argon2()
        .hash_password(ADMIN_PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the reference password: {e}"))?
        .to_string();
    timed_verify(&phc, ADMIN_PASSWORD).await?; // warm-up (the server's first login was the bench's)
    let http = http_client(1)?;
    let (mut ours, mut raw) = (Samples::default(), Samples::default());
    for i in 0..n {
        let (d, _) = login(&http, &server.url(), ADMIN_USERNAME, ADMIN_PASSWORD)
            .await
            .with_context(|| format!("login {}", i + 1))?;
        ours.push(d);
        raw.push(timed_verify(&phc, ADMIN_PASSWORD).await?);
    }
    Ok((ours, raw))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Token,
    Cookie,
    AuthOff,
}

/// `GET /api/me` per variant, `n` each after `WARM_UP`, interleaved in rotating order.
async fn added_latency(on: &Server, off: &Server, n: usize) -> Result<[Samples; 3]> {
    const VARIANTS: [Variant; 3] = [Variant::Token, Variant::Cookie, Variant::AuthOff];
    let session = on.session.as_deref().context("the auth-on server has no session")?;
    // Each variant its own client, so each keeps its own connection alive.
    let cookie = http_client_with_headers(1, session_cookie(session)?)?;
    let (on_me, off_me) = (format!("{}{ME}", on.url()), format!("{}{ME}", off.url()));
    let mut samples: [Samples; 3] = Default::default();
    for i in 0..WARM_UP + n {
        for k in 0..VARIANTS.len() {
            let v = (i + k) % VARIANTS.len();
            let (http, url) = match VARIANTS[v] {
                Variant::Token => (&on.http, &on_me),
                Variant::Cookie => (&cookie, &on_me),
                Variant::AuthOff => (&off.http, &off_me),
            };
            let (d, me) = timed_get(http, url, &[]).await?;
            // Checked once per variant: an anonymous answer would be a 401, not a fast 200.
            if i == 0 {
                let auth_on = VARIANTS[v] != Variant::AuthOff;
                ensure!(me["auth_enabled"] == auth_on, "GET {url}: {me}");
                ensure!(me["role"] == "admin", "GET {url}: not admin: {me}");
                if VARIANTS[v] == Variant::Cookie {
                    ensure!(me["username"] == ADMIN_USERNAME, "GET {url} with the cookie: {me}");
                }
            }
            if i >= WARM_UP {
                samples[v].push(d);
            }
        }
    }
    Ok(samples)
}

pub async fn run(ctx: &Ctx) -> Result<Table> {
    // An empty registry: nothing here reads it beyond one repositories list.
    let registry = Registry::builder().start().await?;
    let base = registry.url();
    let mut table = Table {
        title: "[7] Access control: login, idle memory, added latency per API call".into(),
        ..Table::default()
    };

    let (runs, on, off) = idle_memory(ctx, &base).await?;
    let on_rss: Vec<f64> = runs.iter().map(|(on, _)| mib(on.rss_kib)).collect();
    let off_rss: Vec<f64> = runs.iter().map(|(_, off)| mib(off.rss_kib)).collect();
    let worst = on_rss.iter().copied().fold(0.0, f64::max);
    let worst_off = off_rss.iter().copied().fold(0.0, f64::max);
    let list = |v: &[f64]| v.iter().map(|m| format!("{m:.1}")).collect::<Vec<_>>().join(", ");
    table.checks.push(Check {
        case: "idle RSS, auth on (worst run)".into(),
        value: format!(
            "{worst:.1} MiB (runs {}) vs AUTH=none {worst_off:.1} MiB (runs {}): {:+.1} MiB",
            list(&on_rss),
            list(&off_rss),
            worst - worst_off
        ),
        target: format!("≤ {RSS_TARGET_MIB:.0} MiB"),
        passed: worst <= RSS_TARGET_MIB,
    });
    println!(
        "  [7] idle memory: auth on {} (last run); AUTH=none {}",
        runs.last().map(|r| r.0.to_string()).unwrap_or_default(),
        runs.last().map(|r| r.1.to_string()).unwrap_or_default()
    );

    let t = Instant::now();
    let mut after_logins = None;
    match logins(&on, ctx.auth_logins).await {
        Ok((ours, raw)) => {
            println!("  [7] {} logins in {:.1} s", ours.0.len(), t.elapsed().as_secs_f64());
            // Information: whether memory stays where it was once more logins have run.
            tokio::time::sleep(IDLE).await;
            after_logins = Some(memory(on.pid())?);
            table.rows.push(Row {
                case: "login (POST /login, right password)".into(),
                ours,
                reference: Some(("argon2 verify".into(), raw)),
                target: Target::Millis(LOGIN_TARGET_MS),
            });
        }
        Err(e) => table.errors.push(format!("login: {e:#}")),
    }

    let t = Instant::now();
    match added_latency(&on, &off, ctx.auth_requests).await {
        Ok([token, cookie, none]) => {
            println!(
                "  [7] {} × 3 requests (+{WARM_UP} × 3 warm-up) in {:.1} s",
                token.0.len(),
                t.elapsed().as_secs_f64()
            );
            let reference = Some(("AUTH=none".to_string(), none));
            for (case, ours) in [("GET /api/me, API token", token), ("GET /api/me, session cookie", cookie)] {
                table.rows.push(Row {
                    case: case.into(),
                    ours,
                    reference: reference.clone(),
                    target: Target::Added(ADDED_TARGET_MS),
                });
            }
        }
        Err(e) => table.errors.push(format!("added latency: {e:#}")),
    }

    let after_logins = match after_logins {
        Some(m) => format!(
            "; information: the same server after the {} timed logins + {} s idle: {m}",
            ctx.auth_logins,
            IDLE.as_secs()
        ),
        None => String::new(),
    };
    table.notes = vec![
        format!(
            "login: POST /login JSON {{username, password}} as {ADMIN_USERNAME}, the right password, {} times in a row \
             on one keep-alive connection (only failures count towards the throttle); reference: one argon2id \
             verification (m=19456 KiB, t=2, p=1, the server's parameters) in the bench process after each login",
            ctx.auth_logins
        ),
        format!(
            "idle RSS: VmRSS of a new server after start-up, the bench's login + POST /api/tokens and 5 requests \
             (health, me, sync-jobs?limit=1, repositories with the token, me with the cookie), then {} s idle; \
             reference: a new server with AUTH=none, the same requests; {RSS_RUNS} pairs, target on the worst\
             {after_logins}",
            IDLE.as_secs()
        ),
        format!(
            "added latency: GET {ME} with the API token (Bearer) and with the rm_session cookie, minus the same \
             request on the AUTH=none server (the ratio column shows the difference of medians); {} requests per \
             variant after {WARM_UP} warm-up, sequential, each variant on its own keep-alive connection, \
             interleaved in rotating order",
            ctx.auth_requests
        ),
    ];
    drop((on, off));
    Ok(table)
}
