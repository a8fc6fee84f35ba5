//! Start-up configuration: command-line flags, each with the environment variable the original tool
//! used. Every value is validated here, so a bad one stops start-up with a message that names the
//! variable and the accepted form instead of failing later inside a request.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use url::Url;

pub use super::auth::authenticator::AuthMode;
use super::http_policy::{AllowedHost, parse_allowed_host, parse_allowed_origin};
use super::registry::HostPattern;
use crate::model::Role;

/// Registry Manager: run a private Docker registry from one page.
#[derive(Clone, Debug, Parser)]
#[command(name = "registry-manager", version, about, max_term_width = 100)]
pub struct Config {
    /// Base URL of the registry's HTTP API (http:// or https://), without credentials (they go in
    /// REGISTRY_USERNAME and REGISTRY_PASSWORD). Defaults to http://127.0.0.1:5000, or to
    /// EMBEDDED_REGISTRY_ADDR with REGISTRY_MODE=embedded.
    #[arg(long = "registry-api-url", env = "REGISTRY_API_URL", value_parser = Quiet(parse_registry_url))]
    registry_api_url_given: Option<Url>,

    /// `external` (default): use the registry at REGISTRY_API_URL as it is. `embedded`: start and
    /// supervise Debian's docker-registry on EMBEDDED_REGISTRY_ADDR, with its storage and config
    /// under DATA_DIR/registry (deletes enabled), restart it if it dies, stop it on shutdown; the
    /// manager can then run garbage collection on it.
    #[arg(long, env = "REGISTRY_MODE", value_enum, default_value = "external")]
    pub registry_mode: RegistryMode,

    /// Address the embedded registry listens on (REGISTRY_MODE=embedded).
    #[arg(long, env = "EMBEDDED_REGISTRY_ADDR", default_value = "127.0.0.1:5000", value_parser = parse_embedded_addr)]
    pub embedded_registry_addr: SocketAddr,

    /// The registry binary the embedded mode runs. Defaults to `docker-registry` (Debian's name),
    /// else `registry`, found on PATH.
    #[arg(long, env = "EMBEDDED_REGISTRY_BIN")]
    pub embedded_registry_bin: Option<PathBuf>,

    /// A registry container this server may operate through the Docker socket (DOCKER_HOST) to
    /// collect its garbage: stopped for the sweep, which runs in a one-off container of its image
    /// with its volumes, then started again. The full-stack compose names it `registry`.
    #[arg(long, env = "REGISTRY_CONTAINER", value_parser = parse_container_name)]
    pub registry_container: Option<String>,

    /// The registry's config file inside REGISTRY_CONTAINER.
    #[arg(long, env = "REGISTRY_CONTAINER_CONFIG", default_value = "/etc/docker/registry/config.yml", value_parser = parse_absolute_path)]
    pub registry_container_config: String,

    /// The config.yml of a registry on this host that this server may collect the garbage of,
    /// with REGISTRY_BIN. The sweep runs only while that registry is read-only
    /// (storage.maintenance.readonly.enabled: true) or not answering on its http.addr.
    #[arg(long, env = "REGISTRY_CONFIG")]
    pub registry_config: Option<PathBuf>,

    /// The binary that runs `garbage-collect` for REGISTRY_CONFIG. Defaults to `docker-registry`
    /// (Debian's name), else `registry`, found on PATH.
    #[arg(long, env = "REGISTRY_BIN")]
    pub registry_bin: Option<PathBuf>,

    /// host[:port] that users `docker push`/`docker pull` against. Defaults to the host:port of
    /// REGISTRY_API_URL.
    #[arg(long, env = "REGISTRY_PUSH_HOST", value_parser = parse_push_host)]
    registry_push_host: Option<String>,

    /// Timeout for each registry request, in seconds.
    #[arg(long, env = "REQUEST_TIMEOUT_SEC", default_value = "20", value_parser = parse_timeout)]
    pub request_timeout_sec: u64,

    /// Repositories per page when reading the registry catalog.
    #[arg(long, env = "MAX_CATALOG_RESULTS", default_value = "200", value_parser = parse_catalog_results)]
    pub max_catalog_results: u32,

    /// Seconds a tag's digest and a repository's tag count, read from the registry, are used as
    /// they are (changes through the app show at once; this bounds how long a change made
    /// elsewhere goes unseen).
    #[arg(long, env = "TAG_CACHE_TTL_SEC", default_value = "30", value_parser = parse_tag_cache_ttl)]
    pub tag_cache_ttl_sec: u64,

    /// Seconds past which a tag's digest is no longer shown while it is revalidated in the
    /// background (stale-while-revalidate), but re-checked first; 0 turns stale answers off.
    #[arg(long, env = "TAG_CACHE_MAX_STALE_SEC", default_value = "600", value_parser = parse_tag_cache_max_stale)]
    pub tag_cache_max_stale_sec: u64,

    /// Seconds between background refreshes of the tag count index under DATA_DIR (every indexed
    /// repository older than TAG_CACHE_TTL_SEC has its tags listed again).
    #[arg(long, env = "TAG_INDEX_REFRESH_SEC", default_value = "600", value_parser = parse_tag_index_refresh)]
    pub tag_index_refresh_sec: u64,

    /// How many finished jobs to keep in history.
    #[arg(long, env = "SYNC_JOB_RETENTION", default_value = "120", value_parser = parse_retention)]
    pub sync_job_retention: u32,

    /// Address the web server listens on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8080", value_parser = parse_listen_addr)]
    pub listen_addr: SocketAddr,

    /// Directory for the server's own data (job history).
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Jobs that run at once; more wait in the queue.
    #[arg(long, env = "JOB_WORKERS", default_value = "2", value_parser = parse_job_workers)]
    pub job_workers: usize,

    /// Jobs that may wait in the queue for a worker; starting one more is refused (`429`).
    #[arg(long, env = "MAX_QUEUED_JOBS", default_value = "100", value_parser = parse_max_queued_jobs)]
    pub max_queued_jobs: usize,

    /// Live job streams (SSE) one user may have open at once; one more is refused (`429`).
    #[arg(long, env = "MAX_STREAMS_PER_USER", default_value = "8", value_parser = parse_max_streams)]
    pub max_streams_per_user: usize,

    /// Local images a push job tags and pushes at once.
    #[arg(long, env = "LOCAL_PUSH_CONCURRENCY", default_value = "2", value_parser = parse_local_push_concurrency)]
    pub local_push_concurrency: usize,

    /// Docker `config.json`-style file with credentials for source registries
    /// (`{"auths": {"host:port": {"auth": "<base64 user:password>"}}}`).
    #[arg(long, env = "SOURCE_REGISTRY_AUTH_FILE")]
    pub source_registry_auth_file: Option<PathBuf>,

    /// Comma-separated host:port of source registries spoken to over plain http (loopback hosts
    /// always are, as with the Docker daemon).
    #[arg(long, env = "INSECURE_REGISTRIES", value_delimiter = ',')]
    pub insecure_registries: Vec<String>,

    /// Comma-separated host[:port] patterns (registry.corp.example, 127.0.0.1:5001,
    /// *.corp.example) of registries the server may connect to even at loopback, private,
    /// link-local or other non-public addresses (REGISTRY_API_URL always may). A pattern with a
    /// port allows that port only.
    #[arg(long, env = "SOURCE_REGISTRIES", value_delimiter = ',', value_parser = parse_source_registry)]
    pub source_registries: Vec<HostPattern>,

    /// Comma-separated host[:port] patterns of registries that rename and local push jobs may
    /// write to (`target_registry_host`) besides our own (REGISTRY_PUSH_HOST). They may be at any
    /// address, as SOURCE_REGISTRIES.
    #[arg(long, env = "TARGET_REGISTRIES", value_delimiter = ',', value_parser = parse_target_registry)]
    pub target_registries: Vec<HostPattern>,

    /// Comma-separated host[:port] patterns of token services on other hosts than their registry
    /// (e.g. Docker Hub's) that may receive registry credentials, over https.
    #[arg(long, env = "TOKEN_REALM_HOSTS", value_delimiter = ',', value_parser = parse_token_realm_host)]
    pub token_realm_hosts: Vec<HostPattern>,

    /// Docker daemon address (unix:///path/docker.sock, tcp://host:port). Defaults to the local
    /// socket, /var/run/docker.sock.
    #[arg(long, env = "DOCKER_HOST", value_parser = Quiet(parse_docker_host))]
    pub docker_host: Option<String>,

    /// User name for registry Basic auth or the token service.
    #[arg(long, env = "REGISTRY_USERNAME", requires = "registry_password")]
    pub registry_username: Option<String>,

    /// Password for REGISTRY_USERNAME.
    #[arg(long, env = "REGISTRY_PASSWORD", hide_env_values = true, requires = "registry_username")]
    pub registry_password: Option<Secret>,

    /// PEM file with the CA certificate(s) to trust for an https:// registry.
    #[arg(long, env = "REGISTRY_CA_CERT", value_parser = parse_ca_cert)]
    pub registry_ca_cert: Option<PathBuf>,

    /// Accept any TLS certificate from the registry (self-signed test setups only).
    #[arg(long, env = "REGISTRY_INSECURE")]
    pub registry_insecure: bool,

    /// Refuse every change (deletes, jobs); browsing keeps working.
    #[arg(long, env = "READ_ONLY")]
    pub read_only: bool,

    /// `on` (default): every page and API call needs a session, a token or Basic credentials.
    /// `none`: no login, everyone is admin; only allowed when LISTEN_ADDR is a loopback address.
    #[arg(long, env = "AUTH", value_enum, default_value = "on")]
    pub auth: AuthMode,

    /// Username of the admin that ADMIN_PASSWORD creates or resets at start.
    #[arg(long, env = "ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,

    /// Creates (or resets) ADMIN_USERNAME as an enabled admin with this password at start.
    #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true, conflicts_with = "admin_password_file")]
    pub admin_password: Option<Secret>,

    /// File holding ADMIN_PASSWORD (e.g. a Docker secret); one trailing newline is ignored.
    #[arg(long, env = "ADMIN_PASSWORD_FILE")]
    pub admin_password_file: Option<PathBuf>,

    /// A session ends after this many minutes without a request.
    #[arg(long, env = "SESSION_IDLE_MINUTES", default_value = "720", value_parser = parse_session_idle)]
    pub session_idle_minutes: u64,

    /// A session ends this many hours after login, however active.
    #[arg(long, env = "SESSION_MAX_HOURS", default_value = "168", value_parser = parse_session_max)]
    pub session_max_hours: u64,

    /// Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and
    /// X-Forwarded-Proto are believed.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Days the audit log keeps an entry.
    #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value = "365", value_parser = parse_audit_days)]
    pub audit_retention_days: u64,

    /// The URL people open the app at (e.g. https://registry-ui.example): its host is accepted in
    /// the Host header and its origin in Origin; used in the setup link the log prints; an https
    /// URL makes the session cookie `Secure`.
    #[arg(long, env = "PUBLIC_URL", value_parser = Quiet(parse_public_url))]
    pub public_url: Option<Url>,

    /// Comma-separated further host names (host or host:port) the server answers to, besides
    /// localhost, 127.0.0.1, [::1], LISTEN_ADDR's address and PUBLIC_URL's host. Other Host
    /// headers are answered 421 (DNS rebinding).
    #[arg(long, env = "ALLOWED_HOSTS", value_delimiter = ',', value_parser = parse_allowed_host)]
    pub allowed_hosts: Vec<AllowedHost>,

    /// Comma-separated origins (scheme://host[:port]) whose pages may send changes with the
    /// session cookie, besides the server's own and PUBLIC_URL's.
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',', value_parser = Quiet(parse_allowed_origin))]
    pub allowed_origins: Vec<String>,

    /// Where the built site (pkg/*.js, *.wasm, *.css) is served from.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Without a command: serve the app. With one: manage accounts or tokens on DATA_DIR and exit
    /// (server flags such as --data-dir go before the command; their variables work as usual).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Who runs the registry: someone else (`external`), or this server (`embedded`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum RegistryMode {
    External,
    Embedded,
}

impl RegistryMode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// `registry-manager user …` / `token …`: for scripts, and for recovery when no admin can sign in.
/// Run on the server's host with its DATA_DIR; every change is audited with the actor `cli`.
/// `healthcheck` probes the running server instead.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Accounts: add, reset a password, disable, enable, list.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Ask the server on LISTEN_ADDR for GET /api/health: exit 0 if it answers 200 in time, else 1.
    /// The container image's HEALTHCHECK; it reads nothing in DATA_DIR.
    Healthcheck {
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
        timeout: u64,
    },
}

/// `registry-manager user …`. Passwords are never arguments (they would show in `ps` and the shell
/// history): they are read from stdin with --password-stdin, or prompted for twice on the terminal.
#[derive(Clone, Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add {
        username: String,
        /// What the account may do.
        #[arg(long, default_value = "viewer", value_parser = role_parser())]
        role: Role,
        /// Read the password from the first line of stdin instead of prompting for it.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account; its sessions end.
    Passwd {
        username: String,
        /// Read the password from the first line of stdin instead of prompting for it.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: its sessions end and its tokens stop working until it is enabled.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// List the accounts.
    List {
        /// Print `{"users": [...]}` as the REST API does, instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `registry-manager token …`.
#[derive(Clone, Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print its secret (shown this once only).
    Create {
        /// A name to tell the token apart, e.g. ci-deploy.
        #[arg(long)]
        name: String,
        /// What the token may do; at most its owner's role.
        #[arg(long, value_parser = role_parser())]
        role: Role,
        /// How long it works: a duration such as 90d, 12h or 2w (rounded up to whole days), or `never`.
        #[arg(long, default_value = "never", value_parser = parse_expiry)]
        expires: Expiry,
        /// The account the token acts for. Defaults to ADMIN_USERNAME.
        #[arg(long)]
        user: Option<String>,
        /// Print only the secret, for `TOKEN=$(registry-manager token create … --quiet)`.
        #[arg(long)]
        quiet: bool,
    },
    /// List API tokens (revoked ones too), all or one account's.
    List {
        /// Only this account's tokens.
        #[arg(long)]
        user: Option<String>,
        /// Print `{"tokens": [...]}` as the REST API does, instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an API token by its id (see `token list`).
    Revoke { id: String },
}

/// `token create --expires`: whole days, as the service takes them, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    Never,
    Days(u32),
}

impl Expiry {
    pub fn days(self) -> Option<u32> {
        match self {
            Expiry::Never => None,
            Expiry::Days(days) => Some(days),
        }
    }
}

impl Config {
    /// Rules that involve more than one setting; checked before anything starts.
    pub fn validate(&self) -> Result<(), String> {
        let mut gc_targets = Vec::new();
        if self.registry_mode == RegistryMode::Embedded {
            gc_targets.push("REGISTRY_MODE=embedded".to_owned());
        }
        if let Some(name) = &self.registry_container {
            gc_targets.push(format!("REGISTRY_CONTAINER={name}"));
        }
        if let Some(path) = &self.registry_config {
            gc_targets.push(format!("REGISTRY_CONFIG={}", path.display()));
        }
        if gc_targets.len() > 1 {
            return Err(format!(
                "{} each name a registry whose garbage this server collects; set only one of them",
                gc_targets.join(", ")
            ));
        }
        if self.registry_bin.is_some() && self.registry_config.is_none() {
            return Err(
                "REGISTRY_BIN runs garbage-collect for the registry REGISTRY_CONFIG describes: set REGISTRY_CONFIG too, or drop REGISTRY_BIN"
                    .to_owned(),
            );
        }
        if self.auth == AuthMode::None && !self.listen_addr.ip().is_loopback() {
            return Err(format!(
                "AUTH=none is only allowed on a loopback LISTEN_ADDR (127.0.0.1 or [::1]), not {}: anyone who reaches the port would be admin. Keep AUTH on, or listen on 127.0.0.1",
                self.listen_addr
            ));
        }
        Ok(())
    }

    /// The admin password from ADMIN_PASSWORD or ADMIN_PASSWORD_FILE.
    pub fn admin_password(&self) -> Result<Option<Secret>, String> {
        if let Some(password) = &self.admin_password {
            return Ok(Some(password.clone()));
        }
        let Some(path) = &self.admin_password_file else { return Ok(None) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("ADMIN_PASSWORD_FILE must name a readable file; {}: {e}", path.display()))?;
        let password = text.strip_suffix('\n').unwrap_or(&text);
        let password = password.strip_suffix('\r').unwrap_or(password);
        Ok(Some(Secret::new(password)))
    }

    /// The base URL of links the server prints (the setup link): PUBLIC_URL, or LISTEN_ADDR with
    /// an unspecified address (0.0.0.0, [::]) shown as loopback.
    pub fn public_base(&self) -> String {
        if let Some(url) = &self.public_url {
            return url.as_str().trim_end_matches('/').to_owned();
        }
        let mut addr = self.listen_addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        format!("http://{addr}")
    }

    /// The registry's API URL: REGISTRY_API_URL, else the embedded registry's address in embedded
    /// mode, else http://127.0.0.1:5000 (the original's default).
    pub fn registry_api_url(&self) -> Url {
        if let Some(url) = &self.registry_api_url_given {
            return url.clone();
        }
        let addr = match self.registry_mode {
            RegistryMode::Embedded => self.embedded_registry_addr,
            RegistryMode::External => SocketAddr::from(([127, 0, 0, 1], 5000)),
        };
        Url::parse(&format!("http://{addr}")).expect("a socket address makes a valid URL")
    }

    /// The host users push to: REGISTRY_PUSH_HOST, else host[:port] of REGISTRY_API_URL.
    pub fn registry_push_host(&self) -> String {
        self.registry_push_host.clone().unwrap_or_else(|| host_port(&self.registry_api_url()))
    }

    /// host[:port] of REGISTRY_API_URL.
    pub fn registry_api_host(&self) -> String {
        host_port(&self.registry_api_url())
    }
}

/// A secret value (password) that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// A Docker container name (or id): what `docker run --name` accepts.
fn parse_container_name(value: &str) -> Result<String, String> {
    let name = value.trim().trim_start_matches('/');
    let valid = name.len() > 1
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(name.to_owned())
    } else {
        Err(format!(
            "REGISTRY_CONTAINER must be a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+, e.g. `registry`), not {value:?}"
        ))
    }
}

fn parse_absolute_path(value: &str) -> Result<String, String> {
    if value.starts_with('/') && !value.split('/').any(|part| part == "..") {
        Ok(value.to_owned())
    } else {
        Err(format!("REGISTRY_CONTAINER_CONFIG must be an absolute path in the container, not {value:?}"))
    }
}

fn parse_embedded_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse::<SocketAddr>()
        .map_err(|_| format!("EMBEDDED_REGISTRY_ADDR must be ip:port (e.g. 127.0.0.1:5000), not {value:?}"))
}

fn parse_job_workers(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(n @ 1..=32) => Ok(n),
        _ => Err("JOB_WORKERS must be a whole number of jobs from 1 to 32".to_owned()),
    }
}

fn parse_max_queued_jobs(value: &str) -> Result<usize, String> {
    parse_bounded(value, "MAX_QUEUED_JOBS", "jobs", 1, 100_000).map(|n| n as usize)
}

fn parse_max_streams(value: &str) -> Result<usize, String> {
    parse_bounded(value, "MAX_STREAMS_PER_USER", "streams", 1, 1000).map(|n| n as usize)
}

fn parse_local_push_concurrency(value: &str) -> Result<usize, String> {
    parse_bounded(value, "LOCAL_PUSH_CONCURRENCY", "images", 1, 16).map(|n| n as usize)
}

/// A value parser whose error does not repeat the value, as clap's own errors do
/// (`invalid value 'http://user:password@…'`): for values that may carry a password.
#[derive(Clone, Copy)]
struct Quiet<T>(fn(&str) -> Result<T, String>);

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Quiet<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let arg = arg.map(ToString::to_string).unwrap_or_default();
        let refuse = |message: String| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '{arg}': {message}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value.to_str().ok_or_else(|| refuse("the value is not valid UTF-8".to_owned()))?;
        (self.0)(text).map_err(refuse)
    }
}

/// Whether `url` carries `user:password@` (or just `user@`).
fn has_userinfo(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// Values accepted in the original's looser forms, to be logged as warnings once logging is up
/// (configuration is read before it is).
static STARTUP_WARNINGS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The warnings about configuration values that were accepted after a correction.
pub fn take_startup_warnings() -> Vec<String> {
    std::mem::take(&mut *STARTUP_WARNINGS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

fn warn_at_startup(message: String) {
    STARTUP_WARNINGS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(message);
}

/// `REGISTRY_API_URL` without a scheme gets `http://`, as the original did (with a warning).
fn with_scheme(value: &str) -> (String, Option<String>) {
    let value = value.trim();
    if value.contains("://") || value.is_empty() {
        return (value.to_owned(), None);
    }
    let url = format!("http://{value}");
    let note = format!(
        "REGISTRY_API_URL={value} has no scheme: using {url}; write the scheme to silence this warning"
    );
    (url, Some(note))
}

/// `REGISTRY_PUSH_HOST` given as a URL (`http://host:5000/v2/`) is reduced to `host:port`, as the
/// original did (with a warning); `None` when no host can be read from it.
fn push_host_of_url(value: &str) -> Option<(String, String)> {
    let url =
        Url::parse(&if value.contains("://") { value.to_owned() } else { format!("http://{value}") }).ok()?;
    let host = url.host_str().filter(|h| !h.is_empty())?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let note = format!(
        "REGISTRY_PUSH_HOST={value} is not host[:port]: using {host}; give only host[:port] to silence this warning"
    );
    Some((host, note))
}

fn parse_registry_url(value: &str) -> Result<Url, String> {
    let accepted =
        "REGISTRY_API_URL must be an absolute http:// or https:// URL such as http://127.0.0.1:5000";
    let (value, note) = with_scheme(value);
    let url = Url::parse(&value).map_err(|e| format!("{accepted} ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{accepted} (the scheme http:// or https:// is missing)"));
    }
    // It is shown by /api/health, on the Status page and in every registry error.
    if has_userinfo(&url) {
        return Err(format!(
            "{accepted}, without user:password@: use REGISTRY_USERNAME and REGISTRY_PASSWORD for the credentials"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{accepted}, without ?query or #fragment"));
    }
    if let Some(note) = note {
        warn_at_startup(note);
    }
    Ok(url)
}

fn parse_push_host(value: &str) -> Result<String, String> {
    let value = value.trim();
    let valid = !value.is_empty()
        && !value.contains("://")
        && !value.contains('/')
        && Url::parse(&format!("http://{value}")).is_ok_and(|u| u.host_str().is_some());
    if valid {
        return Ok(value.to_owned());
    }
    match push_host_of_url(value).filter(|_| !value.is_empty() && !value.contains('@')) {
        Some((host, note)) => {
            warn_at_startup(note);
            Ok(host)
        }
        None => {
            Err("REGISTRY_PUSH_HOST must be host[:port] without a scheme or path, such as 127.0.0.1:5000"
                .to_owned())
        }
    }
}

fn parse_source_registry(value: &str) -> Result<HostPattern, String> {
    HostPattern::parse(value, "SOURCE_REGISTRIES")
}

fn parse_target_registry(value: &str) -> Result<HostPattern, String> {
    HostPattern::parse(value, "TARGET_REGISTRIES")
}

fn parse_token_realm_host(value: &str) -> Result<HostPattern, String> {
    HostPattern::parse(value, "TOKEN_REALM_HOSTS")
}

fn parse_bounded(value: &str, variable: &str, what: &str, min: u64, max: u64) -> Result<u64, String> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("{variable} must be a whole number of {what} from {min} to {max}"))
}

fn parse_timeout(value: &str) -> Result<u64, String> {
    parse_bounded(value, "REQUEST_TIMEOUT_SEC", "seconds", 1, 3600)
}

fn parse_tag_cache_ttl(value: &str) -> Result<u64, String> {
    parse_bounded(value, "TAG_CACHE_TTL_SEC", "seconds", 0, 86_400)
}

fn parse_tag_cache_max_stale(value: &str) -> Result<u64, String> {
    parse_bounded(value, "TAG_CACHE_MAX_STALE_SEC", "seconds", 0, 86_400)
}

fn parse_tag_index_refresh(value: &str) -> Result<u64, String> {
    parse_bounded(value, "TAG_INDEX_REFRESH_SEC", "seconds", 1, 86_400)
}

fn parse_catalog_results(value: &str) -> Result<u32, String> {
    // distribution answers 400 to `_catalog?n=` above 1000.
    parse_bounded(value, "MAX_CATALOG_RESULTS", "repositories", 1, 1000).map(|n| n as u32)
}

fn parse_retention(value: &str) -> Result<u32, String> {
    parse_bounded(value, "SYNC_JOB_RETENTION", "jobs", 1, 1_000_000).map(|n| n as u32)
}

fn parse_listen_addr(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| "LISTEN_ADDR must be ip:port, such as 127.0.0.1:8080 or 0.0.0.0:8080".to_owned())
}

fn parse_docker_host(value: &str) -> Result<String, String> {
    let value = value.trim();
    let ok = ["unix://", "tcp://", "http://"]
        .iter()
        .any(|scheme| value.len() > scheme.len() && value.starts_with(scheme));
    let accepted = "DOCKER_HOST must be unix:///path/to/docker.sock or tcp://host:port";
    if !ok {
        return Err(accepted.to_owned());
    }
    let network = !value.starts_with("unix://");
    let authority = value.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or_default());
    if network && authority.is_some_and(|authority| authority.contains('@')) {
        return Err(format!(
            "{accepted}, without user:password@ (the Docker API takes no credentials in its address)"
        ));
    }
    Ok(value.to_owned())
}

fn parse_session_idle(value: &str) -> Result<u64, String> {
    parse_bounded(value, "SESSION_IDLE_MINUTES", "minutes", 1, 525_600)
}

fn parse_session_max(value: &str) -> Result<u64, String> {
    parse_bounded(value, "SESSION_MAX_HOURS", "hours", 1, 8_760)
}

fn parse_audit_days(value: &str) -> Result<u64, String> {
    parse_bounded(value, "AUDIT_RETENTION_DAYS", "days", 1, 36_500)
}

fn parse_proxy(value: &str) -> Result<ipnet::IpNet, String> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("TRUSTED_PROXIES must list IP addresses or CIDR ranges (such as 127.0.0.1 or ::1/128); {value:?} is neither"))
}

fn parse_public_url(value: &str) -> Result<Url, String> {
    let accepted = "PUBLIC_URL must be the absolute http:// or https:// URL people open, such as https://registry-ui.example";
    let url = Url::parse(value.trim()).map_err(|e| format!("{accepted} ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(accepted.to_owned());
    }
    // It is printed in the log (the setup link), so it holds no secret.
    if has_userinfo(&url) || url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{accepted}, without user:password@, ?query or #fragment"));
    }
    Ok(url)
}

fn parse_ca_cert(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => Ok(path),
        Ok(_) => {
            Err(format!("REGISTRY_CA_CERT must name a PEM certificate file; {value} holds no certificate"))
        }
        Err(e) => Err(format!("REGISTRY_CA_CERT must name a readable PEM file; {value}: {e}")),
    }
}

/// `--role`: one of the role names; clap's error lists them.
fn role_parser() -> impl clap::builder::TypedValueParser<Value = Role> {
    use clap::builder::TypedValueParser;
    use strum::VariantArray;
    clap::builder::PossibleValuesParser::new(Role::VARIANTS.iter().map(|role| role.as_str()))
        .map(|name| name.parse::<Role>().expect("a possible value is a role name"))
}

/// `never`, or a humantime duration (`90d`, `12h`, `2w`) rounded up to whole days. The limit on
/// days is the service's rule, checked there.
fn parse_expiry(value: &str) -> Result<Expiry, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("never") {
        return Ok(Expiry::Never);
    }
    let accepted = "--expires must be a duration such as 90d, 12h or 2w, or `never`";
    let duration = humantime::parse_duration(value).map_err(|e| format!("{accepted} ({e})"))?;
    if duration.is_zero() {
        return Err(format!("{accepted}, longer than 0"));
    }
    let days = duration.as_secs().div_ceil(86_400).max(1);
    Ok(Expiry::Days(u32::try_from(days).unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let argv = std::iter::once("registry-manager").chain(args.iter().copied());
        Config::try_parse_from(argv).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_match_the_original_tool() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.registry_api_url().as_str(), "http://127.0.0.1:5000/");
        assert_eq!(config.registry_push_host(), "127.0.0.1:5000");
        assert_eq!(config.request_timeout_sec, 20);
        assert_eq!(config.max_catalog_results, 200);
        assert_eq!(
            (config.tag_cache_ttl_sec, config.tag_cache_max_stale_sec, config.tag_index_refresh_sec),
            (30, 600, 600)
        );
        assert_eq!(config.sync_job_retention, 120);
        assert_eq!(config.listen_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.local_push_concurrency, 2);
        assert_eq!(config.max_queued_jobs, 100);
        assert_eq!(config.max_streams_per_user, 8);
    }

    #[test]
    fn at_most_one_gc_target_is_named() {
        let config = parse(&["--registry-container", "registry"]).unwrap();
        assert_eq!(config.registry_container.as_deref(), Some("registry"));
        assert_eq!(config.registry_container_config, "/etc/docker/registry/config.yml");
        assert!(config.validate().is_ok());
        let config = parse(&["--registry-mode", "embedded", "--registry-container", "registry"]).unwrap();
        let error = config.validate().unwrap_err();
        assert!(error.contains("REGISTRY_MODE=embedded, REGISTRY_CONTAINER=registry"), "{error}");
        let config = parse(&["--registry-container", "registry", "--registry-config", "/etc/r.yml"]).unwrap();
        assert!(config.validate().unwrap_err().contains("set only one of them"));
        let config = parse(&["--registry-bin", "/usr/bin/docker-registry"]).unwrap();
        assert!(config.validate().unwrap_err().contains("set REGISTRY_CONFIG too"));
        assert!(parse(&["--registry-container", "a b"]).unwrap_err().contains("REGISTRY_CONTAINER must be"));
        assert!(
            parse(&["--registry-container-config", "config.yml"])
                .unwrap_err()
                .contains("must be an absolute path")
        );
    }

    #[test]
    fn embedded_mode_points_the_api_url_at_its_registry_unless_given() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.registry_mode, RegistryMode::External);
        let config =
            parse(&["--registry-mode", "embedded", "--embedded-registry-addr", "127.0.0.1:5999"]).unwrap();
        assert_eq!(config.registry_api_url().as_str(), "http://127.0.0.1:5999/");
        assert_eq!(config.registry_push_host(), "127.0.0.1:5999");
        let config =
            parse(&["--registry-mode", "embedded", "--registry-api-url", "http://127.0.0.1:6000"]).unwrap();
        assert_eq!(config.registry_api_url().as_str(), "http://127.0.0.1:6000/");
        let error = parse(&["--embedded-registry-addr", "localhost"]).unwrap_err();
        assert!(error.contains("EMBEDDED_REGISTRY_ADDR must be ip:port"), "{error}");
        assert!(parse(&["--registry-mode", "other"]).is_err());
    }

    #[test]
    fn push_host_follows_the_api_url_unless_given() {
        let config = parse(&["--registry-api-url", "https://127.0.0.1:5443/"]).unwrap();
        assert_eq!(config.registry_push_host(), "127.0.0.1:5443");
        let config = parse(&["--registry-api-url", "https://localhost"]).unwrap();
        assert_eq!(config.registry_push_host(), "localhost");
        let config = parse(&["--registry-push-host", "localhost:5001"]).unwrap();
        assert_eq!(config.registry_push_host(), "localhost:5001");
    }

    #[test]
    fn registry_urls_in_the_originals_looser_forms_are_corrected_with_a_warning() {
        let config = parse(&["--registry-api-url", "127.0.0.1:5000"]).unwrap();
        assert_eq!(config.registry_api_url().as_str(), "http://127.0.0.1:5000/");
        let config = parse(&[
            "--registry-api-url",
            "localhost:5000",
            "--registry-push-host",
            "http://localhost:5000/v2/",
        ])
        .unwrap();
        assert_eq!(
            (config.registry_api_url().as_str(), config.registry_push_host().as_str()),
            ("http://localhost:5000/", "localhost:5000")
        );
        // The warnings (other tests may add theirs meanwhile: look for these two).
        let warnings = take_startup_warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w
                    .contains("REGISTRY_API_URL=localhost:5000 has no scheme: using http://localhost:5000")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.contains(
                "REGISTRY_PUSH_HOST=http://localhost:5000/v2/ is not host[:port]: using localhost:5000"
            )),
            "{warnings:?}"
        );
        assert_eq!(with_scheme("https://r.example").1, None, "a full URL is not warned about");
    }

    #[test]
    fn bad_values_name_the_variable_and_the_accepted_form() {
        let cases: &[(&[&str], &str)] = &[
            (&["--request-timeout-sec", "abc"], "REQUEST_TIMEOUT_SEC must be a whole number of seconds"),
            (&["--request-timeout-sec", "0"], "REQUEST_TIMEOUT_SEC"),
            (&["--registry-api-url", "ftp://127.0.0.1"], "the scheme http:// or https:// is missing"),
            (
                &["--registry-api-url", "http://"],
                "REGISTRY_API_URL must be an absolute http:// or https:// URL",
            ),
            (
                &["--max-catalog-results", "2000"],
                "MAX_CATALOG_RESULTS must be a whole number of repositories from 1 to 1000",
            ),
            (&["--sync-job-retention=-1"], "SYNC_JOB_RETENTION must be a whole number of jobs"),
            (&["--listen-addr", "8080"], "LISTEN_ADDR must be ip:port"),
            (
                &["--local-push-concurrency", "17"],
                "LOCAL_PUSH_CONCURRENCY must be a whole number of images from 1 to 16",
            ),
            (&["--local-push-concurrency", "0"], "LOCAL_PUSH_CONCURRENCY"),
            (&["--max-queued-jobs", "0"], "MAX_QUEUED_JOBS must be a whole number of jobs from 1 to 100000"),
            (&["--max-queued-jobs", "many"], "MAX_QUEUED_JOBS"),
            (
                &["--max-streams-per-user", "0"],
                "MAX_STREAMS_PER_USER must be a whole number of streams from 1 to 1000",
            ),
            (&["--registry-push-host", "http://"], "REGISTRY_PUSH_HOST must be host[:port]"),
            (&["--docker-host", "/var/run/docker.sock"], "DOCKER_HOST must be unix://"),
            (
                &["--registry-ca-cert", "/nonexistent/ca.pem"],
                "REGISTRY_CA_CERT must name a readable PEM file",
            ),
            (&["--registry-username", "alice"], "--registry-password"),
        ];
        for (args, expected) in cases {
            let err = parse(args).expect_err(&format!("{args:?} was accepted"));
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn urls_with_credentials_are_refused_without_repeating_them() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--registry-api-url", "http://alice:s3cret@127.0.0.1:5000"],
                "use REGISTRY_USERNAME and REGISTRY_PASSWORD for the credentials",
            ),
            (&["--registry-api-url", "https://s3cret@127.0.0.1"], "REGISTRY_USERNAME and REGISTRY_PASSWORD"),
            // A value clap cannot use is not repeated either.
            (&["--registry-api-url", "http://alice:s3cret@127.0.0.1:99999"], "REGISTRY_API_URL must be"),
            (&["--public-url", "https://alice:s3cret@registry-ui.example"], "PUBLIC_URL must be"),
            (&["--public-url", "https://registry-ui.example/?key=s3cret"], "without user:password@, ?query"),
            (&["--allowed-origins", "https://alice:s3cret@ci.example"], "ALLOWED_ORIGINS must list origins"),
            (&["--docker-host", "tcp://alice:s3cret@127.0.0.1:2376"], "DOCKER_HOST must be"),
        ];
        for (args, expected) in cases {
            let err = parse(args).expect_err(&format!("{args:?} was accepted"));
            assert!(err.contains(expected), "{args:?}: {err}");
            assert!(!err.contains("s3cret"), "{args:?}: {err}");
        }
    }

    #[test]
    fn allowed_hosts_and_origins_are_lists() {
        let config = parse(&[
            "--allowed-hosts",
            "registry-ui.example,192.0.2.10:8080",
            "--allowed-origins",
            "https://CI.example,http://127.0.0.1:3000",
        ])
        .unwrap();
        assert_eq!(config.allowed_hosts.len(), 2);
        assert_eq!(config.allowed_origins, ["https://ci.example", "http://127.0.0.1:3000"]);
        let err = parse(&["--allowed-hosts", "https://registry-ui.example"]).unwrap_err();
        assert!(err.contains("ALLOWED_HOSTS must list host names"), "{err}");
    }

    #[test]
    fn outbound_lists_are_host_patterns() {
        let config = parse(&[
            "--source-registries",
            "127.0.0.1:5001,*.corp.example",
            "--target-registries",
            "localhost:5002",
            "--token-realm-hosts",
            "auth.example",
        ])
        .unwrap();
        let shown = |list: &[HostPattern]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(shown(&config.source_registries), ["127.0.0.1:5001", "*.corp.example"]);
        assert_eq!(shown(&config.target_registries), ["localhost:5002"]);
        assert_eq!(shown(&config.token_realm_hosts), ["auth.example"]);
        assert!(parse(&[]).unwrap().source_registries.is_empty());
        let cases: &[(&[&str], &str)] = &[
            (&["--source-registries", "http://127.0.0.1:5001"], "SOURCE_REGISTRIES must list host[:port]"),
            (&["--target-registries", "a/b"], "TARGET_REGISTRIES must list host[:port]"),
            (&["--token-realm-hosts", "*"], "TOKEN_REALM_HOSTS must list host[:port]"),
        ];
        for (args, expected) in cases {
            let err = parse(args).expect_err(&format!("{args:?} was accepted"));
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }

    #[test]
    fn passwords_never_print() {
        let config = parse(&["--registry-username", "alice", "--registry-password", "s3cret"]).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert_eq!(config.registry_password.unwrap().expose(), "s3cret");
    }
}
