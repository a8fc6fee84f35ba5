//! Login throttle: slows password guessing per username and per client address, in memory.
//!
//! Five failures within a rolling minute are free (typos happen). The fifth locks the key for 30 s;
//! each further failure while the streak lasts doubles the lock, up to 15 minutes. A streak ends
//! once a whole minute passes after its lock without a failure. The username key catches
//! guessing one account from many addresses; the address key catches one address trying many
//! accounts. Success clears only the username key, so an attacker cannot reset its address by
//! logging into an account of its own. Memory is bounded: at most 10,000 keys, oldest evicted,
//! so a flood of usernames or addresses cannot grow it. Callers pass `now`, so tests need no sleeping.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const FREE_FAILURES: usize = 5;
const WINDOW: Duration = Duration::from_secs(60);
const FIRST_LOCK: Duration = Duration::from_secs(30);
const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
const MAX_KEYS: usize = 10_000;
/// Usernames longer than any real one are cut, so a key's size is bounded too.
const MAX_USERNAME_CHARS: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Addr(IpAddr),
}

fn keys(username: &str, addr: Option<IpAddr>) -> impl Iterator<Item = Key> {
    let user = username.chars().take(MAX_USERNAME_CHARS).flat_map(char::to_lowercase).collect();
    std::iter::once(Key::User(user)).chain(addr.map(Key::Addr))
}

#[derive(Debug)]
struct Entry {
    /// Failures within the last window, oldest first; no more than `FREE_FAILURES` are kept.
    failures: VecDeque<Instant>,
    /// The lock last imposed and when it ends, while the streak lasts.
    lock: Option<(Duration, Instant)>,
    last_seen: Instant,
}

impl Entry {
    fn new(now: Instant) -> Entry {
        Entry { failures: VecDeque::with_capacity(FREE_FAILURES), lock: None, last_seen: now }
    }

    fn locked_for(&self, now: Instant) -> Option<Duration> {
        let (_, until) = self.lock?;
        Some(until.saturating_duration_since(now)).filter(|wait| !wait.is_zero())
    }

    fn streak_over(&self, now: Instant) -> bool {
        self.lock.is_none_or(|(_, until)| now.saturating_duration_since(until) >= WINDOW)
    }

    fn record_failure(&mut self, now: Instant) {
        if self.streak_over(now) {
            self.lock = None;
        }
        self.failures.retain(|&at| now.saturating_duration_since(at) < WINDOW);
        self.failures.push_back(now);
        if self.failures.len() > FREE_FAILURES {
            self.failures.pop_front();
        }
        let length = match self.lock {
            Some((previous, _)) => Some((previous * 2).min(MAX_LOCK)),
            None if self.failures.len() >= FREE_FAILURES => Some(FIRST_LOCK),
            None => None,
        };
        if let Some(length) = length {
            self.lock = Some((length, now + length));
        }
        self.last_seen = now;
    }

    /// Nothing left to remember: no streak, no failure within the window.
    fn forgotten(&self, now: Instant) -> bool {
        self.streak_over(now) && self.failures.iter().all(|&at| now.saturating_duration_since(at) >= WINDOW)
    }
}

#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<Key, Entry>>,
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle::default()
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        // Every update leaves the map consistent, so a panic elsewhere does not poison it for good.
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(retry_after)`, rounded up to whole seconds, while the username or the address is locked.
    pub fn check(&self, username: &str, addr: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let entries = self.entries();
        let wait = keys(username, addr).filter_map(|key| entries.get(&key)?.locked_for(now)).max();
        match wait {
            None => Ok(()),
            Some(wait) => Err(Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))),
        }
    }

    pub fn record_failure(&self, username: &str, addr: Option<IpAddr>, now: Instant) {
        let mut entries = self.entries();
        for key in keys(username, addr) {
            if !entries.contains_key(&key) && entries.len() >= MAX_KEYS {
                make_room(&mut entries, now);
            }
            entries.entry(key).or_insert_with(|| Entry::new(now)).record_failure(now);
        }
    }

    /// Clears the username's failures after a successful login. The address keeps its own: it is
    /// taken only so both calls read alike at the call site.
    pub fn record_success(&self, username: &str, _addr: Option<IpAddr>) {
        let mut entries = self.entries();
        for key in keys(username, None) {
            entries.remove(&key);
        }
    }
}

/// Drops the entries with nothing left to remember, or failing that the least recently failed one.
fn make_room(entries: &mut HashMap<Key, Entry>, now: Instant) {
    entries.retain(|_, entry| !entry.forgotten(now));
    if entries.len() >= MAX_KEYS {
        let oldest = entries.iter().min_by_key(|(_, entry)| entry.last_seen).map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            entries.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    const OTHER_IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2)));

    /// Fails five times, one second apart from `start`; returns the time of the fifth failure.
    fn fail_five_times(throttle: &Throttle, username: &str, addr: Option<IpAddr>, start: Instant) -> Instant {
        for n in 0..5 {
            let at = start + n * SECOND;
            assert_eq!(throttle.check(username, addr, at), Ok(()), "failure {n} should be free");
            throttle.record_failure(username, addr, at);
        }
        start + 4 * SECOND
    }

    #[test]
    fn five_failures_are_free_then_the_key_locks_for_30_s() {
        let throttle = Throttle::new();
        let fifth = fail_five_times(&throttle, "ana", None, Instant::now());
        assert_eq!(throttle.check("ana", None, fifth), Err(30 * SECOND));
        // Rounded up to whole seconds.
        assert_eq!(throttle.check("ana", None, fifth + SECOND / 2), Err(30 * SECOND));
        assert_eq!(throttle.check("ana", None, fifth + 29 * SECOND), Err(SECOND));
        assert_eq!(throttle.check("ana", None, fifth + 30 * SECOND), Ok(()));
        assert_eq!(throttle.check("bob", None, fifth), Ok(()));
    }

    #[test]
    fn each_further_failure_in_the_streak_doubles_the_lock_up_to_15_minutes() {
        let throttle = Throttle::new();
        let mut now = fail_five_times(&throttle, "ana", None, Instant::now());
        let mut lock = 30 * SECOND;
        for expected in [60, 120, 240, 480, 900, 900] {
            now += lock;
            assert_eq!(throttle.check("ana", None, now), Ok(()));
            throttle.record_failure("ana", None, now);
            lock = expected * SECOND;
            assert_eq!(throttle.check("ana", None, now), Err(lock));
        }
    }

    #[test]
    fn a_minute_without_failures_after_the_lock_starts_afresh() {
        let throttle = Throttle::new();
        let fifth = fail_five_times(&throttle, "ana", None, Instant::now());
        let later = fifth + 30 * SECOND + WINDOW;
        let fifth = fail_five_times(&throttle, "ana", None, later);
        assert_eq!(throttle.check("ana", None, fifth), Err(30 * SECOND));
    }

    #[test]
    fn the_window_rolls() {
        let throttle = Throttle::new();
        let start = Instant::now();
        for seconds in [0, 20, 40, 50, 70, 75] {
            throttle.record_failure("ana", None, start + seconds * SECOND);
        }
        // At 75 s the window holds 20, 40, 50, 70 and 75: five, so locked.
        assert_eq!(throttle.check("ana", None, start + 75 * SECOND), Err(30 * SECOND));

        let throttle = Throttle::new();
        for seconds in [0, 20, 40, 50, 70] {
            throttle.record_failure("ana", None, start + seconds * SECOND);
        }
        assert_eq!(throttle.check("ana", None, start + 70 * SECOND), Ok(()));
    }

    #[test]
    fn an_address_locked_for_one_username_is_locked_for_all() {
        let throttle = Throttle::new();
        let start = Instant::now();
        for n in 0..5 {
            throttle.record_failure(&format!("user{n}"), IP, start);
        }
        assert_eq!(throttle.check("someone", IP, start), Err(30 * SECOND));
        assert_eq!(throttle.check("someone", OTHER_IP, start), Ok(()));
        assert_eq!(throttle.check("user0", OTHER_IP, start), Ok(()));
        assert_eq!(throttle.check("someone", None, start), Ok(()));
    }

    #[test]
    fn usernames_are_keyed_regardless_of_case() {
        let throttle = Throttle::new();
        let fifth = fail_five_times(&throttle, "Ana", None, Instant::now());
        assert_eq!(throttle.check("aNA", None, fifth), Err(30 * SECOND));
    }

    #[test]
    fn success_clears_the_username_but_not_the_address() {
        let throttle = Throttle::new();
        let start = Instant::now();
        for n in 0..4 {
            throttle.record_failure("ana", None, start + n * SECOND);
        }
        throttle.record_success("ANA", None);
        let fifth = fail_five_times(&throttle, "ana", None, start + 4 * SECOND);
        assert_eq!(throttle.check("ana", None, fifth), Err(30 * SECOND));
        throttle.record_success("ana", None);
        assert_eq!(throttle.check("ana", None, fifth), Ok(()));

        let throttle = Throttle::new();
        let fifth = fail_five_times(&throttle, "ana", IP, start);
        throttle.record_success("ana", IP);
        assert_eq!(throttle.check("ana", OTHER_IP, fifth), Ok(()));
        assert_eq!(throttle.check("ana", IP, fifth), Err(30 * SECOND));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_key_goes_first() {
        let throttle = Throttle::new();
        let start = Instant::now();
        for n in 0..MAX_KEYS + 10 {
            throttle.record_failure(&format!("user{n}"), None, start + Duration::from_millis(n as u64));
        }
        let entries = throttle.entries();
        assert_eq!(entries.len(), MAX_KEYS);
        assert!(!entries.contains_key(&Key::User("user0".into())));
        assert!(entries.contains_key(&Key::User(format!("user{}", MAX_KEYS + 9))));
    }

    #[test]
    fn forgotten_keys_make_room_before_live_ones() {
        let throttle = Throttle::new();
        let start = Instant::now();
        // The least recently failed key, but its streak lasts (a failure now would lock it 60 s).
        fail_five_times(&throttle, "locked", None, start);
        // Failed once, more than a minute before the map fills: nothing left to remember.
        throttle.record_failure("gone", None, start + 5 * SECOND);
        let full = start + 70 * SECOND;
        for n in 2..MAX_KEYS {
            throttle.record_failure(&format!("user{n}"), None, full);
        }
        throttle.record_failure("new", None, full);
        let entries = throttle.entries();
        assert_eq!(entries.len(), MAX_KEYS);
        assert!(!entries.contains_key(&Key::User("gone".into())));
        assert!(entries.contains_key(&Key::User("locked".into())));
    }
}
