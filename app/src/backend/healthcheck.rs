//! `registry-manager healthcheck`: asks the server running on `LISTEN_ADDR` for `GET /api/health`
//! and exits 0 if it answers 200 in time, 1 otherwise. It is the image's `HEALTHCHECK` (a `FROM
//! scratch` image has no curl), so it touches nothing but that one request: no `DATA_DIR` (the
//! container's root filesystem is read-only, and opening the store is the server's business), no
//! proxy (`HTTP_PROXY` set for registry traffic must not catch a loopback probe).
//!
//! `/api/health` is open to anyone and always answers 200 while the server serves; whether the
//! registry and the daemon are up is in its body, printed here for `docker inspect`'s health log
//! but not part of the verdict: a registry outage is something the running app shows, not a
//! reason to restart it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

/// The URL the probe asks: `LISTEN_ADDR`'s port on loopback when the server listens on every
/// address (`0.0.0.0`, `[::]`), else `LISTEN_ADDR` itself. Either is a `Host` the server accepts.
pub fn probe_url(listen_addr: SocketAddr) -> String {
    let ip = match listen_addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/api/health", SocketAddr::new(ip, listen_addr.port()))
}

/// Probes once; says the verdict on stdout (healthy) or stderr (unhealthy).
pub async fn run(listen_addr: SocketAddr, timeout: Duration) -> ExitCode {
    let url = probe_url(listen_addr);
    match probe(&url, timeout).await {
        Ok(summary) => {
            println!("healthy: {url} answered 200 ({summary})");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("unhealthy: {url}: {reason}");
            ExitCode::FAILURE
        }
    }
}

async fn probe(url: &str, timeout: Duration) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let response = client.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            format!("no answer within {} s", timeout.as_secs_f32())
        } else {
            super::error_text::error_chain(&e)
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("answered {status}"));
    }
    let body: serde_json::Value =
        response.json().await.map_err(|e| format!("answered 200 without a health body: {e}"))?;
    let flag = |name: &str| body.get(name).and_then(serde_json::Value::as_bool);
    Ok(format!(
        "registry_healthy={}, docker_healthy={}",
        flag("registry_healthy").map_or("?".into(), |b| b.to_string()),
        flag("docker_healthy").map_or("?".into(), |b| b.to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::probe_url;

    #[test]
    fn the_probe_asks_loopback_unless_the_server_listens_on_one_address() {
        let cases = [
            ("0.0.0.0:8080", "http://127.0.0.1:8080/api/health"),
            ("[::]:8080", "http://[::1]:8080/api/health"),
            ("127.0.0.1:9000", "http://127.0.0.1:9000/api/health"),
            ("192.0.2.7:8080", "http://192.0.2.7:8080/api/health"),
        ];
        for (listen, url) in cases {
            assert_eq!(probe_url(listen.parse().unwrap()), url, "LISTEN_ADDR={listen}");
        }
    }
}
