//! Steps through the Docker daemon that more than one kind takes (sync with `engine: docker`, and
//! local push): following a pull or push into the job's progress, and pushing a tag then checking
//! what the registry serves under it.

use super::context::JobContext;
use super::outcome::ItemOutcome;
use crate::backend::copy::{CopyError, retrying};
use crate::backend::docker::{FollowError, Moved, RegistryAuth, Transfer, follow};
use crate::backend::registry::RegistryClient;
use crate::backend::registry::reference::ImageReference;

/// Which way a transfer through the daemon goes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Direction {
    Pull,
    Push,
}

/// Reads a pull or push to its end, its layers' bytes counted in the job's progress. A cancel
/// stops it (dropping the stream makes the daemon stop too); `what` (`the push`) names the step in
/// the item's detail.
pub(super) async fn follow_transfer(
    context: &JobContext,
    transfer: Transfer,
    what: Direction,
) -> Result<Moved, ItemOutcome> {
    follow(transfer, context.cancel_token(), |total, done| context.add_bytes(total, done)).await.map_err(
        |error| match error {
            FollowError::Cancelled => ItemOutcome::cancelled(match what {
                Direction::Pull => crate::msg!(CancelledDuringPull),
                Direction::Push => crate::msg!(CancelledDuringPush),
            }),
            FollowError::Docker(error) => error.into(),
        },
    )
}

/// Where a push goes: `target` (`host/repository:tag`), whose registry is `registry`.
pub(super) struct PushTarget<'a> {
    pub target: &'a ImageReference,
    pub registry: &'a RegistryClient,
    pub auth: Option<&'a RegistryAuth>,
}

/// Pushes a local tag through the daemon, then checks what the registry serves under it, not what
/// the daemon says it wrote. What moved, and the digest served.
pub(super) async fn push_verified(
    context: &JobContext,
    push: &PushTarget<'_>,
) -> Result<(Moved, String), ItemOutcome> {
    let target = push.target.to_string();
    let transfer = context.deps().docker.push(push.target, push.auth).await?;
    let moved = follow_transfer(context, transfer, Direction::Push);
    let (repository, reference) = (&push.target.repository, &push.target.reference);
    // The daemon wrote to the registry behind the client's back (even a push that failed half-way
    // may have): what the client and the tag count index knew of the repository is out of date.
    let moved = moved.await;
    push.registry.invalidate_repository(repository);
    let moved = moved?;
    let served = retrying(crate::msg!(StepChecking, &target), context, context.cancel_token(), || {
        push.registry.head_manifest(repository, reference)
    })
    .await
    .map_err(|error| match error {
        CopyError::Cancelled => ItemOutcome::cancelled(crate::msg!(CancelledVerifying)),
        error => ItemOutcome::failed(crate::msg!(PushedNotVerified, error.message())),
    })?;
    match (served, &moved.digest) {
        (Some(served), Some(pushed)) if served != pushed.as_str() => {
            Err(ItemOutcome::failed(crate::msg!(ServedDiffers, pushed, &served, target)))
        }
        (Some(served), _) => Ok((moved, served.to_string())),
        (None, _) => Err(ItemOutcome::failed(crate::msg!(PushedMissing, target))),
    }
}
