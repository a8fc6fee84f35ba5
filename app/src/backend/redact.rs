//! URLs as errors and logs show them: without `user:password@`, `?query` or `#fragment`. A query
//! can carry a secret (a storage redirect's signature, a token service's parameters, our own
//! `/setup?token=…`), and userinfo is one. Configuration refuses URLs with userinfo at start-up;
//! this covers the URLs the server meets while it runs (registry requests, redirects, realms).

use std::fmt;

/// `url` without userinfo, query or fragment: `https://u:p@host/v2/x?sig=…` → `https://host/v2/x`.
pub fn url_for_display(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    format!("{scheme}://{host}{path}")
}

/// `text` with every `http://…` and `https://…` in it passed through [`url_for_display`]. A URL
/// ends at whitespace, a quote or a closing bracket; punctuation right after it (`…/x: refused`)
/// is kept.
pub fn scrub_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = [rest.find("http://"), rest.find("https://")].into_iter().flatten().min() {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>' | ')' | ']' | '}'))
            .unwrap_or(tail.len());
        let token = &tail[..end];
        let url = token.trim_end_matches([':', '.', ',', ';']);
        out.push_str(&url_for_display(url));
        out.push_str(&token[url.len()..]);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Displays a value (an error) with the URLs in its text scrubbed: `tracing::warn!(error = %Scrubbed(&e))`.
pub struct Scrubbed<'a, T: fmt::Display + ?Sized>(pub &'a T);

impl<T: fmt::Display + ?Sized> fmt::Display for Scrubbed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&scrub_urls(&self.0.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_query_and_fragment() {
        let cases = [
            ("http://127.0.0.1:5000/v2/a/tags/list?n=100&last=b", "http://127.0.0.1:5000/v2/a/tags/list"),
            ("https://alice:s3cret@registry.example/v2/", "https://registry.example/v2/"),
            ("https://token@registry.example", "https://registry.example"),
            ("https://s3.example/blob?X-Amz-Signature=abc#frag", "https://s3.example/blob"),
            ("https://auth.example?service=x", "https://auth.example"),
            ("http://[::1]:5000/v2/", "http://[::1]:5000/v2/"),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(url_for_display(url), shown, "{url}");
        }
    }

    #[test]
    fn every_url_in_a_message_is_scrubbed_and_the_words_around_it_kept() {
        let message = "cannot reach the registry at http://u:pw@127.0.0.1:5000/v2/_catalog?n=1000: \
                       redirected to (https://s3.example/b?sig=SECRET), then \"https://x.example/?t=SECRET\".";
        let shown = scrub_urls(message);
        assert_eq!(
            shown,
            "cannot reach the registry at http://127.0.0.1:5000/v2/_catalog: \
             redirected to (https://s3.example/b), then \"https://x.example/\"."
        );
        assert_eq!(scrub_urls("no url here: ?x=1"), "no url here: ?x=1");
        assert_eq!(Scrubbed("at https://h/p?q=1.").to_string(), "at https://h/p.");
    }
}
