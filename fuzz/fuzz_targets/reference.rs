//! Image references and their parts (`RepositoryName`, `Tag`, `Digest`, `Reference`,
//! `ImageReference`): no input panics, and whatever parses prints back to something that parses
//! to the same value (the app prints references into URLs, logs and job records and reads them
//! back).
#![no_main]

use std::fmt::Debug;
use std::str::FromStr;

use app::backend::registry::reference::{Digest, ImageReference, Reference, RepositoryName, Tag};
use libfuzzer_sys::fuzz_target;

fn round_trip<T: FromStr + ToString + PartialEq + Debug>(input: &str) {
    if let Ok(value) = input.parse::<T>() {
        let printed = value.to_string();
        match printed.parse::<T>() {
            Ok(again) => assert_eq!(again, value, "{input:?} printed as {printed:?}"),
            Err(_) => panic!("{input:?} parsed, but its printed form {printed:?} does not"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    round_trip::<RepositoryName>(input);
    round_trip::<Tag>(input);
    round_trip::<Digest>(input);
    round_trip::<Reference>(input);
    round_trip::<ImageReference>(input);
    if let Some((host, path)) = input.split_once('\n') {
        let _ = ImageReference::on_host(host, path);
    }
});
