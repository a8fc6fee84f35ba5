//! Manifests and indexes as a registry serves them: the first line is the `Content-Type` (empty:
//! none), the rest the body. `Manifest::parse` never fails and never panics; what it cannot read
//! is `Unknown` with a reason, and sizes never overflow.
#![no_main]

use app::backend::registry::Manifest;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|b| *b == b'\n') {
        Some(end) => (std::str::from_utf8(&data[..end]).ok(), &data[end + 1..]),
        None => (None, data),
    };
    let content_type = content_type.filter(|c| !c.is_empty());
    let manifest = Manifest::parse("sha256:fuzz".to_owned(), content_type, Bytes::copy_from_slice(body));
    assert_eq!(manifest.raw.as_ref(), body);
    let _ = manifest.image_size();
    let _ = manifest.platform_entries().count();
    for descriptor in manifest.manifests.iter().chain(&manifest.layers).chain(manifest.config.as_ref()) {
        let _ = descriptor.is_attestation();
    }
    let _ = manifest.media_type.is_index();
    let _ = manifest.media_type.is_image_manifest();
});
