//! Typed structs shared by the UI, the server functions, the REST API and the backend.

mod auth;
mod error;
mod health;
mod jobs;
mod local;
mod multiarch;
mod nulls;
mod original;
mod permission;
mod registry;
mod retry;
mod storage;

pub use auth::{
    AuditEntry, AuditList, AuditOutcome, AuditQuery, CreatedToken, Me, Role, TokenInfo, TokenList, UserInfo,
    UserList,
};
pub use error::AppError;
pub use health::{Health, HealthView, PublicHealth, RegistryAuthMode, UiConfig};
pub use jobs::{
    GcRequest, ItemStatus, Job, JobEvent, JobItem, JobKind, JobList, JobRequest, JobStatus, JobSummary,
    LogLevel, LogLine, Progress, RemotePrefixRequest, RenamePreview, RenamePreviewRepository,
    RenamePreviewTag, RepositoryDeleteRequest, SyncEngine, SyncPreview, SyncRequest,
};
pub use local::{
    LocalDeletePreview, LocalDeletePreviewImage, LocalDeleteRequest, LocalImage, LocalImageList,
    LocalPushPreview, LocalPushPreviewItem, LocalPushRequest,
};
pub use multiarch::{
    DEFAULT_ARCH_SUFFIXES, MergeChild, MergeConflict, MergeGroupPreview, MergePreview, MergeRequest,
    SplitRequest,
};
pub use original::{LIST_LOG_LINES, original_job, original_summary};
pub use permission::Operation;
pub use registry::{
    DeleteRepositoryResult, DeleteScope, DeleteTagResult, HistoryStep, ImageConfigSummary, ImageDetail,
    LayerInfo, ManifestKind, Platform, PlatformSize, RepositoryPage, RepositorySummary, TagDetail, TagList,
    TagSort, TagSummary,
};
pub use storage::{RepositoryUsage, StorageUsage};
