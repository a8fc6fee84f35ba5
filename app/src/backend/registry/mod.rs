//! Client for the registry HTTP API (distribution v2 / OCI distribution spec), on reqwest.
//!
//! Split by API area, each its own `impl RegistryClient` block; transport and auth stay private:
//! `client.rs` (construction, the one request path with auth, retry on 401 and the in-flight
//! bound), `auth.rs`, `catalog.rs`, `tags.rs`, `manifests.rs`, `blobs.rs`, `delete.rs`, `cache.rs`,
//! `upload.rs` (blob checks, mounts and streamed transfers, for copies), `content.rs` (media types,
//! descriptors and the manifest model: data only, so the caches below the requests can hold it),
//! and `reference.rs` (the name, tag and digest grammar).
//!
//! `outbound.rs` is the outbound policy every client applies (which addresses, redirects, token
//! realms and `Link`s it follows, and where credentials may go); `limits.rs` caps what is read of
//! each kind of answer.
//!
//! `sources.rs` sits on top of the client: one client per registry host (ours and any other a job
//! reads from or writes to), with the credentials and scheme each host gets.

mod auth;
mod blobs;
mod cache;
mod catalog;
mod client;
mod content;
mod delete;
mod docker_config;
mod error;
mod limits;
mod manifests;
pub mod outbound;
pub mod reference;
mod sources;
mod tags;
mod upload;

pub use auth::{Challenge, Credentials};
pub use blobs::summarize_config;
pub use cache::{ChangeListener, DEFAULT_TAG_MAX_STALE, DEFAULT_TAG_TTL};
pub use catalog::{CatalogPage, REGISTRY_PAGE_LIMIT, next_link};
pub use client::{MAX_IN_FLIGHT, PingOutcome, RegistryClient, RegistryClientOptions, RegistryStats};
pub use content::{
    DOCKER_CONFIG, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, Descriptor, MANIFEST_ACCEPT, Manifest, MediaType,
    OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, PlatformJson, index_over, is_image_config, sha256_digest,
};
pub use delete::{THROWAWAY_ANNOTATION, throwaway_manifest};
pub use docker_config::DockerConfig;
pub use error::{OciErrorBody, OciErrorEntry, RegistryError, parse_retry_after};
pub use limits::{MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, MAX_TOKEN_BYTES};
pub use outbound::{HostPattern, OutboundPolicy};
pub use sources::{SourceRef, SourceRegistries, SourceSettings};
pub use upload::{BlobDownload, MountOutcome, UploadSession};
