//! Registry browsing and deletion, composed from the registry client into the shared model types.
//! REST handlers and server functions call these; neither holds logic of its own.
//!
//! Every function validates its input (repository name, tag, digest) before any registry call, so
//! a malformed name is a 400 that names the broken rule, never a strange registry answer.
//!
//! Speed: tag details cost one manifest `GET` per tag and one config `GET` per distinct config
//! when cold (concurrent, at most [`MAX_IN_FLIGHT`] in flight); warm, the tag list is read fresh
//! (1 request) and everything else comes from the client's caches (see `registry/cache.rs`).
//! Sorting by name pages before reading details, so only the shown tags are read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::{StreamExt, stream};

use crate::backend::redact::{Scrubbed, scrub_urls};
use crate::backend::registry::reference::{ManifestRef, validate_repository};
use crate::backend::registry::{MAX_IN_FLIGHT, Manifest, REGISTRY_PAGE_LIMIT, RegistryClient, RegistryError};
use crate::model::{
    AppError, DeleteRepositoryResult, DeleteScope, DeleteTagResult, ImageDetail, LayerInfo, ManifestKind,
    Platform, PlatformSize, RepositoryPage, RepositorySummary, TagDetail, TagList, TagSort, TagSummary,
};

/// How many per-item tasks (tags, repositories) run at once; the client bounds the requests.
const FAN_OUT: usize = MAX_IN_FLIGHT * 2;

/// The OCI annotation an artifact may carry its creation time in.
const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";

/// Annotation that makes a tag's throwaway manifest unique (see [`delete_tag`]).
pub const THROWAWAY_ANNOTATION: &str = "io.registry-manager.delete-tag";

/// Filtering, sorting and paging of a repository's tags. Filtering and sorting cover every tag.
#[derive(Clone, Debug, Default)]
pub struct TagQuery {
    /// Case-insensitive substring of the tag name.
    pub filter: Option<String>,
    pub sort: TagSort,
    pub descending: bool,
    pub offset: usize,
    pub limit: Option<usize>,
}

impl From<RegistryError> for AppError {
    /// Missing things are 404; a registry with deletion disabled is 403 with the setting to
    /// change; everything else the registry did (or did not) answer is 502 with its reason.
    /// URLs in the message lose credentials and query strings.
    fn from(error: RegistryError) -> Self {
        let message = scrub_urls(&error.to_string());
        match &error {
            RegistryError::DeletionDisabled { .. } => AppError::Forbidden(message),
            // The outbound policy refused where the request leads: the chosen registry's to fix.
            RegistryError::Refused { .. } => AppError::BadRequest(message),
            e if e.is_not_found() => AppError::NotFound(format!("not found in the registry: {message}")),
            _ => {
                tracing::warn!(error = %message, "registry request failed");
                AppError::Upstream(message)
            }
        }
    }
}

fn bad_request(reason: String) -> AppError {
    AppError::BadRequest(reason)
}

/// A not-found error said in the caller's terms; anything else as usual.
fn or_not_found(error: RegistryError, what: impl FnOnce() -> String) -> AppError {
    if error.is_not_found() { AppError::NotFound(what()) } else { error.into() }
}

fn repository_not_found(repository: &str) -> impl FnOnce() -> String + '_ {
    move || format!("repository `{repository}` does not exist in the registry")
}

// ---------------------------------------------------------------------------------------------
// Repositories
// ---------------------------------------------------------------------------------------------

/// One catalog page of up to `n` repositories after `last`. `next` is the name to pass as `last`
/// for the following page (`None` on the last page). With `non_empty_only`, repositories without
/// tags are skipped and further catalog pages are read to fill the page; `next` then continues
/// exactly after the last repository shown (or after the skipped ones), so paging neither skips
/// nor repeats. With `details`, each repository's tag count (bounded concurrency).
pub async fn repositories(
    registry: &RegistryClient,
    n: u32,
    last: Option<&str>,
    non_empty_only: bool,
    details: bool,
) -> Result<RepositoryPage, AppError> {
    repositories_matching(registry, n, last, None, non_empty_only, details).await
}

/// Like [`repositories`], keeping only names that contain `filter` (case-insensitive). The
/// registry cannot filter, so this reads further catalog pages until `n` names match; `next`
/// continues after the last name shown, so paging through matches skips and repeats nothing.
pub async fn repositories_matching(
    registry: &RegistryClient,
    n: u32,
    last: Option<&str>,
    filter: Option<&str>,
    non_empty_only: bool,
    details: bool,
) -> Result<RepositoryPage, AppError> {
    let needle = filter.map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty());
    let refills = non_empty_only || needle.is_some();
    if n == 0 {
        return Err(bad_request("n must be at least 1 (repositories per page)".to_owned()));
    }
    let last = last.filter(|l| !l.is_empty());
    if let Some(last) = last {
        validate_repository(last)
            .map_err(|e| bad_request(format!("`last` is not a repository name: {e}")))?;
    }
    let n = n as usize;
    let mut page = RepositoryPage::default();
    let mut cursor = last.map(str::to_owned);
    // Refills (non-empty only, after empty repositories were skipped) read growing chunks, so a
    // long run of empty repositories costs few catalog requests.
    let mut chunk_size = n;
    loop {
        let chunk = registry.catalog(chunk_size, cursor.as_deref()).await?;
        chunk_size = (chunk_size * 2).min(n.max(REGISTRY_PAGE_LIMIT as usize));
        let names: Vec<String> = chunk
            .repositories
            .iter()
            .filter(|name| needle.as_ref().is_none_or(|needle| name.to_lowercase().contains(needle)))
            .cloned()
            .collect();
        let counts: Vec<Option<Result<usize, RegistryError>>> = if non_empty_only || details {
            // Owned names: futures borrowing from the iterator trip the `Send` check of callers.
            stream::iter(names.clone())
                .map(|name| async move { Some(registry.tag_count(&name).await) })
                .buffered(FAN_OUT)
                .collect()
                .await
        } else {
            names.iter().map(|_| None).collect()
        };
        let mut full = false;
        for (name, count) in names.iter().zip(counts) {
            let tag_count = match count {
                Some(Ok(count)) => Some(count),
                Some(Err(error)) => {
                    let error = scrub_urls(&error.to_string());
                    tracing::warn!(repository = %name, %error, "cannot count the tags of a repository");
                    page.unreadable.insert(name.clone(), error);
                    None
                }
                None => None,
            };
            if non_empty_only && tag_count == Some(0) {
                continue;
            }
            if page.repositories.len() == n {
                full = true;
                break;
            }
            page.repositories.push(name.clone());
            if details {
                page.details
                    .push(RepositorySummary { name: name.clone(), tag_count: tag_count.unwrap_or(0) });
            }
        }
        page.unreadable.retain(|name, _| page.repositories.contains(name));
        if full {
            // More matching repositories on this chunk than fit: continue after the last shown.
            page.next = page.repositories.last().cloned();
            return Ok(page);
        }
        if !chunk.more {
            return Ok(page);
        }
        // Everything up to the chunk's last name is shown or empty: continue after it.
        cursor = chunk.repositories.last().cloned();
        if !refills || page.repositories.len() == n {
            page.next = cursor;
            return Ok(page);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

/// Every tag of `repository`, filtered, sorted and paged as `query` says; `total` counts the tags
/// matching the filter. Without `details`, only names. With `details`, digest, media type, kind,
/// size, creation time and platforms; a tag whose manifest cannot be read is listed with `error`.
pub async fn tags(
    registry: &RegistryClient,
    repository: &str,
    details: bool,
    query: &TagQuery,
) -> Result<TagList, AppError> {
    validate_repository(repository).map_err(bad_request)?;
    let names = registry
        .list_tags(repository)
        .await
        .map_err(|e| or_not_found(e, repository_not_found(repository)))?;
    let needle = query.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()).map(str::to_lowercase);
    let names: Vec<String> = match &needle {
        Some(needle) => names.into_iter().filter(|t| t.to_lowercase().contains(needle)).collect(),
        None => names,
    };
    let total = names.len();
    let mut rows: Vec<TagSummary> = names.into_iter().map(bare_summary).collect();
    if !details || query.sort == TagSort::Name {
        // The order does not depend on details: page first, then read only what is shown.
        sort_tags(&mut rows, query.sort, query.descending);
        let mut rows = page_of(rows, query.offset, query.limit);
        if details {
            rows = summarize_tags(registry, repository, rows).await;
        }
        return Ok(TagList { repository: repository.to_owned(), tags: rows, total });
    }
    let mut rows = summarize_tags(registry, repository, rows).await;
    sort_tags(&mut rows, query.sort, query.descending);
    Ok(TagList { repository: repository.to_owned(), tags: page_of(rows, query.offset, query.limit), total })
}

fn bare_summary(tag: String) -> TagSummary {
    TagSummary {
        tag,
        digest: None,
        media_type: None,
        kind: None,
        size_bytes: None,
        created_at: None,
        platforms: Vec::new(),
        platform_sizes: Vec::new(),
        error: None,
    }
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

/// Fills in the details of each row, concurrently; order is kept.
async fn summarize_tags(
    registry: &RegistryClient,
    repository: &str,
    rows: Vec<TagSummary>,
) -> Vec<TagSummary> {
    stream::iter(rows)
        .map(|row| summarize_tag(registry, repository, row.tag))
        .buffered(FAN_OUT)
        .collect()
        .await
}

async fn summarize_tag(registry: &RegistryClient, repository: &str, tag: String) -> TagSummary {
    let mut row = bare_summary(tag);
    match registry.tag_manifest(repository, &row.tag).await {
        Ok(Some(manifest)) => {
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
        Ok(None) => row.error = Some("the tag was deleted while it was being read".to_owned()),
        Err(error) => {
            let error = scrub_urls(&error.to_string());
            tracing::warn!(repository, tag = %row.tag, %error, "cannot read a tag's manifest");
            row.error = Some(error);
        }
    }
    row
}

/// What a manifest amounts to for the tag table.
#[derive(Debug, Default)]
struct Described {
    size: Option<u64>,
    created: Option<String>,
    platforms: Vec<Platform>,
    platform_sizes: Vec<PlatformSize>,
    error: Option<String>,
}

/// The newest of some RFC 3339 times (unparseable ones only when nothing parses).
fn newest(times: impl IntoIterator<Item = String>) -> Option<String> {
    times.into_iter().max_by(|a, b| timestamp(a).cmp(&timestamp(b)).then_with(|| a.cmp(b)))
}

async fn describe(registry: &RegistryClient, repository: &str, manifest: &Manifest) -> Described {
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
                Err(error) => Described { size, error: Some(error.to_string()), ..Described::default() },
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
async fn describe_index(registry: &RegistryClient, repository: &str, index: &Manifest) -> Described {
    let children: Vec<_> = futures::future::join_all(index.platform_entries().map(|entry| async move {
        let child = registry.manifest(repository, &entry.digest).await?;
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
            Err(error) => errors.push(error.to_string()),
        }
    }
    described.size = Some(total);
    described.created = newest(created);
    if !errors.is_empty() {
        described.error = Some(format!("some platforms could not be read: {}", errors.join("; ")));
    }
    described
}

fn config_platform(config: &crate::model::ImageConfigSummary) -> Option<Platform> {
    Some(Platform {
        os: config.os.clone()?,
        architecture: config.architecture.clone()?,
        variant: config.variant.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Tag detail
// ---------------------------------------------------------------------------------------------

/// Everything about one tag (or, given a digest, one manifest): the manifest, its config and
/// layers, each platform of an index with its own, and the other tags on the same digest.
/// The tag's digest is confirmed with the registry (`HEAD`); sibling tags use the tag cache.
pub async fn tag_detail(
    registry: &RegistryClient,
    repository: &str,
    tag: &str,
) -> Result<TagDetail, AppError> {
    validate_repository(repository).map_err(bad_request)?;
    let reference = ManifestRef::parse(tag).map_err(bad_request)?;
    let not_found = || format!("`{tag}` does not exist in repository `{repository}`");
    let digest = match reference {
        ManifestRef::Tag(t) => {
            registry.tag_digest(repository, t, true).await?.ok_or_else(|| AppError::NotFound(not_found()))?
        }
        ManifestRef::Digest(d) => d.to_owned(),
    };
    let manifest = registry.manifest(repository, &digest).await.map_err(|e| or_not_found(e, not_found))?;
    let described = describe(registry, repository, &manifest).await;
    let images = match manifest.kind {
        ManifestKind::Image | ManifestKind::Artifact => {
            vec![image_detail(registry, repository, &manifest, None).await]
        }
        ManifestKind::Index => {
            futures::future::join_all(manifest.manifests.iter().map(|entry| async move {
                let platform = entry.platform.as_ref().map(|p| p.to_platform());
                match registry.manifest(repository, &entry.digest).await {
                    Ok(child) => image_detail(registry, repository, &child, platform).await,
                    Err(error) => ImageDetail {
                        digest: entry.digest.clone(),
                        media_type: entry.media_type.clone(),
                        kind: ManifestKind::Unknown,
                        platform,
                        size_bytes: 0,
                        config_digest: None,
                        config_media_type: None,
                        layers: Vec::new(),
                        config: None,
                        annotations: entry.annotations.clone(),
                        error: Some(error.to_string()),
                    },
                }
            }))
            .await
        }
        ManifestKind::Unknown => Vec::new(),
    };
    let all_tags = registry
        .list_tags(repository)
        .await
        .map_err(|e| or_not_found(e, repository_not_found(repository)))?;
    let digests = resolve_digests(registry, repository, &all_tags, false).await;
    let sibling_tags = digests
        .into_iter()
        .filter_map(|(t, d)| (t != tag && matches!(d, Ok(Some(ref d)) if *d == digest)).then_some(t))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(TagDetail {
        repository: repository.to_owned(),
        tag: tag.to_owned(),
        digest,
        media_type: manifest.media_type.as_str().to_owned(),
        kind: manifest.kind,
        size_bytes: described.size.unwrap_or(0),
        images,
        annotations: if manifest.kind == ManifestKind::Index {
            manifest.annotations.clone()
        } else {
            BTreeMap::new()
        },
        sibling_tags,
    })
}

async fn image_detail(
    registry: &RegistryClient,
    repository: &str,
    manifest: &Manifest,
    platform: Option<Platform>,
) -> ImageDetail {
    let (config, error) = match (&manifest.kind, &manifest.config) {
        (ManifestKind::Image, Some(descriptor)) => {
            match registry.image_config(repository, descriptor).await {
                Ok(config) => (Some(Arc::unwrap_or_clone(config)), None),
                Err(error) => (None, Some(error.to_string())),
            }
        }
        _ => (None, manifest.parse_error.clone()),
    };
    ImageDetail {
        digest: manifest.digest.clone(),
        media_type: manifest.media_type.as_str().to_owned(),
        kind: manifest.kind,
        platform: platform.or_else(|| config.as_ref().and_then(config_platform)),
        size_bytes: manifest.image_size().unwrap_or(0),
        config_digest: manifest.config.as_ref().map(|c| c.digest.clone()),
        config_media_type: manifest.config.as_ref().map(|c| c.media_type.clone()),
        layers: manifest
            .layers
            .iter()
            .map(|l| LayerInfo {
                digest: l.digest.clone(),
                size_bytes: l.size,
                media_type: l.media_type.clone(),
            })
            .collect(),
        config,
        annotations: manifest.annotations.clone(),
        error,
    }
}

/// Each tag's digest (`None` when the tag vanished meanwhile), concurrently. With `verify`, each
/// is asked of the registry; otherwise digests seen within the tag TTL are used.
async fn resolve_digests(
    registry: &RegistryClient,
    repository: &str,
    tags: &[String],
    verify: bool,
) -> Vec<(String, Result<Option<String>, RegistryError>)> {
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
    repository: &str,
) -> Result<BTreeMap<String, BTreeSet<String>>, AppError> {
    let tags = registry
        .list_tags(repository)
        .await
        .map_err(|e| or_not_found(e, repository_not_found(repository)))?;
    let mut by_digest: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (tag, digest) in resolve_digests(registry, repository, &tags, true).await {
        if let Some(digest) = digest? {
            by_digest.entry(digest).or_default().insert(tag);
        }
    }
    Ok(by_digest)
}

// ---------------------------------------------------------------------------------------------
// Deleting
// ---------------------------------------------------------------------------------------------

/// Deletes a tag.
///
/// * `DeleteScope::Image`: deletes the manifest by digest, which removes every tag on it;
///   `removed_tags` lists them all. `tag` may also be a digest here.
/// * `DeleteScope::Tag`: removes only this tag; other tags on the same digest survive. The
///   registry API cannot delete a tag (distribution 2.8 answers 400 to a DELETE by tag), so when
///   the digest has other tags, this tag is first pointed at a unique throwaway manifest (a copy
///   of the original with one extra annotation, so every blob it names exists already), and that
///   throwaway digest is deleted — as regclient does. Before touching anything, a harmless probe
///   checks that the registry allows deletes; if the final delete fails anyway, the tag is put
///   back on its original manifest. Afterwards the siblings are checked to still resolve to the
///   original digest. Without other tags, the digest is deleted directly.
pub async fn delete_tag(
    registry: &RegistryClient,
    repository: &str,
    tag: &str,
    scope: DeleteScope,
) -> Result<DeleteTagResult, AppError> {
    validate_repository(repository).map_err(bad_request)?;
    let reference = ManifestRef::parse(tag).map_err(bad_request)?;
    let not_found = || format!("`{tag}` does not exist in repository `{repository}`");
    let digest = match reference {
        ManifestRef::Tag(t) => registry.tag_digest(repository, t, true).await?,
        ManifestRef::Digest(d) if scope == DeleteScope::Tag => {
            return Err(bad_request(format!(
                "`{d}` is a digest, not a tag: to delete the image with every tag on it use scope=image"
            )));
        }
        ManifestRef::Digest(d) => registry.head_manifest(repository, d).await?,
    }
    .ok_or_else(|| AppError::NotFound(not_found()))?;
    let by_digest = tags_by_digest(registry, repository).await?;
    let on_digest = by_digest.get(&digest).cloned().unwrap_or_default();
    let siblings: Vec<String> = on_digest.iter().filter(|t| *t != tag).cloned().collect();
    let result = |removed_tags: Vec<String>| DeleteTagResult {
        deleted: true,
        repository: repository.to_owned(),
        tag: tag.to_owned(),
        digest: digest.clone(),
        scope,
        removed_tags,
    };
    if scope == DeleteScope::Image || siblings.is_empty() {
        registry.delete_manifest(repository, &digest).await.map_err(|e| or_not_found(e, not_found))?;
        let mut removed: BTreeSet<String> = on_digest;
        if let ManifestRef::Tag(t) = reference {
            removed.insert(t.to_owned());
        }
        tracing::info!(repository, tag, %digest, ?removed, "deleted a manifest");
        return Ok(result(removed.into_iter().collect()));
    }
    delete_only_tag(registry, repository, tag, &digest, &siblings).await?;
    tracing::info!(repository, tag, %digest, ?siblings, "deleted one tag; its siblings stay");
    Ok(result(vec![tag.to_owned()]))
}

/// A copy of a manifest with one unique annotation added: a different digest naming the same
/// blobs. `None` if the manifest is not a JSON object.
pub fn throwaway_manifest(original: &[u8], marker: &str) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(original).ok()?;
    let object = value.as_object_mut()?;
    let annotations = object.entry("annotations").or_insert_with(|| serde_json::json!({}));
    if !annotations.is_object() {
        *annotations = serde_json::json!({});
    }
    annotations.as_object_mut()?.insert(THROWAWAY_ANNOTATION.to_owned(), marker.into());
    serde_json::to_vec(&value).ok()
}

async fn delete_only_tag(
    registry: &RegistryClient,
    repository: &str,
    tag: &str,
    digest: &str,
    siblings: &[String],
) -> Result<(), AppError> {
    // Nothing may change if the registry refuses deletes: find out before the PUT.
    if !registry.deletion_enabled(repository).await? {
        return Err(RegistryError::DeletionDisabled { url: registry.base_url().to_string() }.into());
    }
    let original = registry.manifest(repository, digest).await?;
    let media_type = original.media_type.as_str().to_owned();
    let marker = format!(
        "{}-{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos(),
        std::process::id()
    );
    let throwaway = throwaway_manifest(&original.raw, &marker).ok_or_else(|| {
        bad_request(format!(
            "only this tag cannot be deleted: its manifest ({media_type}) is not a JSON document this tool can \
             re-point; delete the image (all {} tags) instead",
            siblings.len() + 1
        ))
    })?;
    let throwaway_digest = registry.put_manifest(repository, tag, &media_type, throwaway.into()).await?;
    if let Err(error) = registry.delete_manifest(repository, &throwaway_digest).await {
        // Put the tag back where it was, so a failed delete changes nothing.
        let restored = registry.put_manifest(repository, tag, &media_type, original.raw.clone()).await;
        let shown = Scrubbed(&error);
        tracing::warn!(repository, tag, error = %shown, restored = restored.is_ok(), "deleting the throwaway manifest failed");
        return Err(match restored {
            Ok(_) => error.into(),
            Err(restore_error) => AppError::Upstream(format!(
                "{shown}; putting `{tag}` back on {digest} also failed ({}): it now points to \
                 {throwaway_digest}",
                Scrubbed(&restore_error)
            )),
        });
    }
    // The siblings must still be where they were, and the tag gone.
    for sibling in siblings {
        let now = registry.tag_digest(repository, sibling, true).await?;
        if now.as_deref() != Some(digest) {
            return Err(AppError::Upstream(format!(
                "after deleting `{tag}`, the tag `{sibling}` no longer points to {digest} (now {now:?})"
            )));
        }
    }
    if let Some(now) = registry.tag_digest(repository, tag, true).await? {
        return Err(AppError::Upstream(format!(
            "`{tag}` still exists after the delete (it points to {now})"
        )));
    }
    Ok(())
}

/// Deletes every tag of a repository: each distinct digest once. If the registry refuses the
/// first delete (e.g. deletion disabled), nothing was changed.
pub async fn delete_repository(
    registry: &RegistryClient,
    repository: &str,
) -> Result<DeleteRepositoryResult, AppError> {
    validate_repository(repository).map_err(bad_request)?;
    let by_digest = tags_by_digest(registry, repository).await?;
    let mut deleted_digests = Vec::new();
    let mut removed_tags = Vec::new();
    for (digest, tags) in &by_digest {
        match registry.delete_manifest(repository, digest).await {
            Ok(()) => {}
            // Gone already (another delete got there first): its tags are gone too.
            Err(error) if error.is_not_found() => {}
            Err(error) if deleted_digests.is_empty() => return Err(error.into()),
            Err(error) => {
                let error = Scrubbed(&error);
                tracing::warn!(repository, %digest, %error, "deleting a repository stopped part-way");
                return Err(AppError::Upstream(format!(
                    "deleted {} of {} images of `{repository}` (tags {}), then: {error}",
                    deleted_digests.len(),
                    by_digest.len(),
                    removed_tags.join(", ")
                )));
            }
        }
        deleted_digests.push(digest.clone());
        removed_tags.extend(tags.iter().cloned());
    }
    removed_tags.sort();
    tracing::info!(
        repository,
        images = deleted_digests.len(),
        tags = removed_tags.len(),
        "deleted a repository"
    );
    Ok(DeleteRepositoryResult { repository: repository.to_owned(), deleted_digests, removed_tags })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tag: &str, size: Option<u64>, created: Option<&str>) -> TagSummary {
        TagSummary {
            size_bytes: size,
            created_at: created.map(str::to_owned),
            ..bare_summary(tag.to_owned())
        }
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

    #[test]
    fn throwaway_manifests_differ_and_keep_everything_else() {
        let original = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:c"},"layers":[]}"#;
        let a = throwaway_manifest(original, "1").unwrap();
        let b = throwaway_manifest(original, "2").unwrap();
        assert_ne!(a, b);
        let value: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(value["annotations"][THROWAWAY_ANNOTATION], "1");
        assert_eq!(value["config"]["digest"], "sha256:c");
        assert_eq!(value["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
        // Existing annotations are kept.
        let with = throwaway_manifest(br#"{"annotations":{"k":"v"}}"#, "m").unwrap();
        let value: serde_json::Value = serde_json::from_slice(&with).unwrap();
        assert_eq!(
            (value["annotations"]["k"].as_str(), value["annotations"][THROWAWAY_ANNOTATION].as_str()),
            (Some("v"), Some("m"))
        );
        assert_eq!(throwaway_manifest(b"[1]", "m"), None);
        assert_eq!(throwaway_manifest(b"nope", "m"), None);
    }

    #[test]
    fn registry_errors_become_app_errors() {
        let disabled: AppError = RegistryError::DeletionDisabled { url: "u".into() }.into();
        assert!(
            matches!(&disabled, AppError::Forbidden(m) if m.contains("REGISTRY_STORAGE_DELETE_ENABLED=true"))
        );
        let body =
            crate::backend::registry::OciErrorBody::parse(br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#);
        let missing: AppError = RegistryError::Status { url: "u".into(), status: 404, body }.into();
        assert!(matches!(missing, AppError::NotFound(_)));
        let down: AppError = RegistryError::Unreachable { url: "u".into(), reason: "refused".into() }.into();
        assert!(matches!(down, AppError::Upstream(m) if m.contains("refused")));
        let broken: AppError =
            RegistryError::Status { url: "u".into(), status: 503, body: Default::default() }.into();
        assert_eq!(broken.status_code(), 502);
    }
}
