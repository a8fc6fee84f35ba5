//! Where a request came from, and whether it came over https: the peer address, unless the peer
//! is a proxy listed in `TRUSTED_PROXIES`, in which case its `X-Forwarded-For` and
//! `X-Forwarded-Proto` are believed. Headers from anyone else are ignored, so a client cannot
//! pick the address its failed logins are throttled under.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client address for throttling and the audit log.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?;
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    // Walk X-Forwarded-For from the right (the hop nearest us); the first address that is not one
    // of our proxies is the client.
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(forwarded.into_iter().rev().find(|addr| !is_trusted(*addr, trusted)).unwrap_or(peer))
}

/// Whether the browser reached us over https: a trusted proxy says so, or `PUBLIC_URL` is https.
pub fn is_https(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet], public_https: bool) -> bool {
    if public_https {
        return true;
    }
    peer.is_some_and(|peer| is_trusted(peer, trusted))
        && headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|proto| {
            proto.split(',').next().unwrap_or_default().trim().eq_ignore_ascii_case("https")
        })
}

fn is_trusted(addr: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn forwarded_headers_count_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap()];
        let h = headers(&[("x-forwarded-for", "127.0.0.9, 127.0.0.1"), ("x-forwarded-proto", "https")]);
        assert_eq!(client_addr(Some(proxy), &h, &trusted), Some("127.0.0.9".parse().unwrap()));
        assert!(is_https(Some(proxy), &h, &trusted, false));
        // The same headers from an untrusted peer are ignored.
        let stranger: IpAddr = "::1".parse().unwrap();
        assert_eq!(client_addr(Some(stranger), &h, &trusted), Some(stranger));
        assert!(!is_https(Some(stranger), &h, &trusted, false));
        assert!(is_https(Some(stranger), &h, &trusted, true));
        // No usable header: the proxy itself.
        assert_eq!(client_addr(Some(proxy), &HeaderMap::new(), &trusted), Some(proxy));
    }
}
