//! Resources read in the browser with the JSON reader server functions use.
//!
//! `Resource::new` decodes the value the server rendered into the page with `serde_json::from_str`,
//! while a server function decodes its answer with `serde_json::from_slice`: two readers, so the
//! WASM held two copies of every answer type's deserialisation code (one per reader), the largest
//! share of the pages' chunks. [`resource`] is `Resource::new` with a codec that reads the same
//! JSON through `from_slice`: one copy per type. The JSON in the page is unchanged.

use std::future::Future;

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, written by `serde_json::to_string` and read by `serde_json::from_slice` (as server
/// functions' answers are).
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

/// A resource whose server-rendered value is read with [`Json`].
pub type JsonResource<T> = Resource<T, Json>;

/// `Resource::new` with the [`Json`] codec: the value is requested when `source` changes, and on
/// the page the server rendered it is read from the HTML instead.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> JsonResource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
