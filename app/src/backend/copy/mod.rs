//! Registry-to-registry copy: no daemon, no temporary files, digests preserved.
//!
//! The job engine calls [`copy_image`] once per image (a sync, or one tag of a rename). It reports
//! what it does through [`CopyObserver`] (log lines, bytes) and stops at the next step boundary
//! once the cancellation token fires. A tag is written last, after every blob and child manifest
//! it needs is in place, so a failed or cancelled copy never leaves a half-written tag.
//!
//! The steps, each in its own file: `plan.rs` reads the source manifest, applies the platform
//! filter and collects the child manifests and blobs; `blobs.rs` moves the blobs (skip, mount or
//! stream); `retry.rs` retries every registry request that failed transiently. Child manifests
//! are then written by digest, and the root last, by tag.

mod blobs;
mod memo;
mod plan;
mod retry;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::registry::reference::{Reference, RepositoryName, Tag};
use super::registry::{RegistryClient, RegistryError};
use crate::model::{LogLevel, Message};
pub use blobs::BLOBS_IN_FLIGHT;
use memo::TagKnown;
pub use memo::TargetMemo;
pub use plan::PlatformFilter;
use retry::{Interrupt, retry_loop};
pub use retry::{MAX_ATTEMPTS, retrying};

/// What to copy where: names already parsed by the caller (a job plan), so nothing here splits
/// or checks a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopySpec {
    pub source_repository: RepositoryName,
    /// A tag or a digest.
    pub source_reference: Reference,
    pub target_repository: RepositoryName,
    /// The tag to write last; `None` copies by digest only.
    pub target_tag: Option<Tag>,
    /// `os/arch[/variant]` to keep from an index; empty keeps every platform (byte-for-byte copy).
    pub platforms: Vec<String>,
    /// Write the tag even when it exists with another digest.
    pub overwrite: bool,
}

/// Where a copy reports to (the job's log and progress).
pub trait CopyObserver: Send + Sync {
    /// A line for the job's log: a message of ours (rendered in each reader's language) or text.
    fn log(&self, level: LogLevel, message: Message);
    /// Bytes this copy will move (learned once manifests are read); called once per blob.
    fn add_bytes_total(&self, bytes: u64);
    /// Bytes moved (or found present / mounted) so far.
    fn add_bytes_done(&self, bytes: u64);
}

/// What a finished copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyOutcome {
    /// Digest of the manifest (or index) the target tag now points to.
    pub digest: String,
    pub media_type: String,
    pub blobs_present: usize,
    pub blobs_mounted: usize,
    pub blobs_streamed: usize,
    pub bytes_streamed: u64,
    /// The target tag already pointed at this digest: nothing was written.
    pub already_present: bool,
}

/// Why a copy failed. Nothing was tagged in any case (child manifests and blobs may have been
/// written: they are unreachable without the tag, and the next copy reuses them).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A registry request failed for good (after retries, when retrying could help).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The bytes read do not hash to the digest that names them: corrupted in transit or at rest.
    #[error("blob {digest} from {url} does not match its digest (received {actual}); nothing was tagged")]
    DigestMismatch { url: String, digest: String, actual: String },
    /// A blob is not the size its descriptor says.
    #[error(
        "blob {digest} from {url} is {actual} bytes where the manifest says {expected}; nothing was tagged"
    )]
    SizeMismatch { url: String, digest: String, expected: u64, actual: u64 },
    /// The target tag points elsewhere and the spec does not allow overwriting it.
    #[error("the target tag {reference} holds {existing}, not the source's {incoming}; not overwritten")]
    Conflict { reference: String, existing: String, incoming: String },
    /// The source tag or digest does not exist.
    #[error("{reference} does not exist in the source registry")]
    NotFound { reference: String },
    /// None of the requested platforms is in the source image.
    #[error("the source has no {requested} image (it has: {available})")]
    PlatformNotFound { requested: String, available: String },
    /// The spec itself is wrong (e.g. a platform that is not `os/arch[/variant]`).
    #[error("{0}")]
    InvalidSpec(Message),
    /// Something this copy cannot carry over faithfully (a manifest of unknown shape, …).
    #[error("{0}")]
    Unsupported(Message),
    /// The job was cancelled; the target tag was not written.
    #[error("cancelled")]
    Cancelled,
}

impl CopyError {
    /// Why, in the reader's language (a registry's own reason inside stays as it is). Its English
    /// is the error's `Display`.
    pub fn message(&self) -> Message {
        use crate::msg;
        match self {
            CopyError::DigestMismatch { url, digest, actual } => {
                msg!(CopyDigestMismatch, digest, url, actual)
            }
            CopyError::SizeMismatch { url, digest, expected, actual } => {
                msg!(CopySizeMismatch, digest, url, *actual, *expected)
            }
            CopyError::Conflict { reference, existing, incoming } => {
                msg!(CopyConflict, reference, existing, incoming)
            }
            CopyError::NotFound { reference } => msg!(CopyNotFound, reference),
            CopyError::PlatformNotFound { requested, available } => {
                msg!(CopyPlatformNotFound, requested, available)
            }
            CopyError::Cancelled => msg!(CopyCancelledShort),
            CopyError::Registry(error) => error.message(),
            CopyError::InvalidSpec(message) | CopyError::Unsupported(message) => message.clone(),
        }
    }
}

/// Everything one copy works with.
pub(crate) struct Ctx<'a> {
    source: &'a RegistryClient,
    target: &'a RegistryClient,
    spec: &'a CopySpec,
    observer: &'a dyn CopyObserver,
    cancel: &'a CancellationToken,
    /// What this job's earlier copies learned about the target.
    memo: &'a TargetMemo,
    /// Same registry: blobs are mounted across repositories instead of downloaded.
    same_registry: bool,
    /// How long a streamed transfer may go without progress.
    idle_timeout: Duration,
}

impl Ctx<'_> {
    fn check_cancel(&self) -> Result<(), CopyError> {
        if self.cancel.is_cancelled() { Err(CopyError::Cancelled) } else { Ok(()) }
    }

    fn info(&self, message: impl Into<Message>) {
        self.observer.log(LogLevel::Info, message.into());
    }

    fn warn(&self, message: impl Into<Message>) {
        self.observer.log(LogLevel::Warn, message.into());
    }
}

/// Copies `spec.source_*` from `source` to `spec.target_*` on `target`.
///
/// In order: read the source manifest (and apply the platform filter); compare with the target
/// tag (same digest: done, nothing written; another digest: [`CopyError::Conflict`] unless
/// `overwrite`); move the blobs; write child manifests by digest; write the tag. Requests that
/// fail transiently are retried (up to [`MAX_ATTEMPTS`], logged as warnings). Copies of one job
/// share `memo`, so none asks what another already learned (a fresh memo makes every copy ask).
pub async fn copy_image(
    source: &RegistryClient,
    target: &RegistryClient,
    spec: &CopySpec,
    observer: &dyn CopyObserver,
    cancel: &CancellationToken,
    memo: &TargetMemo,
) -> Result<CopyOutcome, CopyError> {
    let filters = spec
        .platforms
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| PlatformFilter::parse(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CopyError::InvalidSpec)?;
    let ctx = Ctx {
        source,
        target,
        spec,
        observer,
        cancel,
        memo,
        same_registry: source.is_same_registry(target),
        idle_timeout: blobs::idle_timeout(source.request_timeout().max(target.request_timeout())),
    };
    ctx.check_cancel()?;
    let root = plan::resolve_root(&ctx, &filters).await?;
    let digest = root.write.digest.clone();
    let media_type = root.write.media_type.clone();
    let repository = &spec.target_repository;
    let reference = match &spec.target_tag {
        Some(tag) => Reference::Tag(tag.clone()),
        None => Reference::Digest(digest.clone()),
    };
    let target_name = image_name(repository, &reference);

    let what = crate::msg!(StepChecking, &target_name);
    let existing = match &spec.target_tag {
        Some(tag) if memo.tag(repository, tag) == TagKnown::Absent => None,
        _ => {
            retrying(what, observer, cancel, || async {
                match &spec.target_tag {
                    Some(tag) => target.tag_digest(repository, tag, true).await,
                    None => target.head_manifest(repository, &reference).await,
                }
            })
            .await?
        }
    };
    match existing {
        Some(existing) if existing == digest => {
            ctx.info(crate::msg!(AlreadyPointsTo, &target_name, short_digest(digest.as_str())));
            return Ok(CopyOutcome {
                digest: digest.to_string(),
                media_type,
                already_present: true,
                ..CopyOutcome::default()
            });
        }
        Some(existing) if !spec.overwrite => {
            return Err(CopyError::Conflict {
                reference: target_name,
                existing: existing.to_string(),
                incoming: digest.to_string(),
            });
        }
        // The whole digest, so the replaced image can be restored (it stays in the registry until
        // garbage collection).
        Some(existing) => ctx.warn(crate::msg!(Overwriting, &target_name, &existing, &digest)),
        None => {}
    }

    ctx.check_cancel()?;
    let plan = plan::collect(&ctx, root).await?;
    let tally = blobs::copy_blobs(&ctx, &plan.blobs).await?;
    for child in &plan.children {
        ctx.check_cancel()?;
        put_manifest(&ctx, &Reference::Digest(child.digest.clone()), child, Write::Hidden).await?;
    }
    if !plan.children.is_empty() {
        ctx.info(crate::msg!(WroteChildren, plan.children.len()));
    }
    // The last moment to stop: past this point the tag is written.
    ctx.check_cancel()?;
    put_manifest(&ctx, &reference, &plan.root, Write::Visible).await?;
    if let Some(tag) = &spec.target_tag {
        memo.tag_written(repository, tag);
    }
    ctx.info(crate::msg!(Wrote, &target_name, &digest));
    Ok(CopyOutcome {
        digest: digest.to_string(),
        media_type,
        blobs_present: tally.present,
        blobs_mounted: tally.mounted,
        blobs_streamed: tally.streamed,
        bytes_streamed: tally.bytes_streamed,
        already_present: false,
    })
}

/// What a manifest write makes visible.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    /// A child manifest by digest: unreachable until the root names it.
    Hidden,
    /// The root, under the target tag (or its digest): the copy's result.
    Visible,
}

/// How often a manifest write that names a blob the registry claims not to have is tried again.
const BLOB_UNKNOWN_RECHECKS: u32 = 3;

/// Writes a manifest's exact bytes and checks the digest the registry computed. The root's write
/// (`Write::Visible`: the tag) is never abandoned mid-request, so a cancelled copy has not
/// written it; child manifests by digest (`Write::Hidden`) may be.
async fn put_manifest(
    ctx: &Ctx<'_>,
    reference: &Reference,
    manifest: &plan::ManifestWrite,
    write: Write,
) -> Result<(), CopyError> {
    let repository = &ctx.spec.target_repository;
    let what = crate::msg!(StepWriting, image_name(repository, reference));
    let mut rechecks = 0;
    let put = || ctx.target.put_manifest(repository, reference, &manifest.media_type, manifest.raw.clone());
    let written = loop {
        let interrupt = match write {
            Write::Hidden => Interrupt::Attempt,
            Write::Visible => Interrupt::BetweenAttempts,
        };
        let result = retry_loop(&what, ctx.observer, ctx.cancel, interrupt, put).await;
        match result {
            // Every blob was confirmed in place before this write. distribution's filesystem
            // driver rewrites a blob link in place, so a copy mounting the same blob into the same
            // repository at that moment makes it look missing for an instant: look again.
            Err(CopyError::Registry(error))
                if rechecks < BLOB_UNKNOWN_RECHECKS
                    && error.codes().any(|c| c == "MANIFEST_BLOB_UNKNOWN") =>
            {
                rechecks += 1;
                ctx.observer.log(LogLevel::Warn, crate::msg!(RetryBlobNotSeen, what.clone(), &error));
                tokio::select! {
                    biased;
                    _ = ctx.cancel.cancelled() => return Err(CopyError::Cancelled),
                    _ = tokio::time::sleep(Duration::from_millis(200 * rechecks as u64)) => {}
                }
            }
            other => break other?,
        }
    };
    if written != manifest.digest {
        return Err(CopyError::DigestMismatch {
            url: format!("{}v2/{repository}/manifests/{reference}", ctx.target.base_url()),
            digest: manifest.digest.to_string(),
            actual: written.to_string(),
        });
    }
    Ok(())
}

/// `repo:tag`, or `repo@sha256:…`.
pub(crate) fn image_name(repository: &RepositoryName, reference: &Reference) -> String {
    match reference {
        Reference::Tag(tag) => format!("{repository}:{tag}"),
        Reference::Digest(digest) => format!("{repository}@{digest}"),
    }
}

/// `sha256:0123456789ab…`: enough to tell digests apart in a log line.
pub(crate) fn short_digest(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algorithm, hex)) if hex.len() > 12 => format!("{algorithm}:{}…", &hex[..12]),
        _ => digest.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::registry::reference::Digest;

    #[test]
    fn a_copy_errors_message_reads_as_its_display_in_english() {
        let (s, n) = (|t: &str| t.to_owned(), 7);
        let errors = [
            CopyError::DigestMismatch { url: s("u"), digest: s("d"), actual: s("a") },
            CopyError::SizeMismatch { url: s("u"), digest: s("d"), expected: n, actual: n + 1 },
            CopyError::Conflict { reference: s("r"), existing: s("e"), incoming: s("i") },
            CopyError::NotFound { reference: s("r") },
            CopyError::PlatformNotFound { requested: s("linux/s390x"), available: s("linux/amd64") },
            CopyError::Unsupported(crate::msg!(CopyTooManyManifests, 1000usize)),
            CopyError::InvalidSpec(crate::msg!(PlatformNotOsArch, "linux")),
            CopyError::Registry(RegistryError::DeletionDisabled { url: s("u") }),
            CopyError::Cancelled,
        ];
        for error in errors {
            assert_eq!(error.message().to_string(), error.to_string());
            assert!(error.message().code().is_some(), "{error}");
        }
    }

    #[test]
    fn log_helpers() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(short_digest(&digest), "sha256:abababababab…");
        assert_eq!(short_digest("sha256:abc"), "sha256:abc");
        let repository: RepositoryName = "a/b".parse().unwrap();
        assert_eq!(image_name(&repository, &"v1".parse().unwrap()), "a/b:v1");
        let digest = Digest::sha256(b"1");
        assert_eq!(image_name(&repository, &Reference::Digest(digest.clone())), format!("a/b@{digest}"));
    }

    // The job engine spawns copies on the runtime: the future must be Send.
    #[test]
    fn the_copy_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        struct Quiet;
        impl CopyObserver for Quiet {
            fn log(&self, _: LogLevel, _: Message) {}
            fn add_bytes_total(&self, _: u64) {}
            fn add_bytes_done(&self, _: u64) {}
        }
        let client = RegistryClient::new(crate::backend::registry::RegistryClientOptions {
            base_url: "http://127.0.0.1:1".parse().unwrap(),
            credentials: Default::default(),
            timeout: Duration::from_secs(1),
            ca_cert: None,
            insecure: false,
            outbound: Default::default(),
        })
        .unwrap();
        let spec = CopySpec {
            source_repository: "a".parse().unwrap(),
            source_reference: "v1".parse().unwrap(),
            target_repository: "b".parse().unwrap(),
            target_tag: Some("v1".parse().unwrap()),
            platforms: vec![],
            overwrite: false,
        };
        let cancel = CancellationToken::new();
        let memo = TargetMemo::new();
        let future = copy_image(&client, &client, &spec, &Quiet, &cancel, &memo);
        assert_send(&future);
    }
}
