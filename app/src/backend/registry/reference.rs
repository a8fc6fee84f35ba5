//! The distribution reference grammar, checked at the edge so that nothing malformed reaches a
//! registry URL (https://github.com/distribution/reference/blob/main/reference.go). Each error says
//! which rule was broken and how to fix it, and is shown to the user as a 400.
//!
//! Digests use `oci-spec`'s parser (`algorithm:encoded`, with exact length and lower-case hex for
//! the registered algorithms). Names and tags are checked by hand rather than with
//! `oci_spec::distribution::Reference`, whose errors do not say which rule was broken and which
//! also accepts a registry host and upper-case letters in places a repository path cannot have them.

use std::str::FromStr;

/// Longest repository name the registry accepts.
pub const MAX_REPOSITORY_LEN: usize = 255;
/// Longest tag: `[\w][\w.-]{0,127}`.
pub const MAX_TAG_LEN: usize = 128;

const NAME_RULE: &str = "lower-case letters and digits, separated inside a path component by `.`, `_`, `__` \
                         or one or more `-`, with `/` between components (e.g. `team/app-server`)";

/// Checks a repository name: lower-case path components
/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*` joined by `/`, at most 255 characters in all.
pub fn validate_repository(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("the repository name is empty: use {NAME_RULE}"));
    }
    if name.len() > MAX_REPOSITORY_LEN {
        return Err(format!(
            "the repository name is {} characters long; the registry accepts at most {MAX_REPOSITORY_LEN}",
            name.len()
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "the repository name `{name}` contains upper-case letters; repository names are lower-case \
             (`{}`)",
            name.to_ascii_lowercase()
        ));
    }
    if let Some(c) = name.chars().find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-' | '/')) {
        return Err(format!("the repository name `{name}` contains `{c}`; use only {NAME_RULE}"));
    }
    for component in name.split('/') {
        if component.is_empty() {
            return Err(format!(
                "the repository name `{name}` has an empty path component: remove the leading, trailing \
                 or doubled `/`"
            ));
        }
        validate_component(name, component)?;
    }
    Ok(())
}

fn validate_component(name: &str, component: &str) -> Result<(), String> {
    let is_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let starts = component.chars().next().is_some_and(is_alnum);
    let ends = component.chars().last().is_some_and(is_alnum);
    if !starts || !ends {
        return Err(format!(
            "the path component `{component}` of `{name}` must start and end with a letter or digit"
        ));
    }
    // Separator runs between letters and digits: `.`, `_`, `__`, or any number of `-`.
    for run in component.split(is_alnum).filter(|s| !s.is_empty()) {
        let ok = matches!(run, "." | "_" | "__") || run.chars().all(|c| c == '-');
        if !ok {
            return Err(format!(
                "the path component `{component}` of `{name}` has the separator `{run}`; between letters and \
                 digits only `.`, `_`, `__` or one or more `-` are allowed"
            ));
        }
    }
    Ok(())
}

/// Checks a tag: `[\w][\w.-]{0,127}` (letters, digits, `_`, then also `.` and `-`).
pub fn validate_tag(tag: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let Some(first) = tag.chars().next() else {
        return Err("the tag is empty: a tag is 1 to 128 letters, digits, `_`, `.` or `-`".to_owned());
    };
    if tag.len() > MAX_TAG_LEN {
        return Err(format!("the tag is {} characters long; at most {MAX_TAG_LEN} are allowed", tag.len()));
    }
    if !word(first) {
        return Err(format!(
            "the tag `{tag}` starts with `{first}`; a tag starts with a letter, digit or `_`"
        ));
    }
    if let Some(c) = tag.chars().find(|&c| !(word(c) || c == '.' || c == '-')) {
        return Err(format!("the tag `{tag}` contains `{c}`; use only letters, digits, `_`, `.` and `-`"));
    }
    Ok(())
}

/// Checks a digest: `algorithm:encoded`, e.g. `sha256:` and 64 lower-case hex digits.
pub fn validate_digest(digest: &str) -> Result<(), String> {
    oci_spec::image::Digest::from_str(digest).map(|_| ()).map_err(|e| {
        format!(
            "`{digest}` is not a valid digest ({}); a digest is `sha256:` followed by 64 lower-case hex digits",
            e.to_string().trim_start_matches("oci error: ")
        )
    })
}

/// A manifest reference in a URL: a tag or a digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestRef<'a> {
    Tag(&'a str),
    Digest(&'a str),
}

impl<'a> ManifestRef<'a> {
    /// A tag never contains `:`; anything with one must be a digest.
    pub fn parse(reference: &'a str) -> Result<Self, String> {
        if reference.contains(':') {
            validate_digest(reference).map(|()| Self::Digest(reference))
        } else {
            validate_tag(reference).map(|()| Self::Tag(reference))
        }
    }

    pub fn as_str(self) -> &'a str {
        match self {
            Self::Tag(s) | Self::Digest(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_follow_the_distribution_grammar() {
        for good in ["a", "library/ubuntu", "a/b/c", "x86/app-server", "a.b_c__d---e", "0", "a1/2b"] {
            assert_eq!(validate_repository(good), Ok(()), "{good}");
        }
        assert!(validate_repository(&"a".repeat(255)).is_ok());
        let cases = [
            ("", "empty"),
            ("App", "upper-case letters"),
            ("a b", "contains ` `"),
            ("a:b", "contains `:`"),
            ("a/../b", "must start and end"),
            ("/a", "empty path component"),
            ("a//b", "empty path component"),
            ("a/", "empty path component"),
            ("-a", "must start and end"),
            ("a-", "must start and end"),
            ("a..b", "separator `..`"),
            ("a___b", "separator `___`"),
            ("a._b", "separator `._`"),
            ("a-.b", "separator `-.`"),
        ];
        for (bad, rule) in cases {
            let error = validate_repository(bad).expect_err(bad);
            assert!(error.contains(rule), "{bad:?}: {error}");
        }
        assert!(validate_repository(&"a".repeat(256)).unwrap_err().contains("at most 255"));
    }

    #[test]
    fn tags_follow_the_distribution_grammar() {
        for good in ["latest", "1.0", "_x", "v1.2.3-rc.1", "A_b-C.d", &"t".repeat(128)] {
            assert_eq!(validate_tag(good), Ok(()), "{good}");
        }
        let cases = [
            ("", "empty"),
            (".hidden", "starts with `.`"),
            ("-x", "starts with `-`"),
            ("a/b", "contains `/`"),
            ("a:b", "contains `:`"),
            ("é", "starts with `é`"),
        ];
        for (bad, rule) in cases {
            let error = validate_tag(bad).expect_err(bad);
            assert!(error.contains(rule), "{bad:?}: {error}");
        }
        assert!(validate_tag(&"t".repeat(129)).unwrap_err().contains("at most 128"));
    }

    #[test]
    fn digests_and_references() {
        let good = format!("sha256:{}", "a".repeat(64));
        assert_eq!(validate_digest(&good), Ok(()));
        for bad in ["sha256:abc", "sha256:", &format!("sha256:{}", "A".repeat(64)), "nocolon", ":x"] {
            let error = validate_digest(bad).expect_err(bad);
            assert!(error.contains("not a valid digest"), "{bad}: {error}");
        }
        assert_eq!(ManifestRef::parse("latest"), Ok(ManifestRef::Tag("latest")));
        assert_eq!(ManifestRef::parse(&good), Ok(ManifestRef::Digest(&good)));
        assert!(ManifestRef::parse("sha256:zz").is_err());
        assert!(ManifestRef::parse("../x").is_err());
    }
}
