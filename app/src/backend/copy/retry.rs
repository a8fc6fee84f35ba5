//! Retries with exponential backoff for transient registry failures: 408, 429 and 5xx answers,
//! connection resets and timeouts. A `Retry-After` the registry sent is honoured; every retry is
//! logged to the job, and the wait ends early when the copy is cancelled.
//!
//! Hand-written rather than `backon` or `tokio-retry`: what varies here is not the schedule (a
//! doubling is one line, [`backoff`]) but the step around it — the delay chosen by the error
//! (`Retry-After`, or none for an error retrying cannot help), a keyed job log line per retry in
//! the reader's language, and a wait that a cancel ends at once. With a crate those would be
//! three callbacks around its builder: no fewer lines, one more dependency.

use std::future::Future;
use std::time::Duration;

use super::{CopyError, CopyObserver};
use crate::model::{LogLevel, Message};

/// Attempts per request, the first one included.
pub const MAX_ATTEMPTS: u32 = 5;
/// The wait after the first failure; it doubles after each further one.
const BASE_DELAY: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A longer `Retry-After` is cut to this: a job should rather fail visibly than sleep for hours.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// How long to wait after attempt `attempt` (1-based) failed with `error`, or `None` when trying
/// again cannot help or the attempts are used up.
pub(super) fn retry_delay(error: &CopyError, attempt: u32) -> Option<Duration> {
    let CopyError::Registry(error) = error else {
        return None;
    };
    if !error.is_retryable() || attempt >= MAX_ATTEMPTS {
        return None;
    }
    Some(match error.retry_after() {
        Some(after) => after.min(MAX_RETRY_AFTER),
        None => backoff(attempt),
    })
}

/// 0.5 s after the first failure, then 1 s, 2 s, 4 s …, at most [`MAX_BACKOFF`].
fn backoff(attempt: u32) -> Duration {
    BASE_DELAY.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF)
}

/// `1s`, `0.5s`, `2.5s`.
pub(super) fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

/// Runs `attempt` until it succeeds, fails for good, or [`MAX_ATTEMPTS`] are used up; `what`
/// names the step in the log ("copying blob sha256:ab…"). A request body is rebuilt by each call,
/// so streamed transfers start from scratch on every attempt. Cancelling abandons the attempt in
/// flight at once (a registry that stopped answering cannot hold a cancelled job): use it for
/// every step before the tag is written, which a dropped request cannot leave half-done.
pub async fn retrying<T, E, F, Fut>(
    what: impl Into<Message>,
    observer: &dyn CopyObserver,
    cancel: &tokio_util::sync::CancellationToken,
    attempt: F,
) -> Result<T, CopyError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<CopyError>,
{
    retry_loop(&what.into(), observer, cancel, Interrupt::Attempt, attempt).await
}

/// Where a cancellation may stop a retried step.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Interrupt {
    /// Mid-request too.
    Attempt,
    /// Only before an attempt and during the wait between two: for the write that makes a copy
    /// visible (the tag), so that an attempt once sent runs to its answer and "cancelled" always
    /// means "not written".
    BetweenAttempts,
}

/// [`retrying`], with the cancellation point chosen.
pub(super) async fn retry_loop<T, E, F, Fut>(
    what: &Message,
    observer: &dyn CopyObserver,
    cancel: &tokio_util::sync::CancellationToken,
    interrupt: Interrupt,
    mut attempt: F,
) -> Result<T, CopyError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<CopyError>,
{
    let mut number = 1;
    loop {
        if cancel.is_cancelled() {
            return Err(CopyError::Cancelled);
        }
        let result = match interrupt {
            Interrupt::Attempt => tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(CopyError::Cancelled),
                result = attempt() => result,
            },
            Interrupt::BetweenAttempts => attempt().await,
        };
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error.into(),
        };
        let Some(delay) = retry_delay(&error, number) else {
            if number > 1 && !matches!(error, CopyError::Cancelled) {
                observer.log(LogLevel::Warn, crate::msg!(RetryFailedAfter, what.clone(), number));
            }
            return Err(error);
        };
        number += 1;
        observer.log(
            LogLevel::Warn,
            crate::msg!(RetryRetrying, what.clone(), error.message(), seconds(delay), number, MAX_ATTEMPTS),
        );
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return Err(CopyError::Cancelled),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::backend::registry::{OciErrorBody, RegistryError};

    fn status(status: u16) -> CopyError {
        CopyError::Registry(RegistryError::Status { url: "u".into(), status, body: OciErrorBody::default() })
    }

    fn retry_later(seconds: u64) -> CopyError {
        CopyError::Registry(RegistryError::RetryLater {
            url: "u".into(),
            status: 429,
            retry_after: Duration::from_secs(seconds),
            body: OciErrorBody::default(),
        })
    }

    #[test]
    fn transient_failures_back_off_exponentially_until_the_attempts_are_used_up() {
        let delays: Vec<_> = (1..=MAX_ATTEMPTS).map(|attempt| retry_delay(&status(503), attempt)).collect();
        let secs = |s: f64| Some(Duration::from_secs_f64(s));
        assert_eq!(delays, [secs(0.5), secs(1.0), secs(2.0), secs(4.0), None]);
        assert_eq!(backoff(12), MAX_BACKOFF);
        let reset =
            CopyError::Registry(RegistryError::Unreachable { url: "u".into(), reason: "reset".into() });
        assert_eq!(retry_delay(&reset, 1), secs(0.5));
        assert_eq!(retry_delay(&status(408), 2), secs(1.0));
    }

    #[test]
    fn retry_after_wins_over_backoff_within_a_bound() {
        assert_eq!(retry_delay(&retry_later(3), 1), Some(Duration::from_secs(3)));
        assert_eq!(retry_delay(&retry_later(0), 4), Some(Duration::ZERO));
        assert_eq!(retry_delay(&retry_later(86_400), 1), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_delay(&retry_later(1), MAX_ATTEMPTS), None);
    }

    #[test]
    fn permanent_failures_are_not_retried() {
        for error in [
            status(400),
            status(401),
            status(404),
            CopyError::Cancelled,
            CopyError::DigestMismatch {
                url: "u".into(),
                digest: "sha256:a".into(),
                actual: "sha256:b".into(),
            },
            CopyError::Conflict {
                reference: "r:t".into(),
                existing: "sha256:a".into(),
                incoming: "sha256:b".into(),
            },
        ] {
            assert_eq!(retry_delay(&error, 1), None, "{error}");
        }
    }

    #[test]
    fn delays_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(1)), "1s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5s");
        assert_eq!(seconds(Duration::from_millis(2500)), "2.5s");
    }

    #[derive(Default)]
    struct Log(Mutex<Vec<(LogLevel, String)>>);

    impl CopyObserver for Log {
        fn log(&self, level: LogLevel, message: crate::model::Message) {
            self.0.lock().unwrap().push((level, message.to_string()));
        }
        fn add_bytes_total(&self, _: u64) {}
        fn add_bytes_done(&self, _: u64) {}
    }

    // Retry-After: 0 keeps these tests fast; the delays themselves are checked above.
    #[tokio::test]
    async fn each_retry_is_logged_and_the_last_error_returned() {
        let log = Log::default();
        let cancel = tokio_util::sync::CancellationToken::new();
        let mut calls = 0;
        let result: Result<(), CopyError> = retrying("fetching x", &log, &cancel, || {
            calls += 1;
            async { Err(retry_later(0)) }
        })
        .await;
        assert!(matches!(result, Err(CopyError::Registry(RegistryError::RetryLater { status: 429, .. }))));
        assert_eq!(calls, MAX_ATTEMPTS);
        let log = log.0.into_inner().unwrap();
        assert_eq!(log.len(), MAX_ATTEMPTS as usize);
        assert!(log[0].1.starts_with("fetching x failed: the registry at u answered HTTP 429"), "{log:?}");
        assert!(log[0].1.ends_with("retrying in 0s (attempt 2/5)"), "{log:?}");
        assert!(log[3].1.ends_with("(attempt 5/5)"), "{log:?}");
        assert_eq!(log[4], (LogLevel::Warn, "fetching x failed after 5 attempts".to_owned()));
    }

    #[tokio::test]
    async fn a_retry_succeeds_and_cancelling_ends_the_wait() {
        let log = Log::default();
        let cancel = tokio_util::sync::CancellationToken::new();
        let mut calls = 0;
        let value = retrying("x", &log, &cancel, || {
            calls += 1;
            let result = if calls == 1 { Err(retry_later(0)) } else { Ok(calls) };
            async move { result }
        })
        .await
        .unwrap();
        assert_eq!(value, 2);
        assert_eq!(log.0.lock().unwrap().len(), 1);

        let started = std::time::Instant::now();
        let canceller = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            canceller.cancel();
        });
        let result: Result<(), CopyError> =
            retrying("x", &log, &cancel, || async { Err(retry_later(60)) }).await;
        assert!(matches!(result, Err(CopyError::Cancelled)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    // A request that never answers: cancelling abandons it, unless it is the tag write, which
    // runs to its answer (here: 200 ms) so that "cancelled" means "not written".
    #[tokio::test]
    async fn cancelling_abandons_an_attempt_in_flight_but_not_the_tag_write() {
        let log = Log::default();
        let cancel = tokio_util::sync::CancellationToken::new();
        let canceller = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            canceller.cancel();
        });
        let started = std::time::Instant::now();
        let result: Result<(), CopyError> =
            retrying("x", &log, &cancel, std::future::pending::<Result<(), CopyError>>).await;
        assert!(matches!(result, Err(CopyError::Cancelled)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(5));

        let finished = std::sync::atomic::AtomicBool::new(false);
        let cancel = tokio_util::sync::CancellationToken::new();
        let canceller = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            canceller.cancel();
        });
        let written =
            retry_loop(&Message::from("writing t"), &log, &cancel, Interrupt::BetweenAttempts, || async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                finished.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, CopyError>("sha256:a")
            })
            .await;
        assert_eq!(written.unwrap(), "sha256:a");
        assert!(finished.into_inner());
        // Once cancelled, no further attempt starts.
        let result: Result<(), CopyError> =
            retry_loop(&Message::from("writing t"), &log, &cancel, Interrupt::BetweenAttempts, || async {
                panic!("an attempt started") as Result<(), CopyError>
            })
            .await;
        assert!(matches!(result, Err(CopyError::Cancelled)), "{result:?}");
    }
}
