//! Following a push or pull to its end: what moved, per-layer bytes handed to the caller as they
//! move, and an early stop when the caller cancels.

use std::collections::BTreeMap;

use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::DockerError;
use super::transfer::{LayerBytes, Transfer, TransferEvent};
use crate::format::bytes as size;

/// What a push or pull moved.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// The manifest digest the daemon reported (push), if it did.
    pub digest: Option<String>,
    pub layers_moved: usize,
    pub layers_present: usize,
    pub bytes: u64,
}

impl Moved {
    /// `pushed 2 layers (20.0 MB), 1 already present`, in the reader's language.
    pub fn pushed(&self) -> crate::model::Message {
        crate::msg!(LayersPushed, self.layers_moved, size(self.bytes), self.layers_present)
    }

    /// `pulled 2 layers (20.0 MB), 1 already present`, in the reader's language.
    pub fn pulled(&self) -> crate::model::Message {
        crate::msg!(LayersPulled, self.layers_moved, size(self.bytes), self.layers_present)
    }
}

/// Why a transfer was not followed to its end.
#[derive(Debug)]
pub enum FollowError {
    /// `cancel` fired; the stream was dropped, which makes the daemon stop too.
    Cancelled,
    /// The daemon reported an error, in its stream or by dropping it.
    Docker(DockerError),
}

/// Reads `transfer` to its end. `on_bytes(total added, done added)` is called as layers move (see
/// [`LayerBytes`]: each byte counts once, whatever the daemon repeats).
pub async fn follow(
    mut transfer: Transfer,
    cancel: &CancellationToken,
    mut on_bytes: impl FnMut(u64, u64),
) -> Result<Moved, FollowError> {
    let mut bytes = LayerBytes::default();
    let mut moved = Moved::default();
    // Layer id → whether it moved (`true`) or the other side had it (`false`).
    let mut finished: BTreeMap<String, bool> = BTreeMap::new();
    loop {
        let event = tokio::select! {
            event = transfer.next() => event,
            () = cancel.cancelled() => return Err(FollowError::Cancelled),
        };
        let Some(event) = event else { break };
        let event = event.map_err(FollowError::Docker)?;
        let (total, done) = bytes.update(&event);
        if total > 0 || done > 0 {
            on_bytes(total, done);
        }
        match &event {
            TransferEvent::Digest(digest) => moved.digest = Some(digest.clone()),
            TransferEvent::Layer { id, status, .. } => match status.as_str() {
                "Pushed" | "Pull complete" | "Download complete" => {
                    finished.insert(id.clone(), true);
                }
                "Layer already exists" | "Already exists" => {
                    finished.insert(id.clone(), false);
                }
                _ => {}
            },
            TransferEvent::Status(_) => {}
        }
    }
    moved.layers_moved = finished.values().filter(|m| **m).count();
    moved.layers_present = finished.values().filter(|m| !**m).count();
    moved.bytes = bytes.total();
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(id: &str, status: &str, current: Option<u64>, total: Option<u64>) -> TransferEvent {
        TransferEvent::Layer { id: id.into(), status: status.into(), current, total }
    }

    fn transfer(events: Vec<Result<TransferEvent, DockerError>>) -> Transfer {
        Box::pin(futures::stream::iter(events))
    }

    #[tokio::test]
    async fn a_push_is_followed_to_its_digest_counting_each_layer_once() {
        let events = vec![
            Ok(TransferEvent::Status("The push refers to repository [127.0.0.1:5000/app]".into())),
            Ok(layer("a", "Pushing", Some(100), Some(1000))),
            Ok(layer("a", "Pushed", None, None)),
            Ok(layer("b", "Layer already exists", None, None)),
            Ok(TransferEvent::Digest("sha256:abc".into())),
        ];
        let mut seen = (0, 0);
        let moved = follow(transfer(events), &CancellationToken::new(), |total, done| {
            seen = (seen.0 + total, seen.1 + done);
        })
        .await
        .unwrap();
        assert_eq!(
            moved,
            Moved { digest: Some("sha256:abc".into()), layers_moved: 1, layers_present: 1, bytes: 1000 }
        );
        assert_eq!(seen, (1000, 1000));
        assert_eq!(moved.pushed().to_string(), "pushed 1 layers (1000 B), 1 already present");
    }

    #[tokio::test]
    async fn a_daemon_error_or_a_cancel_stops_the_follow() {
        let failed = vec![Err(DockerError::Transfer {
            action: crate::backend::docker::DockerAction::Push("a".into()),
            message: "denied".into(),
        })];
        let error = follow(transfer(failed), &CancellationToken::new(), |_, _| {}).await.unwrap_err();
        assert!(matches!(error, FollowError::Docker(DockerError::Transfer { .. })), "{error:?}");
        let cancel = CancellationToken::new();
        cancel.cancel();
        let endless: Transfer = Box::pin(futures::stream::pending());
        assert!(matches!(follow(endless, &cancel, |_, _| {}).await, Err(FollowError::Cancelled)));
    }
}
