//! `WWW-Authenticate` challenges, as any registry (or anything posing as one) may send them:
//! no input panics, and a parsed challenge names a non-empty, lower-case scheme.
#![no_main]

use app::backend::registry::Challenge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    if let Some(challenge) = Challenge::parse(header) {
        assert!(!challenge.scheme.is_empty(), "{header:?}");
        assert_eq!(challenge.scheme, challenge.scheme.to_ascii_lowercase(), "{header:?}");
        assert!(challenge.params.keys().all(|k| *k == k.to_ascii_lowercase()), "{header:?}");
        let _ = challenge.realm();
    }
});
