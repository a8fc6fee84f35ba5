//! The daemon's images as the app shows them: one row per tag, with architecture and OS from an
//! inspect per unique image ID.

use std::collections::BTreeSet;

use super::{DockerClient, ImageListEntry, detected_arch};
use crate::format::bytes as size;
use crate::model::{AppError, LocalImage, LocalImageList};

/// Inspects running at once while listing (each is one small request to the daemon).
const INSPECT_CONCURRENCY: usize = 8;

/// The name the daemon gives an untagged image.
pub const DANGLING: &str = "<none>:<none>";

/// `GET /api/local-images`: newest first; dangling images only with `include_dangling`; at most
/// `limit` rows.
pub async fn list_local_images(
    docker: &DockerClient,
    include_dangling: bool,
    limit: Option<usize>,
) -> Result<LocalImageList, AppError> {
    let entries: Vec<ImageListEntry> = docker
        .list_images()
        .await?
        .into_iter()
        .filter(|e| include_dangling || !e.repo_tags.is_empty())
        .collect();
    let ids: BTreeSet<String> = entries.iter().map(|e| e.id.clone()).collect();
    let details = docker.inspect_many(ids, INSPECT_CONCURRENCY).await;
    let mut images = Vec::new();
    for entry in entries {
        // An image removed between the list and the inspect still shows, without its platform.
        let (architecture, os) = match details.get(&entry.id) {
            Some(Ok(info)) => (info.architecture.clone(), info.os.clone()),
            _ => (String::new(), String::new()),
        };
        let created = rfc3339(entry.created);
        let row = |reference: &str, dangling: bool| {
            let (repository, tag) = match reference.rsplit_once(':') {
                Some((repository, tag)) if !tag.contains('/') => (repository, tag),
                _ => (reference, ""),
            };
            LocalImage {
                reference: reference.to_owned(),
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                image_id: entry.id.clone(),
                size: size(entry.size),
                size_bytes: entry.size,
                created: created.clone(),
                architecture: architecture.clone(),
                os: os.clone(),
                dangling,
            }
        };
        if entry.repo_tags.is_empty() {
            images.push(row(DANGLING, true));
        }
        for tag in &entry.repo_tags {
            images.push(row(tag, false));
        }
    }
    images.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.reference.cmp(&b.reference)));
    if let Some(limit) = limit {
        images.truncate(limit);
    }
    Ok(LocalImageList { images, detected_arch: detected_arch() })
}

/// Unix seconds → `2026-11-27T01:57:31Z`; `None` for 0 (images built without a date).
fn rfc3339(seconds: i64) -> Option<String> {
    if seconds <= 0 {
        return None;
    }
    let t = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    t.format(&time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn creation_times_are_rfc3339_utc() {
        assert_eq!(rfc3339(1_704_067_200 + 3661).as_deref(), Some("2024-01-01T01:01:01Z"));
        assert_eq!(rfc3339(0), None);
    }
}
