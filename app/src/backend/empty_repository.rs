//! Removing an empty repository (every tag deleted) from the registry's storage directory, for
//! good: the registry API has no such operation, and an emptied repository stays in the catalog
//! forever otherwise. Only where this server has the storage (`REGISTRY_MODE=embedded`).
//!
//! Safety: only the repository's own entries (`_manifests`, `_layers`, `_uploads`) are removed,
//! never a nested repository (`team` may hold `team/app`); no tag may exist and no upload may be
//! in progress. `_manifests` is first moved aside in one rename and checked again there, so a tag
//! written between the check and the move is seen and the move undone. Blobs stay in the blob
//! store until a garbage collection, as for any delete.

use std::path::{Path, PathBuf};

use super::registry::reference::RepositoryName;
use crate::model::AppError;
use crate::msg;

/// The repository's own entries, `_manifests` first (it holds the tags).
const OWN_ENTRIES: [&str; 3] = ["_manifests", "_layers", "_uploads"];

/// Entries of a directory (0 when it does not exist).
fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.flatten().count()).unwrap_or(0)
}

fn io_error(name: &RepositoryName, error: impl std::fmt::Display) -> AppError {
    AppError::Upstream(msg!(EmptyRepositoryRemoveFailed, name.as_str(), error.to_string()))
}

/// Removes `name`'s entries under the storage root (`rootdirectory`), and its directory and
/// parents up to `repositories/` where they are left empty. Refused (400) if it has a tag or an
/// upload in progress; 404 if there is no such repository directory.
pub fn remove(storage_root: &Path, name: &RepositoryName) -> Result<(), AppError> {
    let repositories = storage_root.join("docker/registry/v2/repositories");
    let dir = repositories.join(name.as_str());
    if !dir.is_dir() {
        return Err(AppError::NotFound(msg!(StorageRepositoryNotFound, name.as_str())));
    }
    if !dir.join("_manifests").is_dir() && !dir.join("_layers").is_dir() {
        return Err(AppError::BadRequest(msg!(EmptyRepositoryNested, name.as_str())));
    }
    let tags = entries(&dir.join("_manifests/tags"));
    if tags > 0 {
        return Err(AppError::BadRequest(msg!(EmptyRepositoryHasTags, name.as_str(), tags)));
    }
    if entries(&dir.join("_uploads")) > 0 {
        return Err(AppError::BadRequest(msg!(EmptyRepositoryUploading, name.as_str())));
    }
    // Aside, next to `docker/` (the registry walks only `docker/registry/v2/{blobs,repositories}`),
    // so the moves are renames on one filesystem.
    let trash: PathBuf = storage_root.join(format!(".removing-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&trash).map_err(|e| io_error(name, e))?;
    let result = move_aside(&dir, &trash, name);
    if let Err(error) = std::fs::remove_dir_all(&trash) {
        tracing::warn!(path = %trash.display(), %error, "cannot delete a removed repository's entries");
    }
    result?;
    // The directory and its parents, while empty (a nested repository keeps them).
    let mut current = dir;
    while current != repositories && current.starts_with(&repositories) {
        if std::fs::remove_dir(&current).is_err() {
            break;
        }
        match current.parent() {
            Some(parent) => current = parent.to_path_buf(),
            None => break,
        }
    }
    Ok(())
}

/// Moves the repository's own entries into `trash`; a tag found there after the move of
/// `_manifests` puts it back and refuses.
fn move_aside(dir: &Path, trash: &Path, name: &RepositoryName) -> Result<(), AppError> {
    for entry in OWN_ENTRIES {
        let from = dir.join(entry);
        if !from.exists() {
            continue;
        }
        std::fs::rename(&from, trash.join(entry)).map_err(|e| io_error(name, e))?;
        if entry == "_manifests" {
            let tags = entries(&trash.join("_manifests/tags"));
            if tags > 0 {
                // A push raced the check: give the repository its manifests back.
                std::fs::rename(trash.join(entry), &from).map_err(|e| io_error(name, e))?;
                return Err(AppError::BadRequest(msg!(EmptyRepositoryHasTags, name.as_str(), tags)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkdirs(root: &Path, paths: &[&str]) {
        for path in paths {
            std::fs::create_dir_all(root.join("docker/registry/v2/repositories").join(path)).unwrap();
        }
    }

    #[test]
    fn removes_only_the_repositorys_own_entries_and_refuses_tags_and_uploads() {
        let root = std::env::temp_dir().join(format!("rm-empty-{}", uuid::Uuid::new_v4().simple()));
        mkdirs(
            &root,
            &[
                "team/_manifests/revisions/sha256/aa",
                "team/_manifests/tags",
                "team/_layers/sha256/bb",
                "team/app/_manifests/tags/v1/current",
                "solo/_manifests/tags",
                "busy/_manifests/tags",
                "busy/_uploads/1234",
                "ns/only/_layers",
            ],
        );
        let repos = root.join("docker/registry/v2/repositories");
        let name = |n: &str| n.parse::<RepositoryName>().unwrap();
        // `team` is empty, `team/app` is not: only team's own entries go.
        remove(&root, &name("team")).unwrap();
        assert!(!repos.join("team/_manifests").exists() && !repos.join("team/_layers").exists());
        assert!(repos.join("team/app/_manifests/tags/v1").is_dir());
        assert!(matches!(remove(&root, &name("team/app")), Err(AppError::BadRequest(_))));
        assert!(matches!(remove(&root, &name("busy")), Err(AppError::BadRequest(_))));
        assert!(repos.join("busy/_manifests").is_dir(), "a refusal changes nothing");
        // A namespace directory is not a repository.
        assert!(matches!(remove(&root, &name("ns")), Err(AppError::BadRequest(_))));
        assert!(matches!(remove(&root, &name("absent")), Err(AppError::NotFound(_))));
        remove(&root, &name("solo")).unwrap();
        assert!(!repos.join("solo").exists(), "its emptied directory goes too");
        remove(&root, &name("ns/only")).unwrap();
        assert!(!repos.join("ns").exists(), "and empty parents");
        let leftovers: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("docker")], "nothing left aside");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
