//! What the copies of one job have learned about their target registry, so that a job of many
//! copies (a rename of every tag of many repositories) does not ask the registry the same
//! questions again: which tags a target repository had when the job started, and which blobs
//! are already in which target repository.
//!
//! The memo only ever saves a request whose answer the job already has; it lives as long as
//! one job. A tag written by someone else between the job's listing and its write is the same
//! window a `HEAD` right before the write has, only longer: the job lists the target tags when
//! it starts, so that window is the job's run time.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::backend::registry::reference::{Digest, RepositoryName, Tag};

/// Shared by the copies of one job (`copy_image` takes it by reference); a fresh one knows
/// nothing and makes every copy ask.
#[derive(Debug, Default)]
pub struct TargetMemo {
    inner: Mutex<Known>,
}

#[derive(Debug, Default)]
struct Known {
    /// Complete tag lists of target repositories (empty: the repository did not exist).
    tags: HashMap<RepositoryName, HashSet<Tag>>,
    /// `(repository, digest)` of blobs known to be in a target repository.
    blobs: HashSet<(RepositoryName, Digest)>,
}

/// What the memo says of a target tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TagKnown {
    /// The repository's tag list was read and the tag is not in it: no need to ask for it.
    Absent,
    /// The tag is listed, or the repository's tags were never read: ask the registry.
    Ask,
}

impl TargetMemo {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the complete tag list of `repository` in the target, read before any copy into it
    /// (no tags for a repository that does not exist yet).
    pub fn set_tags(&self, repository: &RepositoryName, tags: impl IntoIterator<Item = Tag>) {
        self.known().tags.insert(repository.clone(), tags.into_iter().collect());
    }

    pub(super) fn tag(&self, repository: &RepositoryName, tag: &Tag) -> TagKnown {
        match self.known().tags.get(repository) {
            Some(tags) if !tags.contains(tag) => TagKnown::Absent,
            _ => TagKnown::Ask,
        }
    }

    /// A tag this job wrote: a later copy to it asks the registry for its digest.
    pub(super) fn tag_written(&self, repository: &RepositoryName, tag: &Tag) {
        if let Some(tags) = self.known().tags.get_mut(repository) {
            tags.insert(tag.clone());
        }
    }

    pub(super) fn has_blob(&self, repository: &RepositoryName, digest: &Digest) -> bool {
        self.known().blobs.contains(&(repository.clone(), digest.clone()))
    }

    pub(super) fn blob_in_place(&self, repository: &RepositoryName, digest: &Digest) {
        self.known().blobs.insert((repository.clone(), digest.clone()));
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        // Plain sets with no invariant across fields: a panic elsewhere cannot leave them torn.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_only_what_was_learned() {
        let repository = |name: &str| name.parse::<RepositoryName>().unwrap();
        let tag = |name: &str| name.parse::<Tag>().unwrap();
        let (a, b, new) = (repository("a"), repository("b"), repository("new"));
        let (v1, v2) = (tag("v1"), tag("v2"));
        let memo = TargetMemo::new();
        assert_eq!(memo.tag(&a, &v1), TagKnown::Ask, "never listed: ask");
        memo.set_tags(&a, [v1.clone()]);
        memo.set_tags(&new, []);
        assert_eq!(memo.tag(&a, &v1), TagKnown::Ask, "listed: ask for its digest");
        assert_eq!(memo.tag(&a, &v2), TagKnown::Absent);
        assert_eq!(memo.tag(&new, &v1), TagKnown::Absent);
        memo.tag_written(&new, &v1);
        assert_eq!(memo.tag(&new, &v1), TagKnown::Ask);

        let blob = Digest::sha256(b"1");
        assert!(!memo.has_blob(&a, &blob));
        memo.blob_in_place(&a, &blob);
        assert!(memo.has_blob(&a, &blob));
        assert!(!memo.has_blob(&b, &blob), "blobs are per repository");
    }
}
