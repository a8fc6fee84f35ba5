//! How one item of a job ended: the one shape every kind reports an item's result in, whether it
//! came from a copy, a step through the Docker daemon, or a delete.

use crate::backend::copy::{CopyError, CopyOutcome};
use crate::backend::docker::DockerError;
use crate::format::bytes as size;
use crate::model::{ItemStatus, JobItem, Message};

/// An item's status, what to tell the user about it (a message of ours, rendered in each
/// reader's language, or a reason passed on as it is), and the digest it wrote or verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemOutcome {
    pub status: ItemStatus,
    pub detail: Message,
    pub digest: Option<String>,
}

impl ItemOutcome {
    pub fn succeeded(detail: impl Into<Message>, digest: Option<String>) -> Self {
        Self { status: ItemStatus::Succeeded, detail: detail.into(), digest }
    }

    /// Left alone on purpose (a conflict not overwritten).
    pub fn skipped(detail: impl Into<Message>) -> Self {
        Self { status: ItemStatus::Skipped, detail: detail.into(), digest: None }
    }

    pub fn cancelled(detail: impl Into<Message>) -> Self {
        Self { status: ItemStatus::Cancelled, detail: detail.into(), digest: None }
    }

    pub fn failed(detail: impl Into<Message>) -> Self {
        Self { status: ItemStatus::Failed, detail: detail.into(), digest: None }
    }

    /// What a copy's result makes of its item. A finished copy is a verified one: the copy engine
    /// compared the digest the registry computed for the written tag (its answer to the PUT) with
    /// the source's, and a difference fails the copy.
    pub fn of_copy(result: &Result<CopyOutcome, CopyError>) -> Self {
        match result {
            Ok(outcome) if outcome.already_present => {
                Self::succeeded(crate::msg!(AlreadyPresent), Some(outcome.digest.clone()))
            }
            Ok(outcome) => Self::succeeded(
                crate::msg!(
                    Copied,
                    outcome.blobs_mounted,
                    outcome.blobs_streamed,
                    size(outcome.bytes_streamed),
                    outcome.blobs_present
                ),
                Some(outcome.digest.clone()),
            ),
            Err(CopyError::Conflict { existing, incoming, .. }) => {
                Self::skipped(crate::msg!(ConflictNotOverwritten, existing, incoming))
            }
            Err(CopyError::Cancelled) => Self::cancelled(crate::msg!(CopyCancelled)),
            Err(error) => Self::failed(error.message()),
        }
    }

    /// `detail; note`, or the note alone where there was no detail.
    pub fn noted(mut self, note: impl Into<Message>) -> Self {
        let note = note.into();
        self.detail = if self.detail.is_empty() { note } else { crate::msg!(Noted, self.detail, note) };
        self
    }

    /// The same outcome under another status: a later step failed what had succeeded, or the job
    /// ended before it reached the item.
    pub fn with_status(self, status: ItemStatus) -> Self {
        Self { status, ..self }
    }

    /// What `item` says so far of how it ended.
    pub fn of(item: &JobItem) -> Self {
        Self {
            status: item.status,
            detail: item.detail.clone().unwrap_or_else(|| Message::from("")),
            digest: item.digest.clone(),
        }
    }

    /// Writes this outcome onto `item`.
    pub fn apply_to(self, item: &mut JobItem) {
        item.status = self.status;
        item.detail = (!self.detail.is_empty()).then_some(self.detail);
        item.digest = self.digest;
    }

    /// An item that ended before it was worked on (a repository whose tags cannot be listed, a
    /// reference that names no image).
    pub fn item(self, source: impl Into<String>, target: impl Into<String>) -> JobItem {
        let mut item = JobItem::pending(source, target);
        self.apply_to(&mut item);
        item
    }
}

/// A step through the Docker daemon that fails fails its item, with the daemon's reason.
impl From<DockerError> for ItemOutcome {
    fn from(error: DockerError) -> Self {
        Self::failed(error.message())
    }
}

#[cfg(test)]
mod localized_tests {
    use super::*;
    use crate::ui::lang::Lang;

    #[test]
    fn details_and_notes_render_in_the_readers_language() {
        let outcome = ItemOutcome::skipped(crate::msg!(ConflictNotOverwritten, "sha256:a", "sha256:b"))
            .noted(crate::msg!(NotRun));
        assert_eq!(
            outcome.detail.render(Lang::En),
            "conflict: the target tag holds sha256:a, not the source's sha256:b; not overwritten; not run"
        );
        assert_eq!(
            outcome.detail.render(Lang::ZhCn),
            "冲突：目标标签指向 sha256:a，而不是源的 sha256:b；未覆盖；未执行"
        );
        // A registry's or Docker's reason stays as it was, inside our wording.
        let failed = ItemOutcome::failed("MANIFEST_UNKNOWN").noted(crate::msg!(NotRun));
        assert_eq!(failed.detail.render(Lang::ZhCn), "MANIFEST_UNKNOWN；未执行");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_items_and_take_notes() {
        let mut item = JobItem::pending("a:v1", "b:v1");
        ItemOutcome::succeeded("copied", Some("sha256:1".into())).apply_to(&mut item);
        assert_eq!(
            (item.status, item.detail.as_ref().map(ToString::to_string).as_deref(), item.digest.as_deref()),
            (ItemStatus::Succeeded, Some("copied"), Some("sha256:1"))
        );
        let failed =
            ItemOutcome::of(&item).noted("deleting the old tag failed").with_status(ItemStatus::Failed);
        assert_eq!(failed.detail, "copied; deleting the old tag failed");
        // A later step's failure keeps the digest the item wrote.
        assert_eq!(failed.digest.as_deref(), Some("sha256:1"));
        let open = ItemOutcome::of(&JobItem::pending("a", "b"));
        assert_eq!(open.detail, "");
        assert_eq!(open.clone().noted("not run").detail, "not run");
        assert_eq!(open.item("a", "b"), JobItem::pending("a", "b"));
    }
}
