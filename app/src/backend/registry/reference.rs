//! Typed references: [`RepositoryName`], [`Tag`], [`Digest`], a manifest [`Reference`] (tag or
//! digest) and a full [`ImageReference`] (`[host/]repository[:tag|@digest]`). Each is parsed once
//! at the edge (REST, server functions, job plans) and carried as its type from there, so nothing
//! malformed reaches a registry URL and nothing is formatted into a string only to be split again.
//!
//! The grammar is distribution's (https://github.com/distribution/reference/blob/main/reference.go).
//! Each [`ReferenceError`] variant names the rule that was broken and how to fix it; the user sees
//! it as a 400. Digests use `oci-spec`'s parser (`algorithm:encoded`, with exact length and
//! lower-case hex for the registered algorithms). Names and tags are checked here rather than by
//! `oci_spec::distribution::Reference`, whose errors do not say which rule was broken and which
//! also accepts a registry host and upper-case letters in places a repository path cannot have them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::Message;

/// Longest repository name the registry accepts.
pub const MAX_REPOSITORY_LEN: usize = 255;
/// Longest tag: `[\w][\w.-]{0,127}`.
pub const MAX_TAG_LEN: usize = 128;

/// Why a name, tag, digest or image reference was refused. Its text is a message of
/// [`crate::messages`] ([`ReferenceError::message`]), so the user reads the rule in their language;
/// `Display` is the English. Match on the variant, not on the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceError {
    EmptyRepository,
    RepositoryTooLong {
        len: usize,
    },
    UpperCase {
        name: String,
    },
    Character {
        name: String,
        character: char,
    },
    EmptyComponent {
        name: String,
    },
    ComponentEdge {
        name: String,
        component: String,
    },
    Separator {
        name: String,
        component: String,
        separator: String,
    },
    EmptyTag,
    TagTooLong {
        len: usize,
    },
    TagStart {
        tag: String,
        first: char,
    },
    TagCharacter {
        tag: String,
        character: char,
    },
    /// `reason` is `oci-spec`'s, passed on as it is.
    Digest {
        digest: String,
        reason: String,
    },
    Image {
        reference: String,
        reason: Box<ReferenceError>,
    },
}

impl ReferenceError {
    /// The rule that was broken and how to fix it, as a message to render in the reader's language.
    pub fn message(&self) -> Message {
        use ReferenceError::*;
        match self {
            EmptyRepository => crate::msg!(RefEmptyRepository),
            RepositoryTooLong { len } => crate::msg!(RefRepositoryTooLong, *len, MAX_REPOSITORY_LEN),
            UpperCase { name } => crate::msg!(RefUpperCase, name, &name.to_ascii_lowercase()),
            Character { name, character } => crate::msg!(RefCharacter, name, character),
            EmptyComponent { name } => crate::msg!(RefEmptyComponent, name),
            ComponentEdge { name, component } => crate::msg!(RefComponentEdge, component, name),
            Separator { name, component, separator } => crate::msg!(RefSeparator, component, name, separator),
            EmptyTag => crate::msg!(RefEmptyTag),
            TagTooLong { len } => crate::msg!(RefTagTooLong, *len, MAX_TAG_LEN),
            TagStart { tag, first } => crate::msg!(RefTagStart, tag, first),
            TagCharacter { tag, character } => crate::msg!(RefTagCharacter, tag, character),
            Digest { digest, reason } => crate::msg!(RefDigest, digest, reason),
            Image { reference, reason } => crate::msg!(RefImage, reference, reason.message()),
        }
    }
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for ReferenceError {}

impl From<ReferenceError> for crate::model::AppError {
    /// Always the caller's mistake: a 400 with the rule.
    fn from(error: ReferenceError) -> Self {
        Self::BadRequest(error.message())
    }
}

/// Implements the string side of a newtype over a validated string: `Display`, `AsRef<str>`,
/// `as_str`, `PartialEq<str>`, and serde through `FromStr` (a bad value is a deserialisation
/// error that names the rule).
macro_rules! string_type {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                self.0.as_ref()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
        impl TryFrom<String> for $name {
            type Error = ReferenceError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// A repository path inside a registry (`team/app-server`): lower-case components
/// `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*` joined by `/`, at most 255 characters in all.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepositoryName(String);
string_type!(RepositoryName);

impl FromStr for RepositoryName {
    type Err = ReferenceError;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name.is_empty() {
            return Err(ReferenceError::EmptyRepository);
        }
        if name.len() > MAX_REPOSITORY_LEN {
            return Err(ReferenceError::RepositoryTooLong { len: name.len() });
        }
        if name.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(ReferenceError::UpperCase { name: name.to_owned() });
        }
        if let Some(character) =
            name.chars().find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-' | '/'))
        {
            return Err(ReferenceError::Character { name: name.to_owned(), character });
        }
        for component in name.split('/') {
            if component.is_empty() {
                return Err(ReferenceError::EmptyComponent { name: name.to_owned() });
            }
            check_component(name, component)?;
        }
        Ok(Self(name.to_owned()))
    }
}

fn check_component(name: &str, component: &str) -> Result<(), ReferenceError> {
    let is_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let starts = component.chars().next().is_some_and(is_alnum);
    let ends = component.chars().last().is_some_and(is_alnum);
    if !starts || !ends {
        return Err(ReferenceError::ComponentEdge { name: name.to_owned(), component: component.to_owned() });
    }
    // Separator runs between letters and digits: `.`, `_`, `__`, or any number of `-`.
    for run in component.split(is_alnum).filter(|s| !s.is_empty()) {
        let ok = matches!(run, "." | "_" | "__") || run.chars().all(|c| c == '-');
        if !ok {
            return Err(ReferenceError::Separator {
                name: name.to_owned(),
                component: component.to_owned(),
                separator: run.to_owned(),
            });
        }
    }
    Ok(())
}

/// A tag: `[\w][\w.-]{0,127}` (letters, digits, `_`, then also `.` and `-`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);
string_type!(Tag);

impl FromStr for Tag {
    type Err = ReferenceError;
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let Some(first) = tag.chars().next() else {
            return Err(ReferenceError::EmptyTag);
        };
        if tag.len() > MAX_TAG_LEN {
            return Err(ReferenceError::TagTooLong { len: tag.len() });
        }
        if !word(first) {
            return Err(ReferenceError::TagStart { tag: tag.to_owned(), first });
        }
        if let Some(character) = tag.chars().find(|&c| !(word(c) || c == '.' || c == '-')) {
            return Err(ReferenceError::TagCharacter { tag: tag.to_owned(), character });
        }
        Ok(Self(tag.to_owned()))
    }
}

impl Tag {
    /// `latest`: the tag Docker means when a reference names none.
    pub fn latest() -> Self {
        Self("latest".to_owned())
    }
}

/// A content digest, `algorithm:encoded` (e.g. `sha256:` and 64 lower-case hex digits), as
/// `oci-spec` parses it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Digest(oci_spec::image::Digest);
string_type!(Digest);

impl FromStr for Digest {
    type Err = ReferenceError;
    fn from_str(digest: &str) -> Result<Self, Self::Err> {
        oci_spec::image::Digest::from_str(digest).map(Self).map_err(|e| ReferenceError::Digest {
            digest: digest.to_owned(),
            reason: e.to_string().trim_start_matches("oci error: ").to_owned(),
        })
    }
}

impl Digest {
    /// The `sha256:` digest of some bytes.
    pub fn sha256(bytes: &[u8]) -> Self {
        use sha2::Digest as _;
        let hex = hex::encode(sha2::Sha256::digest(bytes));
        let sha256 = oci_spec::image::Sha256Digest::from_str(&hex)
            .expect("64 lower-case hex digits are a sha256 digest");
        Self(sha256.into())
    }
}

impl PartialOrd for Digest {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Digest {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// What a manifest URL names: a tag or a digest. A tag never contains `:`, so anything with one
/// is parsed as a digest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    Tag(Tag),
    Digest(Digest),
}

impl FromStr for Reference {
    type Err = ReferenceError;
    fn from_str(reference: &str) -> Result<Self, Self::Err> {
        if reference.contains(':') {
            reference.parse().map(Self::Digest)
        } else {
            reference.parse().map(Self::Tag)
        }
    }
}

impl Reference {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Tag(tag) => tag.as_str(),
            Self::Digest(digest) => digest.as_str(),
        }
    }

    pub fn tag(&self) -> Option<&Tag> {
        match self {
            Self::Tag(tag) => Some(tag),
            Self::Digest(_) => None,
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Tag> for Reference {
    fn from(tag: Tag) -> Self {
        Self::Tag(tag)
    }
}

impl From<Digest> for Reference {
    fn from(digest: Digest) -> Self {
        Self::Digest(digest)
    }
}

/// A whole image reference: an optional registry host (`host[:port]`), a repository, and a tag
/// or a digest (`latest` when neither is given, as Docker does). The host is the first path
/// component when it looks like one (has a `.` or a `:`, or is `localhost`), as Docker decides.
/// Unlike a Docker reference, no default registry or `library/` is filled in: a reference
/// without a host means "our registry".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageReference {
    pub host: Option<String>,
    pub repository: RepositoryName,
    pub reference: Reference,
}

impl ImageReference {
    pub fn new(host: Option<String>, repository: RepositoryName, reference: impl Into<Reference>) -> Self {
        Self { host, repository, reference: reference.into() }
    }

    /// The tag, when the reference names one.
    pub fn tag(&self) -> Option<&Tag> {
        self.reference.tag()
    }

    /// `repository:tag` or `repository@digest`, without the host.
    pub fn without_host(&self) -> String {
        match &self.reference {
            Reference::Tag(tag) => format!("{}:{tag}", self.repository),
            Reference::Digest(digest) => format!("{}@{digest}", self.repository),
        }
    }
}

impl FromStr for ImageReference {
    type Err = ReferenceError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let wrap = |reason: ReferenceError| ReferenceError::Image {
            reference: input.to_owned(),
            reason: Box::new(reason),
        };
        let (host, path) = match input.split_once('/') {
            Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => (Some(first), path),
            _ => (None, input),
        };
        let (repository, reference) = parse_path(path).map_err(wrap)?;
        Ok(Self { host: host.map(str::to_owned), repository, reference })
    }
}

impl ImageReference {
    /// `path` (`repository[:tag|@digest]`) on the registry `host`: the host is given, never
    /// guessed from the path (a first component such as `my.team` stays part of the repository).
    pub fn on_host(host: &str, path: &str) -> Result<Self, ReferenceError> {
        let (repository, reference) = parse_path(path)?;
        Ok(Self { host: Some(host.to_owned()), repository, reference })
    }
}

/// `repository[:tag][@digest]` → the repository and what it names (`latest` when nothing is
/// named; the digest when both are, as Docker decides).
fn parse_path(path: &str) -> Result<(RepositoryName, Reference), ReferenceError> {
    let (rest, digest) = match path.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest.parse::<Digest>()?)),
        None => (path, None),
    };
    // A `:` after the last `/` starts the tag.
    let (repository, tag) = match rest.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
        _ => (rest, None),
    };
    let repository: RepositoryName = repository.parse()?;
    let reference = match (digest, tag) {
        (Some(digest), _) => Reference::Digest(digest),
        (None, Some(tag)) => Reference::Tag(tag.parse()?),
        (None, None) => Reference::Tag(Tag::latest()),
    };
    Ok((repository, reference))
}

impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(host) = &self.host {
            write!(f, "{host}/")?;
        }
        f.write_str(&self.without_host())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferenceError as E;

    fn name(s: &str) -> Result<RepositoryName, ReferenceError> {
        s.parse()
    }

    #[test]
    fn repository_names_follow_the_distribution_grammar() {
        for good in ["a", "library/ubuntu", "a/b/c", "x86/app-server", "a.b_c__d---e", "0", "a1/2b"] {
            assert_eq!(name(good).map(|n| n.to_string()).as_deref(), Ok(good));
        }
        assert!(name(&"a".repeat(255)).is_ok());
        let owned = |s: &str| s.to_owned();
        let edge = |n: &str, c: &str| E::ComponentEdge { name: owned(n), component: owned(c) };
        let separator =
            |n: &str, s: &str| E::Separator { name: owned(n), component: owned(n), separator: owned(s) };
        let cases = [
            ("", E::EmptyRepository),
            ("App", E::UpperCase { name: owned("App") }),
            ("a b", E::Character { name: owned("a b"), character: ' ' }),
            ("a:b", E::Character { name: owned("a:b"), character: ':' }),
            ("a/../b", edge("a/../b", "..")),
            ("/a", E::EmptyComponent { name: owned("/a") }),
            ("a//b", E::EmptyComponent { name: owned("a//b") }),
            ("a/", E::EmptyComponent { name: owned("a/") }),
            ("-a", edge("-a", "-a")),
            ("a-", edge("a-", "a-")),
            ("a..b", separator("a..b", "..")),
            ("a___b", separator("a___b", "___")),
            ("a._b", separator("a._b", "._")),
            ("a-.b", separator("a-.b", "-.")),
            (&"a".repeat(256), E::RepositoryTooLong { len: 256 }),
        ];
        for (bad, expected) in cases {
            assert_eq!(name(bad), Err(expected), "{bad:?}");
        }
        // The message names the rule and the fix.
        assert!(name("App").unwrap_err().to_string().contains("lower-case (`app`)"));
        assert!(name(&"a".repeat(256)).unwrap_err().to_string().contains("at most 255"));
    }

    #[test]
    fn tags_follow_the_distribution_grammar() {
        for good in ["latest", "1.0", "_x", "v1.2.3-rc.1", "A_b-C.d", &"t".repeat(128)] {
            assert_eq!(good.parse::<Tag>().map(|t| t.to_string()).as_deref(), Ok(good));
        }
        let owned = |s: &str| s.to_owned();
        let cases = [
            ("", E::EmptyTag),
            (".hidden", E::TagStart { tag: owned(".hidden"), first: '.' }),
            ("-x", E::TagStart { tag: owned("-x"), first: '-' }),
            ("a/b", E::TagCharacter { tag: owned("a/b"), character: '/' }),
            ("a:b", E::TagCharacter { tag: owned("a:b"), character: ':' }),
            ("é", E::TagStart { tag: owned("é"), first: 'é' }),
            (&"t".repeat(129), E::TagTooLong { len: 129 }),
        ];
        for (bad, expected) in cases {
            assert_eq!(bad.parse::<Tag>(), Err(expected), "{bad:?}");
        }
    }

    #[test]
    fn digests_and_manifest_references() {
        let good = format!("sha256:{}", "a".repeat(64));
        let digest: Digest = good.parse().unwrap();
        assert_eq!(digest.as_str(), good);
        assert_eq!(Digest::sha256(b"x").as_str(), crate::backend::registry::sha256_digest(b"x"));
        for bad in ["sha256:abc", "sha256:", &format!("sha256:{}", "A".repeat(64)), "nocolon", ":x"] {
            assert!(matches!(bad.parse::<Digest>(), Err(E::Digest { digest, .. }) if digest == bad), "{bad}");
        }
        assert_eq!("latest".parse(), Ok(Reference::Tag("latest".parse().unwrap())));
        assert_eq!(good.parse(), Ok(Reference::Digest(digest)));
        assert!(matches!("sha256:zz".parse::<Reference>(), Err(E::Digest { .. })));
        assert!(matches!("../x".parse::<Reference>(), Err(E::TagStart { .. })));
    }

    #[test]
    fn image_references_split_host_repository_and_tag_or_digest() {
        let digest = format!("sha256:{}", "b".repeat(64));
        let parse = |s: &str| s.parse::<ImageReference>();
        let r = parse("127.0.0.1:5000/x86/app:v1").unwrap();
        assert_eq!(
            (r.host.as_deref(), r.repository.as_str(), r.tag().map(Tag::as_str)),
            (Some("127.0.0.1:5000"), "x86/app", Some("v1"))
        );
        assert_eq!(r.to_string(), "127.0.0.1:5000/x86/app:v1");
        assert_eq!(r.without_host(), "x86/app:v1");
        let r = parse("team/app").unwrap();
        assert_eq!((r.host, r.reference.as_str()), (None, "latest"));
        let r = parse("localhost/app").unwrap();
        assert_eq!(r.host.as_deref(), Some("localhost"));
        let r = parse(&format!("registry.example:443/app:1.0@{digest}")).unwrap();
        assert_eq!(r.reference, Reference::Digest(digest.parse().unwrap()));
        assert_eq!(r.to_string(), format!("registry.example:443/app@{digest}"));
        assert!(matches!(
            parse("Team/app:v1"),
            Err(E::Image { reason, .. }) if matches!(*reason, E::UpperCase { .. })
        ));
        assert!(matches!(
            parse("team/app:bad:tag"),
            Err(E::Image { reason, .. }) if matches!(*reason, E::Character { .. })
        ));
        assert!(
            matches!(parse("app@sha256:1"), Err(E::Image { reason, .. }) if matches!(*reason, E::Digest { .. }))
        );
    }

    #[test]
    fn typed_references_travel_as_json_strings() {
        let name: RepositoryName = serde_json::from_str("\"team/app\"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"team/app\"");
        let error = serde_json::from_str::<Tag>("\"-x\"").unwrap_err().to_string();
        assert!(error.contains("starts with `-`"), "{error}");
    }
}
