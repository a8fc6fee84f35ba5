//! Moving the blobs of one copy: skip what the target has, mount within one registry, stream
//! between registries.
//!
//! A streamed blob flows from the source's `GET` into the target's `PUT` through a small channel
//! (a few chunks), so memory stays bounded whatever the blob size, and at most
//! [`BLOBS_IN_FLIGHT`] blobs move at once. Its sha256 and size are checked on the way: the chunk
//! that completes the blob is held back until the digest is verified, so a registry never
//! receives a whole blob that does not match (the upload is aborted instead, and nothing is
//! committed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt, TryStreamExt};
use sha2::{Digest as _, Sha256};

use super::plan::Blob;
use super::retry::{retrying, seconds};
use super::{CopyError, Ctx, short_digest};
use crate::backend::registry::{BlobDownload, MountOutcome, RegistryError, UploadSession};
use crate::format::bytes as size;

/// Blobs moved at the same time by one copy.
pub const BLOBS_IN_FLIGHT: usize = 4;
/// Chunks buffered between a download and its upload.
const CHANNEL_CHUNKS: usize = 4;
/// Progress is reported in steps of at least this many bytes (and at the end of each blob).
const REPORT_STEP: u64 = 1 << 20;

/// How one blob got to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Moved {
    Present,
    Mounted,
    Streamed,
}

/// What happened to the blobs of one copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct BlobTally {
    pub present: usize,
    pub mounted: usize,
    pub streamed: usize,
    pub bytes_present: u64,
    pub bytes_mounted: u64,
    pub bytes_streamed: u64,
}

/// Moves every blob in `blobs` to the target, [`BLOBS_IN_FLIGHT`] at a time; the first failure
/// stops the others (their uploads are aborted mid-body).
pub(super) async fn copy_blobs(ctx: &Ctx<'_>, blobs: &[Blob]) -> Result<BlobTally, CopyError> {
    for blob in blobs {
        ctx.observer.add_bytes_total(blob.size);
    }
    // Owned blobs: a closure over borrowed ones makes the future not `Send` (a known
    // limitation of higher-ranked lifetimes in async closures).
    let work = futures::stream::iter(blobs.to_vec())
        .map(|blob| async move { copy_blob(ctx, &blob).await.map(|moved| (blob.size, moved)) })
        .buffer_unordered(BLOBS_IN_FLIGHT)
        .try_collect::<Vec<_>>();
    let moved = tokio::select! {
        biased;
        _ = ctx.cancel.cancelled() => return Err(CopyError::Cancelled),
        moved = work => moved?,
    };
    let mut tally = BlobTally::default();
    for (size, moved) in moved {
        let (blobs, bytes) = match moved {
            Moved::Present => (&mut tally.present, &mut tally.bytes_present),
            Moved::Mounted => (&mut tally.mounted, &mut tally.bytes_mounted),
            Moved::Streamed => (&mut tally.streamed, &mut tally.bytes_streamed),
        };
        *blobs += 1;
        *bytes += size;
    }
    if tally.present > 0 {
        ctx.info(crate::msg!(
            BlobsAlreadyIn,
            blob_count(tally.present),
            &ctx.spec.target_repository,
            size(tally.bytes_present)
        ));
    }
    if tally.mounted > 0 {
        ctx.info(crate::msg!(
            BlobsMounted,
            blob_count(tally.mounted),
            &ctx.spec.source_repository,
            size(tally.bytes_mounted)
        ));
    }
    Ok(tally)
}

/// "1 blob", "3 blobs" in the reader's language.
fn blob_count(n: usize) -> crate::model::Message {
    if n == 1 { crate::msg!(OneBlob) } else { crate::msg!(Blobs, n) }
}

async fn copy_blob(ctx: &Ctx<'_>, blob: &Blob) -> Result<Moved, CopyError> {
    let to = &ctx.spec.target_repository;
    if ctx.memo.has_blob(to, &blob.digest) {
        ctx.observer.add_bytes_done(blob.size);
        return Ok(Moved::Present);
    }
    let moved = move_blob(ctx, blob).await?;
    ctx.memo.blob_in_place(to, &blob.digest);
    Ok(moved)
}

async fn move_blob(ctx: &Ctx<'_>, blob: &Blob) -> Result<Moved, CopyError> {
    let (from, to) = (&ctx.spec.source_repository, &ctx.spec.target_repository);
    let short = short_digest(blob.digest.as_str());
    let is_present = || async {
        let what = crate::msg!(StepCheckingBlobIn, &short, to);
        retrying(what, ctx.observer, ctx.cancel, || ctx.target.blob_size(to, &blob.digest))
            .await
            .map(|size| size.is_some())
    };
    let mut session = None;
    if ctx.same_registry && from != to {
        // Within one registry the mount itself answers whether the blob is there (201 whether it
        // was linked just now or already was), so no HEAD goes first.
        let what = crate::msg!(StepMountingBlobFrom, &short, from);
        match retrying(what, ctx.observer, ctx.cancel, || ctx.target.mount_blob(to, from, &blob.digest))
            .await?
        {
            MountOutcome::Mounted => {
                ctx.observer.add_bytes_done(blob.size);
                return Ok(Moved::Mounted);
            }
            // Not mountable (e.g. our token may not read `from`): the target may still have it;
            // otherwise copy through the session the registry opened.
            MountOutcome::Upload(upload) => {
                if is_present().await? {
                    let _ = ctx.target.cancel_upload(&upload).await;
                    ctx.observer.add_bytes_done(blob.size);
                    return Ok(Moved::Present);
                }
                session = Some(upload);
            }
        }
    } else if is_present().await? {
        ctx.observer.add_bytes_done(blob.size);
        return Ok(Moved::Present);
    }
    if !blob.digest.as_str().starts_with("sha256:") {
        if let Some(session) = &session {
            let _ = ctx.target.cancel_upload(session).await;
        }
        return Err(CopyError::Unsupported(crate::msg!(CopyDigestAlgorithm, &blob.digest)));
    }
    // The bytes already reported as done, across attempts: a retried blob is not counted twice.
    let reported = AtomicU64::new(0);
    let what = crate::msg!(StepCopyingBlob, &short);
    retrying(what, ctx.observer, ctx.cancel, || {
        let session = session.take();
        stream_attempt(ctx, blob, session, &reported)
    })
    .await?;
    ctx.info(crate::msg!(Streamed, &short, size(blob.size)));
    Ok(Moved::Streamed)
}

/// One attempt at streaming a blob, in an upload session of its own (a fresh one unless the
/// registry opened one when it could not mount); a failed attempt cancels its session.
async fn stream_attempt(
    ctx: &Ctx<'_>,
    blob: &Blob,
    session: Option<UploadSession>,
    reported: &AtomicU64,
) -> Result<(), CopyError> {
    let session = match session {
        Some(session) => session,
        None => ctx.target.start_upload(&ctx.spec.target_repository).await?,
    };
    let result = transfer(ctx, blob, &session, reported).await;
    if result.is_err() && !ctx.cancel.is_cancelled() {
        // Best effort: without it the registry keeps the partial upload until it purges it.
        if let Err(error) = ctx.target.cancel_upload(&session).await {
            tracing::debug!(%error, "could not cancel an abandoned upload");
        }
    }
    result
}

/// What the pump saw of the upload side.
enum Pumped {
    /// Every byte was handed to the upload.
    Complete,
    /// The upload stopped taking bytes (its request ended, with an answer or an error).
    UploadStopped,
}

async fn transfer(
    ctx: &Ctx<'_>,
    blob: &Blob,
    session: &UploadSession,
    reported: &AtomicU64,
) -> Result<(), CopyError> {
    let download = ctx.source.get_blob(&ctx.spec.source_repository, &blob.digest).await?;
    if let Some(length) = download.content_length()
        && length != blob.size
    {
        return Err(CopyError::SizeMismatch {
            url: download.url().to_string(),
            digest: blob.digest.to_string(),
            expected: blob.size,
            actual: length,
        });
    }
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_CHUNKS);
    let upload = ctx.target.finish_upload(session, &blob.digest, blob.size, receiver);
    let pump = pump(ctx, blob, download, sender, reported);
    let (pumped, uploaded) = tokio::join!(pump, upload);
    // A failed pump is the cause of whatever the upload then reports (an aborted body).
    match pumped? {
        Pumped::Complete => Ok(uploaded?),
        Pumped::UploadStopped => Err(uploaded.err().unwrap_or_else(|| RegistryError::Protocol {
            url: session.location().to_string(),
            reason: crate::msg!(BlobAcceptedEarly),
        }))?,
    }
}

/// Reads the download chunk by chunk into the upload's channel, hashing, counting and reporting
/// progress; stops at cancellation, at a stall longer than the idle timeout, or at a mismatch.
async fn pump(
    ctx: &Ctx<'_>,
    blob: &Blob,
    mut download: BlobDownload,
    mut sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    reported: &AtomicU64,
) -> Result<Pumped, CopyError> {
    let idle = ctx.idle_timeout;
    let url = download.url().to_string();
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut verified = false;
    loop {
        let next = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Err(abort(&mut sender, CopyError::Cancelled)),
            next = tokio::time::timeout(idle, download.chunk()) => next,
        };
        let chunk = match next {
            Err(_) => {
                let reason = crate::msg!(BlobNoDataAfter, seconds(idle), received, blob.size);
                return Err(abort(&mut sender, RegistryError::Unreachable { url, reason }.into()));
            }
            Ok(Err(error)) => return Err(abort(&mut sender, broken(error, received, blob.size).into())),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        received += chunk.len() as u64;
        if received > blob.size {
            return Err(abort(&mut sender, size_mismatch(url, blob, received)));
        }
        hasher.update(&chunk);
        if received == blob.size {
            // Hold the last chunk back until the digest is known to match.
            verify(&url, blob, &mut hasher).map_err(|error| abort(&mut sender, error))?;
            verified = true;
        }
        let sent = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Err(abort(&mut sender, CopyError::Cancelled)),
            sent = tokio::time::timeout(idle, sender.send(Ok(chunk))) => sent,
        };
        match sent {
            Err(_) => {
                let reason = crate::msg!(BlobRegistryTookNoData, seconds(idle));
                let url = ctx.target.base_url().to_string();
                return Err(abort(&mut sender, RegistryError::Unreachable { url, reason }.into()));
            }
            Ok(Err(_)) => return Ok(Pumped::UploadStopped),
            Ok(Ok(())) => {}
        }
        let done = reported.load(Ordering::Relaxed);
        if received > done && (received - done >= REPORT_STEP || received == blob.size) {
            ctx.observer.add_bytes_done(received - done);
            reported.store(received, Ordering::Relaxed);
        }
    }
    if received < blob.size {
        return Err(abort(&mut sender, size_mismatch(url, blob, received)));
    }
    if !verified {
        // An empty blob: nothing was held back, nothing was sent.
        verify(&url, blob, &mut hasher).map_err(|error| abort(&mut sender, error))?;
    }
    Ok(Pumped::Complete)
}

fn verify(url: &str, blob: &Blob, hasher: &mut Sha256) -> Result<(), CopyError> {
    let actual = format!("sha256:{}", hex::encode(hasher.finalize_reset()));
    if blob.digest == actual.as_str() {
        Ok(())
    } else {
        Err(CopyError::DigestMismatch { url: url.to_owned(), digest: blob.digest.to_string(), actual })
    }
}

/// Fails the upload body so the request is aborted before its end (the registry then commits
/// nothing), and hands back `error`.
fn abort(sender: &mut mpsc::Sender<Result<Bytes, std::io::Error>>, error: CopyError) -> CopyError {
    let _ = sender.try_send(Err(std::io::Error::other(format!("copy aborted: {error}"))));
    sender.close_channel();
    error
}

/// A download cut mid-body says how far it got; it stays retryable.
fn broken(error: RegistryError, received: u64, size: u64) -> RegistryError {
    match error {
        RegistryError::Unreachable { url, reason } => {
            RegistryError::Unreachable { url, reason: crate::msg!(BlobDownloadBroke, received, size, reason) }
        }
        other => other,
    }
}

/// How long a transfer may go without progress before it counts as broken.
pub(super) fn idle_timeout(request_timeout: Duration) -> Duration {
    request_timeout.max(Duration::from_secs(10))
}

/// The source sent more or fewer bytes than the descriptor says.
fn size_mismatch(url: String, blob: &Blob, actual: u64) -> CopyError {
    CopyError::SizeMismatch { url, digest: blob.digest.to_string(), expected: blob.size, actual }
}
