//! Every message the server writes for a user — errors (validation, permission, not found),
//! job log lines and item details — as a typed [`Key`] with one text per language: [`en`] (the
//! reference) and [`zh_cn`]. Each table is an exhaustive `match` on the key, so a message missing
//! from a language does not compile; the tests check that none is empty and that both languages
//! have the same `{}` placeholders.
//!
//! Messages are rendered on the server in the reader's language (the `lang` cookie, else
//! `Accept-Language`: [`Lang::of_headers`]); the browser only receives finished text, so these
//! tables stay out of the WASM bundle. A template's `{}` are filled by position
//! ([`crate::ui::strings::fill`]); an argument is verbatim text (a name, a number, a reason the
//! registry or Docker gave), another message, or an operation's name, rendered in the same language.

mod en;
mod zh_cn;

#[cfg(test)]
mod tests;

use crate::model::{Message, Operation};
use crate::ui::lang::Lang;

/// Builds a keyed [`Message`]: `msg!(JobNotFound, id)`. Arguments are anything
/// [`IntoArg`]: text and numbers (verbatim), a [`Message`], an [`Operation`].
#[macro_export]
macro_rules! msg {
    ($key:ident $(, $arg:expr)* $(,)?) => {
        $crate::model::Message::Keyed($crate::messages::Keyed {
            key: $crate::messages::Key::$key,
            args: vec![$($crate::messages::IntoArg::into_arg($arg)),*],
        })
    };
}

/// A message of ours: its key and the arguments its template's `{}` take, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Keyed {
    pub key: Key,
    pub args: Vec<Arg>,
}

/// One argument of a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Arg {
    /// Shown as it is in every language: a name, a number, a registry's or Docker's reason.
    Text(String),
    /// Our own wording, rendered in the reader's language.
    Message(Message),
    /// What was attempted ("delete a tag"), in the reader's language.
    Operation(Operation),
}

impl Keyed {
    /// The template of `lang` filled with the arguments, themselves rendered in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|arg| match arg {
                Arg::Text(text) => text.clone(),
                Arg::Message(message) => message.render(lang),
                Arg::Operation(operation) => operation_text(*operation, lang).to_owned(),
            })
            .collect();
        let args: Vec<&dyn std::fmt::Display> = args.iter().map(|a| a as &dyn std::fmt::Display).collect();
        crate::ui::strings::fill(self.key.text(lang), &args)
    }
}

/// How a keyed message is stored (job log lines: `job_logs.message_key`):
/// `{"key": "<code>", "args": [...]}`, each argument a string (verbatim text), a nested
/// `{"key", "args"}` or `{"op": "<operation>"}`.
impl Keyed {
    pub fn to_stored(&self) -> String {
        self.to_json().to_string()
    }

    /// The message a stored value describes; `None` for anything else (a key this build does not
    /// have, say), in which case the stored English text is shown.
    pub fn from_stored(stored: &str) -> Option<Keyed> {
        Keyed::from_json(&serde_json::from_str(stored).ok()?)
    }

    fn to_json(&self) -> serde_json::Value {
        let args = self
            .args
            .iter()
            .map(|arg| match arg {
                Arg::Text(text) | Arg::Message(Message::Text(text)) => serde_json::Value::from(text.as_str()),
                Arg::Message(Message::Keyed(keyed)) => keyed.to_json(),
                Arg::Operation(operation) => serde_json::json!({ "op": operation.as_str() }),
            })
            .collect::<Vec<_>>();
        serde_json::json!({ "key": self.key.code(), "args": args })
    }

    fn from_json(value: &serde_json::Value) -> Option<Keyed> {
        let key = Key::from_code(value.get("key")?.as_str()?)?;
        let args = value
            .get("args")?
            .as_array()?
            .iter()
            .map(|arg| match arg {
                serde_json::Value::String(text) => Some(Arg::Text(text.clone())),
                _ if arg.get("op").is_some() => arg["op"].as_str()?.parse().ok().map(Arg::Operation),
                _ => Keyed::from_json(arg).map(|keyed| Arg::Message(Message::Keyed(keyed))),
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Keyed { key, args })
    }
}

/// Turns a value into a message argument (see [`msg!`]).
pub trait IntoArg {
    fn into_arg(self) -> Arg;
}

impl<T: std::fmt::Display + ?Sized> IntoArg for &T {
    fn into_arg(self) -> Arg {
        Arg::Text(self.to_string())
    }
}

macro_rules! display_args {
    ($($ty:ty),*) => {
        $(impl IntoArg for $ty {
            fn into_arg(self) -> Arg {
                Arg::Text(self.to_string())
            }
        })*
    };
}
display_args!(String, usize, u64, u32, u16, i64);

impl IntoArg for Message {
    fn into_arg(self) -> Arg {
        Arg::Message(self)
    }
}

impl IntoArg for Operation {
    fn into_arg(self) -> Arg {
        Arg::Operation(self)
    }
}

/// Several messages as one, `a; b; c` (`；` in Chinese); empty text for none.
pub fn joined(messages: impl IntoIterator<Item = Message>) -> Message {
    messages
        .into_iter()
        .reduce(|all, next| crate::msg!(Noted, all, next))
        .unwrap_or_else(|| Message::Text(String::new()))
}

/// What an operation is called in `lang` ("delete a tag" / "删除标签").
pub fn operation_text(operation: Operation, lang: Lang) -> &'static str {
    match lang {
        Lang::En => operation.describe(),
        Lang::ZhCn => zh_cn::operation(operation),
    }
}

/// Declares [`Key`]; the texts are in `en.rs` and `zh_cn.rs`.
macro_rules! keys {
    ($($(#[$doc:meta])* $key:ident,)*) => {
        /// A message of the server's. Its [`Key::code`] (`snake_case`) is stable: REST error
        /// bodies carry it as `code`, and job logs store it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
        #[strum(serialize_all = "snake_case")]
        pub enum Key {
            $($(#[$doc])* $key,)*
        }
    };
}

keys! {
    // Access.
    AuthRequired,
    SessionEnded,
    TokenInvalid,
    WrongPassword,
    HowToSignInUi,
    HowToSignInApi,
    RoleTooLow,
    ReadOnly,
    CrossSiteOrigin,
    CrossSiteFetch,
    CrossSiteUnknown,
    LoginInvalid,
    LoginThrottled,
    TooManyStreams,
    // Requests.
    NoSuchApiRoute,
    NoSuchRepositoryRoute,
    NameTheTagToDelete,
    InvalidBody,
    BodyUnreadable,
    BodyTooLarge,
    LoginBodyTooLarge,
    InvalidLogin,
    PasswordsDiffer,
    NoSuchLanguage,
    NoSuchTheme,
    // Registry browsing.
    NotInRepository,
    TagNotInRegistry,
    RepositoryNotInRegistry,
    NotFoundInRegistry,
    DigestNotTag,
    LastNotRepositoryName,
    DeletedPartWay,
    ConfirmRepositoryDelete,
    ConfirmBatchDelete,
    // Accounts and tokens.
    PasswordTooShort,
    PasswordTooLong,
    SetupLinkInvalid,
    UsernameInvalid,
    /// `NAME: reason` (a variable or field, then what is wrong with it).
    Labelled,
    OnlyUsersChangePasswords,
    CurrentPasswordWrong,
    LastAdmin,
    NoSuchUser,
    TokenCannotManageTokens,
    NoAccountsWithoutAuth,
    OwnerDisabled,
    TokenNameInvalid,
    TokenRoleTooHigh,
    TokenExpiryInvalid,
    NoSuchToken,
    // Jobs.
    QueueFull,
    JobNotFound,
    JobAlreadyFinished,
    JobStillRunning,
    NothingToRetry,
    ListEmpty,
    Collision,
    ImageRefsEmpty,
    // Names, tags, digests and references (`backend/registry/reference.rs`).
    RefEmptyRepository,
    RefRepositoryTooLong,
    RefUpperCase,
    RefCharacter,
    RefEmptyComponent,
    RefComponentEdge,
    RefSeparator,
    RefEmptyTag,
    RefTagTooLong,
    RefTagStart,
    RefTagCharacter,
    RefDigest,
    RefImage,
    // Job requests.
    SourceImageEmpty,
    SourceImageInvalid,
    DaemonPullRefused,
    RegistryHostInvalid,
    TargetHostForm,
    TargetHostNotAllowed,
    DoesNotExist,
    FieldInvalid,
    DigestWithoutTag,
    PlatformInvalid,
    DockerOnePlatform,
    AlreadyThatImage,
    // The prefix rule and local references (`naming.rs`).
    PrefixNoneOntoItself,
    PrefixEmptyAdd,
    PrefixEmptyRemove,
    PrefixEmptyComponent,
    RepositoryNameEmpty,
    PrefixItself,
    ImageReferenceEmpty,
    PushByDigest,
    NotRepositoryTag,
    // Item details.
    AlreadyPresent,
    Copied,
    ConflictNotOverwritten,
    CopyCancelled,
    /// `detail; note`.
    Noted,
    CancelledBeforeStart,
    CancelledBeforeEnd,
    NotRun,
    DeletedTags,
    /// `source → target (detail)`.
    CopiedTo,
    MadeLocalTagRemoved,
    LocalTagRemoveFailed,
    LocalTagKept,
    LocalTagRemoved,
    SourceNotOurs,
    OldTagIsPushed,
    OldTagInvalid,
    OldTagDeleted,
    OldTagGone,
    OldTagDeleteFailed,
    // Job log lines and item details of the job kinds.
    LayersPushed,
    LayersPulled,
    PulledPushedVerified,
    PullingThroughDaemon,
    CancelledBeforeTagging,
    CancelledBeforePushing,
    MultiArchCannotList,
    MultiArchWaits,
    MultiArchWritten,
    MultiArchNotWritten,
    NoLocalImage,
    LocalNameMoved,
    Pushing,
    PushedVerified,
    LocalSelected,
    LocalSelectedAlso,
    RemovedNoTags,
    RemovedNoTagsDeleted,
    RemovedTags,
    RemovedTagsDeleted,
    NotRemoved,
    UnchangedByPrefix,
    UnchangedName,
    TagsTo,
    CancelledOldTagsLeft,
    OldTagsNotListed,
    OldTagNotDeleted,
    OldTagKept,
    DeletedDigest,
    OldTagDeletedShort,
    DeletingDigestFailed,
    OldTagDeleteFailedAfterCopy,
    CancelledVerifying,
    PushedNotVerified,
    ServedDiffers,
    PushedMissing,
    // Job log lines.
    CleanupNothingLocal,
    Copying,
    SyncConflict,
    Verified,
    RemovedLocal,
    LocalRemoveFailed,
    AlreadyPointsTo,
    Overwriting,
    WroteChildren,
    Wrote,
    Read,
    IndexLacksPlatform,
    KeptOnePlatform,
    KeptPlatforms,
    FilterNotIndex,
    BlobsAlreadyIn,
    BlobsMounted,
    OneBlob,
    Blobs,
    Streamed,
    JobQueued,
    JobStarted,
    CancelRequested,
    StepAbandoned,
    JobFinished,
    JobFinishedWith,
    ServerStopped,
    // Retention policies.
    RetentionPolicyNotFound,
    RetentionPolicyIdInvalid,
    RetentionPolicyIdOrRules,
    RetentionPolicyIdAndRules,
    FieldTooLong,
    RegexInvalid,
    NumberOutOfRange,
    PolicyNameEmpty,
    PolicyNameTooLong,
    PolicyRepositoriesEmpty,
    PolicyGlobInvalid,
    PolicyDeletesNothing,
    ScheduleFieldCount,
    ScheduleInvalid,
    // Garbage collection.
    GcNotOperated,
    GcAlreadyRunning,
    GcDryRunCommand,
    GcFound,
    GcBlobItem,
    GcUntaggedManifest,
    GcWouldDelete,
    GcNothingToCollect,
    GcReadOnlyRestartFailed,
    GcRestoreFailed,
    GcReadOnlyFor,
    GcReadOnlyForWritable,
    GcDeleted,
    GcStillStored,
    GcFreed,
    GcStoppedFor,
    GcStoppedForRunning,
    GcSweptAsFound,
    GcContainerNotFound,
    GcDockerFailed,
    GcConfigUnreadable,
    GcConfigNotFilesystem,
    GcCommandFailed,
    GcCommandNotRun,
    GcStopFailed,
    GcContainerStartFailed,
    GcHostReadOnly,
    GcHostNotAnswering,
    GcHostNoAddress,
    GcHostWritable,
    // Storage usage.
    StorageScanRepository,
    StorageScanEmpty,
    StorageScanGone,
    StorageScanDone,
    StorageScanCancelled,
    StorageRepositoryNotFound,
    EmptyRepositoryNoStorageAccess,
    EmptyRepositoryHasTags,
    EmptyRepositoryUploading,
    EmptyRepositoryNested,
    EmptyRepositoryRemoveFailed,
    ServerStopping,
    // Retention jobs.
    RetentionMatched,
    RetentionMatchedDryRun,
    RetentionTagsUnreadable,
    RetentionTagsUnreadableItem,
    RetentionCounted,
    RetentionBytesUnknownBecause,
    RetentionStorageUnreadable,
    RetentionFrees,
    RetentionBytesUnknown,
    RetentionImageGoesWith,
    RetentionOnlyTag,
    RetentionBeyondKeepLast,
    RetentionOlderThan,
    RetentionWouldDelete,
    RetentionDryRunTotal,
    RetentionDeletedCount,
    RetentionDeleted,
    RetentionDeletedDigest,
    RetentionCancelledBeforeTag,
    RetentionDeletedTag,
    RetentionDeletingTagFailed,
    GcAfterStarted,
    GcAfterNotStarted,
    GcAfterUnavailable,
    // Merging and splitting multi-arch tags.
    MergeNotOurs,
    MergeNamesDigest,
    MergeSuffixInvalid,
    MergeSuffixesEmpty,
    MergeBothWays,
    MergeNeitherWay,
    MergeOneSource,
    MergeTargetMissing,
    MergeTargetIsSource,
    MergeNothingToCombine,
    MergeSingleLeftAlone,
    MergeAlreadyIndex,
    MergeNotImage,
    MergeNoConfig,
    MergeNoPlatform,
    MergeTargetUnreadable,
    MergeSamePlatform,
    MergeNothingWritten,
    MergeNothingToWrite,
    MergeKindOci,
    MergeKindList,
    MergeAlreadyHolds,
    MergeConflictTarget,
    MergeCancelledNotWritten,
    MergeCopyFailed,
    MergeStoredAs,
    MergeWriting,
    MergeWrote,
    MergeMounted,
    MergeCancelledSourcesKept,
    MergeSourcesKeptResolves,
    MergeNothing,
    MergeSourcesKeptUnchecked,
    MergeMoved,
    MergeSourceKept,
    MergeDeletedSources,
    SplitNotOurs,
    SplitNamesDigest,
    SplitSuffixNoTag,
    SplitSuffixEmpty,
    SplitSuffixesEmpty,
    SplitSingleImage,
    SplitIsIndex,
    SplitNoSuffixLog,
    SplitNoSuffixItem,
    SplitNoPlatform,
    SplitSameTag,
    SplitInvalidDigest,
    // The copy engine's steps and retries; the Docker daemon's steps.
    RetryFailedAfter,
    RetryRetrying,
    RetryBlobNotSeen,
    StepCheckingBlobIn,
    StepMountingBlobFrom,
    StepCopyingBlob,
    StepChecking,
    StepWriting,
    StepReading,
    StepReadingManifest,
    StepReadingConfig,
    CancelledDuringPull,
    CancelledDuringPush,
    ArchValueEmpty,
    ArchValueInvalid,
    // Garbage collection availability.
    GcExternal,
    PushTargetRefused,
    // Previews.
    PrefixNoTags,
    // Renames.
    RepositoryHasNoTags,
    AlreadyBecomes,
    // What a manifest is (the copy engine's `read` line).
    DescIndexOne,
    DescIndex,
    DescAttestationOne,
    DescAttestations,
    DescImage,
    DescArtifact,
    DescManifestOfType,
    DescDocker,
    DescOci,
    // Building an index.
    IndexNeedsOne,
    // Why a copy failed.
    CopyDigestMismatch,
    CopySizeMismatch,
    CopyConflict,
    CopyNotFound,
    CopyPlatformNotFound,
    CopyCancelledShort,
    IndexNested,
    IndexMixesKinds,
    // A job's failure summary (`error`) and its labels (`source_image`, `target_image`).
    JobInterrupted,
    JobInternalError,
    JobCancelledByUser,
    JobItemFailed,
    JobItemsFailedAll,
    JobItemsFailed,
    JobItemsSkipped,
    JobItemsFailedSkipped,
    LabelRepositories,
    LabelImages,
    LabelTags,
    LabelMore,
    LabelDeleted,
    LabelRemoved,
    LabelRegistryStorage,
    LabelStorageUsage,
    LabelGcDryRun,
    LabelGcCollected,
    LabelPolicy,
    LabelPolicyDryRun,
    // Platforms and what the copy engine cannot carry over.
    PlatformNotOsArch,
    IndexNotJson,
    IndexNoManifestsList,
    IndexEntryMissing,
    CopyInvalidDigest,
    CopyEntryIsIndex,
    CopyCannotFilter,
    CopyTooManyManifests,
    CopyNotCopyable,
    CopyBadDigestListed,
    CopyDigestAlgorithm,
    // The registry client's errors (`backend/registry/error.rs`): our words; the registry's reasons stay verbatim.
    RegUnreachable,
    RegCredentialsRequired,
    RegCredentialsRefused,
    RegStatus,
    RegStatusBody,
    RegRetryLater,
    RegRetryLaterBody,
    RegProtocol,
    RegDeletionDisabled,
    RegNotRepointable,
    RegTagDeleteIncomplete,
    RegRefused,
    RegTooLarge,
    BodyManifest,
    BodyCatalogPage,
    BodyTagListPage,
    BodyTagList,
    BodyImageConfig,
    BodyTokenResponse,
    BodyAnswer,
    RegNoChallenge,
    RegUnsupportedScheme,
    RegCaCertUnreadable,
    RegCaCertNotPem,
    RegHttpClient,
    RegNoRealm,
    RegTokenRealmNotUrl,
    RegTokenNotJson,
    RegTokenMissing,
    RegExpectedStatus,
    RegUploadNoLocation,
    RegUploadLocationNotUrl,
    RegNamedInvalidDigest,
    RegRefersInvalidDigest,
    RegTagListNotJson,
    RegLinkOtherHost,
    RegCatalogNotJson,
    RegInvalidConfigDigest,
    RegConfigNotJson,
    // The Docker daemon's errors (`backend/docker`): our words; the daemon's reasons stay verbatim.
    DockerUnavailable,
    DockerNoImage,
    DockerRefused,
    DockerTransferFailed,
    DockerFileTooLarge,
    DockerArchiveEmpty,
    DockerNotAFile,
    DockerActList,
    DockerActInspect,
    DockerActTag,
    DockerActRemove,
    DockerActPush,
    DockerActPull,
    DockerActInspectContainer,
    DockerActStopContainer,
    DockerActStartContainer,
    DockerActReadFile,
    DockerActStatFile,
    DockerActCreateGcContainer,
    DockerActStartGcContainer,
    DockerActWaitGcContainer,
    DockerActReadGcOutput,
    // Outbound policy refusals (`registry/outbound.rs`) and the Host check (`http_policy.rs`).
    OutSchemeNotFollowed,
    OutNoHost,
    OutNotListedPort,
    OutNotHostPort,
    OutCannotResolve,
    OutRealmNoHost,
    OutRealmRefused,
    OutRealmScheme,
    OutRealmOtherHost,
    OutRealmPlainHttp,
    OutAddressClass,
    OutNoAddress,
    OutTooManyRedirects,
    OutHttpsDowngrade,
    OutRedirectRefused,
    AddrLoopback,
    AddrLinkLocal,
    AddrPrivate,
    AddrUnspecified,
    AddrMulticast,
    MisdirectedHost,
    MisdirectedOpenAt,
    MisdirectedNoPublicUrl,
    // Incomplete tag deletes and blob transfers.
    TagDeleteRestoreFailed,
    TagDeleteSiblingMoved,
    TagDeleteStillThere,
    BlobNoDataAfter,
    BlobRegistryTookNoData,
    BlobDownloadBroke,
    BlobAcceptedEarly,
    // Previews.
    PreviewSourceSlow,
    // Browsing: why a tag's details are missing.
    TagDeletedWhileRead,
    SomePlatformsUnreadable,
    // Storage usage.
    IndexesNestedTooDeep,
    // The Docker daemon's streams; reasons named by what they concern.
    DockerProgressUnreadable,
    DockerPushStreamBroke,
    NamedWithReason,
    // Names already taken; the embedded registry's garbage collector.
    TokenNameTaken,
    PolicyNameTaken,
    UsernameTaken,
    // Manifests this tool cannot read or write.
    ManifestNotUnderstood,
    IndexCannotWrite,
    // The embedded registry's supervisor (restarts around a garbage collection).
    EmbeddedSupervisorStopped,
    EmbeddedCannotWrite,
    EmbeddedCannotOpen,
    EmbeddedCannotStart,
    EmbeddedNoAnswer,
}

impl Key {
    /// The stable `snake_case` name (`job_not_found`).
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The key a [`Self::code`] names, if any.
    pub fn from_code(code: &str) -> Option<Key> {
        code.parse().ok()
    }

    /// The template in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => en::text(self),
            Lang::ZhCn => zh_cn::text(self),
        }
    }
}
