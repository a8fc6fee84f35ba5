//! Live streams (SSE) open per user, bounded by `MAX_STREAMS_PER_USER`. Each stream holds a task,
//! a broadcast subscriber and a connection for as long as the client keeps it open, so one user
//! (or one leaked API token) opening them in a loop must not exhaust the server.
//!
//! A stream takes a [`StreamSlot`] when it opens and carries it inside itself: the slot comes
//! free when the stream ends or is dropped (the client went away), whichever comes first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt as _};

use crate::backend::auth::principal::{Actor, Principal};
use crate::model::AppError;

/// Open streams by user, at most `per_user` each. Cheap to clone.
#[derive(Clone)]
pub struct LiveStreams {
    open: Arc<Mutex<HashMap<String, usize>>>,
    per_user: usize,
}

/// One open stream's place; gives it back on drop.
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    user: String,
}

impl LiveStreams {
    pub fn new(per_user: usize) -> Self {
        Self { open: Arc::default(), per_user: per_user.max(1) }
    }

    /// A place for one more stream of `who`, or `429` when that user already has `per_user` open.
    pub fn open(&self, who: &Principal) -> Result<StreamSlot, AppError> {
        let user = user_key(who);
        let mut open = self.open.lock().expect("live streams lock");
        let count = open.entry(user.clone()).or_default();
        if *count >= self.per_user {
            return Err(AppError::TooManyRequests(crate::msg!(
                TooManyStreams,
                &*count,
                who.actor_name(),
                self.per_user
            )));
        }
        *count += 1;
        Ok(StreamSlot { open: self.open.clone(), user })
    }

    /// How many streams `who` has open.
    pub fn count(&self, who: &Principal) -> usize {
        self.open.lock().expect("live streams lock").get(&user_key(who)).copied().unwrap_or(0)
    }
}

impl StreamSlot {
    /// `stream`, holding this slot until it ends or is dropped.
    pub fn hold<S: Stream + Send + 'static>(self, stream: S) -> impl Stream<Item = S::Item> + Send + 'static {
        stream.map(move |item| {
            // Owned by the closure, so it lives exactly as long as the stream.
            let _slot = &self;
            item
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("live streams lock");
        if let Some(count) = open.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

/// The user a stream counts against: an API token counts against its owner, so a user's tokens
/// and sessions share one allowance.
fn user_key(who: &Principal) -> String {
    match &who.actor {
        Actor::User { id, .. } | Actor::Token { owner_id: id, .. } => format!("user:{id}"),
        Actor::Local => "local".to_owned(),
        Actor::Cli => "cli".to_owned(),
        Actor::Scheduler => "scheduler".to_owned(),
        Actor::Anonymous { .. } => "anonymous".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::auth::principal::Channel;
    use crate::model::Role;

    fn user(id: i64) -> Principal {
        Principal {
            actor: Actor::User { id, username: format!("user{id}") },
            role: Some(Role::Viewer),
            client_addr: None,
            channel: Channel::Rest,
        }
    }

    fn token_of(owner_id: i64) -> Principal {
        Principal {
            actor: Actor::Token {
                public_id: "t1".into(),
                name: "ci".into(),
                owner_id,
                owner: format!("user{owner_id}"),
            },
            role: Some(Role::Viewer),
            client_addr: None,
            channel: Channel::Rest,
        }
    }

    #[test]
    fn each_user_gets_their_own_allowance_shared_with_their_tokens() {
        let streams = LiveStreams::new(2);
        let _a = streams.open(&user(1)).unwrap();
        let _b = streams.open(&token_of(1)).unwrap();
        let refused = streams.open(&user(1)).err().expect("a third stream for user 1");
        assert_eq!(refused.status_code(), 429);
        assert!(refused.to_string().contains("MAX_STREAMS_PER_USER=2"), "{refused}");
        assert!(streams.open(&token_of(1)).is_err(), "tokens count against their owner");
        let _c = streams.open(&user(2)).expect("another user is not affected");
    }

    #[test]
    fn a_slot_comes_free_when_its_stream_ends_or_is_dropped() {
        let streams = LiveStreams::new(1);
        let who = user(1);
        let held = streams.open(&who).unwrap().hold(futures::stream::iter([1, 2]));
        assert_eq!(streams.count(&who), 1);
        assert!(streams.open(&who).is_err());
        drop(held);
        assert_eq!(streams.count(&who), 0, "dropping the stream (client gone) frees the slot");

        let held = streams.open(&who).unwrap().hold(futures::stream::iter([1, 2]));
        let items: Vec<i32> = futures::executor::block_on(held.collect());
        assert_eq!(items, [1, 2], "the stream passes its items through");
        assert_eq!(streams.count(&who), 0, "a stream read to its end frees the slot");
    }
}
