//! The server's messages in English: the reference every other language follows.

use super::Key::{self, *};

/// The English template of `key`.
pub(super) fn text(key: Key) -> &'static str {
    match key {
        AuthRequired => "authentication required: {}",
        SessionEnded => "your session has ended (expired, logged out, or the account changed): {}",
        TokenInvalid => {
            "the API token is not valid (unknown, expired, revoked, or its account disabled): create a new one on the Tokens page, or {}"
        }
        WrongPassword => "wrong username or password: {}",
        HowToSignInUi => "sign in at /login",
        HowToSignInApi => {
            "sign in at /login, or send an API token (`Authorization: Bearer rmt_…`, made on the Tokens page) or Basic credentials"
        }
        RoleTooLow => "{} has the {} role; to {} you need the {} role: ask an admin",
        ReadOnly => {
            "this server is read-only, so it cannot {}: restart it without READ_ONLY=true to allow changes"
        }
        CrossSiteOrigin => {
            "cross-site request refused: a page at {} may not send {} {} here, as it could act in your name. Use this server's own pages; scripts send an API token (Authorization: Bearer rmt_…) or Basic credentials to /api; to let that site's pages in, add its origin to ALLOWED_ORIGINS"
        }
        CrossSiteFetch => {
            "cross-site request refused: the browser says {} {} came from another site's page (Sec-Fetch-Site: {}), which could act in your name. Use this server's own pages; scripts send an API token (Authorization: Bearer rmt_…) or Basic credentials to /api"
        }
        CrossSiteUnknown => {
            "request refused: {} {} carries neither Origin nor Sec-Fetch-Site, so it may come from another site's page. Use this server's own pages; scripts send an API token (Authorization: Bearer rmt_…) or Basic credentials to /api, or send `Origin: <this server's URL>` with the session cookie"
        }
        LoginInvalid => "wrong username or password (or the account is disabled): check both and try again",
        LoginThrottled => "too many failed logins: wait {} s before trying again",
        TooManyStreams => {
            "{} live job streams are already open for {} (MAX_STREAMS_PER_USER={}); close jobs pages in other tabs or windows, or stop clients that watch jobs, and try again"
        }
        NoSuchApiRoute => "no such API route: see the README for the routes under /api",
        NoSuchRepositoryRoute => {
            "no such API route: use /api/repositories/{repo}/tags or /api/repositories/{repo}/tags/{tag}"
        }
        NameTheTagToDelete => "name the tag to delete: DELETE /api/repositories/{}/tags/{tag}",
        InvalidBody => "invalid request body: {}",
        BodyUnreadable => "the request body could not be read",
        BodyTooLarge => {
            "the request body is larger than {} MiB, the most this server reads; send fewer items per request"
        }
        LoginBodyTooLarge => "the request body is too large (64 KiB at most)",
        InvalidLogin => "invalid login request ({}): send username and password",
        PasswordsDiffer => "the two passwords differ: type the same password twice",
        NoSuchLanguage => "no language {}: choose one of {}",
        NoSuchTheme => "no theme {}: choose one of {}",
        NotInRepository => "`{}` does not exist in repository `{}`",
        TagNotInRegistry => "`{}` does not exist in the registry",
        RepositoryNotInRegistry => "repository `{}` does not exist in the registry",
        NotFoundInRegistry => "not found in the registry: {}",
        DigestNotTag => {
            "`{}` is a digest, not a tag: to delete the image with every tag on it use scope=image"
        }
        LastNotRepositoryName => "`last` is not a repository name: {}",
        DeletedPartWay => "deleted {} of {} images of `{}` (tags {}), then: {}",
        ConfirmRepositoryDelete => {
            "deleting a repository removes all its tags: confirm by repeating its name exactly (\"{}\")"
        }
        ConfirmBatchDelete => "deleting {} repositories removes all their tags: confirm by typing \"{}\"",
        PasswordTooShort => "the password is too short: use {} to {} characters",
        PasswordTooLong => "the password is too long: use {} to {} characters",
        SetupLinkInvalid => {
            "this setup link is not valid any more (used, or older than an hour): restart the server for a new one, or set ADMIN_PASSWORD"
        }
        UsernameInvalid => "username {} is not valid: use 1 to 64 letters, digits, '.', '_', '-' or '@'",
        Labelled => "{}: {}",
        OnlyUsersChangePasswords => "only a signed-in user can change their password",
        CurrentPasswordWrong => "the current password is wrong: type it again",
        LastAdmin => "{} is the last enabled admin: make another admin first, or nobody could manage users",
        NoSuchUser => "no user named {}: see the Users page for the list",
        TokenCannotManageTokens => "an API token cannot manage tokens: sign in with a username and password",
        NoAccountsWithoutAuth => {
            "tokens belong to an account: with AUTH=none there are none (turn AUTH on, or use `registry-manager token create --user NAME`)"
        }
        OwnerDisabled => "{} is disabled, so a token of theirs would not work: enable the account first",
        TokenNameInvalid => "a token needs a name of 1 to 64 printable characters (e.g. ci-deploy)",
        TokenRoleTooHigh => {
            "a token cannot have more than its creator's role: you are {}, so choose {} or lower"
        }
        TokenExpiryInvalid => "expiry must be 1 to 3650 days, or none",
        NoSuchToken => "no API token with id {}",
        QueueFull => {
            "{} jobs are already waiting for a worker (MAX_QUEUED_JOBS={}); start this one once some have started, or cancel queued ones"
        }
        JobNotFound => "no job with id {}: it never existed or was removed by SYNC_JOB_RETENTION",
        JobAlreadyFinished => "job {} has already finished ({}); there is nothing to cancel",
        JobStillRunning => "job {} is still {}; retry it once it has finished",
        NothingToRetry => "job {} has no failed, cancelled or interrupted items to retry",
        Collision => "{} and {} would both become {}",
        ListEmpty => "{} is empty: name at least one repository",
        ImageRefsEmpty => "image_refs is empty: name at least one local image (repository:tag or image ID)",
        RefEmptyRepository => {
            "the repository name is empty: use lower-case letters and digits, separated inside a path component by `.`, `_`, `__` or one or more `-`, with `/` between components (e.g. `team/app-server`)"
        }
        RefRepositoryTooLong => "the repository name is {} characters long; the registry accepts at most {}",
        RefUpperCase => {
            "the repository name `{}` contains upper-case letters; repository names are lower-case (`{}`)"
        }
        RefCharacter => {
            "the repository name `{}` contains `{}`; use only lower-case letters and digits, separated inside a path component by `.`, `_`, `__` or one or more `-`, with `/` between components (e.g. `team/app-server`)"
        }
        RefEmptyComponent => {
            "the repository name `{}` has an empty path component: remove the leading, trailing or doubled `/`"
        }
        RefComponentEdge => "the path component `{}` of `{}` must start and end with a letter or digit",
        RefSeparator => {
            "the path component `{}` of `{}` has the separator `{}`; between letters and digits only `.`, `_`, `__` or one or more `-` are allowed"
        }
        RefEmptyTag => "the tag is empty: a tag is 1 to 128 letters, digits, `_`, `.` or `-`",
        RefTagTooLong => "the tag is {} characters long; at most {} are allowed",
        RefTagStart => "the tag `{}` starts with `{}`; a tag starts with a letter, digit or `_`",
        RefTagCharacter => "the tag `{}` contains `{}`; use only letters, digits, `_`, `.` and `-`",
        RefDigest => {
            "`{}` is not a valid digest ({}); a digest is `sha256:` followed by 64 lower-case hex digits"
        }
        RefImage => "`{}` is not an image reference: {}; expected [host[:port]/]repository[:tag][@digest]",
        SourceImageEmpty => {
            "source_image is empty: give an image reference such as `team/app:1.0` or `host:5000/team/app:1.0`"
        }
        SourceImageInvalid => {
            "source_image {} is not an image reference ({}); expected [host[:port]/]name[:tag][@sha256:digest]"
        }
        DaemonPullRefused => "refused to have the Docker daemon pull from {}: {}",
        RegistryHostInvalid => "registry host {} is not a host[:port]: {}",
        TargetHostForm => "target_registry_host {} must be host[:port], without scheme or path",
        TargetHostNotAllowed => {
            "target_registry_host {} is not a registry jobs may write to: it must be our registry (REGISTRY_PUSH_HOST, {}) or match TARGET_REGISTRIES"
        }
        DoesNotExist => "{} does not exist",
        FieldInvalid => "{} {}: {}",
        DigestWithoutTag => {
            "source_image names a digest without a tag: give target_tag, the tag to create in our registry"
        }
        PlatformInvalid => "platform {} is not os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8",
        DockerOnePlatform => {
            "engine docker pulls one platform at a time: name at most one in platforms, or use engine registry to keep several"
        }
        AlreadyThatImage => {
            "{} is already that image in our registry: choose another target_repository or target_tag"
        }
        PrefixNoneOntoItself => {
            "prefix_mode none would copy each repository onto itself: choose add or remove, or another target_registry_host"
        }
        PrefixEmptyAdd => "prefix_value is empty: give the namespace to add (for example `x86`)",
        PrefixEmptyRemove => "prefix_value is empty: give the namespace to remove (for example `x86`)",
        PrefixEmptyComponent => "prefix_value {} has an empty path component (`//`)",
        RepositoryNameEmpty => "the repository name is empty",
        PrefixItself => "{} is the prefix itself: removing `{}/` would leave no name",
        ImageReferenceEmpty => "the image reference is empty",
        PushByDigest => "{}: pushing by digest is not possible; name a tag",
        NotRepositoryTag => "{} is not repository[:tag]",
        AlreadyPresent => "already present with the same digest: nothing copied",
        Copied => "{} blobs mounted, {} streamed ({}), {} already present",
        ConflictNotOverwritten => "conflict: the target tag holds {}, not the source's {}; not overwritten",
        CopyCancelled => "cancelled; the target tag was not written",
        Noted => "{}; {}",
        CancelledBeforeStart => "cancelled before it started; nothing was written",
        CancelledBeforeEnd => "cancelled before it finished",
        NotRun => "not run",
        DeletedTags => "deleted {} tags ({} images)",
        CopiedTo => "{} → {} ({})",
        MadeLocalTagRemoved => "the local tag {} this job made was removed",
        LocalTagRemoveFailed => "removing the local tag {} failed: {}",
        LocalTagKept => "local tag {} kept: it is the pushed name or not a tag",
        LocalTagRemoved => "local tag {} removed; the image stays as {}",
        SourceNotOurs => "the source is not from our registry: no registry tag to delete",
        OldTagIsPushed => "{} is the pushed tag itself: nothing deleted",
        OldTagInvalid => "the old registry tag {}: {}",
        OldTagDeleted => "old registry tag {} deleted",
        OldTagGone => "old registry tag {} was already gone",
        OldTagDeleteFailed => "pushed and verified, but deleting the old registry tag {} failed: {}",
        CleanupNothingLocal => {
            "cleanup_local_images: this copy goes registry to registry and writes nothing locally"
        }
        Copying => "copying {} → {}",
        SyncConflict => {
            "the target tag {} holds {}, not the source's {}; not overwritten: to replace it, start the sync with overwrite: true (tick Overwrite)"
        }
        Verified => "verified {} → {}",
        RemovedLocal => "removed local {}",
        LocalRemoveFailed => "could not remove local {}: {}",
        AlreadyPointsTo => "{} already points to {}: nothing to copy",
        Overwriting => "overwriting {}: it held {}, now {}",
        WroteChildren => "wrote {} child manifests by digest",
        Wrote => "wrote {} → {}",
        Read => "read {}: {} ({})",
        IndexLacksPlatform => "the index has no {} image; copying the platforms it has",
        KeptOnePlatform => "kept {} of the index: the target gets that platform's manifest {}",
        KeptPlatforms => {
            "kept {} of {} platforms ({}): the new index {} differs from the source's {} because of the platform filter"
        }
        FilterNotIndex => "not an index: the platform filter does not apply",
        BlobsAlreadyIn => "{} already in {} ({})",
        BlobsMounted => "mounted {} from {} ({})",
        OneBlob => "1 blob",
        Blobs => "{} blobs",
        Streamed => "streamed {} ({})",
        LayersPushed => "pushed {} layers ({}), {} already present",
        LayersPulled => "pulled {} layers ({}), {} already present",
        PulledPushedVerified => "{}; {}; verified {}",
        PullingThroughDaemon => "pulling {} through the Docker daemon at {}",
        CancelledBeforeTagging => "cancelled before tagging",
        CancelledBeforePushing => "cancelled before pushing",
        MultiArchCannotList => "multi-arch tag {} not written: cannot list the tags: {}",
        MultiArchWaits => "multi-arch tag {} waits for another architecture: none in the registry yet",
        MultiArchWritten => "multi-arch tag {}: {}",
        MultiArchNotWritten => "multi-arch tag {} not written: {}",
        NoLocalImage => "no local image named {}",
        LocalNameMoved => "{} named image {} locally; it now names {}",
        Pushing => "{}: pushing {}",
        PushedVerified => "{}; verified {}",
        LocalSelected => "{}: selected {}",
        LocalSelectedAlso => "{}: selected {}; also removes {}",
        RemovedNoTags => "removed no tags",
        RemovedNoTagsDeleted => "removed no tags; image deleted",
        RemovedTags => "removed tags {}",
        RemovedTagsDeleted => "removed tags {}; image deleted",
        NotRemoved => "not removed: {}",
        UnchangedByPrefix => "{}: unchanged by the prefix rule, nothing to copy",
        UnchangedName => "unchanged: the prefix rule leaves this name as it is",
        TagsTo => "{}: {} tags → {}",
        CancelledOldTagsLeft => "cancelled: old tags are left in place",
        OldTagsNotListed => "{}: old tags not deleted, cannot list them again: {}",
        OldTagNotDeleted => "old tag not deleted: {}",
        OldTagKept => "old tag kept: {} is also tagged {} in {}, which was not renamed",
        DeletedDigest => "{}: deleted {} (tags {})",
        OldTagDeletedShort => "old tag deleted",
        DeletingDigestFailed => "{}: deleting {} failed: {}",
        OldTagDeleteFailedAfterCopy => "copied and verified, but deleting the old tag failed: {}",
        CancelledVerifying => "cancelled while verifying the pushed tag",
        PushedNotVerified => "pushed, but the tag could not be verified: {}",
        ServedDiffers => "pushed {}, but the registry serves {} under {}",
        PushedMissing => "pushed, but the registry has no {}",
        JobQueued => "queued: {} → {}",
        JobStarted => "started",
        CancelRequested => "cancel requested: stopping at the next step",
        StepAbandoned => "the current step did not stop by itself; it was abandoned",
        JobFinished => "finished: {}",
        JobFinishedWith => "finished: {} ({})",
        ServerStopped => {
            "the server stopped while this job was {}; nothing more was done. Tags are written last, so none is half-written. Retry runs what is left."
        }
        RetentionPolicyNotFound => {
            "retention policy {} does not exist: list them with GET /api/retention-policies"
        }
        RetentionPolicyIdInvalid => {
            "`{}` is not a retention policy id: ids are whole numbers (GET /api/retention-policies)"
        }
        RetentionPolicyIdOrRules => "give policy_id (a stored policy) or policy (the rules to run)",
        RetentionPolicyIdAndRules => {
            "give either policy_id (a stored policy) or policy (its rules), not both"
        }
        FieldTooLong => "{} is longer than {} characters",
        RegexInvalid => "{} `{}` is not a valid regular expression: {}. Example: ^v\\d+\\.\\d+\\.\\d+$",
        NumberOutOfRange => "{} is {}: it must be a whole number from 0 to {}, or left out",
        PolicyNameEmpty => "name is empty: give the policy a name, e.g. \"nightly cleanup\"",
        PolicyNameTooLong => "name is longer than 200 characters",
        PolicyRepositoriesEmpty => {
            "repositories is empty: give a glob over repository names, e.g. `team/*` or `**` for all"
        }
        PolicyGlobInvalid => {
            "repositories `{}` is not a valid glob: {}. Use `*` within a path segment and `**` across, e.g. `team/**`"
        }
        PolicyDeletesNothing => {
            "the policy deletes nothing: set keep_last (keep the newest N tags, delete the rest) or older_than_days (delete tags older than D days), or both"
        }
        ScheduleFieldCount => {
            "schedule `{}` has {} fields; it needs 5 fields (minute hour day-of-month month day-of-week, UTC), e.g. `0 3 * * *` for 03:00 UTC every day, `*/15 * * * *` every 15 minutes"
        }
        ScheduleInvalid => {
            "schedule `{}` is not a valid cron expression: {}; e.g. `0 3 * * *` for 03:00 UTC every day, `*/15 * * * *` every 15 minutes"
        }
        GcNotOperated => {
            "this server does not run the registry (REGISTRY_MODE=external), so it cannot collect its garbage. On the registry's host run `registry garbage-collect /etc/docker/registry/config.yml` (`docker-registry` on Debian; add --delete-untagged to drop untagged manifests) while the registry is read-only (storage.maintenance.readonly.enabled: true) or stopped, so no push races the sweep; deleting needs storage.delete.enabled: true. Or let this server operate it: REGISTRY_MODE=embedded (it runs the registry), REGISTRY_CONTAINER (a registry container, through the Docker socket) or REGISTRY_CONFIG (a registry on this host, by its config.yml)"
        }
        GcAlreadyRunning => "another garbage collection is running on this registry; wait for it to finish",
        GcDryRunCommand => "dry run: {} garbage-collect --dry-run{}",
        GcFound => "{} blobs in use; {} blobs and {} manifests can go, freeing {} ({} bytes)",
        GcBlobItem => "blob, {} bytes",
        GcUntaggedManifest => "untagged manifest",
        GcWouldDelete => "would be deleted",
        GcNothingToCollect => "nothing to collect: the registry was left as it is",
        GcReadOnlyRestartFailed => "could not restart the registry read-only, so nothing was swept: {}",
        GcRestoreFailed => {
            "the registry could not be restarted in normal service: {}; retrying in the background"
        }
        GcReadOnlyFor => "the registry was read-only for {} s",
        GcReadOnlyForWritable => "the registry was read-only for {} s; it takes pushes again",
        GcDeleted => "deleted",
        GcStillStored => "still in storage after the sweep",
        StorageScanRepository => "{} tags, {} new ({} bytes)",
        StorageScanEmpty => "no tags (an empty repository)",
        StorageScanGone => "no longer in the registry",
        StorageScanDone => "scanned {} repositories: {} ({} bytes) of unique data; {} empty repositories",
        StorageScanCancelled => "scan cancelled: the previous figures are kept",
        StorageRepositoryNotFound => "repository {} not found (the registry does not list it)",
        EmptyRepositoryNoStorageAccess => {
            "this server has no access to the registry's storage (REGISTRY_MODE=external), so it cannot remove empty repositories; they are hidden by default. On the registry's host, delete docker/registry/v2/repositories/<name> under its storage root, or let this server run the registry: REGISTRY_MODE=embedded"
        }
        EmptyRepositoryHasTags => {
            "repository {} still has {} tags: only a repository with no tags can be removed; delete its tags first"
        }
        EmptyRepositoryUploading => {
            "repository {} has an upload in progress: try again once the push has finished (it may not be empty then)"
        }
        EmptyRepositoryNested => "{} is not a repository directory (it holds no repository data)",
        EmptyRepositoryRemoveFailed => "cannot remove the directory of repository {}: {}",
        GcFreed => "freed {} ({} bytes; the dry run predicted {} bytes); {} blobs and {} manifests deleted",
        GcStoppedFor => "the registry container {} was stopped for {} s",
        GcStoppedForRunning => "the registry container {} was stopped for {} s; it runs again",
        GcSweptAsFound => "{}, so this server changed nothing about it; the sweep took {} s",
        GcContainerNotFound => {
            "there is no container {} (REGISTRY_CONTAINER) in the Docker daemon: check the name with `docker ps -a`, and that DOCKER_HOST is the daemon that runs the registry"
        }
        GcDockerFailed => "Docker: {}",
        GcConfigUnreadable => "cannot read the registry's config {}: {}",
        GcConfigNotFilesystem => {
            "the registry's config {} uses the {} storage driver: this server collects garbage only on the filesystem driver, whose blobs it can measure"
        }
        GcCommandFailed => "garbage-collect failed (exit code {}): {}",
        GcCommandNotRun => "cannot run {} garbage-collect: {}",
        GcStopFailed => "could not stop the registry container {}, so nothing was swept: {}",
        GcContainerStartFailed => {
            "the registry container {} could not be started again: {}; start it with `docker start` and look at `docker logs`"
        }
        GcHostReadOnly => "the registry's config {} says storage.maintenance.readonly.enabled: true",
        GcHostNotAnswering => "nothing answers on the registry's address ({})",
        GcHostNoAddress => {
            "refused: the registry config {} names no http.addr, so this server cannot tell whether the registry is running and taking pushes. Set storage.maintenance.readonly.enabled: true in it and restart the registry (or stop it), then run the collection again. A dry run works at any time"
        }
        GcHostWritable => {
            "refused: the registry described by {} takes pushes (it answers on {} and is not read-only), and a push during the sweep could lose the blobs it writes. This server does not run that registry, so it cannot make it read-only: set storage.maintenance.readonly.enabled: true in {} and restart the registry (or stop it), run the collection again, then undo it. A dry run works at any time"
        }
        ServerStopping => "the server is stopping: try again once it is back",
        RetentionMatched => "{} repositories match `{}`",
        RetentionMatchedDryRun => "{} repositories match `{}`; dry run: nothing is deleted",
        RetentionTagsUnreadable => "{}: cannot read its tags: {}",
        RetentionTagsUnreadableItem => "cannot read its tags: {}",
        RetentionCounted => "{}: {} tags, {} go, {} stay",
        RetentionBytesUnknownBecause => "{}: bytes freed unknown: {}",
        RetentionStorageUnreadable => "the storage usage could not be read: {}",
        RetentionFrees => "frees {} after a garbage collection",
        RetentionBytesUnknown => "bytes freed unknown",
        RetentionImageGoesWith => "{}; the image goes with its tags {}",
        RetentionOnlyTag => "only the tag: {} still point at its image",
        RetentionBeyondKeepLast => "not one of the newest {}",
        RetentionOlderThan => "created {} days ago, older than {} days",
        RetentionWouldDelete => "would delete: {}",
        RetentionDryRunTotal => "dry run: {} tags would go, freeing {} after a garbage collection",
        RetentionDeletedCount => "deleted {} tags",
        RetentionDeleted => "deleted: {}",
        RetentionDeletedDigest => "{}: deleted {} with {}",
        RetentionCancelledBeforeTag => "cancelled before this tag was deleted",
        RetentionDeletedTag => "{}: deleted the tag {}",
        RetentionDeletingTagFailed => "{}: deleting the tag {} failed: {}",
        GcAfterStarted => "gc_after: started garbage collection job {}",
        GcAfterNotStarted => "gc_after: garbage collection not started: {}",
        GcAfterUnavailable => {
            "gc_after: GC not available for this registry; the bytes are reclaimed when the registry's garbage-collect runs"
        }
        MergeNotOurs => "{}: `{}` is on {}; a merge works within this registry: name repository:tag",
        MergeNamesDigest => "{}: `{}` names a digest; name the tag (repository:tag)",
        MergeSuffixInvalid => {
            "suffixes: `{}` cannot end a tag: use at most {} letters, digits, `_`, `.` or `-` (e.g. -x86)"
        }
        MergeSuffixesEmpty => {
            "suffixes is empty: name the arch suffixes to group tags by, e.g. -x86 and -arm"
        }
        MergeBothWays => "give either sources and target, or repository and suffixes, not both",
        MergeNeitherWay => {
            "name what to combine: sources (repository:tag, at least two) and target, or repository and suffixes"
        }
        MergeOneSource => "sources names one tag: name at least two single-arch tags to combine",
        MergeTargetMissing => {
            "target is missing: name the multi-arch tag to write (repository:tag, e.g. app:1.0)"
        }
        MergeTargetIsSource => {
            "target {} is one of the sources: the index would replace it; choose another tag"
        }
        MergeNothingToCombine => {
            "no tag of {} has two or more of the suffixes {} on the same base: there is nothing to combine"
        }
        MergeSingleLeftAlone => "{}: no other architecture of it, left alone",
        MergeAlreadyIndex => {
            "{} is already a multi-arch index ({}): split it first, or name its single-platform tags"
        }
        MergeNotImage => "{} is not a container image ({}): only images can be combined",
        MergeNoConfig => "{} has no image config",
        MergeNoPlatform => "the image config of {} names no os and architecture",
        MergeTargetUnreadable => "cannot read the target tag {}: {}",
        MergeSamePlatform => "{} are all {}: an index holds one image per platform",
        MergeNothingWritten => "{}; nothing written",
        MergeNothingToWrite => "nothing to write",
        MergeKindOci => "OCI index",
        MergeKindList => "manifest list",
        MergeAlreadyHolds => "already holds this {} ({}): nothing written",
        MergeConflictTarget => {
            "conflict: the target tag holds {}, not the index {}; not overwritten (set overwrite to replace it)"
        }
        MergeCancelledNotWritten => "cancelled; the target tag was not written",
        MergeCopyFailed => "copying {} ({}) into {}: {}; the target tag was not written",
        MergeStoredAs => "the registry stored the index as {}, not {}: its children may not be what was read",
        MergeWriting => "writing {}: {}",
        MergeWrote => "wrote a {} of {} ({})",
        MergeMounted => "{}; {} blobs mounted from other repositories",
        MergeCancelledSourcesKept => "cancelled: source tags kept",
        MergeSourcesKeptResolves => "source tags kept: {} resolves to {}, not the index",
        MergeNothing => "nothing",
        MergeSourcesKeptUnchecked => "source tags kept: cannot check {}: {}",
        MergeMoved => "it moved to {} since it was read",
        MergeSourceKept => "{} kept: {}",
        MergeDeletedSources => "deleted the source tags {}",
        SplitNotOurs => "source: `{}` is on {}; a split works within this registry",
        SplitNamesDigest => "source: `{}` names a digest; name the multi-arch tag (repository:tag)",
        SplitSuffixNoTag => "suffixes: `{}` for {} does not make a tag of `{}`: {}",
        SplitSuffixEmpty => "suffixes: the suffix for {} is empty: the tag would be the source itself",
        SplitSuffixesEmpty => "suffixes is empty: give a suffix per platform, e.g. {}",
        SplitSingleImage => "{} is a single image, not a multi-arch index: there is nothing to split",
        SplitIsIndex => "{} is an index ({})",
        SplitNoSuffixLog => "{}: no suffix given for it, left out",
        SplitNoSuffixItem => "no suffix given for {}: left out",
        SplitNoPlatform => "no platform",
        SplitSameTag => "two platforms would both get the tag {}: give them different suffixes",
        SplitInvalidDigest => "the index names an invalid digest: {}",
        RetryFailedAfter => "{} failed after {} attempts",
        RetryRetrying => "{} failed: {}; retrying in {} (attempt {}/{})",
        RetryBlobNotSeen => "{}: the registry did not see one of its blobs yet ({}); trying again",
        StepCheckingBlobIn => "checking blob {} in {}",
        StepMountingBlobFrom => "mounting blob {} from {}",
        StepCopyingBlob => "copying blob {}",
        StepChecking => "checking {}",
        StepWriting => "writing {}",
        StepReading => "reading {}",
        StepReadingManifest => "reading manifest {}",
        StepReadingConfig => "reading the image config",
        CancelledDuringPull => "cancelled during the pull",
        CancelledDuringPush => "cancelled during the push",
        ArchValueEmpty => "arch_value is empty: give the suffix for arch_mode custom (for example `x86`)",
        ArchValueInvalid => "arch_value {} may contain only letters, digits, `_`, `.` and `-`",
        GcExternal => {
            "REGISTRY_MODE=external: the registry at {} is run elsewhere, so garbage collection runs on its host (`registry garbage-collect /etc/docker/registry/config.yml` while it is read-only or stopped), unless this server is given REGISTRY_CONTAINER or REGISTRY_CONFIG"
        }
        PushTargetRefused => "{} → {}: {}",
        PrefixNoTags => "{} has no tags: there is nothing to rename",
        RepositoryHasNoTags => "the repository has no tags",
        AlreadyBecomes => "{} already becomes {}",
        DescIndexOne => "index of 1 platform",
        DescIndex => "index of {} platforms",
        DescAttestationOne => "{} and 1 attestation",
        DescAttestations => "{} and {} attestations",
        DescImage => "image",
        DescArtifact => "artifact ({})",
        DescManifestOfType => "manifest of type {}",
        DescDocker => "Docker {}",
        DescOci => "OCI {}",
        IndexNeedsOne => "an index needs at least one manifest",
        CopyDigestMismatch => "blob {} from {} does not match its digest (received {}); nothing was tagged",
        CopySizeMismatch => "blob {} from {} is {} bytes where the manifest says {}; nothing was tagged",
        CopyConflict => "the target tag {} holds {}, not the source's {}; not overwritten",
        CopyNotFound => "{} does not exist in the source registry",
        CopyPlatformNotFound => "the source has no {} image (it has: {})",
        CopyCancelledShort => "cancelled",
        IndexNested => "{} is already a multi-arch index: split it first, or name its single-platform tags",
        IndexMixesKinds => {
            "the images mix Docker ({}) and OCI ({}) manifests, and one index cannot hold both kinds without converting one: push them in one format, or combine each format separately"
        }
        JobInterrupted => "interrupted: the server stopped before the job finished",
        JobInternalError => "the job stopped on an internal error; see the server log",
        JobCancelledByUser => "cancelled by the user",
        JobItemFailed => "the item failed",
        JobItemsFailedAll => "all {} items failed",
        JobItemsFailed => "{} of {} items failed",
        JobItemsSkipped => "{} skipped",
        JobItemsFailedSkipped => "{} of {} items failed, {} skipped",
        LabelRepositories => "{} repositories ({})",
        LabelImages => "{} images ({})",
        LabelTags => "{} tags ({})",
        LabelMore => "{}, … {} more",
        LabelDeleted => "deleted",
        LabelRemoved => "removed",
        LabelRegistryStorage => "registry storage",
        LabelStorageUsage => "storage usage",
        LabelGcDryRun => "dry run: nothing deleted",
        LabelGcCollected => "garbage collected",
        LabelPolicy => "policy \"{}\"",
        LabelPolicyDryRun => "policy \"{}\" (dry run)",
        PlatformNotOsArch => {
            "`{}` is not a platform: write os/architecture[/variant], e.g. linux/amd64 or linux/arm64/v8"
        }
        IndexNotJson => "the index is not JSON: {}",
        IndexNoManifestsList => "the index has no `manifests` list",
        IndexEntryMissing => "an index entry went missing",
        CopyInvalidDigest => "the manifest {} has an invalid digest: {}",
        CopyEntryIsIndex => "the {} entry of {} is itself an index; copy it by digest instead",
        CopyCannotFilter => "cannot filter {}: {}",
        CopyTooManyManifests => "more than {} manifests under one tag",
        CopyNotCopyable => {
            "{} ({}) is neither an image, an index nor a manifest-like artifact; it cannot be copied"
        }
        CopyBadDigestListed => "the manifest {} lists a bad digest: {}",
        CopyDigestAlgorithm => {
            "blob {} uses a digest algorithm this tool cannot verify while copying (only sha256)"
        }
        RegUnreachable => "cannot reach the registry at {}: {}",
        RegCredentialsRequired => {
            "the registry at {} requires {} authentication: set REGISTRY_USERNAME and REGISTRY_PASSWORD"
        }
        RegCredentialsRefused => {
            "the registry at {} refused the configured credentials (HTTP {}): check REGISTRY_USERNAME and REGISTRY_PASSWORD"
        }
        RegStatus => "the registry at {} answered HTTP {}",
        RegStatusBody => "the registry at {} answered HTTP {} ({})",
        RegRetryLater => "the registry at {} answered HTTP {} and asked to retry after {}s",
        RegRetryLaterBody => "the registry at {} answered HTTP {} ({}) and asked to retry after {}s",
        RegProtocol => "unexpected answer from {}: {}",
        RegDeletionDisabled => {
            "the registry has deletion disabled (HTTP 405 from {}): set REGISTRY_STORAGE_DELETE_ENABLED=true (storage.delete.enabled: true) on the registry and restart it"
        }
        RegNotRepointable => {
            "only this tag cannot be deleted: its manifest ({}) is not a JSON document this tool can re-point; delete the image (all {} tags) instead"
        }
        RegTagDeleteIncomplete => "deleting the tag at {} did not complete: {}",
        RegRefused => "refused to connect to {}: {}",
        RegTooLarge => "{} larger than {} ({} bytes) from {}",
        BodyManifest => "manifest",
        BodyCatalogPage => "catalog page",
        BodyTagListPage => "tag list page",
        BodyTagList => "tag list (all pages)",
        BodyImageConfig => "image config",
        BodyTokenResponse => "token response",
        BodyAnswer => "answer",
        RegNoChallenge => "401 without a usable WWW-Authenticate header",
        RegUnsupportedScheme => "unsupported authentication scheme {}",
        RegCaCertUnreadable => "cannot read REGISTRY_CA_CERT: {}",
        RegCaCertNotPem => "REGISTRY_CA_CERT is not a PEM certificate bundle: {}",
        RegHttpClient => "cannot build the HTTP client: {}",
        RegNoRealm => "Bearer challenge without a realm",
        RegTokenRealmNotUrl => "token realm is not a URL: {}",
        RegTokenNotJson => "token response is not JSON with a token: {}",
        RegTokenMissing => "token response has neither `token` nor `access_token`",
        RegExpectedStatus => "expected {}, got HTTP {}",
        RegUploadNoLocation => "an upload was accepted without a Location",
        RegUploadLocationNotUrl => "the upload Location {} is not a URL: {}",
        RegNamedInvalidDigest => "the registry named an invalid digest: {}",
        RegRefersInvalidDigest => "a manifest refers to an invalid digest: {}",
        RegTagListNotJson => "the tag list is not JSON with `tags`: {}",
        RegLinkOtherHost => {
            "its Link to the next page points to another host ({}); pages are followed on the registry's own origin only"
        }
        RegCatalogNotJson => "the catalog is not JSON with `repositories`: {}",
        RegInvalidConfigDigest => "the manifest names an invalid config digest: {}",
        RegConfigNotJson => "the image config is not valid JSON: {}",
        DockerUnavailable => "cannot reach the Docker daemon at {}: {}",
        DockerNoImage => "no local image {}: {}",
        DockerRefused => "the Docker daemon refused to {}: {}",
        DockerTransferFailed => "{} failed: {}",
        DockerFileTooLarge => "larger than 1 MiB",
        DockerArchiveEmpty => "the archive is empty",
        DockerNotAFile => "not a regular file",
        DockerActList => "list images",
        DockerActInspect => "inspect {}",
        DockerActTag => "tag {} as {}",
        DockerActRemove => "remove {}",
        DockerActPush => "push {}",
        DockerActPull => "pull {}",
        DockerActInspectContainer => "inspect the container {}",
        DockerActStopContainer => "stop the container {}",
        DockerActStartContainer => "start the container {}",
        DockerActReadFile => "read {} in the container",
        DockerActStatFile => "look up {} in the container",
        DockerActCreateGcContainer => "create the garbage collection container",
        DockerActStartGcContainer => "start the garbage collection container",
        DockerActWaitGcContainer => "wait for the garbage collection container",
        DockerActReadGcOutput => "read the garbage collection container's output",
        OutSchemeNotFollowed => "only http and https URLs are followed, not {}:",
        OutNoHost => "the URL has no host",
        OutNotListedPort => {
            "{} is not on a listed port (listed: {}); list it in SOURCE_REGISTRIES to allow it"
        }
        OutNotHostPort => "{} is not a host[:port]: {}",
        OutCannotResolve => "{} cannot be resolved: {}",
        OutRealmNoHost => "the token realm has no host",
        OutRealmRefused => "token realm refused: {}",
        OutRealmScheme => "the token realm is not http or https but {}:",
        OutRealmOtherHost => {
            "the token realm {} is on another host than the registry ({}): credentials go there only if TOKEN_REALM_HOSTS lists it"
        }
        OutRealmPlainHttp => {
            "the token realm {} is plain http: credentials go only to an https realm (or http on loopback)"
        }
        OutAddressClass => "{} is {}; list it in SOURCE_REGISTRIES to allow it",
        OutNoAddress => "{} has no address",
        OutTooManyRedirects => "more than {} redirects",
        OutHttpsDowngrade => "a redirect from https to plain http ({}) is not followed",
        OutRedirectRefused => "redirect to {} refused: {}",
        AddrLoopback => "a loopback address",
        AddrLinkLocal => "a link-local address",
        AddrPrivate => "a private address",
        AddrUnspecified => "an unspecified address",
        AddrMulticast => "a multicast address",
        MisdirectedHost => {
            "this server does not answer to the host name {} (a guard against DNS rebinding): {}. If people reach it by that name, set PUBLIC_URL to the URL they open, or add the name to ALLOWED_HOSTS (comma-separated host or host:port)"
        }
        MisdirectedOpenAt => "open it at PUBLIC_URL ({})",
        MisdirectedNoPublicUrl => "PUBLIC_URL is not set",
        TagDeleteRestoreFailed => "{}; putting `{}` back on {} also failed ({}): it now points to {}",
        TagDeleteSiblingMoved => "after deleting `{}`, the tag `{}` no longer points to {} (now {})",
        TagDeleteStillThere => "`{}` still exists after the delete (it points to {})",
        BlobNoDataAfter => "no data for {} after {} of {} bytes",
        BlobRegistryTookNoData => "the registry took no data for {} while receiving a blob",
        BlobDownloadBroke => "the download broke after {} of {} bytes: {}",
        BlobAcceptedEarly => "the registry accepted the blob before receiving all of it",
        PreviewSourceSlow => "{} did not answer within {} s; the job waits longer",
        TagDeletedWhileRead => "the tag was deleted while it was being read",
        SomePlatformsUnreadable => "some platforms could not be read: {}",
        IndexesNestedTooDeep => "{}: indexes nested deeper than {}",
        DockerProgressUnreadable => "unreadable progress line from the daemon: {}",
        DockerPushStreamBroke => "the push stream broke: {}",
        NamedWithReason => "{} ({})",
        TokenNameTaken => "a token named \"{}\" already exists",
        PolicyNameTaken => "a retention policy named \"{}\" already exists: choose another name",
        UsernameTaken => "user \"{}\" already exists",
        ManifestNotUnderstood => "the manifest is not JSON this tool understands: {}",
        IndexCannotWrite => "cannot write the index: {}",
        EmbeddedSupervisorStopped => "the embedded registry's supervisor has stopped",
        EmbeddedCannotWrite => "cannot write {}: {}",
        EmbeddedCannotOpen => "cannot open {}: {}",
        EmbeddedCannotStart => "cannot start {}: {}",
        EmbeddedNoAnswer => "the embedded registry did not answer on {} within {}",
    }
}
