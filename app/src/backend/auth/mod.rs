//! Authentication. At the bottom, pure building blocks with no I/O besides the OS random number
//! generator: password hashing, random secrets and their hashes, the login throttle. Above them,
//! where a request came from (`client`), who is calling (`principal`), and the steps that turn
//! credentials into a principal (`authenticator`).

pub mod authenticator;
pub mod client;
pub mod password;
pub mod principal;
pub mod secret;
pub mod throttle;
