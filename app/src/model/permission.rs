//! The permission table: every operation the REST API and the server functions offer, and the
//! role it needs. The server's service layer checks it; the UI reads the same table to hide what
//! the signed-in role may not do, so the two can never disagree.

use serde::{Deserialize, Serialize};

use super::auth::Role;

/// One operation a caller can ask for. The kebab-case name is what the audit log records.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Operation {
    // Reads: viewer.
    ListRepositories,
    ListTags,
    TagDetail,
    ListJobs,
    GetJob,
    ListLocalImages,
    PreviewSync,
    PreviewRemotePrefix,
    PreviewLocalPush,
    PreviewLocalDelete,
    PreviewMerge,
    /// Health with error details, versions and host facts (anonymous callers get the short form).
    ReadStatus,
    /// Storage usage per repository (`GET /api/storage`).
    ReadStorage,
    /// List and read retention policies.
    ListRetentionPolicies,
    /// List, create and revoke one's own API tokens (never above one's own role).
    ManageOwnTokens,
    /// Change one's own password (a signed-in user).
    ChangePassword,
    // Copies and single deletes: operator.
    StartSync,
    StartRemotePrefix,
    StartLocalPush,
    StartLocalDelete,
    /// Write a multi-arch tag over existing manifests (and, if asked, delete the source tags).
    StartMerge,
    StartSplit,
    /// A retention dry run: a job that lists the tags a policy would delete, deleting nothing.
    PreviewRetention,
    /// Scan the storage usage again (`POST /api/storage-scan-jobs`): it only reads, so
    /// `READ_ONLY` allows it; audited as every job start is.
    StartStorageScan,
    CancelJob,
    RetryJob,
    /// `scope=tag`: one tag; siblings on the same digest survive.
    DeleteTag,
    // Anything that deletes more than one tag, accounts, every token, the audit log: admin.
    /// `scope=image`: the manifest and every tag on it.
    DeleteImage,
    DeleteRepository,
    StartRepositoryDelete,
    /// Garbage collection of the registry's storage (`POST /api/gc-jobs`), dry run or real.
    StartGc,
    /// Remove the directory of a repository with no tags left (`DELETE
    /// /api/empty-repositories/{repository}`), where this server has the registry's storage.
    RemoveEmptyRepository,
    ManageUsers,
    ManageAllTokens,
    ReadAudit,
    /// Create, change and delete retention policies.
    ManageRetentionPolicies,
    /// Run a retention policy for real: delete the tags it lets go.
    StartRetention,
    // Sessions: anyone may try; recorded in the audit log.
    Login,
    Logout,
    Setup,
}

impl Operation {
    /// The role this operation needs; `None` for the session operations anyone may attempt.
    pub fn role(self) -> Option<Role> {
        use Operation::*;
        Some(match self {
            ListRepositories
            | ListTags
            | TagDetail
            | ListJobs
            | GetJob
            | ListLocalImages
            | PreviewSync
            | PreviewRemotePrefix
            | PreviewLocalPush
            | PreviewLocalDelete
            | PreviewMerge
            | ReadStatus
            | ReadStorage
            | ListRetentionPolicies
            | ManageOwnTokens
            | ChangePassword => Role::Viewer,
            StartSync | StartRemotePrefix | StartLocalPush | StartLocalDelete | StartMerge | StartSplit
            | PreviewRetention | StartStorageScan | CancelJob | RetryJob | DeleteTag => Role::Operator,
            DeleteImage
            | DeleteRepository
            | StartRepositoryDelete
            | StartGc
            | RemoveEmptyRepository
            | ManageUsers
            | ManageAllTokens
            | ReadAudit
            | ManageRetentionPolicies
            | StartRetention => Role::Admin,
            Login | Logout | Setup => return None,
        })
    }

    /// Whether `role` may do this.
    pub fn allowed(self, role: Role) -> bool {
        self.role().is_none_or(|needed| role >= needed)
    }

    /// Changes are recorded in the audit log and refused by a `READ_ONLY` server. Reads are neither.
    pub fn is_change(self) -> bool {
        use Operation::*;
        !matches!(
            self,
            ListRepositories
                | ListTags
                | TagDetail
                | ListJobs
                | GetJob
                | ListLocalImages
                | PreviewSync
                | PreviewRemotePrefix
                | PreviewLocalPush
                | PreviewLocalDelete
                | PreviewMerge
                | ReadStatus
                | ReadStorage
                | ListRetentionPolicies
                | PreviewRetention
                | ReadAudit
        )
    }

    /// Whether `READ_ONLY=true` refuses it: changes to the registry, the daemon or the jobs.
    /// Accounts, tokens and sessions are the server's own data and keep working.
    pub fn blocked_by_read_only(self) -> bool {
        use Operation::*;
        self.is_change()
            && !matches!(
                self,
                ManageOwnTokens
                    | ManageUsers
                    | ManageAllTokens
                    | Login
                    | Logout
                    | Setup
                    | ChangePassword
                    | StartStorageScan
            )
    }

    /// Words for messages: "… cannot {describe}".
    pub fn describe(self) -> &'static str {
        use Operation::*;
        match self {
            ListRepositories => "list repositories",
            ListTags => "list tags",
            TagDetail => "read a tag",
            ListJobs => "list jobs",
            GetJob => "read a job",
            ListLocalImages => "list local images",
            PreviewSync => "preview a sync",
            PreviewRemotePrefix => "preview a rename",
            PreviewLocalPush => "preview a local push",
            PreviewLocalDelete => "preview a local delete",
            PreviewMerge => "preview a multi-arch merge",
            ReadStatus => "read the detailed status",
            ReadStorage => "read the storage usage",
            ListRetentionPolicies => "read retention policies",
            PreviewRetention => "preview a retention policy",
            ManageRetentionPolicies => "manage retention policies",
            StartRetention => "run a retention policy",
            ManageOwnTokens => "manage your API tokens",
            StartSync => "start a sync",
            StartRemotePrefix => "start a rename",
            StartLocalPush => "push local images",
            StartLocalDelete => "delete local images",
            StartMerge => "combine architectures into a multi-arch tag",
            StartSplit => "split a multi-arch tag",
            CancelJob => "cancel a job",
            RetryJob => "retry a job",
            DeleteTag => "delete a tag",
            DeleteImage => "delete an image with all its tags",
            DeleteRepository => "delete a repository",
            StartRepositoryDelete => "delete repositories",
            StartGc => "run garbage collection",
            StartStorageScan => "scan the storage usage",
            RemoveEmptyRepository => "remove an empty repository",
            ManageUsers => "manage users",
            ManageAllTokens => "manage other users' API tokens",
            ReadAudit => "read the audit log",
            Login => "log in",
            Logout => "log out",
            Setup => "create the first admin",
            ChangePassword => "change a password",
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use strum::VariantArray as _;

    use super::{Operation, Role};

    #[test]
    fn roles_follow_the_issue_table() {
        use Operation::*;
        let cases = [
            (ListTags, Some(Role::Viewer)),
            (PreviewRemotePrefix, Some(Role::Viewer)),
            (ManageOwnTokens, Some(Role::Viewer)),
            (StartSync, Some(Role::Operator)),
            (DeleteTag, Some(Role::Operator)),
            (StartLocalDelete, Some(Role::Operator)),
            (StartMerge, Some(Role::Operator)),
            (StartSplit, Some(Role::Operator)),
            (PreviewMerge, Some(Role::Viewer)),
            (DeleteImage, Some(Role::Admin)),
            (DeleteRepository, Some(Role::Admin)),
            (StartRepositoryDelete, Some(Role::Admin)),
            (ReadAudit, Some(Role::Admin)),
            (ReadStorage, Some(Role::Viewer)),
            (ListRetentionPolicies, Some(Role::Viewer)),
            (PreviewRetention, Some(Role::Operator)),
            (ManageRetentionPolicies, Some(Role::Admin)),
            (StartRetention, Some(Role::Admin)),
            (StartGc, Some(Role::Admin)),
            (StartStorageScan, Some(Role::Operator)),
            (RemoveEmptyRepository, Some(Role::Admin)),
            (Login, None),
        ];
        for (operation, role) in cases {
            assert_eq!(operation.role(), role, "{operation}");
        }
        assert!(DeleteTag.allowed(Role::Admin) && !DeleteTag.allowed(Role::Viewer));
        assert!(Login.allowed(Role::Viewer));
    }

    #[test]
    fn names_round_trip_and_are_kebab_case() {
        for operation in Operation::VARIANTS {
            let name = operation.to_string();
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{name}");
            assert_eq!(name.parse::<Operation>(), Ok(*operation));
        }
        assert_eq!(Operation::StartRepositoryDelete.as_str(), "start-repository-delete");
    }

    #[test]
    fn read_only_blocks_registry_changes_but_not_accounts() {
        assert!(Operation::DeleteTag.blocked_by_read_only());
        assert!(Operation::StartSync.blocked_by_read_only());
        assert!(!Operation::ListTags.blocked_by_read_only());
        assert!(!Operation::ManageUsers.blocked_by_read_only());
        // A scan only reads the registry: allowed under READ_ONLY, still audited.
        assert!(!Operation::StartStorageScan.blocked_by_read_only());
        assert!(Operation::StartStorageScan.is_change());
        assert!(Operation::RemoveEmptyRepository.blocked_by_read_only());
        assert!(!Operation::Login.blocked_by_read_only());
    }
}
