//! Naming rules shared by UI previews and the backend, so that what a user confirms is what runs.

/// The short architecture name used in tags and namespaces (`-x86`, `arm/`), from a machine name as
/// reported by `uname -m`, Rust's `std::env::consts::ARCH`, or an OCI platform architecture.
///
/// x86_64 and amd64 become `x86`; aarch64 and arm64 become `arm`; anything else passes through
/// unchanged (lower-cased), so an unusual host is named rather than silently mislabelled.
pub fn arch_alias(machine: &str) -> String {
    let machine = machine.trim().to_ascii_lowercase();
    match machine.as_str() {
        "x86_64" | "amd64" | "x86-64" => "x86".to_owned(),
        "aarch64" | "arm64" | "arm64v8" => "arm".to_owned(),
        _ => machine,
    }
}

#[cfg(test)]
mod tests {
    use super::arch_alias;

    #[test]
    fn arch_aliases_follow_the_original_tool() {
        let cases = [
            ("x86_64", "x86"),
            ("amd64", "x86"),
            ("AMD64", "x86"),
            ("aarch64", "arm"),
            ("arm64", "arm"),
            ("riscv64", "riscv64"),
            ("s390x", "s390x"),
            (" ppc64le ", "ppc64le"),
        ];
        for (machine, expected) in cases {
            assert_eq!(arch_alias(machine), expected, "machine {machine:?}");
        }
    }
}

/// What a path below `/repositories/` names, in the UI (`/repositories/a/b/tags/v1`) and the REST
/// API (`/api/repositories/a/b/tags`). Repository names contain slashes and tag names cannot, so
/// the last `/tags/` (or a trailing `/tags`) separates the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepositoryPath<'a> {
    Repository(&'a str),
    Tags(&'a str),
    Tag(&'a str, &'a str),
}

impl<'a> RepositoryPath<'a> {
    pub fn parse(path: &'a str) -> Self {
        let path = path.trim_matches('/');
        if let Some(repository) = path.strip_suffix("/tags") {
            return Self::Tags(repository);
        }
        match path.rsplit_once("/tags/") {
            Some((repository, tag)) if !tag.contains('/') => Self::Tag(repository, tag),
            _ => Self::Repository(path),
        }
    }
}

#[cfg(test)]
mod path_tests {
    use super::RepositoryPath;

    #[test]
    fn splits_nested_names_at_the_last_tags_segment() {
        let cases = [
            ("a/b/c/tags", RepositoryPath::Tags("a/b/c")),
            ("a/b/c/tags/", RepositoryPath::Tags("a/b/c")),
            ("/a/b/c/tags/v1.2", RepositoryPath::Tag("a/b/c", "v1.2")),
            ("team/tags/app/tags/latest", RepositoryPath::Tag("team/tags/app", "latest")),
            ("team/tags/app/tags", RepositoryPath::Tags("team/tags/app")),
            ("nginx", RepositoryPath::Repository("nginx")),
            ("x86/nginx/", RepositoryPath::Repository("x86/nginx")),
        ];
        for (path, expected) in cases {
            assert_eq!(RepositoryPath::parse(path), expected, "{path}");
        }
    }
}

/// How a job renames repositories by prefix (the original's `prefix_mode`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PrefixMode {
    /// `team/app` with `x86` → `x86/team/app`.
    Add,
    /// `x86/team/app` with `x86` → `team/app`.
    Remove,
    /// Names stay as they are.
    #[default]
    None,
}

impl PrefixMode {
    /// The original's default for a rename.
    pub fn add() -> Self {
        Self::Add
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why a name could not be made under the prefix rule, or a local reference not read. The server
/// words it in the reader's language (`NamingError::message`, from `crate::messages`); match on
/// the variant, not on the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamingError {
    /// `prefix_value` is empty while `prefix_mode` is `add` or `remove`.
    PrefixEmpty {
        mode: PrefixMode,
    },
    /// `prefix_value` has `//`.
    PrefixEmptyComponent {
        prefix: String,
    },
    RepositoryEmpty,
    /// `remove` of the prefix from a name that is the prefix.
    PrefixItself {
        repository: String,
        prefix: String,
    },
    ImageReferenceEmpty,
    /// A local reference with `@digest`.
    PushByDigest {
        reference: String,
    },
    NotRepositoryTag {
        reference: String,
    },
}

#[cfg(feature = "ssr")]
impl NamingError {
    /// What was wrong and how to fix it, to render in the reader's language.
    pub fn message(&self) -> crate::model::Message {
        match self {
            NamingError::PrefixEmpty { mode: PrefixMode::Remove } => crate::msg!(PrefixEmptyRemove),
            NamingError::PrefixEmpty { .. } => crate::msg!(PrefixEmptyAdd),
            NamingError::PrefixEmptyComponent { prefix } => {
                crate::msg!(PrefixEmptyComponent, &format!("{prefix:?}"))
            }
            NamingError::RepositoryEmpty => crate::msg!(RepositoryNameEmpty),
            NamingError::PrefixItself { repository, prefix } => crate::msg!(PrefixItself, repository, prefix),
            NamingError::ImageReferenceEmpty => crate::msg!(ImageReferenceEmpty),
            NamingError::PushByDigest { reference } => crate::msg!(PushByDigest, reference),
            NamingError::NotRepositoryTag { reference } => crate::msg!(NotRepositoryTag, reference),
        }
    }
}

/// The English text (server logs, tests).
#[cfg(feature = "ssr")]
impl std::fmt::Display for NamingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.message().fmt(f)
    }
}

#[cfg(feature = "ssr")]
impl From<NamingError> for crate::model::AppError {
    /// Always the caller's mistake: a 400.
    fn from(error: NamingError) -> Self {
        Self::BadRequest(error.message())
    }
}

/// Whether `prefix` can be added or removed: the request-wide part of the prefix rule.
pub fn check_prefix(mode: PrefixMode, prefix: &str) -> Result<(), NamingError> {
    let prefix = prefix.trim().trim_matches('/');
    match mode {
        PrefixMode::None => Ok(()),
        _ if prefix.is_empty() => Err(NamingError::PrefixEmpty { mode }),
        _ if prefix.split('/').any(str::is_empty) => {
            Err(NamingError::PrefixEmptyComponent { prefix: prefix.to_owned() })
        }
        _ => Ok(()),
    }
}

/// The repository name `repository` gets under a prefix rule. The prefix may have several
/// components (`mirror/x86`); slashes around it are ignored. As the original: `add` keeps a name
/// already under the prefix (or equal to it), and `remove` keeps a name without the prefix; only a
/// name that is the prefix itself cannot have it removed. The result still has to pass the
/// registry's name grammar, which the backend checks.
pub fn apply_prefix(repository: &str, mode: PrefixMode, prefix: &str) -> Result<String, NamingError> {
    let repository = repository.trim().trim_matches('/');
    let prefix = prefix.trim().trim_matches('/');
    if repository.is_empty() {
        return Err(NamingError::RepositoryEmpty);
    }
    check_prefix(mode, prefix)?;
    match mode {
        PrefixMode::None => Ok(repository.to_owned()),
        // As the original: adding is idempotent, and removing a prefix a name lacks leaves it as
        // it is (the caller shows such a name as unchanged).
        PrefixMode::Add if repository == prefix || repository.starts_with(&format!("{prefix}/")) => {
            Ok(repository.to_owned())
        }
        PrefixMode::Add => Ok(format!("{prefix}/{repository}")),
        PrefixMode::Remove if repository == prefix => {
            Err(NamingError::PrefixItself { repository: repository.to_owned(), prefix: prefix.to_owned() })
        }
        PrefixMode::Remove => match repository.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('/')) {
            Some(rest) => Ok(rest.to_owned()),
            None => Ok(repository.to_owned()),
        },
    }
}

#[cfg(test)]
mod prefix_tests {
    use super::{NamingError, PrefixMode, apply_prefix};

    #[test]
    fn prefixes_are_added_and_removed_by_whole_components() {
        use PrefixMode::{Add, None, Remove};
        // (name, mode, prefix, the name it gets)
        let cases = [
            ("team/app", Add, "x86", "x86/team/app"),
            ("app", Add, "/mirror/x86/", "mirror/x86/app"),
            ("x86/team/app", Remove, "x86", "team/app"),
            ("mirror/x86/app", Remove, "mirror/x86", "app"),
            ("app", None, "ignored", "app"),
            // Idempotent add: already under the prefix, or the prefix itself.
            ("x86/team/app", Add, "x86", "x86/team/app"),
            ("x86", Add, "x86", "x86"),
            ("x86app/web", Add, "x86", "x86/x86app/web"),
            // Remove without the prefix (by whole components): unchanged.
            ("team/app", Remove, "x86", "team/app"),
            ("x86app/web", Remove, "x86", "x86app/web"),
        ];
        for (name, mode, prefix, expected) in cases {
            assert_eq!(apply_prefix(name, mode, prefix).as_deref(), Ok(expected), "{name} {mode:?} {prefix}");
        }
        // Errors: removing everything leaves nothing; an empty or broken prefix.
        assert_eq!(
            apply_prefix("x86", Remove, "x86"),
            Err(NamingError::PrefixItself { repository: "x86".into(), prefix: "x86".into() })
        );
        assert_eq!(apply_prefix("app", Add, " "), Err(NamingError::PrefixEmpty { mode: Add }));
        assert_eq!(
            apply_prefix("app", Add, "a//b"),
            Err(NamingError::PrefixEmptyComponent { prefix: "a//b".into() })
        );
        assert_eq!(apply_prefix(" / ", Add, "x86"), Err(NamingError::RepositoryEmpty));
    }
}

/// The phrase a user types to confirm deleting `count` repositories at once.
pub fn batch_delete_phrase(count: usize) -> String {
    if count == 1 { "delete 1 repository".to_owned() } else { format!("delete {count} repositories") }
}

/// Where a local image's arch suffix comes from (the original's `arch_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchMode {
    /// The image's own architecture (the host's when the image does not say), as `x86`/`arm`.
    #[default]
    Auto,
    /// `arch_value`, as given.
    Custom,
    /// No suffix.
    None,
}

/// A local image reference split as Docker does: registry host (if the first component has a
/// `.` or `:` or is `localhost`), repository path and tag (`latest` when none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalReference {
    pub registry: Option<String>,
    pub repository: String,
    pub tag: String,
}

impl LocalReference {
    pub fn parse(reference: &str) -> Result<Self, NamingError> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(NamingError::ImageReferenceEmpty);
        }
        if reference.contains('@') {
            return Err(NamingError::PushByDigest { reference: reference.to_owned() });
        }
        let (name, tag) = match reference.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, tag.to_owned()),
            _ => (reference, "latest".to_owned()),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (Some(first.to_owned()), rest.to_owned())
            }
            _ => (None, name.to_owned()),
        };
        if repository.is_empty() || tag.is_empty() {
            return Err(NamingError::NotRepositoryTag { reference: reference.to_owned() });
        }
        Ok(Self { registry, repository, tag })
    }
}

/// The tag with the arch suffix (`1.27` + `x86` → `1.27-x86`); a tag that already ends with it
/// keeps it once.
pub fn tag_with_arch(tag: &str, arch: Option<&str>) -> String {
    match arch.map(str::trim).filter(|a| !a.is_empty()) {
        Some(arch) if !tag.ends_with(&format!("-{arch}")) => format!("{tag}-{arch}"),
        _ => tag.to_owned(),
    }
}

/// The repository and tag a local image gets in the registry: `nginx:1.27`, prefix add `x86`,
/// arch `x86` → (`x86/nginx`, `1.27-x86`). A registry host in the local name is dropped: the
/// image goes to the push host, whichever it came from.
pub fn local_push_name(
    reference: &str,
    prefix_mode: PrefixMode,
    prefix_value: &str,
    arch: Option<&str>,
) -> Result<(String, String), NamingError> {
    let parsed = LocalReference::parse(reference)?;
    let repository = apply_prefix(&parsed.repository, prefix_mode, prefix_value)?;
    Ok((repository, tag_with_arch(&parsed.tag, arch)))
}

#[cfg(test)]
mod local_tests {
    use super::*;

    #[test]
    fn local_names_follow_the_original_rules() {
        let name = |reference, mode, prefix, arch| {
            local_push_name(reference, mode, prefix, arch)
                .map(|(repository, tag)| format!("{repository}:{tag}"))
        };
        assert_eq!(name("nginx:1.27", PrefixMode::Add, "x86", Some("x86")).unwrap(), "x86/nginx:1.27-x86");
        assert_eq!(name("team/app", PrefixMode::None, "", None).unwrap(), "team/app:latest");
        assert_eq!(
            name("127.0.0.1:5000/x86/app:v1-arm", PrefixMode::Remove, "x86", Some("arm")).unwrap(),
            "app:v1-arm"
        );
        assert_eq!(
            name("localhost/app:v1", PrefixMode::None, "", Some("riscv64")).unwrap(),
            "app:v1-riscv64"
        );
        assert_eq!(
            name("app@sha256:abc", PrefixMode::None, "", None),
            Err(NamingError::PushByDigest { reference: "app@sha256:abc".into() })
        );
        // As the original: removing a prefix the name lacks keeps the name; the prefix itself fails.
        assert_eq!(name("app:v1", PrefixMode::Remove, "x86", None).unwrap(), "app:v1");
        assert!(name("x86:v1", PrefixMode::Remove, "x86", None).is_err());
        let parsed = LocalReference::parse("my.registry:5000/a/b:c").unwrap();
        assert_eq!(
            (parsed.registry.as_deref(), parsed.repository.as_str(), parsed.tag.as_str()),
            (Some("my.registry:5000"), "a/b", "c")
        );
    }
}
