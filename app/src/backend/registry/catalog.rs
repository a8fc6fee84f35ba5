//! The catalog: `GET /v2/_catalog?n=&last=`, following `Link: <…>; rel="next"`.
//! (https://distribution.github.io/distribution/spec/api/#catalog)

use url::Url;

use super::client::Op;
use super::{RegistryClient, RegistryError};

/// The largest `n` distribution 2.8.2 accepts on `_catalog` (it answers 400
/// `PAGINATION_NUMBER_INVALID` above it). Other registries may cap lower; see [`RegistryClient::catalog`].
pub const REGISTRY_PAGE_LIMIT: u32 = 1000;
/// The page size we fall back to when a registry refuses ours.
const FALLBACK_PAGE: u32 = 100;

/// Up to `n` repository names after `last`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogPage {
    pub repositories: Vec<String>,
    /// The registry has more names after the last one here.
    pub more: bool,
}

#[derive(serde::Deserialize)]
struct CatalogWire {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

/// The target of `rel="next"` in a `Link` header (RFC 8288), e.g.
/// `</v2/_catalog?last=b&n=2>; rel="next"`.
pub fn next_link(header: &str) -> Option<&str> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .any(|(k, v)| k.trim().eq_ignore_ascii_case("rel") && v.trim().trim_matches('"') == "next")
            .then_some(target)
    })
}

/// A `Link` target on another origin than the page that named it is refused: a registry must not
/// send us (with its credentials) to another host.
pub(super) fn checked_link(page: &Url, next: Url) -> Result<Url, RegistryError> {
    if super::outbound::same_origin(page, &next) {
        Ok(next)
    } else {
        Err(RegistryError::Refused {
            url: crate::backend::redact::url_for_display(page.as_str()),
            rule: crate::msg!(RegLinkOtherHost, crate::backend::redact::url_for_display(next.as_str())),
        })
    }
}

impl RegistryClient {
    /// Up to `n` repository names after `last`, in the registry's (lexical) order. Asks for at
    /// most [`REGISTRY_PAGE_LIMIT`] per request and follows `Link` for the rest; when a registry
    /// refuses a page size with 400, retries with a smaller one and remembers it. `more` is true
    /// when names follow (`n` + 1 are asked for, so an exactly full last page is known to be last).
    pub async fn catalog(&self, n: usize, last: Option<&str>) -> Result<CatalogPage, RegistryError> {
        let mut repositories: Vec<String> = Vec::new();
        let mut next: Option<Url> = None;
        loop {
            let remaining = n - repositories.len();
            let cap = match self.inner.catalog_page_cap.load(std::sync::atomic::Ordering::Relaxed) {
                0 => REGISTRY_PAGE_LIMIT,
                learned => learned,
            };
            // One name more than needed tells whether another page exists: distribution sends a
            // `Link` whenever a page is full, even when nothing follows it.
            let page_size = (remaining + 1).min(cap as usize).max(1);
            let url = match next.take() {
                // A Link target carries the registry's own page size and cursor.
                Some(url) => url,
                None => {
                    let mut url = self.url("v2/_catalog");
                    url.query_pairs_mut().append_pair("n", &page_size.to_string());
                    if let Some(last) = repositories.last().map(String::as_str).or(last) {
                        url.query_pairs_mut().append_pair("last", last);
                    }
                    url
                }
            };
            let answer = self.execute(Op::Catalog, "", url.clone(), None, None).await?;
            if answer.status.as_u16() == 400 && page_size > FALLBACK_PAGE as usize {
                let smaller = (cap / 10).max(FALLBACK_PAGE).min(page_size as u32 - 1);
                tracing::info!(url = %crate::backend::redact::url_for_display(url.as_str()), smaller, "the registry refused the catalog page size; asking for fewer");
                self.inner.catalog_page_cap.store(smaller, std::sync::atomic::Ordering::Relaxed);
                continue;
            }
            let answer = answer.error_for_status()?;
            let link = answer.header("link").and_then(next_link).map(str::to_owned);
            let wire: CatalogWire = serde_json::from_slice(&answer.body).map_err(|e| {
                RegistryError::Protocol { url: url.to_string(), reason: crate::msg!(RegCatalogNotJson, &e) }
            })?;
            let page = wire.repositories.unwrap_or_default();
            let got = page.len();
            repositories.extend(page);
            let more = link.is_some();
            if repositories.len() >= n || !more || got == 0 {
                let truncated = repositories.len() > n;
                repositories.truncate(n);
                return Ok(CatalogPage { repositories, more: (more && got > 0) || truncated });
            }
            next = match link.and_then(|l| url.join(&l).ok()) {
                Some(next) => Some(checked_link(&url, next)?),
                None => None,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn link_headers() {
        assert_eq!(next_link(r#"</v2/_catalog?last=b&n=2>; rel="next""#), Some("/v2/_catalog?last=b&n=2"));
        assert_eq!(
            next_link(r#"<https://r/v2/x/tags/list?n=1&last=a>;rel=next"#),
            Some("https://r/v2/x/tags/list?n=1&last=a")
        );
        assert_eq!(next_link(r#"</p>; rel="prev", </n>; rel="next""#), Some("/n"));
        assert_eq!(next_link(r#"</x>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
    }
}
