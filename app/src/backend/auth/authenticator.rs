//! Turns credentials into a [`Principal`]: session cookies, API tokens, Basic username/password;
//! and the steps that create credentials: login (throttled), logout, first-run setup.
//!
//! Secrets are compared by their sha256 (sessions, tokens) or argon2id (passwords); the raw values
//! are never stored, logged or put in an error.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;

use super::principal::{Actor, Channel, Principal, Rejected};
use super::{password, secret, throttle::Throttle};
use crate::backend::store::{Account, Db, now_ms};
use crate::model::{AppError, Role};

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "rm_session";

/// A session's last-seen time is written at most this often (a read per request, not a write).
const TOUCH_EVERY_MS: i64 = 60_000;

/// How long the first-run setup link works.
pub const SETUP_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// `AUTH`: `on` (default) or `none` (single user on loopback).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    On,
    None,
}

/// The settings access control runs with (from [`crate::backend::Config`]).
#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub mode: AuthMode,
    pub session_idle: Duration,
    pub session_max: Duration,
    pub trusted_proxies: Vec<IpNet>,
    /// `PUBLIC_URL` is https: cookies are `Secure` whatever the request says.
    pub public_https: bool,
}

/// Access control's state: the store, the login throttle, the one-time setup token. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    throttle: Throttle,
    settings: AuthSettings,
    setup: Mutex<Option<SetupToken>>,
}

struct SetupToken {
    hash: String,
    expires: Instant,
}

/// Why a login failed. Unknown user, wrong password and disabled account are one answer.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    Invalid,
    Throttled(Duration),
    Internal,
}

impl From<LoginError> for AppError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::Invalid => AppError::Unauthorized(crate::msg!(LoginInvalid)),
            LoginError::Throttled(wait) => {
                AppError::TooManyRequests(crate::msg!(LoginThrottled, wait.as_secs().max(1)))
            }
            LoginError::Internal => AppError::Internal,
        }
    }
}

/// A new session: the cookie value (shown to the browser once, never stored) and its account.
pub struct NewSession {
    pub id: String,
    pub account: Account,
}

/// What start-up did about the first admin.
#[derive(Debug, PartialEq, Eq)]
pub enum Bootstrap {
    /// Accounts exist and no `ADMIN_PASSWORD` was given.
    Ready,
    AdminCreated(String),
    AdminReset(String),
    /// No account and no `ADMIN_PASSWORD`: this token opens `/setup` once, within the hour.
    SetupToken(String),
    /// `AUTH=none`.
    Disabled,
}

impl Auth {
    pub fn new(db: Db, settings: AuthSettings) -> Self {
        Self {
            inner: Arc::new(Inner { db, throttle: Throttle::default(), settings, setup: Mutex::new(None) }),
        }
    }

    pub fn enabled(&self) -> bool {
        self.inner.settings.mode == AuthMode::On
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.inner.settings
    }

    /// At start: `ADMIN_PASSWORD` creates or resets `ADMIN_USERNAME` as an enabled admin;
    /// otherwise, with no account at all, a setup token is made for `/setup`.
    pub fn bootstrap(&self, admin: Option<(&str, &str)>) -> Result<Bootstrap, AppError> {
        if !self.enabled() {
            return Ok(Bootstrap::Disabled);
        }
        // The dummy hash unknown usernames are checked against is made now, not at the first such
        // login, whose answer would otherwise take longer than a wrong password's.
        password::verify_dummy("");
        let db = &self.inner.db;
        if let Some((username, password)) = admin {
            password::check_password_rules(password)
                .map_err(|rule| AppError::BadRequest(crate::msg!(Labelled, "ADMIN_PASSWORD", rule)))?;
            return match db.user_by_name(username)? {
                Some((account, hash)) => {
                    if !password::verify_password(&hash, password) {
                        let hash = password::hash_password(password).map_err(|_| AppError::Internal)?;
                        db.set_password(account.id, &hash)?;
                        db.delete_sessions_of(account.id, None)?;
                    }
                    db.set_role(account.id, Role::Admin)?;
                    db.set_disabled(account.id, false)?;
                    Ok(Bootstrap::AdminReset(account.info.username))
                }
                None => {
                    let hash = password::hash_password(password).map_err(|_| AppError::Internal)?;
                    let account = db.create_user(username, &hash, Role::Admin, now_ms())?;
                    Ok(Bootstrap::AdminCreated(account.info.username))
                }
            };
        }
        if db.count_users()? > 0 {
            return Ok(Bootstrap::Ready);
        }
        let token = secret::new_session_id();
        *self.setup_slot() = Some(SetupToken {
            hash: secret::hash_secret(&token),
            expires: Instant::now() + SETUP_TOKEN_LIFETIME,
        });
        Ok(Bootstrap::SetupToken(token))
    }

    fn setup_slot(&self) -> std::sync::MutexGuard<'_, Option<SetupToken>> {
        self.inner.setup.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `token` opens `/setup` now (it has not been used, has not expired, and no account exists).
    pub fn setup_token_valid(&self, token: &str) -> bool {
        let slot = self.setup_slot();
        slot.as_ref().is_some_and(|t| t.expires > Instant::now() && t.hash == secret::hash_secret(token))
    }

    /// Creates the first admin with the setup token, which dies here, and signs them in.
    pub async fn setup(&self, token: &str, username: &str, password: &str) -> Result<NewSession, AppError> {
        let invalid = || AppError::Unauthorized(crate::msg!(SetupLinkInvalid));
        validate_username(username)?;
        password::check_password_rules(password).map_err(AppError::BadRequest)?;
        {
            let mut slot = self.setup_slot();
            let valid = slot
                .as_ref()
                .is_some_and(|t| t.expires > Instant::now() && t.hash == secret::hash_secret(token));
            if !valid {
                return Err(invalid());
            }
            // Used once: whatever happens next, this token is gone.
            *slot = None;
        }
        if self.inner.db.count_users()? > 0 {
            return Err(invalid());
        }
        let hash = hash_blocking(password.to_owned()).await?;
        let account = self.inner.db.create_user(username, &hash, Role::Admin, now_ms())?;
        self.start_session(account)
    }

    /// Checks a username and password, throttled per username and per client address.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<NewSession, LoginError> {
        let account = self.check_password(username, password, client).await?;
        self.start_session(account).map_err(|_| LoginError::Internal)
    }

    /// The password check shared by login and Basic credentials on `/api`.
    async fn check_password(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<Account, LoginError> {
        let throttle = &self.inner.throttle;
        throttle.check(username, client, Instant::now()).map_err(LoginError::Throttled)?;
        let found = self.inner.db.user_by_name(username).map_err(|_| LoginError::Internal)?;
        let password = password.to_owned();
        // An unknown user costs one argon2 verification too, so the answer's timing says nothing.
        let (account, ok) = tokio::task::spawn_blocking(move || match found {
            Some((account, hash)) => {
                let ok = password::verify_password(&hash, &password);
                (Some(account), ok)
            }
            None => {
                password::verify_dummy(&password);
                (None, false)
            }
        })
        .await
        .map_err(|_| LoginError::Internal)?;
        match account {
            Some(account) if ok && !account.info.disabled => {
                throttle.record_success(username, client);
                Ok(account)
            }
            _ => {
                throttle.record_failure(username, client, Instant::now());
                Err(LoginError::Invalid)
            }
        }
    }

    fn start_session(&self, account: Account) -> Result<NewSession, AppError> {
        let id = secret::new_session_id();
        let now = now_ms();
        let db = &self.inner.db;
        db.create_session(&secret::hash_secret(&id), account.id, now)?;
        db.record_login(account.id, now)?;
        Ok(NewSession { id, account })
    }

    /// Ends the session behind this cookie value.
    pub fn logout(&self, session_id: &str) -> Result<(), AppError> {
        Ok(self.inner.db.delete_session(&secret::hash_secret(session_id))?)
    }

    /// The principal behind a session cookie value: anonymous (with the reason) when the session
    /// is unknown, idle too long, too old, or its account disabled.
    pub fn from_session(&self, session_id: &str, channel: Channel, client: Option<IpAddr>) -> Principal {
        self.session_principal(session_id, channel, client)
            .unwrap_or_else(|| Principal::anonymous(channel, client, Some(Rejected::Session)))
    }

    fn session_principal(
        &self,
        session_id: &str,
        channel: Channel,
        client: Option<IpAddr>,
    ) -> Option<Principal> {
        let db = &self.inner.db;
        let hash = secret::hash_secret(session_id);
        let session = db.session(&hash).ok()??;
        let now = now_ms();
        let settings = &self.inner.settings;
        let idle = now - session.last_seen_ms > settings.session_idle.as_millis() as i64;
        let old = now - session.created_at_ms > settings.session_max.as_millis() as i64;
        if idle || old {
            let _ = db.delete_session(&hash);
            return None;
        }
        let account = db.user_by_id(session.user_id).ok()??;
        if account.info.disabled {
            return None;
        }
        if now - session.last_seen_ms > TOUCH_EVERY_MS {
            let _ = db.touch_session(&hash, now);
        }
        Some(Principal {
            actor: Actor::User { id: account.id, username: account.info.username },
            role: Some(account.info.role),
            client_addr: client,
            channel,
        })
    }

    /// The principal behind an API token: it acts with the lower of its own role and its owner's
    /// current one, and not at all once revoked, expired, or its owner disabled.
    pub fn from_token(&self, token: &str, channel: Channel, client: Option<IpAddr>) -> Principal {
        self.token_principal(token, channel, client)
            .unwrap_or_else(|| Principal::anonymous(channel, client, Some(Rejected::Token)))
    }

    fn token_principal(&self, token: &str, channel: Channel, client: Option<IpAddr>) -> Option<Principal> {
        if !secret::looks_like_token(token) {
            return None;
        }
        let db = &self.inner.db;
        let stored = db.token_by_hash(&secret::hash_secret(token)).ok()??;
        let now = now_ms();
        if stored.revoked || stored.expires_ms.is_some_and(|expires| expires <= now) {
            return None;
        }
        let owner = db.user_by_id(stored.owner_id).ok()??;
        if owner.info.disabled {
            return None;
        }
        // Last-used is for people ("used 3 minutes ago"): a write a minute per token, not one per call.
        if stored.last_used_ms.is_none_or(|used| now - used > TOUCH_EVERY_MS) {
            let _ = db.touch_token(&stored.info.id, now);
        }
        Some(Principal {
            actor: Actor::Token {
                public_id: stored.info.id.clone(),
                name: stored.info.name.clone(),
                owner_id: owner.id,
                owner: owner.info.username,
            },
            role: Some(stored.info.role.min(owner.info.role)),
            client_addr: client,
            channel,
        })
    }
}

/// Usernames: 1–64 characters of letters, digits, `.`, `_`, `-`, `@`.
pub fn validate_username(username: &str) -> Result<(), AppError> {
    let ok = (1..=64).contains(&username.chars().count())
        && username.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(crate::msg!(UsernameInvalid, &format!("{username:?}"))))
    }
}

/// argon2id on a blocking thread: it takes tens of milliseconds of CPU by design.
pub async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|_| AppError::Internal)
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie_value(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The `Set-Cookie` value that hands the browser its session: `HttpOnly; SameSite=Strict;
/// Path=/`, `Secure` over https, living as long as a session may.
pub fn session_cookie(id: &str, secure: bool, max_age: Duration) -> String {
    cookie::Cookie::build((SESSION_COOKIE, id.to_owned()))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age.as_secs() as i64))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    cookie::Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

impl Auth {
    /// The principal behind a request's credentials. Server functions and pages (`Channel::Ui`)
    /// take the session cookie only; REST (`Channel::Rest`) also takes `Authorization: Bearer
    /// <token>` or `Basic`. Under `AUTH=none` everyone is the local admin. `Err` only for a Basic
    /// login that is throttled (answer 429 with `Retry-After`).
    pub async fn principal_for(
        &self,
        headers: &axum::http::HeaderMap,
        peer: Option<IpAddr>,
        channel: Channel,
    ) -> Result<Principal, (AppError, Duration)> {
        let settings = &self.inner.settings;
        let client = super::client::client_addr(peer, headers, &settings.trusted_proxies);
        if !self.enabled() {
            return Ok(Principal::local(channel, client));
        }
        if channel == Channel::Rest {
            match authorization(headers) {
                Some(Presented::Bearer(token)) => {
                    return Ok(self.on_store(move |auth| auth.from_token(&token, channel, client)).await);
                }
                Some(Presented::Basic(username, password)) => {
                    return match self.check_password(&username, &password, client).await {
                        Ok(account) => Ok(Principal {
                            actor: Actor::User { id: account.id, username: account.info.username },
                            role: Some(account.info.role),
                            client_addr: client,
                            channel,
                        }),
                        Err(LoginError::Throttled(wait)) => Err((LoginError::Throttled(wait).into(), wait)),
                        Err(_) => Ok(Principal::anonymous(channel, client, Some(Rejected::Password))),
                    };
                }
                Some(Presented::Malformed) => {
                    return Ok(Principal::anonymous(channel, client, Some(Rejected::Token)));
                }
                None => {}
            }
        }
        Ok(match cookie_value(headers, SESSION_COOKIE) {
            Some(id) => self.on_store(move |auth| auth.from_session(&id, channel, client)).await,
            None => Principal::anonymous(channel, client, None),
        })
    }

    /// Runs a lookup that reads (and now and then writes) the store on tokio's blocking pool: the
    /// SQLite connection sits behind a synchronous mutex, which an async worker must not wait on.
    /// A panic in `lookup` is resumed here.
    async fn on_store<T: Send + 'static>(&self, lookup: impl FnOnce(&Auth) -> T + Send + 'static) -> T {
        let auth = self.clone();
        match tokio::task::spawn_blocking(move || lookup(&auth)).await {
            Ok(value) => value,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }

    /// Whether the browser reached us over https (cookies then carry `Secure`).
    pub fn is_https(&self, headers: &axum::http::HeaderMap, peer: Option<IpAddr>) -> bool {
        let settings = &self.inner.settings;
        super::client::is_https(peer, headers, &settings.trusted_proxies, settings.public_https)
    }
}

/// Credentials in an `Authorization` header.
enum Presented {
    Bearer(String),
    Basic(String, String),
    Malformed,
}

fn authorization(headers: &axum::http::HeaderMap) -> Option<Presented> {
    use base64::Engine as _;
    let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    Some(if scheme.eq_ignore_ascii_case("bearer") {
        Presented::Bearer(rest.to_owned())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok();
        match decoded.and_then(|bytes| String::from_utf8(bytes).ok()) {
            Some(pair) => match pair.split_once(':') {
                Some((user, password)) => Presented::Basic(user.to_owned(), password.to_owned()),
                None => Presented::Malformed,
            },
            None => Presented::Malformed,
        }
    } else {
        Presented::Malformed
    })
}

impl Auth {
    /// Drops ended sessions and audit entries older than `audit_retention`, now and every hour.
    pub fn spawn_housekeeping(&self, audit_retention: Duration) -> tokio::task::JoinHandle<()> {
        let auth = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            loop {
                every.tick().await;
                let now = now_ms();
                let settings = &auth.inner.settings;
                let idle = now - settings.session_idle.as_millis() as i64;
                let old = now - settings.session_max.as_millis() as i64;
                if let Err(error) = auth.inner.db.delete_expired_sessions(idle, old) {
                    tracing::warn!(%error, "could not drop ended sessions");
                }
                if let Err(error) = auth.inner.db.prune_audit(now - audit_retention.as_millis() as i64) {
                    tracing::warn!(%error, "could not apply AUDIT_RETENTION_DAYS");
                }
            }
        })
    }
}
