//! `Link` headers of catalog and tag-list pages: no input panics, and the `next` target found is
//! a piece of the header itself.
#![no_main]

use app::backend::registry::next_link;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    if let Some(target) = next_link(header) {
        assert!(header.contains(target), "{header:?} → {target:?}");
        assert!(!target.contains(','), "{header:?} → {target:?}");
    }
});
