//! Random secrets (session ids, API tokens, public ids) and the hash they are stored under.
//!
//! Secrets are 32 bytes from the OS generator: far beyond guessing, so a fast unsalted sha256 is
//! the right hash to look them up by (a slow hash is only needed for low-entropy passwords).
//! Tokens carry an `rmt_` prefix so secret scanners and people can recognise them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

const TOKEN_PREFIX: &str = "rmt_";
/// Length of the base64url text of 32 bytes, without padding.
const SECRET_CHARS: usize = 43;

/// `N` bytes from the operating system's generator. Panics if the OS cannot provide them, as
/// Rust's own `ThreadRng` does: nothing secure can continue without randomness.
pub(super) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the OS random number generator failed");
    bytes
}

/// A new session id for the cookie: 32 random bytes, base64url without padding (43 characters).
pub fn new_session_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A new API token secret: `rmt_` and 32 random bytes in base64url (47 characters).
pub fn new_token_secret() -> String {
    format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// The part of a token shown in lists so users can tell tokens apart: `rmt_` and 4 more characters.
pub fn token_prefix(secret: &str) -> String {
    secret.chars().take(TOKEN_PREFIX.len() + 4).collect()
}

/// A token's public id (used in URLs to revoke it): 12 random bytes in hex.
pub fn new_public_id() -> String {
    hex::encode(random_bytes::<12>())
}

/// What a session id or token secret is stored and looked up by: sha256, lowercase hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether a bearer credential has the shape of a token this app issued, so other strings are
/// refused before any lookup.
pub fn looks_like_token(value: &str) -> bool {
    value.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == SECRET_CHARS
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_43_base64url_characters_and_differ() {
        let a = new_session_id();
        assert_eq!(a.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_session_id());
    }

    #[test]
    fn token_secrets_are_recognised_and_differ() {
        let secret = new_token_secret();
        assert!(secret.starts_with("rmt_") && secret.len() == 47, "{secret}");
        assert!(looks_like_token(&secret));
        assert_ne!(secret, new_token_secret());
        assert_eq!(token_prefix(&secret), secret[..8]);
    }

    #[test]
    fn only_well_formed_tokens_look_like_tokens() {
        let body = "A".repeat(43);
        assert!(looks_like_token(&format!("rmt_{body}")));
        assert!(looks_like_token(&format!("rmt_{}", "-_9z".repeat(10) + "abc")));
        for value in [
            String::new(),
            "rmt_".into(),
            body.clone(),
            format!("rmt_{}", &body[1..]),
            format!("rmt_{body}A"),
            format!("RMT_{body}"),
            format!("rmt_{}+", &body[1..]),
            format!("rmt_{}=", &body[1..]),
            format!("rmt_{}é", &body[2..]),
        ] {
            assert!(!looks_like_token(&value), "{value}");
        }
    }

    #[test]
    fn token_prefix_shows_rmt_and_four_characters() {
        assert_eq!(token_prefix("rmt_AbCdEfGh"), "rmt_AbCd");
        assert_eq!(token_prefix("rmt_Ab"), "rmt_Ab");
        assert_eq!(token_prefix("rmt_éàüöx"), "rmt_éàüö");
    }

    #[test]
    fn public_ids_are_24_hex_characters() {
        let id = new_public_id();
        assert_eq!(id.len(), 24);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(id, new_public_id());
    }

    #[test]
    fn secrets_hash_to_sha256_hex() {
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(hash_secret("abd"), hash_secret("abc"));
    }
}
