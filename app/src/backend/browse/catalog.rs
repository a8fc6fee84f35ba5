//! Repository pages: the registry's catalog, paged, filtered by name, optionally without empty
//! repositories and with each one's tag count. Counts come from the tag count index (`index.rs`)
//! where it has them, so hiding empty repositories costs no request per repository.

use futures::{StreamExt, stream};

use super::FAN_OUT;
use super::index::TagIndex;
use crate::backend::registry::reference::RepositoryName;
use crate::backend::registry::{REGISTRY_PAGE_LIMIT, RegistryClient};
use crate::model::{AppError, Message, RepositoryPage, RepositorySummary};

/// Which repositories to list: one catalog page of up to `n` (capped by the caller's maximum)
/// after `last`.
#[derive(Clone, Debug, Default)]
pub struct RepositoryQuery {
    /// Repositories per page; the maximum when absent.
    pub n: Option<u32>,
    /// The `next` of the previous page: listing continues after this name.
    pub last: Option<String>,
    /// Case-insensitive substring of the name.
    pub filter: Option<String>,
    /// Skip repositories without tags (reads further catalog pages to fill the page).
    pub non_empty_only: bool,
    /// Each repository's tag count (bounded concurrency).
    pub details: bool,
}

/// One page of repositories as `query` says, at most `max` per page. `next` is the name to pass
/// as `last` for the following page (`None` on the last page).
///
/// The registry cannot filter, so with a filter or `non_empty_only` further catalog pages are read
/// until the page is full; `next` then continues exactly after the last repository shown (or
/// after the skipped ones), so paging neither skips nor repeats.
pub async fn repositories(
    registry: &RegistryClient,
    index: &TagIndex,
    query: &RepositoryQuery,
    max: u32,
) -> Result<RepositoryPage, AppError> {
    let needle = query.filter.as_deref().map(|f| f.trim().to_lowercase()).filter(|f| !f.is_empty());
    let non_empty_only = query.non_empty_only;
    let refills = non_empty_only || needle.is_some();
    let n = query.n.unwrap_or(max).clamp(1, max.max(1)) as usize;
    let last = match query.last.as_deref().filter(|l| !l.is_empty()) {
        Some(last) => Some(
            last.parse::<RepositoryName>()
                .map_err(|e| AppError::BadRequest(crate::msg!(LastNotRepositoryName, e.message())))?,
        ),
        None => None,
    };
    let mut page = RepositoryPage::default();
    let mut cursor = last.map(|l| l.to_string());
    let mut chunk_size = n;
    loop {
        let chunk = registry.catalog(chunk_size, cursor.as_deref()).await?;
        let shown_before = page.repositories.len();
        let names: Vec<String> = chunk
            .repositories
            .iter()
            .filter(|name| needle.as_ref().is_none_or(|needle| name.to_lowercase().contains(needle)))
            .cloned()
            .collect();
        let counts: Vec<Option<Result<(usize, bool), Message>>> = if non_empty_only || query.details {
            // Owned names: futures borrowing from the iterator trip the `Send` check of callers.
            // A listed name that is not a repository name cannot be asked about: it is shown as
            // unreadable, with why.
            stream::iter(names.clone())
                .map(|name| async move {
                    Some(match name.parse::<RepositoryName>() {
                        Ok(name) => index
                            .tag_count(registry, &name)
                            .await
                            .map(|c| (c.tag_count, c.refreshing))
                            .map_err(|e| e.message()),
                        Err(reason) => Err(reason.message()),
                    })
                })
                .buffered(FAN_OUT)
                .collect()
                .await
        } else {
            names.iter().map(|_| None).collect()
        };
        let mut full = false;
        for (name, count) in names.iter().zip(counts) {
            let tag_count = match count {
                Some(Ok((count, refreshing))) => {
                    page.refreshing |= refreshing;
                    Some(count)
                }
                Some(Err(error)) => {
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
            if query.details {
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
        // Everything up to the chunk's last name is shown or skipped: continue after it.
        cursor = chunk.repositories.last().cloned();
        if !refills || page.repositories.len() == n {
            page.next = cursor;
            return Ok(page);
        }
        chunk_size = refill_size(
            n - page.repositories.len(),
            chunk.repositories.len(),
            page.repositories.len() - shown_before,
            chunk_size,
            n.max(REGISTRY_PAGE_LIMIT as usize),
        );
    }
}

/// How many names to ask the catalog for when `wanted` more repositories are needed, after a
/// chunk of `seen` names of which `kept` were shown. distribution answers every catalog request
/// by walking its storage from the first repository up to the page it returns, so each request
/// costs about as much as everything before it: the refill asks for what the last chunk's share
/// of shown names predicts, with a margin (one request too many costs more than a few names too
/// many). A chunk that showed nothing doubles the size instead, so a long run of skipped
/// repositories costs few requests. Never below `wanted`, never above `max`.
fn refill_size(wanted: usize, seen: usize, kept: usize, previous: usize, max: usize) -> usize {
    let size = match kept {
        0 => previous.saturating_mul(2),
        kept => (wanted * seen).div_ceil(kept) * 5 / 4 + 16,
    };
    size.clamp(wanted, max.max(wanted))
}

#[cfg(test)]
mod tests {
    use super::refill_size;

    #[test]
    fn a_refill_asks_for_what_the_last_chunk_predicts_with_a_margin() {
        // 1,000 seen, 900 shown, 100 more wanted: 112 predicted, 156 asked for.
        assert_eq!(refill_size(100, 1000, 900, 1000, 1000), 156);
        // Nothing shown: the chunk doubles, up to the maximum.
        assert_eq!(refill_size(100, 1000, 0, 300, 1000), 600);
        assert_eq!(refill_size(100, 1000, 0, 800, 1000), 1000);
        // Few shown: the prediction is capped by the maximum, and never below what is wanted.
        assert_eq!(refill_size(500, 1000, 10, 1000, 1000), 1000);
        assert_eq!(refill_size(2000, 10, 10, 10, 1000), 2000);
    }
}
