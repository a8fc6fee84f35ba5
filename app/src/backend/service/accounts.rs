//! Sessions, accounts, API tokens and the audit log. Logins, logouts and every account or token
//! change are audited like any other change; no password or secret ever reaches an entry.

use std::net::IpAddr;

use super::{Audited, change, check, record};
use crate::backend::auth::authenticator::Auth;
use crate::backend::auth::authenticator::{LoginError, NewSession, hash_blocking, validate_username};
use crate::backend::auth::principal::{Actor, Principal};
use crate::backend::auth::{password, secret};
use crate::backend::store::{Account, NewToken, now_ms};
use crate::model::{
    AppError, AuditList, AuditQuery, CreatedToken, Me, Operation, Role, TokenInfo, TokenList, UserInfo,
    UserList,
};

impl Audited for UserInfo {}
impl Audited for TokenInfo {}
impl Audited for CreatedToken {}

/// Signs in with a username and password. Throttled per username and client address; an unknown
/// user, a wrong password and a disabled account get one answer.
pub async fn login(
    auth: &Auth,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<NewSession, (AppError, Option<std::time::Duration>)> {
    let result = auth.login(username, password, client).await;
    let who = match &result {
        Ok(session) => Principal {
            actor: Actor::User { id: session.account.id, username: session.account.info.username.clone() },
            role: Some(session.account.info.role),
            client_addr: client,
            channel: crate::backend::auth::principal::Channel::Ui,
        },
        Err(_) => Principal::anonymous(crate::backend::auth::principal::Channel::Ui, client, None),
    };
    let retry_after = match &result {
        Err(LoginError::Throttled(wait)) => Some(*wait),
        _ => None,
    };
    let result = result.map_err(AppError::from);
    record(auth, &who, Operation::Login, username, result.as_ref().map(|_| ()), None);
    result.map_err(|error| (error, retry_after))
}

/// Ends a session (the cookie's value).
pub fn logout(auth: &Auth, who: &Principal, session_id: &str) -> Result<(), AppError> {
    let result = auth.logout(session_id);
    record(
        auth,
        who,
        Operation::Logout,
        who.username().unwrap_or_default(),
        result.as_ref().map(|_| ()),
        None,
    );
    result
}

/// Creates the first admin through the one-time setup link, and signs them in.
pub async fn setup(
    auth: &Auth,
    token: &str,
    username: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<NewSession, AppError> {
    let result = auth.setup(token, username, password).await;
    let who = Principal::anonymous(crate::backend::auth::principal::Channel::Ui, client, None);
    record(auth, &who, Operation::Setup, username, result.as_ref().map(|_| ()), None);
    result
}

/// Who the caller is (the shell shows it; the UI hides what the role may not do).
pub fn me(auth: &Auth, who: &Principal) -> Result<Me, AppError> {
    let role = who.role.ok_or_else(|| who.require(Operation::ReadStatus).unwrap_err())?;
    let username = match &who.actor {
        Actor::User { username, .. } => username.clone(),
        _ => who.actor_name(),
    };
    Ok(Me { username, role, auth_enabled: auth.enabled() })
}

/// Changes one's own password; every other session of the account ends.
pub async fn change_password(
    auth: &Auth,
    who: &Principal,
    current: &str,
    new: &str,
    current_session: Option<&str>,
) -> Result<(), AppError> {
    let target = who.username().unwrap_or_default().to_owned();
    change(auth, who, Operation::ChangePassword, &target, async {
        let Actor::User { id, username } = &who.actor else {
            return Err(AppError::Forbidden(crate::msg!(OnlyUsersChangePasswords)));
        };
        password::check_password_rules(new).map_err(AppError::BadRequest)?;
        let db = auth.db();
        let (_, hash) = db.user_by_name(username)?.ok_or(AppError::Internal)?;
        let (hash, current) = (hash.clone(), current.to_owned());
        let ok = tokio::task::spawn_blocking(move || password::verify_password(&hash, &current))
            .await
            .map_err(|_| AppError::Internal)?;
        if !ok {
            return Err(AppError::BadRequest(crate::msg!(CurrentPasswordWrong)));
        }
        let hash = hash_blocking(new.to_owned()).await?;
        db.set_password(*id, &hash)?;
        let keep = current_session.map(secret::hash_secret);
        db.delete_sessions_of(*id, keep.as_deref())?;
        Ok(())
    })
    .await
}

pub fn list_users(auth: &Auth, who: &Principal) -> Result<UserList, AppError> {
    check(auth, who, Operation::ManageUsers)?;
    let users = auth.db().list_users()?;
    Ok(UserList { users: users.into_iter().map(|a| a.info).collect() })
}

/// A new account.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
}

pub async fn add_user(auth: &Auth, who: &Principal, new: NewUser) -> Result<UserInfo, AppError> {
    change(auth, who, Operation::ManageUsers, &new.username, async {
        validate_username(&new.username)?;
        password::check_password_rules(&new.password).map_err(AppError::BadRequest)?;
        let hash = hash_blocking(new.password.clone()).await?;
        let account = auth.db().create_user(&new.username, &hash, new.role, now_ms())?;
        Ok(account.info)
    })
    .await
}

/// A change to an account: any of role, disabled, a new password (a reset by an admin).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Changes an account. Disabling it or resetting its password ends its sessions; its tokens stop
/// working while it is disabled. The last enabled admin cannot be disabled or demoted.
pub async fn update_user(
    auth: &Auth,
    who: &Principal,
    username: &str,
    update: UserChange,
) -> Result<UserInfo, AppError> {
    change(auth, who, Operation::ManageUsers, username, async {
        let db = auth.db();
        let account = find_user(auth, username)?;
        let loses_admin = account.info.role == Role::Admin
            && !account.info.disabled
            && (update.disabled == Some(true) || update.role.is_some_and(|r| r != Role::Admin));
        if loses_admin && db.count_enabled_admins()? <= 1 {
            return Err(AppError::BadRequest(crate::msg!(LastAdmin, username)));
        }
        if let Some(new) = &update.password {
            password::check_password_rules(new).map_err(AppError::BadRequest)?;
            let hash = hash_blocking(new.clone()).await?;
            db.set_password(account.id, &hash)?;
            db.delete_sessions_of(account.id, None)?;
        }
        if let Some(role) = update.role {
            db.set_role(account.id, role)?;
        }
        if let Some(disabled) = update.disabled {
            db.set_disabled(account.id, disabled)?;
            if disabled {
                db.delete_sessions_of(account.id, None)?;
            }
        }
        Ok(find_user(auth, username)?.info)
    })
    .await
}

fn find_user(auth: &Auth, username: &str) -> Result<Account, AppError> {
    auth.db()
        .user_by_name(username)?
        .map(|(account, _)| account)
        .ok_or_else(|| AppError::NotFound(crate::msg!(NoSuchUser, &format!("{username:?}"))))
}

/// Tokens the caller may see: their own, or (admins, `all`) everyone's.
pub fn list_tokens(auth: &Auth, who: &Principal, all: bool) -> Result<TokenList, AppError> {
    let owner = if all {
        check(auth, who, Operation::ManageAllTokens)?;
        None
    } else {
        check(auth, who, Operation::ManageOwnTokens)?;
        Some(token_owner(who)?)
    };
    Ok(TokenList { tokens: auth.db().list_tokens(owner)? })
}

/// A new API token.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct NewTokenRequest {
    pub name: String,
    /// Defaults to the creator's role; never above it.
    pub role: Option<Role>,
    /// Days until it stops working; `None`: it never expires.
    pub expires_in_days: Option<u32>,
}

/// The accounts whose tokens a caller manages: a signed-in user's own. Tokens cannot make
/// tokens, and `AUTH=none` has no accounts.
fn token_owner(who: &Principal) -> Result<i64, AppError> {
    match &who.actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::Token { .. } => Err(AppError::Forbidden(crate::msg!(TokenCannotManageTokens))),
        _ => Err(AppError::BadRequest(crate::msg!(NoAccountsWithoutAuth))),
    }
}

pub async fn create_token(
    auth: &Auth,
    who: &Principal,
    request: NewTokenRequest,
) -> Result<CreatedToken, AppError> {
    let target = request.name.clone();
    change(auth, who, Operation::ManageOwnTokens, &target, async {
        let owner = token_owner(who)?;
        let owner_role = who.role.unwrap_or(Role::Viewer);
        issue_token(auth, owner, owner_role, request)
    })
    .await
}

/// Makes a token for the account named `owner` (the command line's `token create --user`): an
/// admin's operation on someone's tokens, audited once as `manage-all-tokens`. The token's role
/// may not exceed the owner's, whoever creates it.
pub async fn create_token_for(
    auth: &Auth,
    who: &Principal,
    owner: &str,
    request: NewTokenRequest,
) -> Result<CreatedToken, AppError> {
    let target = request.name.clone();
    change(auth, who, Operation::ManageAllTokens, &target, async {
        let account = find_user(auth, owner)?;
        if account.info.disabled {
            return Err(AppError::BadRequest(crate::msg!(OwnerDisabled, owner)));
        }
        issue_token(auth, account.id, account.info.role, request)
    })
    .await
}

/// Makes a token for account `owner` whose role is `owner_role` (shared with the CLI).
pub fn issue_token(
    auth: &Auth,
    owner: i64,
    owner_role: Role,
    request: NewTokenRequest,
) -> Result<CreatedToken, AppError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(AppError::BadRequest(crate::msg!(TokenNameInvalid)));
    }
    let role = request.role.unwrap_or(owner_role);
    if role > owner_role {
        return Err(AppError::Forbidden(crate::msg!(TokenRoleTooHigh, &owner_role, &owner_role)));
    }
    let days = request.expires_in_days;
    if days == Some(0) || days.is_some_and(|d| d > 3650) {
        return Err(AppError::BadRequest(crate::msg!(TokenExpiryInvalid)));
    }
    let secret = secret::new_token_secret();
    let public_id = secret::new_public_id();
    let now = now_ms();
    let token = auth.db().create_token(&NewToken {
        public_id: &public_id,
        name,
        secret_hash: &secret::hash_secret(&secret),
        prefix: &secret::token_prefix(&secret),
        role,
        owner_id: owner,
        now_ms: now,
        expires_ms: days.map(|d| now + i64::from(d) * 86_400_000),
    })?;
    Ok(CreatedToken { token, secret })
}

/// Revokes a token: one's own, or any (admins).
pub async fn revoke_token(auth: &Auth, who: &Principal, public_id: &str) -> Result<TokenInfo, AppError> {
    let db = auth.db();
    let stored = db.token_by_public_id(public_id)?;
    let target = stored.as_ref().map(|t| t.info.name.clone()).unwrap_or_else(|| public_id.to_owned());
    let own = stored.as_ref().is_some_and(|t| Some(t.owner_id) == who.account_id())
        && matches!(who.actor, Actor::User { .. });
    let operation = if own { Operation::ManageOwnTokens } else { Operation::ManageAllTokens };
    change(auth, who, operation, &target, async {
        let stored = stored.ok_or_else(|| AppError::NotFound(crate::msg!(NoSuchToken, public_id)))?;
        db.revoke_token(public_id, now_ms())?;
        let mut info = stored.info;
        info.revoked_at.get_or_insert_with(|| crate::backend::store::format_time(now_ms()));
        Ok(info)
    })
    .await
}

pub fn audit(auth: &Auth, who: &Principal, query: &AuditQuery) -> Result<AuditList, AppError> {
    check(auth, who, Operation::ReadAudit)?;
    Ok(AuditList { entries: auth.db().list_audit(query)? })
}
