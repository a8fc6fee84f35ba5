//! The command line: `registry-manager user …` and `token …` on the server's `DATA_DIR`, for
//! scripts and for recovery when no admin can sign in; `healthcheck` ([`super::healthcheck`])
//! probes the running server instead.
//!
//! It opens only the store and access control, never [`AppState`](super::AppState): building that
//! starts the job engine, which would mark a running server's jobs as interrupted. Every change
//! goes through the service layer as [`Principal::cli`], so it is permission-checked and audited
//! (actor `cli`) exactly as the same change made in the UI.
//!
//! Exit codes: 0 done; 2 bad input (the message says what was wrong and how to fix it); 1 anything
//! else. Results go to stdout, messages to stderr.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use super::auth::authenticator::{Auth, AuthSettings, validate_username};
use super::auth::principal::Principal;
use super::config::{Command, Config, TokenCommand, UserCommand};
use super::service::accounts::{self, NewTokenRequest, NewUser, UserChange};
use super::store::{Db, format_time, now_ms};
use crate::format::created as short_time;
use crate::model::{AppError, CreatedToken, TokenInfo, UserInfo};

/// Runs one command and says how it ended.
pub async fn run(config: Config, command: Command) -> ExitCode {
    let result = match command {
        // A probe of the running server: no store, so it works on a read-only root filesystem
        // and never races the server for DATA_DIR.
        Command::Healthcheck { timeout } => {
            return super::healthcheck::run(config.listen_addr, Duration::from_secs(timeout)).await;
        }
        command => match open(&config) {
            Ok(auth) => execute(&config, &auth, command).await,
            Err(failure) => Err(failure),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(if failure.bad_input { 2 } else { 1 })
        }
    }
}

/// Why a command failed: the caller's input (exit 2), or anything else (exit 1).
#[derive(Debug)]
struct Failure {
    bad_input: bool,
    message: String,
}

impl Failure {
    fn bad_input(message: impl Into<String>) -> Self {
        Self { bad_input: true, message: message.into() }
    }

    fn other(message: impl Into<String>) -> Self {
        Self { bad_input: false, message: message.into() }
    }
}

impl From<AppError> for Failure {
    /// What a web client would get as a 4xx is the operator's to fix here too.
    fn from(error: AppError) -> Self {
        match error {
            AppError::BadRequest(message)
            | AppError::Unauthorized(message)
            | AppError::Forbidden(message)
            | AppError::NotFound(message) => Failure::bad_input(message.to_string()),
            // The service logged the cause; `main` sends the log to stderr for commands.
            AppError::Internal => Failure::other("internal error: the cause is logged above"),
            other => Failure::other(other.to_string()),
        }
    }
}

/// The store under `DATA_DIR` and access control on it, with the server's own settings.
fn open(config: &Config) -> Result<Auth, Failure> {
    let existed = config.data_dir.exists();
    let db = Db::open(&config.data_dir).map_err(|e| {
        Failure::other(format!("cannot open the store in DATA_DIR={}: {e}", config.data_dir.display()))
    })?;
    if !existed {
        // A mistyped DATA_DIR would otherwise look like a server without accounts.
        eprintln!(
            "note: DATA_DIR={} did not exist and was created; point DATA_DIR (or --data-dir before the command) at the server's",
            config.data_dir.display()
        );
    }
    let settings = AuthSettings {
        mode: config.auth,
        session_idle: Duration::from_secs(config.session_idle_minutes * 60),
        session_max: Duration::from_secs(config.session_max_hours * 3600),
        trusted_proxies: config.trusted_proxies.clone(),
        public_https: config.public_url.as_ref().is_some_and(|u| u.scheme() == "https"),
    };
    Ok(Auth::new(db, settings))
}

async fn execute(config: &Config, auth: &Auth, command: Command) -> Result<(), Failure> {
    let cli = Principal::cli();
    match command {
        Command::User(command) => user(auth, &cli, command).await,
        Command::Token(command) => token(config, auth, &cli, command).await,
        Command::Healthcheck { .. } => unreachable!("`run` answers healthcheck without the store"),
    }
}

async fn user(auth: &Auth, cli: &Principal, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::Add { username, role, password_stdin } => {
            // The service checks the name before the password: a name it refuses is not worth
            // typing a password twice for. It still gives the answer and records the attempt.
            let password = if validate_username(&username).is_ok() {
                read_password(&username, password_stdin, "add")?
            } else {
                String::new()
            };
            let user = accounts::add_user(auth, cli, NewUser { username, password, role }).await?;
            print(&format!("created user {} with the {} role\n", user.username, user.role))
        }
        UserCommand::Passwd { username, password_stdin } => {
            // As above: the service answers an unknown name before it looks at the password.
            let password = if find_user(auth, cli, &username)?.is_some() {
                read_password(&username, password_stdin, "passwd")?
            } else {
                String::new()
            };
            let change = UserChange { password: Some(password), ..UserChange::default() };
            let user = accounts::update_user(auth, cli, &username, change).await?;
            print(&format!("set a new password for {}; their sessions have ended\n", user.username))
        }
        UserCommand::Disable { username } => {
            let change = UserChange { disabled: Some(true), ..UserChange::default() };
            let user = accounts::update_user(auth, cli, &username, change).await?;
            print(&format!(
                "disabled {}: their sessions have ended and their API tokens stop working until `registry-manager user enable {}`\n",
                user.username, user.username
            ))
        }
        UserCommand::Enable { username } => {
            let change = UserChange { disabled: Some(false), ..UserChange::default() };
            let user = accounts::update_user(auth, cli, &username, change).await?;
            print(&format!("enabled {} ({} role)\n", user.username, user.role))
        }
        UserCommand::List { json } => {
            let list = accounts::list_users(auth, cli)?;
            if json {
                return print_json(&list);
            }
            print(&users_table(&list.users))
        }
    }
}

async fn token(config: &Config, auth: &Auth, cli: &Principal, command: TokenCommand) -> Result<(), Failure> {
    match command {
        TokenCommand::Create { name, role, expires, user, quiet } => {
            let defaulted = user.is_none();
            let owner = user.unwrap_or_else(|| config.admin_username.clone());
            let request = NewTokenRequest { name, role: Some(role), expires_in_days: expires.days() };
            let created = accounts::create_token_for(auth, cli, &owner, request).await.map_err(|error| {
                let mut failure = Failure::from(error);
                if defaulted && failure.bad_input {
                    failure.message.push_str(&format!(
                        " (the owner is ADMIN_USERNAME={owner} unless --user NAME is given)"
                    ));
                }
                failure
            })?;
            eprintln!(
                "note: the secret is shown this once and cannot be shown again: store it now (revoke it with `registry-manager token revoke {}`)",
                created.token.id
            );
            if quiet {
                return print(&format!("{}\n", created.secret));
            }
            print(&created_token(&created))
        }
        TokenCommand::List { user, json } => {
            let mut list = accounts::list_tokens(auth, cli, true)?;
            if let Some(user) = user {
                let account = find_user(auth, cli, &user)?.ok_or_else(|| {
                    Failure::bad_input(format!(
                        "no user named {user:?}: `registry-manager user list` shows the accounts"
                    ))
                })?;
                list.tokens.retain(|token| token.owner == account.username);
            }
            if json {
                return print_json(&list);
            }
            print(&tokens_table(&list.tokens))
        }
        TokenCommand::Revoke { id } => {
            let token = accounts::revoke_token(auth, cli, &id).await?;
            print(&format!("revoked token {} (id {}) of {}\n", token.name, token.id, token.owner))
        }
    }
}

/// The account named `username`, matched as the store matches names (ASCII case ignored).
fn find_user(auth: &Auth, cli: &Principal, username: &str) -> Result<Option<UserInfo>, Failure> {
    let users = accounts::list_users(auth, cli)?.users;
    Ok(users.into_iter().find(|user| user.username.eq_ignore_ascii_case(username)))
}

/// A new password: the first line of stdin (`--password-stdin`), or typed twice on the terminal
/// without echo. Never an argument: that would show in `ps` and the shell history.
fn read_password(username: &str, from_stdin: bool, verb: &str) -> Result<String, Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Failure::bad_input("the password on stdin is not UTF-8 text"),
            _ => Failure::other(format!("cannot read the password from stdin: {e}")),
        })?;
        let password = line.strip_suffix('\n').unwrap_or(&line);
        let password = password.strip_suffix('\r').unwrap_or(password);
        return Ok(password.to_owned());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::bad_input(format!(
            "no password given: stdin is not a terminal to prompt on, so pipe the password in and add --password-stdin, e.g. printf '%s\\n' \"$PASSWORD\" | registry-manager user {verb} {username} --password-stdin"
        )));
    }
    let prompt = |text: &str| {
        rpassword::prompt_password(text).map_err(|e| Failure::other(format!("cannot read the password: {e}")))
    };
    let first = prompt(&format!("New password for {username}: "))?;
    let second = prompt("The same password again: ")?;
    if first != second {
        return Err(Failure::bad_input(
            "the two passwords differ: run the command again and type the same password twice",
        ));
    }
    Ok(first)
}

/// Writes to stdout. A reader that stopped early (`… | head`) is not an error.
fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::other(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// The same JSON the REST API answers (`{"users": […]}`, `{"tokens": […]}`).
fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(value).map_err(|e| Failure::other(e.to_string()))?;
    print(&format!("{json}\n"))
}

fn users_table(users: &[UserInfo]) -> String {
    let rows = users
        .iter()
        .map(|user| {
            vec![
                user.username.clone(),
                user.role.to_string(),
                if user.disabled { "yes" } else { "no" }.to_owned(),
                short_time(&user.created_at),
                user.last_login_at.as_deref().map_or_else(|| "never".to_owned(), short_time),
            ]
        })
        .collect::<Vec<_>>();
    table(&["USERNAME", "ROLE", "DISABLED", "CREATED (UTC)", "LAST LOGIN (UTC)"], &rows)
}

fn tokens_table(tokens: &[TokenInfo]) -> String {
    // Stored times are fixed-width RFC 3339 UTC, so they compare as strings.
    let now = format_time(now_ms());
    let rows = tokens
        .iter()
        .map(|token| {
            let status = if token.revoked_at.is_some() {
                "revoked"
            } else if token.expires_at.as_deref().is_some_and(|at| at <= now.as_str()) {
                "expired"
            } else {
                "active"
            };
            vec![
                token.id.clone(),
                token.name.clone(),
                token.role.to_string(),
                token.owner.clone(),
                format!("{}…", token.prefix),
                short_time(&token.created_at),
                token.expires_at.as_deref().map_or_else(|| "never".to_owned(), short_time),
                token.last_used_at.as_deref().map_or_else(|| "never".to_owned(), short_time),
                status.to_owned(),
            ]
        })
        .collect::<Vec<_>>();
    let header = [
        "ID",
        "NAME",
        "ROLE",
        "OWNER",
        "PREFIX",
        "CREATED (UTC)",
        "EXPIRES (UTC)",
        "LAST USED (UTC)",
        "STATUS",
    ];
    table(&header, &rows)
}

fn created_token(created: &CreatedToken) -> String {
    let token = &created.token;
    let expires = token.expires_at.as_deref().map_or_else(|| "never".to_owned(), short_time);
    format!(
        "created token {} (id {}) for {}: {} role, expires {expires}\n{}\n",
        token.name, token.id, token.owner, token.role, created.secret
    )
}

/// Left-aligned columns two spaces apart, as `docker ps` prints them.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths = header.iter().map(|h| h.chars().count()).collect::<Vec<_>>();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded =
            cells.zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect::<Vec<_>>().join("  ");
        format!("{}\n", padded.trim_end())
    };
    let mut text = line(&mut header.iter().copied());
    for row in rows {
        text.push_str(&line(&mut row.iter().map(String::as_str)));
    }
    text
}
