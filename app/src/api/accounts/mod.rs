//! Accounts, API tokens and the audit log. Login, logout and first-run setup are plain HTML form
//! posts served by the server (`/login`, `/logout`, `/setup`), so they work before hydration.

mod add_user;
mod change_password;
mod create_token;
mod get_me;
mod list_audit;
mod list_tokens;
mod list_users;
mod revoke_token;
mod update_user;

pub use add_user::*;
pub use change_password::*;
pub use create_token::*;
pub use get_me::*;
pub use list_audit::*;
pub use list_tokens::*;
pub use list_users::*;
pub use revoke_token::*;
pub use update_user::*;
