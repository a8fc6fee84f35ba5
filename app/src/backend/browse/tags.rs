//! A repository's tags: filtered, sorted and paged over every tag, each summarised (digest, media
//! type, size, created, platforms) when details are asked for; and every tag by digest, for deletes.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, stream};

use super::{FAN_OUT, or_not_found, repository_not_found};
use crate::backend::registry::reference::{Digest, RepositoryName, Tag};
use crate::backend::registry::{Manifest, RegistryClient, RegistryError};
use crate::model::{
    AppError, ImageConfigSummary, ManifestKind, Message, Platform, PlatformSize, TagList, TagSort, TagSummary,
};

/// The OCI annotation an artifact may carry its creation time in.
const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";

/// Which of a repository's tags to list, and how much of each. Filtering and sorting cover every
/// tag; paging comes last.
#[derive(Clone, Debug, Default)]
pub struct TagQuery {
    /// Case-insensitive substring of the tag name.
    pub filter: Option<String>,
    pub sort: TagSort,
    pub descending: bool,
    pub offset: usize,
    pub limit: Option<usize>,
    /// Digest, media type, kind, size, creation time and platforms of each tag shown; without,
    /// only names.
    pub details: bool,
}

/// Every tag of `repository`, filtered, sorted and paged as `query` says; `total` counts the tags
/// matching the filter. A tag whose manifest cannot be read is listed with `error`. Details seen
/// past the tag TTL (within the maximum staleness) are shown as they were while they are
/// revalidated in the background; `refreshing` then says so.
pub async fn tags(
    registry: &RegistryClient,
    repository: &RepositoryName,
    query: &TagQuery,
) -> Result<TagList, AppError> {
    let details = query.details;
    let names = registry
        .list_tags(repository)
        .await
        .map_err(|e| or_not_found(e, repository_not_found(repository)))?;
    let needle = query.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()).map(str::to_lowercase);
    let mut names: Vec<Tag> = match &needle {
        Some(needle) => names.into_iter().filter(|t| t.as_str().to_lowercase().contains(needle)).collect(),
        None => names,
    };
    let total = names.len();
    if !details || query.sort == TagSort::Name {
        // The order does not depend on details: page first, then read only what is shown. The
        // order `sort_tags` gives rows without details: by name, descending only when sorting by
        // name (other keys are all missing, and ties go by name ascending). The registry lists
        // each tag once, so reversing is the same as sorting descending.
        names.sort();
        if query.sort == TagSort::Name && query.descending {
            names.reverse();
        }
        let page = page_of(names, query.offset, query.limit);
        let (rows, refreshing) = if details {
            summarize_tags(registry, repository, page).await
        } else {
            (page.iter().map(|tag| TagSummary::named(tag.to_string())).collect(), false)
        };
        return Ok(TagList { repository: repository.to_string(), tags: rows, total, refreshing });
    }
    let (mut rows, refreshing) = summarize_tags(registry, repository, names).await;
    sort_tags(&mut rows, query.sort, query.descending);
    Ok(TagList {
        repository: repository.to_string(),
        tags: page_of(rows, query.offset, query.limit),
        total,
        refreshing,
    })
}

fn page_of<T>(rows: Vec<T>, offset: usize, limit: Option<usize>) -> Vec<T> {
    rows.into_iter().skip(offset).take(limit.unwrap_or(usize::MAX)).collect()
}

/// RFC 3339 → nanoseconds since the epoch, for ordering (strings with other offsets or
/// precisions do not sort as text).
pub fn timestamp(value: &str) -> Option<i128> {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos())
}

/// Sorts by the key, missing values last in either direction, ties by name (ascending).
pub fn sort_tags(rows: &mut [TagSummary], sort: TagSort, descending: bool) {
    let directed = |key: Option<i128>| key.map(|k| if descending { -k } else { k });
    match sort {
        TagSort::Name if descending => rows.sort_by(|a, b| b.tag.cmp(&a.tag)),
        TagSort::Name => rows.sort_by(|a, b| a.tag.cmp(&b.tag)),
        TagSort::Size => rows.sort_by_cached_key(|r| {
            let key = directed(r.size_bytes.map(i128::from));
            (key.is_none(), key, r.tag.clone())
        }),
        TagSort::Created => rows.sort_by_cached_key(|r| {
            let key = directed(r.created_at.as_deref().and_then(timestamp));
            (key.is_none(), key, r.tag.clone())
        }),
    }
}

/// Fills in the details of each row, concurrently; order is kept. The flag: some row was served
/// stale and is being revalidated.
async fn summarize_tags(
    registry: &RegistryClient,
    repository: &RepositoryName,
    tags: Vec<Tag>,
) -> (Vec<TagSummary>, bool) {
    let rows: Vec<(TagSummary, bool)> = stream::iter(tags)
        .map(|tag| summarize_tag(registry, repository, tag))
        .buffered(FAN_OUT)
        .collect()
        .await;
    let refreshing = rows.iter().any(|(_, stale)| *stale);
    (rows.into_iter().map(|(row, _)| row).collect(), refreshing)
}

async fn summarize_tag(
    registry: &RegistryClient,
    repository: &RepositoryName,
    tag: Tag,
) -> (TagSummary, bool) {
    let mut row = TagSummary::named(tag.to_string());
    let mut stale = false;
    match registry.tag_manifest_or_stale(repository, &tag).await {
        Ok(Some((manifest, served_stale))) => {
            stale = served_stale;
            let described = describe(registry, repository, &manifest).await;
            row.digest = Some(manifest.digest.clone());
            row.media_type = Some(manifest.media_type.as_str().to_owned());
            row.kind = Some(manifest.kind);
            row.size_bytes = described.size;
            row.created_at = described.created;
            row.platforms = described.platforms.iter().map(Platform::to_string).collect();
            row.platform_sizes = described.platform_sizes;
            row.error = described.error;
        }
        Ok(None) => row.error = Some(crate::msg!(TagDeletedWhileRead)),
        Err(error) => {
            let error = error.message();
            tracing::warn!(%repository, tag = %row.tag, %error, "cannot read a tag's manifest");
            row.error = Some(error);
        }
    }
    (row, stale)
}

/// What a manifest amounts to for the tag table.
#[derive(Debug, Default)]
pub(super) struct Described {
    pub(super) size: Option<u64>,
    created: Option<String>,
    platforms: Vec<Platform>,
    platform_sizes: Vec<PlatformSize>,
    error: Option<Message>,
}

/// The newest of some RFC 3339 times (unparseable ones only when nothing parses).
fn newest(times: impl IntoIterator<Item = String>) -> Option<String> {
    times.into_iter().max_by(|a, b| timestamp(a).cmp(&timestamp(b)).then_with(|| a.cmp(b)))
}

pub(super) async fn describe(
    registry: &RegistryClient,
    repository: &RepositoryName,
    manifest: &Manifest,
) -> Described {
    match manifest.kind {
        ManifestKind::Image => {
            let size = manifest.image_size();
            let config = manifest.config.as_ref().expect("an image manifest has a config");
            match registry.image_config(repository, config).await {
                Ok(config) => {
                    let platform = config_platform(&config);
                    Described {
                        size,
                        created: config.created.clone(),
                        platforms: platform.iter().cloned().collect(),
                        platform_sizes: platform
                            .map(|platform| PlatformSize {
                                platform,
                                digest: manifest.digest.clone(),
                                size_bytes: size.unwrap_or(0),
                            })
                            .into_iter()
                            .collect(),
                        error: None,
                    }
                }
                Err(error) => Described { size, error: Some(error.message()), ..Described::default() },
            }
        }
        ManifestKind::Artifact => Described {
            size: manifest.image_size(),
            created: manifest.annotations.get(CREATED_ANNOTATION).cloned(),
            ..Described::default()
        },
        ManifestKind::Index => describe_index(registry, repository, manifest).await,
        ManifestKind::Unknown => Described { error: manifest.parse_error.clone(), ..Described::default() },
    }
}

/// An index: the sum of its platforms' sizes, the newest platform's creation time, and one
/// size per platform. Attestation entries are not platforms and are left out.
async fn describe_index(
    registry: &RegistryClient,
    repository: &RepositoryName,
    index: &Manifest,
) -> Described {
    let children: Vec<_> = futures::future::join_all(index.platform_entries().map(|entry| async move {
        let child = registry.entry_manifest(repository, entry).await?;
        let config = match (&child.kind, &child.config) {
            (ManifestKind::Image, Some(config)) => Some(registry.image_config(repository, config).await?),
            _ => None,
        };
        Ok::<_, RegistryError>((entry, child, config))
    }))
    .await;
    let mut described = Described::default();
    let mut total = 0u64;
    let mut created = Vec::new();
    let mut errors = Vec::new();
    for child in children {
        match child {
            Ok((entry, child, config)) => {
                let platform = entry
                    .platform
                    .as_ref()
                    .map(|p| p.to_platform())
                    .or_else(|| config.as_deref().and_then(config_platform))
                    .unwrap_or_else(|| Platform {
                        os: "unknown".to_owned(),
                        architecture: "unknown".to_owned(),
                        variant: None,
                    });
                let size = child.image_size().unwrap_or(0);
                total = total.saturating_add(size);
                created.extend(config.and_then(|c| c.created.clone()));
                described.platforms.push(platform.clone());
                described.platform_sizes.push(PlatformSize {
                    platform,
                    digest: child.digest.clone(),
                    size_bytes: size,
                });
            }
            Err(error) => errors.push(error.message()),
        }
    }
    described.size = Some(total);
    described.created = newest(created);
    if !errors.is_empty() {
        described.error = Some(crate::msg!(SomePlatformsUnreadable, crate::messages::joined(errors)));
    }
    described
}

pub(super) fn config_platform(config: &ImageConfigSummary) -> Option<Platform> {
    Some(Platform {
        os: config.os.clone()?,
        architecture: config.architecture.clone()?,
        variant: config.variant.clone(),
    })
}

/// Each tag's digest (`None` when the tag vanished meanwhile), concurrently. With `verify`, each
/// is asked of the registry; otherwise digests seen within the tag TTL are used.
pub(super) async fn resolve_digests(
    registry: &RegistryClient,
    repository: &RepositoryName,
    tags: &[Tag],
    verify: bool,
) -> Vec<(Tag, Result<Option<Digest>, RegistryError>)> {
    stream::iter(tags.to_vec())
        .map(|tag| async move {
            let digest = registry.tag_digest(repository, &tag, verify).await;
            (tag, digest)
        })
        .buffer_unordered(FAN_OUT)
        .collect()
        .await
}

/// Every tag of the repository by digest, asked of the registry (deletes must not act on a
/// cached view). Fails if any tag cannot be resolved.
pub async fn tags_by_digest(
    registry: &RegistryClient,
    repository: &RepositoryName,
) -> Result<BTreeMap<Digest, BTreeSet<Tag>>, AppError> {
    let tags = registry
        .list_tags(repository)
        .await
        .map_err(|e| or_not_found(e, repository_not_found(repository)))?;
    let mut by_digest: BTreeMap<Digest, BTreeSet<Tag>> = BTreeMap::new();
    for (tag, digest) in resolve_digests(registry, repository, &tags, true).await {
        if let Some(digest) = digest? {
            by_digest.entry(digest).or_default().insert(tag);
        }
    }
    Ok(by_digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tag: &str, size: Option<u64>, created: Option<&str>) -> TagSummary {
        TagSummary { size_bytes: size, created_at: created.map(str::to_owned), ..TagSummary::named(tag) }
    }

    fn order(rows: &[TagSummary]) -> Vec<&str> {
        rows.iter().map(|r| r.tag.as_str()).collect()
    }

    #[test]
    fn sorting_puts_missing_values_last_and_breaks_ties_by_name() {
        let mut rows = vec![
            row("d", None, None),
            row("c", Some(10), Some("2024-01-02T00:00:00Z")),
            row("b", Some(30), Some("2024-01-01T23:00:00-02:00")), // = 2024-01-02T01:00Z, the newest
            row("a", Some(10), Some("2024-01-01T00:00:00.5Z")),
            row("e", Some(5), Some("not a time")),
        ];
        sort_tags(&mut rows, TagSort::Size, false);
        assert_eq!(order(&rows), ["e", "a", "c", "b", "d"]);
        sort_tags(&mut rows, TagSort::Size, true);
        assert_eq!(order(&rows), ["b", "a", "c", "e", "d"]);
        sort_tags(&mut rows, TagSort::Created, false);
        assert_eq!(order(&rows), ["a", "c", "b", "d", "e"]);
        sort_tags(&mut rows, TagSort::Created, true);
        assert_eq!(order(&rows), ["b", "c", "a", "d", "e"]);
        sort_tags(&mut rows, TagSort::Name, true);
        assert_eq!(order(&rows), ["e", "d", "c", "b", "a"]);
    }

    #[test]
    fn pages_and_newest() {
        assert_eq!(page_of(vec![1, 2, 3, 4], 1, Some(2)), [2, 3]);
        assert_eq!(page_of(vec![1, 2, 3], 5, None), Vec::<i32>::new());
        assert_eq!(
            newest(["2024-01-01T00:00:00Z".to_owned(), "2024-03-01T00:00:00+05:00".to_owned()]).as_deref(),
            Some("2024-03-01T00:00:00+05:00")
        );
        assert_eq!(newest(Vec::new()), None);
    }
}
