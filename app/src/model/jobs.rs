//! Jobs: long work (copies, renames, deletes, pushes) run in the background, watched live and kept
//! in history. The same structs travel through server functions, the REST API and the SSE stream.

use serde::{Deserialize, Serialize};

use super::local::{LocalDeleteRequest, LocalPushRequest};
use super::multiarch::{MergeRequest, SplitRequest};
use super::retention::RetentionRequest;
use crate::naming::PrefixMode;

/// What a job does.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobKind {
    /// Copy one image from any registry into ours.
    Sync,
    /// Copy every tag of some repositories to prefixed (or un-prefixed) names.
    RemotePrefix,
    /// Delete whole repositories.
    RepositoryDelete,
    /// Push local Docker images.
    LocalPush,
    /// Remove local Docker images.
    LocalDelete,
    /// Combine single-arch tags into one multi-arch tag (an index over their manifests).
    Merge,
    /// Write one tag per platform of a multi-arch tag.
    Split,
    /// Delete the tags a retention policy lets go (or, as a dry run, list them).
    Retention,
    /// Garbage collection of the registry's storage (a registry the manager operates).
    Gc,
    /// Storage usage: read every repository's tags and what they refer to (`GET /api/storage`).
    StorageScan,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Where a job is in its life. `partial`: finished, some items failed or were skipped.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Partial,
    Failed,
    Cancelled,
    /// The server stopped while the job was queued or running.
    Interrupted,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Finished: nothing will change any more.
    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

/// One unit of a job (an image, a tag, a repository) and how it ended.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ItemStatus {
    Pending,
    Running,
    Succeeded,
    /// Not done on purpose (a conflict, nothing to do); the detail says why.
    Skipped,
    Failed,
    Cancelled,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, Self::Pending | Self::Running)
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One log line of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Position in the job's log, from 1; gaps mean lines were dropped from the middle.
    pub seq: u64,
    /// RFC 3339, UTC.
    pub at: String,
    pub level: LogLevel,
    /// On the wire, text in the reader's language ([`Job::localized`]); the original contract's
    /// `logs` keep English.
    pub message: super::Message,
}

/// Items and bytes done so far. `bytes_total` grows as the job learns sizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub items_done: u64,
    pub items_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl Progress {
    /// Done fraction in 0..=1: by bytes when sizes are known, else by items.
    pub fn fraction(&self) -> f64 {
        if self.bytes_total > 0 {
            (self.bytes_done as f64 / self.bytes_total as f64).min(1.0)
        } else if self.items_total > 0 {
            (self.items_done as f64 / self.items_total as f64).min(1.0)
        } else {
            0.0
        }
    }
}

/// One item of a job and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobItem {
    /// What the item works on, as the user named it (`team/app:v1`).
    pub source: String,
    /// What it produces (`x86/team/app:v1`), empty when nothing (deletes).
    pub target: String,
    pub status: ItemStatus,
    /// Why it failed or was skipped, or what it did (`3 blobs mounted`); on the wire in the
    /// reader's language ([`Job::localized`]).
    pub detail: Option<super::Message>,
    /// Digest written or verified, when there is one.
    pub digest: Option<String>,
}

impl JobItem {
    /// An item not started yet.
    pub fn pending(source: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            target: target.into(),
            status: ItemStatus::Pending,
            detail: None,
            digest: None,
        }
    }
}

/// `POST /api/sync-jobs`: copy one image into our registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// `nginx:1.27`, `host:port/ns/repo:tag`, `…@sha256:…` (Docker's normalisation applies).
    pub source_image: String,
    /// Defaults to the source repository path without its registry.
    #[serde(default)]
    pub target_repository: Option<String>,
    /// Defaults to the source tag; required when the source names only a digest.
    #[serde(default)]
    pub target_tag: Option<String>,
    /// `os/arch[/variant]` entries to keep from a multi-platform image; empty keeps all.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub platforms: Vec<String>,
    /// Kept for the original's clients. Registry-to-registry copies write nothing locally, so
    /// there is nothing to clean up; the field is recorded and otherwise ignored. With
    /// `engine: docker` the job always removes what it created itself (the pulled image if it was
    /// not there before, and the target tag), and never anything else.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub cleanup_local_images: bool,
    /// How the image travels: registry to registry (default), or through the Docker daemon
    /// (pull, tag, push), as the original tool did.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub engine: SyncEngine,
    /// Whether a target tag that holds another digest may be replaced. Absent: yes over REST, as
    /// the original did (its clients re-mirror moving tags such as `latest`); the UI always says.
    /// `false` makes such a tag a failed item naming both digests. A replaced digest is logged
    /// and audited, so it can be restored.
    #[serde(default)]
    pub overwrite: Option<bool>,
}

/// How a sync moves an image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SyncEngine {
    /// Registry to registry, manifests byte for byte (no daemon needed).
    #[default]
    Registry,
    /// `docker pull`, `docker tag`, `docker push` through the daemon at `DOCKER_HOST`.
    Docker,
}

impl SyncEngine {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `POST /api/remote-prefix-jobs`: rename repositories by prefix, every tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemotePrefixRequest {
    pub repositories: Vec<String>,
    /// `add` when absent or `null`, as the original defaulted.
    #[serde(default = "PrefixMode::add", deserialize_with = "super::nulls::or_add")]
    pub prefix_mode: PrefixMode,
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub prefix_value: String,
    /// Delete the old tags once every new tag is verified.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub cleanup_source_tag: bool,
    /// Copy into another registry (host[:port]); defaults to ours.
    #[serde(default)]
    pub target_registry_host: Option<String>,
    /// Replace target tags that exist with another digest (otherwise: skipped as conflicts).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub overwrite: bool,
}

/// `POST /api/repository-delete-jobs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryDeleteRequest {
    pub repositories: Vec<String>,
}

/// A `gc` job item's `target`: the kind of object the sweep deletes (language-neutral, so the
/// views can count them whatever language the details are in).
pub const GC_ITEM_BLOB: &str = "blob";
pub const GC_ITEM_MANIFEST: &str = "manifest";

/// `POST /api/gc-jobs`: garbage collection. A dry run reports what would go and the bytes it
/// would free; a real run makes the registry read-only for the sweep, then restores it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcRequest {
    /// Only report; delete nothing. Absent: `false` (a REST caller confirms by sending `false`).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub dry_run: bool,
    /// Also delete manifests no tag refers to (`garbage-collect --delete-untagged`).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub delete_untagged: bool,
}

/// `POST /api/storage-scan-jobs`: scan the registry's storage usage again. Nothing to choose
/// (yet): the scan reads every repository.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageScanRequest {}

/// A job's typed request, as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRequest {
    Sync(SyncRequest),
    RemotePrefix(RemotePrefixRequest),
    RepositoryDelete(RepositoryDeleteRequest),
    LocalPush(LocalPushRequest),
    LocalDelete(LocalDeleteRequest),
    Merge(MergeRequest),
    Split(SplitRequest),
    Retention(RetentionRequest),
    Gc(GcRequest),
    StorageScan(StorageScanRequest),
}

impl JobRequest {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Sync(_) => JobKind::Sync,
            Self::RemotePrefix(_) => JobKind::RemotePrefix,
            Self::RepositoryDelete(_) => JobKind::RepositoryDelete,
            Self::LocalPush(_) => JobKind::LocalPush,
            Self::LocalDelete(_) => JobKind::LocalDelete,
            Self::Merge(_) => JobKind::Merge,
            Self::Split(_) => JobKind::Split,
            Self::Retention(_) => JobKind::Retention,
            Self::Gc(_) => JobKind::Gc,
            Self::StorageScan(_) => JobKind::StorageScan,
        }
    }
}

/// A job as listed: everything but its items and log.
///
/// `id, source_image, target_image, job_type, total_items, status, error, created_at, updated_at`
/// are the original tool's fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSummary {
    pub id: String,
    pub job_type: JobKind,
    pub status: JobStatus,
    /// What the job reads from, for people (`docker.io/library/nginx:1.27`, `3 repositories`):
    /// names verbatim, our words keyed; on the wire in the reader's language
    /// ([`JobSummary::localized`]), English in the original contract's REST answers.
    pub source_image: super::Message,
    /// What the job writes, for people (as `source_image`).
    pub target_image: super::Message,
    pub total_items: u64,
    pub progress: Progress,
    /// Why the job did not succeed: a keyed message on the server, rendered for the reader
    /// ([`JobSummary::localized`]); the original contract's `error` stays English.
    pub error: Option<super::Message>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The job whose failed items this one retries.
    pub retry_of: Option<String>,
    /// Items per status, for "3 failed" without the items.
    pub failed_items: u64,
}

#[cfg(test)]
impl JobSummary {
    /// A summary for tests: what they look at (`id`, kind, status) and fixed times.
    pub(crate) fn example(id: &str, job_type: JobKind, status: JobStatus) -> Self {
        Self {
            id: id.to_owned(),
            job_type,
            status,
            source_image: "2 repositories".into(),
            target_image: "deleted".into(),
            total_items: 2,
            progress: Progress::default(),
            error: None,
            created_at: "2026-11-26T10:00:00Z".to_owned(),
            updated_at: "2026-11-26T10:00:00Z".to_owned(),
            started_at: None,
            finished_at: None,
            retry_of: None,
            failed_items: 0,
        }
    }
}

/// A job with its request, items and log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    #[serde(flatten)]
    pub summary: JobSummary,
    pub request: JobRequest,
    pub items: Vec<JobItem>,
    pub logs: Vec<LogLine>,
    /// Lines dropped from the middle of a very long log (its start and end are kept).
    pub logs_dropped: u64,
}

/// `GET /api/sync-jobs?limit=` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobList {
    pub jobs: Vec<JobSummary>,
}

/// What the live streams send. A client (re)connecting to a job first gets `snapshot`: the whole
/// backlog, then the changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobEvent {
    Snapshot {
        job: Box<Job>,
    },
    Log {
        job_id: String,
        line: LogLine,
    },
    Item {
        job_id: String,
        index: usize,
        item: JobItem,
    },
    /// Status or progress changed.
    Summary {
        summary: JobSummary,
    },
}

#[cfg(feature = "ssr")]
impl LogLine {
    /// The line with its message rendered in `lang`.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        Self { message: self.message.localized(lang), ..self }
    }
}

#[cfg(feature = "ssr")]
impl JobSummary {
    /// The summary as `lang`'s reader sees it: labels and the failure summary in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        Self {
            source_image: self.source_image.localized(lang),
            target_image: self.target_image.localized(lang),
            error: self.error.map(|error| error.localized(lang)),
            ..self
        }
    }
}

#[cfg(feature = "ssr")]
impl Job {
    /// The job as `lang`'s reader sees it: summary, log lines and item details in that language.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        Self {
            summary: self.summary.localized(lang),
            logs: self.logs.into_iter().map(|line| line.localized(lang)).collect(),
            items: self.items.into_iter().map(|item| item.localized(lang)).collect(),
            ..self
        }
    }
}

#[cfg(feature = "ssr")]
impl JobItem {
    /// The item with its detail rendered in `lang`.
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        Self { detail: self.detail.map(|detail| detail.localized(lang)), ..self }
    }
}

#[cfg(feature = "ssr")]
impl JobEvent {
    /// The event as `lang`'s reader sees it (see [`Job::localized`]).
    pub fn localized(self, lang: crate::ui::lang::Lang) -> Self {
        match self {
            JobEvent::Snapshot { job } => JobEvent::Snapshot { job: Box::new(job.localized(lang)) },
            JobEvent::Log { job_id, line } => JobEvent::Log { job_id, line: line.localized(lang) },
            JobEvent::Item { job_id, index, item } => {
                JobEvent::Item { job_id, index, item: item.localized(lang) }
            }
            JobEvent::Summary { summary } => JobEvent::Summary { summary: summary.localized(lang) },
        }
    }
}

impl JobEvent {
    pub fn job_id(&self) -> &str {
        match self {
            Self::Snapshot { job } => &job.summary.id,
            Self::Log { job_id, .. } | Self::Item { job_id, .. } => job_id,
            Self::Summary { summary } => &summary.id,
        }
    }

    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Snapshot { .. } => "snapshot",
            Self::Log { .. } => "log",
            Self::Item { .. } => "item",
            Self::Summary { .. } => "summary",
        }
    }
}

/// What a sync would read and write, shown live while the user types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPreview {
    /// The source, normalised as Docker does (`docker.io/library/nginx:1.27`).
    pub source: String,
    /// `host/repository:tag` in our registry.
    pub target: String,
    /// The digest the source names now (`None` when it cannot be read; `source_error` says why).
    #[serde(default)]
    pub source_digest: Option<String>,
    #[serde(default)]
    pub source_error: Option<String>,
    /// The digest the target tag holds now (`None`: the tag does not exist).
    #[serde(default)]
    pub target_digest: Option<String>,
    /// The target tag holds another digest than the source's: starting needs `overwrite`.
    #[serde(default)]
    pub conflict: bool,
}

/// What a remote prefix rename would do, shown before it runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamePreview {
    pub repositories: Vec<RenamePreviewRepository>,
    /// Every problem that stops the job from starting (bad names, unknown repositories).
    pub errors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamePreviewRepository {
    pub source: String,
    pub target: String,
    pub tags: Vec<RenamePreviewTag>,
    /// The prefix rule leaves the name as it is (already prefixed, or without the prefix to
    /// remove): nothing is copied.
    #[serde(default)]
    pub unchanged: bool,
    /// Why this repository cannot be renamed (its item fails; the others go on).
    #[serde(default)]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamePreviewTag {
    pub tag: String,
    pub digest: Option<String>,
    /// The target tag exists: with the same digest (nothing to copy) or another one (a conflict).
    pub target_digest: Option<String>,
}

impl RenamePreviewTag {
    pub fn is_conflict(&self) -> bool {
        matches!((&self.digest, &self.target_digest), (Some(a), Some(b)) if a != b)
    }
}
