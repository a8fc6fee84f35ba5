//! Password hashes: argon2id with OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1), stored as
//! PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) so the parameters travel with each
//! hash and can be raised later without invalidating old ones.
//! <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id>

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::secret::random_bytes;

/// Password length rule, in characters.
const MIN_CHARS: usize = 10;
const MAX_CHARS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Hashing failed (never expected with fixed parameters; a 500).
    #[error("cannot hash the password: {0}")]
    Hash(#[from] argon2::password_hash::Error),
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP's argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh random salt; returns the PHC string to store.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())?;
    Ok(argon2().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches the stored PHC string. A malformed string is `false`, not an error:
/// to the caller it is a wrong password (and the store's corruption is not the user's to see).
pub fn verify_password(phc: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    argon2().verify_password(password.as_bytes(), &hash).is_ok()
}

/// A hash no password is checked against except by [`verify_dummy`].
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("dummy password, never a real one").expect("hashing a constant works"));

/// Spends the time of one [`verify_password`], for a login naming an unknown or disabled user, so
/// the response time does not tell which usernames exist. The first call also computes the dummy
/// hash; call it once at startup to keep even that call the same length as the others.
pub fn verify_dummy(password: &str) {
    let _ = verify_password(&DUMMY_HASH, password);
}

/// The rule for new passwords: 10 to 1024 characters. The error says the rule.
pub fn check_password_rules(password: &str) -> Result<(), crate::model::Message> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(crate::msg!(PasswordTooShort, MIN_CHARS, MAX_CHARS));
    }
    if chars > MAX_CHARS {
        return Err(crate::msg!(PasswordTooLong, MIN_CHARS, MAX_CHARS));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_strings_with_owasp_parameters() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery "));
        assert!(!verify_password(&hash, ""));
    }

    #[test]
    fn two_hashes_of_one_password_differ() {
        let a = hash_password("same password").unwrap();
        let b = hash_password("same password").unwrap();
        assert_ne!(a, b);
        assert!(verify_password(&a, "same password") && verify_password(&b, "same password"));
    }

    #[test]
    fn malformed_hashes_verify_nothing() {
        let hash = hash_password("some password").unwrap();
        for phc in [
            "",
            "not a hash",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ",
            "$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
            "$bcrypt$whatever",
            &hash[..hash.len() - 4],
        ] {
            assert!(!verify_password(phc, "some password"), "{phc}");
        }
    }

    #[test]
    fn the_dummy_check_takes_any_password() {
        verify_dummy("anything");
        verify_dummy("");
    }

    #[test]
    fn password_rules_state_the_allowed_length() {
        assert_eq!(check_password_rules("0123456789"), Ok(()));
        assert_eq!(check_password_rules(&"é".repeat(1024)), Ok(()));
        let short = check_password_rules("012345678").unwrap_err();
        assert_eq!(short.code(), Some("password_too_short"));
        assert!(short.contains("10 to 1024 characters"), "{short}");
        let long = check_password_rules(&"x".repeat(1025)).unwrap_err();
        assert_eq!(long.code(), Some("password_too_long"));
        assert!(long.contains("10 to 1024 characters"), "{long}");
    }
}
