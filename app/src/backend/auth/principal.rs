//! Who is calling: the one value every service function takes first. The server's middleware
//! builds it from the session cookie, an API token or Basic credentials; the CLI builds it for the
//! operator at the terminal.

use std::net::IpAddr;

use crate::model::{AppError, Operation, Role};

/// The caller behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in account (session cookie, or Basic credentials on `/api`).
    User { id: i64, username: String },
    /// An API token; it acts as `owner` with at most the token's role.
    Token { public_id: String, name: String, owner_id: i64, owner: String },
    /// `AUTH=none`: the single user of a loopback-only server, with the admin role.
    Local,
    /// The terminal running `registry-manager user …` / `token …` on the server's `DATA_DIR`.
    Cli,
    /// The server itself, starting a retention policy's run at its scheduled time.
    Scheduler,
    /// Nobody: no credentials, or credentials that did not hold (`why` says which).
    Anonymous { why: Option<Rejected> },
}

/// Why presented credentials did not make a principal. Shown to the caller as a hint, in words
/// that never say whether a username exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Session cookie unknown, expired, or its account disabled.
    Session,
    /// API token unknown, expired, revoked, or its owner disabled.
    Token,
    /// Basic username/password wrong or the account disabled.
    Password,
}

/// Which door the request came through. The one place where the two differ is
/// [`crate::backend::service::confirmation`]: the UI must type confirmation phrases, REST may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Server functions under `/rpc`, called by our own UI with the session cookie.
    Ui,
    /// The REST API under `/api`, called by scripts (token, Basic) or a same-origin front-end.
    Rest,
    /// The command line on the server's host.
    Cli,
}

/// A caller, with the role it holds and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    /// `None` for anonymous callers.
    pub role: Option<Role>,
    pub client_addr: Option<IpAddr>,
    pub channel: Channel,
}

impl Principal {
    pub fn anonymous(channel: Channel, client_addr: Option<IpAddr>, why: Option<Rejected>) -> Self {
        Self { actor: Actor::Anonymous { why }, role: None, client_addr, channel }
    }

    pub fn local(channel: Channel, client_addr: Option<IpAddr>) -> Self {
        Self { actor: Actor::Local, role: Some(Role::Admin), client_addr, channel }
    }

    pub fn cli() -> Self {
        Self { actor: Actor::Cli, role: Some(Role::Admin), client_addr: None, channel: Channel::Cli }
    }

    /// The retention scheduler: it runs what an admin scheduled, so it holds the admin role.
    pub fn scheduler() -> Self {
        Self { actor: Actor::Scheduler, role: Some(Role::Admin), client_addr: None, channel: Channel::Cli }
    }

    /// The name the audit log records: the username, `token:<name>` (owner in the target's
    /// context), `local`, `cli` or `anonymous`.
    pub fn actor_name(&self) -> String {
        match &self.actor {
            Actor::User { username, .. } => username.clone(),
            Actor::Token { name, owner, .. } => format!("token:{name} ({owner})"),
            Actor::Local => "local".to_owned(),
            Actor::Cli => "cli".to_owned(),
            Actor::Scheduler => "scheduler".to_owned(),
            Actor::Anonymous { .. } => "anonymous".to_owned(),
        }
    }

    /// The account a user or token acts for (tokens are created and listed per account).
    pub fn account_id(&self) -> Option<i64> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            Actor::Token { owner_id, .. } => Some(*owner_id),
            Actor::Local | Actor::Cli | Actor::Scheduler | Actor::Anonymous { .. } => None,
        }
    }

    pub fn username(&self) -> Option<&str> {
        match &self.actor {
            Actor::User { username, .. } => Some(username),
            Actor::Token { owner, .. } => Some(owner),
            Actor::Local | Actor::Cli | Actor::Scheduler | Actor::Anonymous { .. } => None,
        }
    }

    /// The permission check: `401` without a role, `403` naming the role needed.
    pub fn require(&self, operation: Operation) -> Result<(), AppError> {
        let Some(needed) = operation.role() else { return Ok(()) };
        let Some(role) = self.role else {
            return Err(AppError::Unauthorized(self.unauthorized_hint()));
        };
        if role >= needed {
            Ok(())
        } else {
            Err(AppError::Forbidden(crate::msg!(RoleTooLow, self.actor_name(), &role, operation, &needed)))
        }
    }

    fn unauthorized_hint(&self) -> crate::model::Message {
        let how = match self.channel {
            Channel::Ui => crate::msg!(HowToSignInUi),
            Channel::Rest | Channel::Cli => crate::msg!(HowToSignInApi),
        };
        match self.actor {
            Actor::Anonymous { why: Some(Rejected::Session) } => crate::msg!(SessionEnded, how),
            Actor::Anonymous { why: Some(Rejected::Token) } => crate::msg!(TokenInvalid, how),
            Actor::Anonymous { why: Some(Rejected::Password) } => crate::msg!(WrongPassword, how),
            _ => crate::msg!(AuthRequired, how),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Principal {
        Principal {
            actor: Actor::User { id: 1, username: "ann".into() },
            role: Some(role),
            client_addr: None,
            channel: Channel::Rest,
        }
    }

    #[test]
    fn anonymous_gets_401_and_a_low_role_403_naming_the_role() {
        let anonymous = Principal::anonymous(Channel::Rest, None, None);
        let Err(AppError::Unauthorized(message)) = anonymous.require(Operation::ListTags) else {
            panic!("anonymous listed tags");
        };
        assert_eq!(message.code(), Some("auth_required"));
        assert!(message.contains("Bearer"), "{message}");
        let Err(AppError::Forbidden(message)) = user(Role::Viewer).require(Operation::DeleteTag) else {
            panic!("a viewer deleted a tag");
        };
        assert_eq!(message.code(), Some("role_too_low"));
        assert!(message.contains("operator role"), "{message}");
        assert_eq!(user(Role::Operator).require(Operation::DeleteTag), Ok(()));
        let Err(AppError::Forbidden(message)) = user(Role::Operator).require(Operation::DeleteImage) else {
            panic!("an operator deleted an image with all its tags");
        };
        assert!(message.contains("admin role"), "{message}");
        assert_eq!(anonymous.require(Operation::Login), Ok(()));
    }

    #[test]
    fn a_rejected_token_says_so_without_naming_the_account() {
        let rejected = Principal::anonymous(Channel::Rest, None, Some(Rejected::Token));
        let Err(AppError::Unauthorized(message)) = rejected.require(Operation::ListJobs) else {
            panic!("a rejected token listed jobs");
        };
        assert_eq!(message.code(), Some("token_invalid"));
    }
}
