//! Accounts, roles, API tokens and the audit log, as the UI, the REST API and the backend see them.
//! Secrets (password hashes, token hashes, session ids) never appear in these types, with one
//! exception: [`CreatedToken::secret`], shown once to the user who created the token.

use serde::{Deserialize, Serialize};

/// What a caller may do. Ordered: each role may do everything the roles before it may.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Role {
    /// Browse everything, watch jobs, list local images.
    Viewer,
    /// Viewer, plus start, cancel and retry copy jobs, delete single tags and local images.
    Operator,
    /// Operator, plus repository deletes, users, every token, the audit log.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// An account, without its password hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    pub role: Role,
    pub created_at: String,
    pub last_login_at: Option<String>,
    pub disabled: bool,
}

/// An API token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Public id (used to revoke it).
    pub id: String,
    pub name: String,
    pub role: Role,
    /// Username of the account that created it; the token never acts above that account's role.
    pub owner: String,
    /// The first characters of the secret (`rmt_AbCd`), so a user can tell tokens apart.
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token just created: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token: TokenInfo,
    pub secret: String,
}

/// `{tokens: [...]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
}

/// `{users: [...]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserInfo>,
}

/// How an audited operation ended.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum AuditOutcome {
    /// Done (for a job: accepted and queued; the job's own history says how it ended).
    Ok,
    /// Refused by the permission check (no credentials, or a role too low).
    Denied,
    /// Tried and failed; `error` says why.
    Failed,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// Username, `token:<name>` for an API token, `anonymous`, or `local` under `AUTH=none`.
    pub actor: String,
    pub client_addr: Option<String>,
    /// The operation's kebab-case name (`delete-tag`, `start-sync`, `login`…).
    pub operation: String,
    /// What it acted on (`team/app:1.0`, a username, a token name…).
    pub target: String,
    pub outcome: AuditOutcome,
    pub error: Option<String>,
    pub job_id: Option<String>,
}

/// Filters of `GET /api/audit`: newest first, `before` an entry id for paging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub limit: Option<usize>,
    pub before: Option<i64>,
    pub actor: Option<String>,
    pub operation: Option<String>,
}

/// `{entries: [...]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    pub entries: Vec<AuditEntry>,
}

/// Who the browser is logged in as (for the shell and for hiding what the role may not do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub role: Role,
    /// False under `AUTH=none`: there is nobody to log out.
    pub auth_enabled: bool,
}
