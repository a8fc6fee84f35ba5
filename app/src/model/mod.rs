//! Typed structs shared by the UI, the server functions, the REST API and the backend.

mod error;
mod health;
mod jobs;
mod local;
mod registry;

pub use error::AppError;
pub use health::{Health, RegistryAuthMode, UiConfig};
pub use jobs::{
    ItemStatus, Job, JobEvent, JobItem, JobKind, JobList, JobRequest, JobStatus, JobSummary, LogLevel,
    LogLine, Progress, RemotePrefixRequest, RenamePreview, RenamePreviewRepository, RenamePreviewTag,
    RepositoryDeleteRequest, SyncEngine, SyncPreview, SyncRequest,
};
pub use local::{
    LocalDeletePreview, LocalDeletePreviewImage, LocalDeleteRequest, LocalImage, LocalImageList,
    LocalPushPreview, LocalPushPreviewItem, LocalPushRequest,
};
pub use registry::{
    DeleteRepositoryResult, DeleteScope, DeleteTagResult, HistoryStep, ImageConfigSummary, ImageDetail,
    LayerInfo, ManifestKind, Platform, PlatformSize, RepositoryPage, RepositorySummary, TagDetail, TagList,
    TagSort, TagSummary,
};
