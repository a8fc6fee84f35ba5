//! Typed structs shared by the UI, the server functions, the REST API and the backend.

mod auth;
mod error;
mod health;
mod jobs;
mod local;
mod message;
mod multiarch;
mod nulls;
mod original;
mod permission;
mod registry;
mod retention;
mod retry;
mod storage;

pub use auth::{
    AuditEntry, AuditList, AuditOutcome, AuditQuery, CreatedToken, Me, Role, TokenInfo, TokenList, UserInfo,
    UserList,
};
pub use error::AppError;
#[cfg(feature = "ssr")]
pub use error::Localizable;
pub use health::{Health, HealthView, PublicHealth, RegistryAuthMode, UiConfig};
pub use jobs::{
    GC_ITEM_BLOB, GC_ITEM_MANIFEST, GcRequest, ItemStatus, Job, JobEvent, JobItem, JobKind, JobList,
    JobRequest, JobStatus, JobSummary, LogLevel, LogLine, Progress, RemotePrefixRequest, RenamePreview,
    RenamePreviewRepository, RenamePreviewTag, RepositoryDeleteRequest, StorageScanRequest, SyncEngine,
    SyncPreview, SyncRequest,
};
pub use local::{
    LocalDeletePreview, LocalDeletePreviewImage, LocalDeleteRequest, LocalImage, LocalImageList,
    LocalPushPreview, LocalPushPreviewItem, LocalPushRequest,
};
pub use message::Message;
pub use multiarch::{
    DEFAULT_ARCH_SUFFIXES, MergeChild, MergeConflict, MergeGroupPreview, MergePreview, MergeRequest,
    SplitRequest,
};
pub use original::{LIST_LOG_LINES, original_job, original_summary};
#[cfg(feature = "ssr")]
pub use original::{original_job_in, original_summary_in};
pub use permission::Operation;
pub use registry::{
    DeleteRepositoryResult, DeleteScope, DeleteTagResult, HistoryStep, ImageConfigSummary, ImageDetail,
    LayerInfo, ManifestKind, Platform, PlatformSize, RepositoryPage, RepositorySummary, TagDetail, TagList,
    TagSort, TagSummary,
};
pub use retention::{
    RetentionJobRequest, RetentionPolicy, RetentionPolicyList, RetentionPolicySpec, RetentionRequest,
};
pub use storage::{EmptyRepositoryRemoved, RepositoryStorage, RepositoryUsage, StorageUsage, TagUsage};
