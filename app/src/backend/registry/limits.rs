//! How much of an answer we read, by kind. A registry (a sync source is any registry a user
//! names) may announce or stream any amount; every body is read chunk by chunk and reading stops at
//! the limit, so memory never holds more than the limit. A `Content-Length` over the limit is
//! refused before reading; one under it is not believed (the stream is still counted).
//! Blob downloads are the exception: they are streamed through, never held (`upload.rs`).

use bytes::{Bytes, BytesMut};
use url::Url;

use super::RegistryError;

/// distribution's own limit on a manifest it accepts.
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// A token response is a JWT or an opaque token in a little JSON.
pub const MAX_TOKEN_BYTES: u64 = 64 << 10;
/// An image config is read up to its descriptor's size, and never past this.
pub const MAX_CONFIG_BYTES: u64 = 8 << 20;
/// Error bodies are read up to this and the rest dropped (they are only parsed for messages).
pub const MAX_ERROR_BODY_BYTES: u64 = 64 << 10;
/// One page of `_catalog` or `tags/list`: 1000 names of up to 255 bytes fit many times over.
pub const MAX_LIST_PAGE_BYTES: u64 = 4 << 20;
/// All pages of one repository's tag list together.
pub const MAX_TAG_LIST_BYTES: u64 = 32 << 20;
/// Any other answer (to HEAD, PUT, POST, DELETE): headers matter, bodies are small or empty.
pub const MAX_OTHER_BYTES: u64 = 64 << 10;

/// What kind of body was too large, for the message that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    Manifest,
    CatalogPage,
    TagListPage,
    /// All pages of a tag list together.
    TagList,
    ImageConfig,
    TokenResponse,
    Answer,
}

impl Body {
    /// Its name, in the reader's language.
    pub fn message(self) -> crate::model::Message {
        match self {
            Self::Manifest => crate::msg!(BodyManifest),
            Self::CatalogPage => crate::msg!(BodyCatalogPage),
            Self::TagListPage => crate::msg!(BodyTagListPage),
            Self::TagList => crate::msg!(BodyTagList),
            Self::ImageConfig => crate::msg!(BodyImageConfig),
            Self::TokenResponse => crate::msg!(BodyTokenResponse),
            Self::Answer => crate::msg!(BodyAnswer),
        }
    }
}

/// Reads a whole body of at most `limit` bytes, or fails with [`RegistryError::TooLarge`] naming
/// `what` as soon as the announced length or the bytes received pass it.
pub(super) async fn read_capped(
    response: &mut reqwest::Response,
    url: &Url,
    what: Body,
    limit: u64,
) -> Result<Bytes, RegistryError> {
    let too_large = || RegistryError::TooLarge { url: url.to_string(), what, limit };
    let announced = response.content_length();
    if announced.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // The announced length is only a hint for the first allocation; it is already within limit.
    let mut body = BytesMut::with_capacity(announced.unwrap_or(0) as usize);
    while let Some(chunk) =
        response.chunk().await.map_err(|e| RegistryError::unreachable(url.as_str(), &e))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Reads at most `limit` bytes of a body and drops the rest (error bodies: what was read is
/// parsed if it can be, and a cut or failed read leaves what arrived).
pub(super) async fn read_truncated(response: &mut reqwest::Response, limit: u64) -> Bytes {
    let mut body = BytesMut::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = (limit as usize).saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if chunk.len() >= room {
            break;
        }
    }
    body.freeze()
}
