//! The server's messages in Simplified Chinese, with the terms the original's users know
//! (仓库, 标签, 任务, 摘要, 远程同步, 本地镜像批量上传, 远程前缀重命名) and those of the UI's table
//! (`ui/strings/zh_cn.rs`). Names of variables, routes and values stay as they are typed.

use super::Key::{self, *};
use crate::model::Operation;

/// The Chinese template of `key`.
pub(super) fn text(key: Key) -> &'static str {
    match key {
        AuthRequired => "需要身份验证：{}",
        SessionEnded => "你的会话已结束（已过期、已退出登录，或账号已变更）：{}",
        TokenInvalid => "API 令牌无效（未知、已过期、已吊销，或其账号已停用）：请在“令牌”页面新建一个，或{}",
        WrongPassword => "用户名或密码错误：{}",
        HowToSignInUi => "请在 /login 登录",
        HowToSignInApi => {
            "请在 /login 登录，或发送 API 令牌（`Authorization: Bearer rmt_…`，在“令牌”页面创建）或 Basic 凭据"
        }
        RoleTooLow => "{} 的角色是 {}；要{}，需要 {} 角色：请联系管理员",
        ReadOnly => "此服务器为只读模式，无法{}：去掉 READ_ONLY=true 后重启即可允许修改",
        CrossSiteOrigin => {
            "已拒绝跨站请求：{} 上的页面不能向这里发送 {} {}，因为它可能以你的身份操作。请使用本服务器自己的页面；脚本请向 /api 发送 API 令牌（Authorization: Bearer rmt_…）或 Basic 凭据；若要允许该站点的页面，请把它的源加入 ALLOWED_ORIGINS"
        }
        CrossSiteFetch => {
            "已拒绝跨站请求：浏览器表明 {} {} 来自其他站点的页面（Sec-Fetch-Site: {}），它可能以你的身份操作。请使用本服务器自己的页面；脚本请向 /api 发送 API 令牌（Authorization: Bearer rmt_…）或 Basic 凭据"
        }
        CrossSiteUnknown => {
            "已拒绝请求：{} {} 既没有 Origin 也没有 Sec-Fetch-Site，可能来自其他站点的页面。请使用本服务器自己的页面；脚本请向 /api 发送 API 令牌（Authorization: Bearer rmt_…）或 Basic 凭据，或随会话 Cookie 发送 `Origin: <本服务器的 URL>`"
        }
        LoginInvalid => "用户名或密码错误（或账号已停用）：请检查后重试",
        LoginThrottled => "登录失败次数过多：请等待 {} 秒后再试",
        TooManyStreams => {
            "已有 {} 个任务实时流为 {} 打开（MAX_STREAMS_PER_USER={}）；请关闭其他标签页或窗口中的任务页面，或停止监视任务的客户端，然后重试"
        }
        NoSuchApiRoute => "没有这个 API 路由：/api 下的路由见 README",
        NoSuchRepositoryRoute => {
            "没有这个 API 路由：请使用 /api/repositories/{repo}/tags 或 /api/repositories/{repo}/tags/{tag}"
        }
        NameTheTagToDelete => "请指明要删除的标签：DELETE /api/repositories/{}/tags/{tag}",
        InvalidBody => "请求体无效：{}",
        BodyUnreadable => "无法读取请求体",
        BodyTooLarge => "请求体超过 {} MiB，超出服务器可读取的上限；请每次发送更少的条目",
        LoginBodyTooLarge => "请求体过大（最多 64 KiB）",
        InvalidLogin => "登录请求无效（{}）：请发送用户名和密码",
        PasswordsDiffer => "两次输入的密码不一致：请输入相同的密码",
        NoSuchLanguage => "没有语言 {}：请从 {} 中选择",
        NoSuchTheme => "没有主题 {}：请从 {} 中选择",
        NotInRepository => "`{}` 在仓库 `{}` 中不存在",
        TagNotInRegistry => "镜像仓库中不存在 `{}`",
        RepositoryNotInRegistry => "镜像仓库中不存在仓库 `{}`",
        NotFoundInRegistry => "在镜像仓库中未找到：{}",
        DigestNotTag => "`{}` 是摘要，不是标签：要删除该镜像及其所有标签，请使用 scope=image",
        LastNotRepositoryName => "`last` 不是仓库名：{}",
        DeletedPartWay => "已删除 {} 个镜像（共 {} 个，仓库 `{}`，标签 {}），随后出错：{}",
        ConfirmRepositoryDelete => "删除仓库会删除其全部标签：请准确输入仓库名（“{}”）以确认",
        ConfirmBatchDelete => "删除 {} 个仓库会删除它们的全部标签：请输入“{}”以确认",
        PasswordTooShort => "密码太短：请使用 {} 到 {} 个字符",
        PasswordTooLong => "密码太长：请使用 {} 到 {} 个字符",
        SetupLinkInvalid => {
            "此初始化链接已失效（已使用，或超过一小时）：请重启服务器以获取新链接，或设置 ADMIN_PASSWORD"
        }
        UsernameInvalid => "用户名 {} 无效：请使用 1 到 64 个字母、数字、'.'、'_'、'-' 或 '@'",
        Labelled => "{}：{}",
        OnlyUsersChangePasswords => "只有已登录的用户才能修改自己的密码",
        CurrentPasswordWrong => "当前密码错误：请重新输入",
        LastAdmin => "{} 是最后一个启用的管理员：请先设置另一个管理员，否则将无人能管理用户",
        NoSuchUser => "没有名为 {} 的用户：用户列表见“用户”页面",
        TokenCannotManageTokens => "API 令牌不能管理令牌：请用用户名和密码登录",
        NoAccountsWithoutAuth => {
            "令牌属于账号：AUTH=none 时没有账号（请开启 AUTH，或使用 `registry-manager token create --user NAME`）"
        }
        OwnerDisabled => "{} 已停用，其令牌将无法使用：请先启用该账号",
        TokenNameInvalid => "令牌需要 1 到 64 个可打印字符的名称（例如 ci-deploy）",
        TokenRoleTooHigh => "令牌的角色不能高于创建者：你的角色是 {}，请选择 {} 或更低的角色",
        TokenExpiryInvalid => "有效期须为 1 到 3650 天，或不设",
        NoSuchToken => "没有 ID 为 {} 的 API 令牌",
        QueueFull => {
            "已有 {} 个任务在等待执行（MAX_QUEUED_JOBS={}）；请等其中一些开始后再启动此任务，或取消排队中的任务"
        }
        JobNotFound => "没有 ID 为 {} 的任务：它从未存在，或已按 SYNC_JOB_RETENTION 被清理",
        JobAlreadyFinished => "任务 {} 已结束（{}）；没有可取消的内容",
        JobStillRunning => "任务 {} 仍为 {} 状态；请在结束后再重试",
        NothingToRetry => "任务 {} 没有失败、已取消或已中断的条目可重试",
        Collision => "{} 和 {} 都会变成 {}",
        ListEmpty => "{} 为空：请至少指定一个仓库",
        ImageRefsEmpty => "image_refs 为空：请至少指定一个本地镜像（repository:tag 或镜像 ID）",
        RefEmptyRepository => {
            "仓库名为空：请使用小写字母和数字，路径段内可用 `.`、`_`、`__` 或一个及以上 `-` 分隔，路径段之间用 `/`（例如 `team/app-server`）"
        }
        RefRepositoryTooLong => "仓库名长 {} 个字符；镜像仓库最多接受 {} 个",
        RefUpperCase => "仓库名 `{}` 含有大写字母；仓库名须为小写（`{}`）",
        RefCharacter => {
            "仓库名 `{}` 含有 `{}`；只能使用小写字母和数字，路径段内可用 `.`、`_`、`__` 或一个及以上 `-` 分隔，路径段之间用 `/`（例如 `team/app-server`）"
        }
        RefEmptyComponent => "仓库名 `{}` 含有空的路径段：请去掉开头、结尾或重复的 `/`",
        RefComponentEdge => "路径段 `{}`（属于 `{}`）须以字母或数字开头和结尾",
        RefSeparator => {
            "路径段 `{}`（属于 `{}`）含有分隔符 `{}`；字母和数字之间只允许 `.`、`_`、`__` 或一个及以上 `-`"
        }
        RefEmptyTag => "标签为空：标签由 1 到 128 个字母、数字、`_`、`.` 或 `-` 组成",
        RefTagTooLong => "标签长 {} 个字符；最多允许 {} 个",
        RefTagStart => "标签 `{}` 以 `{}` 开头；标签须以字母、数字或 `_` 开头",
        RefTagCharacter => "标签 `{}` 含有 `{}`；只能使用字母、数字、`_`、`.` 和 `-`",
        RefDigest => "`{}` 不是有效的摘要（{}）；摘要是 `sha256:` 后跟 64 个小写十六进制数字",
        RefImage => "`{}` 不是镜像引用：{}；格式应为 [host[:port]/]repository[:tag][@digest]",
        SourceImageEmpty => {
            "source_image 为空：请给出镜像引用，例如 `team/app:1.0` 或 `host:5000/team/app:1.0`"
        }
        SourceImageInvalid => {
            "source_image {} 不是镜像引用（{}）；格式应为 [host[:port]/]name[:tag][@sha256:digest]"
        }
        DaemonPullRefused => "拒绝让 Docker 守护进程从 {} 拉取：{}",
        RegistryHostInvalid => "镜像仓库主机 {} 不是 host[:port] 格式：{}",
        TargetHostForm => "target_registry_host {} 须为 host[:port]，不带协议或路径",
        TargetHostNotAllowed => {
            "target_registry_host {} 不是任务可写入的镜像仓库：它必须是本仓库（REGISTRY_PUSH_HOST，{}）或匹配 TARGET_REGISTRIES"
        }
        DoesNotExist => "{} 不存在",
        FieldInvalid => "{} {}：{}",
        DigestWithoutTag => "source_image 指定了摘要但没有标签：请给出 target_tag，即要在本仓库中创建的标签",
        PlatformInvalid => "平台 {} 不是 os/arch[/variant] 格式，例如 linux/amd64 或 linux/arm64/v8",
        DockerOnePlatform => {
            "docker 引擎一次只能拉取一个平台：platforms 中最多指定一个，或使用 registry 引擎以保留多个平台"
        }
        AlreadyThatImage => "{} 已经是本仓库中的这个镜像：请选择其他 target_repository 或 target_tag",
        PrefixNoneOntoItself => {
            "prefix_mode 为 none 会把每个仓库复制到它自身：请选择 add 或 remove，或换一个 target_registry_host"
        }
        PrefixEmptyAdd => "prefix_value 为空：请给出要添加的命名空间（例如 `x86`）",
        PrefixEmptyRemove => "prefix_value 为空：请给出要去掉的命名空间（例如 `x86`）",
        PrefixEmptyComponent => "prefix_value {} 含有空的路径段（`//`）",
        RepositoryNameEmpty => "仓库名为空",
        PrefixItself => "{} 就是前缀本身：去掉 `{}/` 后将没有名称",
        ImageReferenceEmpty => "镜像引用为空",
        PushByDigest => "{}：不能按摘要上传，请指定标签",
        NotRepositoryTag => "{} 不是 repository[:tag] 格式",
        AlreadyPresent => "已存在且摘要相同：无需复制",
        Copied => "挂载 {} 个 blob，传输 {} 个（{}），{} 个已存在",
        ConflictNotOverwritten => "冲突：目标标签指向 {}，而不是源的 {}；未覆盖",
        CopyCancelled => "已取消；未写入目标标签",
        Noted => "{}；{}",
        CancelledBeforeStart => "在开始前已取消；未写入任何内容",
        CancelledBeforeEnd => "在完成前已取消",
        NotRun => "未执行",
        DeletedTags => "已删除 {} 个标签（{} 个镜像）",
        CopiedTo => "{} → {}（{}）",
        MadeLocalTagRemoved => "已删除本任务创建的本地标签 {}",
        LocalTagRemoveFailed => "删除本地标签 {} 失败：{}",
        LocalTagKept => "保留本地标签 {}：它就是上传的名称，或不是标签",
        LocalTagRemoved => "已删除本地标签 {}；镜像保留为 {}",
        SourceNotOurs => "源不在本仓库中：没有要删除的仓库标签",
        OldTagIsPushed => "{} 就是上传的标签本身：未删除任何内容",
        OldTagInvalid => "旧的仓库标签 {}：{}",
        OldTagDeleted => "已删除旧的仓库标签 {}",
        OldTagGone => "旧的仓库标签 {} 已不存在",
        OldTagDeleteFailed => "已上传并校验，但删除旧的仓库标签 {} 失败：{}",
        CleanupNothingLocal => "cleanup_local_images：此次复制在镜像仓库之间进行，不在本地写入任何内容",
        Copying => "正在复制 {} → {}",
        SyncConflict => {
            "目标标签 {} 指向 {}，而不是源的 {}；未覆盖：如需替换，请以 overwrite: true 启动同步（勾选“覆盖”）"
        }
        Verified => "已校验 {} → {}",
        RemovedLocal => "已删除本地 {}",
        LocalRemoveFailed => "无法删除本地 {}：{}",
        AlreadyPointsTo => "{} 已指向 {}：无需复制",
        Overwriting => "覆盖 {}：原为 {}，现为 {}",
        WroteChildren => "已按摘要写入 {} 个子清单",
        Wrote => "已写入 {} → {}",
        Read => "已读取 {}：{}（{}）",
        IndexLacksPlatform => "索引中没有 {} 镜像；复制其已有的平台",
        KeptOnePlatform => "保留索引中的 {}：目标获得该平台的清单 {}",
        KeptPlatforms => "保留 {} 个平台（共 {} 个：{}）：由于平台过滤，新索引 {} 与源的 {} 不同",
        FilterNotIndex => "不是索引：平台过滤不适用",
        BlobsAlreadyIn => "{} 已在 {} 中（{}）",
        BlobsMounted => "挂载 {}，来自 {}（{}）",
        OneBlob => "1 个 blob",
        Blobs => "{} 个 blob",
        Streamed => "已传输 {}（{}）",
        LayersPushed => "已上传 {} 个层（{}），{} 个已存在",
        LayersPulled => "已拉取 {} 个层（{}），{} 个已存在",
        PulledPushedVerified => "{}；{}；已校验 {}",
        PullingThroughDaemon => "正在拉取 {}（通过 {} 的 Docker 守护进程）",
        CancelledBeforeTagging => "在打标签前已取消",
        CancelledBeforePushing => "在上传前已取消",
        MultiArchCannotList => "未写入多架构标签 {}：无法列出标签：{}",
        MultiArchWaits => "多架构标签 {} 等待其他架构：镜像仓库中还没有",
        MultiArchWritten => "多架构标签 {}：{}",
        MultiArchNotWritten => "未写入多架构标签 {}：{}",
        NoLocalImage => "没有名为 {} 的本地镜像",
        LocalNameMoved => "{} 在本地原指向镜像 {}；现在指向 {}",
        Pushing => "{}：正在上传 {}",
        PushedVerified => "{}；已校验 {}",
        LocalSelected => "{}：已选 {}",
        LocalSelectedAlso => "{}：已选 {}；同时删除 {}",
        RemovedNoTags => "未删除任何标签",
        RemovedNoTagsDeleted => "未删除任何标签；镜像已删除",
        RemovedTags => "已删除标签 {}",
        RemovedTagsDeleted => "已删除标签 {}；镜像已删除",
        NotRemoved => "未删除：{}",
        UnchangedByPrefix => "{}：前缀规则不改变其名称，无需复制",
        UnchangedName => "未改变：前缀规则保留此名称",
        TagsTo => "{}：{} 个标签 → {}",
        CancelledOldTagsLeft => "已取消：旧标签保持不变",
        OldTagsNotListed => "{}：未删除旧标签，无法再次列出：{}",
        OldTagNotDeleted => "未删除旧标签：{}",
        OldTagKept => "保留旧标签：{} 还带有标签 {}（在 {} 中），该标签未被重命名",
        DeletedDigest => "{}：已删除 {}（标签 {}）",
        OldTagDeletedShort => "已删除旧标签",
        DeletingDigestFailed => "{}：删除 {} 失败：{}",
        OldTagDeleteFailedAfterCopy => "已复制并校验，但删除旧标签失败：{}",
        CancelledVerifying => "在校验已上传的标签时已取消",
        PushedNotVerified => "已上传，但无法校验该标签：{}",
        ServedDiffers => "已上传 {}，但镜像仓库提供的是 {}（在 {} 下）",
        PushedMissing => "已上传，但镜像仓库中没有 {}",
        JobQueued => "已排队：{} → {}",
        JobStarted => "已开始",
        CancelRequested => "已请求取消：将在下一步停止",
        StepAbandoned => "当前步骤未能自行停止，已放弃",
        JobFinished => "已结束：{}",
        JobFinishedWith => "已结束：{}（{}）",
        ServerStopped => {
            "任务处于 {} 状态时服务器停止了；之后没有再执行任何操作。标签最后写入，因此没有写了一半的标签。重试会执行剩余部分。"
        }
        RetentionPolicyNotFound => "保留策略 {} 不存在：可用 GET /api/retention-policies 列出所有策略",
        RetentionPolicyIdInvalid => "`{}` 不是保留策略 ID：ID 是整数（见 GET /api/retention-policies）",
        RetentionPolicyIdOrRules => "请给出 policy_id（已保存的策略）或 policy（要执行的规则）",
        RetentionPolicyIdAndRules => "policy_id（已保存的策略）与 policy（其规则）只能给出一个，不能同时给出",
        FieldTooLong => "{} 超过 {} 个字符",
        RegexInvalid => "{} `{}` 不是有效的正则表达式：{}。示例：^v\\d+\\.\\d+\\.\\d+$",
        NumberOutOfRange => "{} 为 {}：必须是 0 到 {} 之间的整数，或留空",
        PolicyNameEmpty => "名称为空：请为策略命名，例如“每晚清理”",
        PolicyNameTooLong => "名称超过 200 个字符",
        PolicyRepositoriesEmpty => "仓库为空：请给出匹配仓库名的通配符，例如 `team/*`，或用 `**` 匹配全部",
        PolicyGlobInvalid => {
            "仓库 `{}` 不是有效的通配符：{}。`*` 匹配路径的一段，`**` 可跨越多段，例如 `team/**`"
        }
        PolicyDeletesNothing => {
            "该策略不会删除任何标签：请设置 keep_last（保留最新的 N 个标签，删除其余）或 older_than_days（删除早于 D 天的标签），或两者都设置"
        }
        ScheduleFieldCount => {
            "计划 `{}` 有 {} 个字段；需要 5 个字段（分 时 日 月 周，UTC），例如 `0 3 * * *` 表示每天 UTC 03:00，`*/15 * * * *` 表示每 15 分钟"
        }
        ScheduleInvalid => {
            "计划 `{}` 不是有效的 cron 表达式：{}；例如 `0 3 * * *` 表示每天 UTC 03:00，`*/15 * * * *` 表示每 15 分钟"
        }
        GcNotOperated => {
            "本服务器并不运行该镜像仓库（REGISTRY_MODE=external），因此无法对其进行垃圾回收。请在镜像仓库所在主机上，在仓库只读（storage.maintenance.readonly.enabled: true）或停止期间运行 `registry garbage-collect /etc/docker/registry/config.yml`（Debian 上为 `docker-registry`；加 --delete-untagged 可删除无标签的清单），以免推送与清理同时进行；删除需要 storage.delete.enabled: true。也可以让本服务器操作它：REGISTRY_MODE=embedded（由本服务器运行镜像仓库）、REGISTRY_CONTAINER（通过 Docker 套接字操作镜像仓库容器）或 REGISTRY_CONFIG（本主机上的镜像仓库，按其 config.yml）"
        }
        GcAlreadyRunning => "该镜像仓库上已有一个垃圾回收正在运行；请等待其结束",
        GcDryRunCommand => "试运行：{} garbage-collect --dry-run{}",
        GcFound => "{} 个数据块仍在使用；可删除 {} 个数据块和 {} 个清单，释放 {}（{} 字节）",
        GcBlobItem => "数据块，{} 字节",
        GcUntaggedManifest => "无标签的清单",
        GcWouldDelete => "将被删除",
        GcNothingToCollect => "没有可回收的内容：镜像仓库保持原样",
        GcReadOnlyRestartFailed => "无法以只读方式重启镜像仓库，因此没有进行清理：{}",
        GcRestoreFailed => "无法将镜像仓库重启为正常服务：{}；正在后台重试",
        GcReadOnlyFor => "镜像仓库只读了 {} 秒",
        GcReadOnlyForWritable => "镜像仓库只读了 {} 秒；现已重新接受推送",
        GcDeleted => "已删除",
        GcStillStored => "清理后仍在存储中",
        StorageScanRepository => "{} 个标签，新增 {}（{} 字节）",
        StorageScanEmpty => "没有标签（空仓库）",
        StorageScanGone => "已不在镜像仓库中",
        StorageScanDone => "已扫描 {} 个仓库：共 {}（{} 字节）唯一数据；{} 个空仓库",
        StorageScanCancelled => "扫描已取消：保留之前的用量数据",
        StorageRepositoryNotFound => "仓库 {} 不存在（或尚未被扫描到且镜像仓库中没有它）",
        EmptyRepositoryNoStorageAccess => {
            "本服务器无法访问镜像仓库的存储（REGISTRY_MODE=external），因此无法移除空仓库；空仓库默认隐藏。请在镜像仓库所在主机上删除其存储中的 docker/registry/v2/repositories/<名称> 目录，或让本服务器运行镜像仓库：REGISTRY_MODE=embedded"
        }
        EmptyRepositoryHasTags => "仓库 {} 仍有 {} 个标签：只能移除没有标签的仓库；请先删除这些标签",
        EmptyRepositoryUploading => "仓库 {} 有正在进行的上传：请在推送结束后再试（届时它可能已不再为空）",
        EmptyRepositoryNested => "{} 不是一个仓库目录（其中没有仓库数据）",
        EmptyRepositoryRemoveFailed => "无法移除仓库 {} 的目录：{}",
        GcFreed => "已释放 {}（{} 字节；试运行预计 {} 字节）；删除了 {} 个数据块和 {} 个清单",
        GcStoppedFor => "镜像仓库容器 {} 停止了 {} 秒",
        GcStoppedForRunning => "镜像仓库容器 {} 停止了 {} 秒；现已重新运行",
        GcSweptAsFound => "{}，因此本服务器未对其做任何改动；清理用时 {} 秒",
        GcContainerNotFound => {
            "Docker 守护进程中没有容器 {}（REGISTRY_CONTAINER）：请用 `docker ps -a` 核对名称，并确认 DOCKER_HOST 指向运行该镜像仓库的守护进程"
        }
        GcDockerFailed => "Docker：{}",
        GcConfigUnreadable => "无法读取镜像仓库的配置 {}：{}",
        GcConfigNotFilesystem => {
            "镜像仓库的配置 {} 使用 {} 存储驱动：本服务器只对 filesystem 驱动进行垃圾回收（只有它的数据块大小可以测量）"
        }
        GcCommandFailed => "garbage-collect 失败（退出码 {}）：{}",
        GcCommandNotRun => "无法运行 {} garbage-collect：{}",
        GcStopFailed => "无法停止镜像仓库容器 {}，因此没有进行清理：{}",
        GcContainerStartFailed => {
            "无法重新启动镜像仓库容器 {}：{}；请用 `docker start` 启动它，并查看 `docker logs`"
        }
        GcHostReadOnly => "镜像仓库的配置 {} 设置了 storage.maintenance.readonly.enabled: true",
        GcHostNotAnswering => "镜像仓库的地址（{}）上没有应答",
        GcHostNoAddress => {
            "已拒绝：镜像仓库配置 {} 未指定 http.addr，本服务器无法判断镜像仓库是否在运行并接受推送。请在该文件中设置 storage.maintenance.readonly.enabled: true 并重启镜像仓库（或停止它），然后再次运行垃圾回收。试运行随时可用"
        }
        GcHostWritable => {
            "已拒绝：{} 所描述的镜像仓库正在接受推送（它在 {} 上应答且不是只读），清理期间的推送可能丢失其写入的数据块。本服务器并不运行该镜像仓库，无法将其设为只读：请在 {} 中设置 storage.maintenance.readonly.enabled: true 并重启镜像仓库（或停止它），再次运行垃圾回收，之后再恢复。试运行随时可用"
        }
        ServerStopping => "服务器正在停止：请在其恢复后重试",
        RetentionMatched => "{} 个仓库匹配 `{}`",
        RetentionMatchedDryRun => "{} 个仓库匹配 `{}`；试运行：不会删除任何内容",
        RetentionTagsUnreadable => "{}：无法读取其标签：{}",
        RetentionTagsUnreadableItem => "无法读取其标签：{}",
        RetentionCounted => "{}：{} 个标签，删除 {} 个，保留 {} 个",
        RetentionBytesUnknownBecause => "{}：释放的字节数未知：{}",
        RetentionStorageUnreadable => "无法读取存储用量：{}",
        RetentionFrees => "垃圾回收后释放 {}",
        RetentionBytesUnknown => "释放的字节数未知",
        RetentionImageGoesWith => "{}；镜像连同其标签 {} 一起删除",
        RetentionOnlyTag => "仅删除标签：{} 仍指向其镜像",
        RetentionBeyondKeepLast => "不在最新的 {} 个之内",
        RetentionOlderThan => "创建于 {} 天前，早于 {} 天",
        RetentionWouldDelete => "将删除：{}",
        RetentionDryRunTotal => "试运行：将删除 {} 个标签，垃圾回收后释放 {}",
        RetentionDeletedCount => "已删除 {} 个标签",
        RetentionDeleted => "已删除：{}",
        RetentionDeletedDigest => "{}：已删除 {} 及其标签 {}",
        RetentionCancelledBeforeTag => "在删除此标签之前已取消",
        RetentionDeletedTag => "{}：已删除标签 {}",
        RetentionDeletingTagFailed => "{}：删除标签 {} 失败：{}",
        GcAfterStarted => "gc_after：已启动垃圾回收任务 {}",
        GcAfterNotStarted => "gc_after：未启动垃圾回收：{}",
        GcAfterUnavailable => {
            "gc_after：此镜像仓库不支持垃圾回收；这些字节会在镜像仓库运行 garbage-collect 时回收"
        }
        MergeNotOurs => "{}：`{}` 位于 {}；合并只在本镜像仓库内进行：请给出 仓库:标签",
        MergeNamesDigest => "{}：`{}` 指定的是摘要；请给出标签（仓库:标签）",
        MergeSuffixInvalid => {
            "suffixes：`{}` 不能作为标签结尾：最多使用 {} 个字母、数字、`_`、`.` 或 `-`（例如 -x86）"
        }
        MergeSuffixesEmpty => "suffixes 为空：请给出用于对标签分组的架构后缀，例如 -x86 和 -arm",
        MergeBothWays => "请给出 sources 和 target，或 repository 和 suffixes，不能同时给出",
        MergeNeitherWay => {
            "请指定要合并的内容：sources（仓库:标签，至少两个）和 target，或 repository 和 suffixes"
        }
        MergeOneSource => "sources 只指定了一个标签：请至少指定两个要合并的单架构标签",
        MergeTargetMissing => "缺少 target：请指定要写入的多架构标签（仓库:标签，例如 app:1.0）",
        MergeTargetIsSource => "target {} 是来源之一：索引会替换它；请选择其他标签",
        MergeNothingToCombine => "{} 中没有标签在同一基础名上带有后缀 {} 中的两个或更多：没有可合并的内容",
        MergeSingleLeftAlone => "{}：没有它的其他架构，保持不变",
        MergeAlreadyIndex => "{} 已经是多架构索引（{}）：请先拆分它，或指定其单平台标签",
        MergeNotImage => "{} 不是容器镜像（{}）：只能合并镜像",
        MergeNoConfig => "{} 没有镜像配置",
        MergeNoPlatform => "{} 的镜像配置未指明操作系统和架构",
        MergeTargetUnreadable => "无法读取目标标签 {}：{}",
        MergeSamePlatform => "{} 都是 {}：一个索引中每个平台只能有一个镜像",
        MergeNothingWritten => "{}；未写入任何内容",
        MergeNothingToWrite => "没有可写入的内容",
        MergeKindOci => "OCI 索引",
        MergeKindList => "清单列表",
        MergeAlreadyHolds => "已是此{}（{}）：未写入任何内容",
        MergeConflictTarget => "冲突：目标标签指向 {}，而不是索引 {}；未覆盖（设置 overwrite 以替换）",
        MergeCancelledNotWritten => "已取消；未写入目标标签",
        MergeCopyFailed => "将 {}（{}）复制到 {} 时出错：{}；未写入目标标签",
        MergeStoredAs => "镜像仓库将索引存储为 {}，而不是 {}：其子清单可能与读取的不一致",
        MergeWriting => "写入 {} 时出错：{}",
        MergeWrote => "已写入{}，共 {} 个平台（{}）",
        MergeMounted => "{}；从其他仓库挂载了 {} 个数据块",
        MergeCancelledSourcesKept => "已取消：保留来源标签",
        MergeSourcesKeptResolves => "保留来源标签：{} 指向 {}，而不是该索引",
        MergeNothing => "无",
        MergeSourcesKeptUnchecked => "保留来源标签：无法检查 {}：{}",
        MergeMoved => "读取后它已改为指向 {}",
        MergeSourceKept => "保留 {}：{}",
        MergeDeletedSources => "已删除来源标签 {}",
        SplitNotOurs => "source：`{}` 位于 {}；拆分只在本镜像仓库内进行",
        SplitNamesDigest => "source：`{}` 指定的是摘要；请给出多架构标签（仓库:标签）",
        SplitSuffixNoTag => "suffixes：后缀 `{}`（用于 {}）无法与 `{}` 组成标签：{}",
        SplitSuffixEmpty => "suffixes：{} 的后缀为空：标签将是来源本身",
        SplitSuffixesEmpty => "suffixes 为空：请为每个平台给出后缀，例如 {}",
        SplitSingleImage => "{} 是单个镜像，不是多架构索引：没有可拆分的内容",
        SplitIsIndex => "{} 是一个索引（{}）",
        SplitNoSuffixLog => "{}：未给出其后缀，已略过",
        SplitNoSuffixItem => "未给出 {} 的后缀：已略过",
        SplitNoPlatform => "无平台",
        SplitSameTag => "两个平台都会得到标签 {}：请给它们不同的后缀",
        SplitInvalidDigest => "索引中有无效的摘要：{}",
        RetryFailedAfter => "{} 失败，已尝试 {} 次",
        RetryRetrying => "{} 失败：{}；{} 后重试（第 {}/{} 次）",
        RetryBlobNotSeen => "{}：镜像仓库尚未看到它的某个数据块（{}）；正在重试",
        StepCheckingBlobIn => "检查数据块 {}（在 {} 中）",
        StepMountingBlobFrom => "挂载数据块 {}（来自 {}）",
        StepCopyingBlob => "复制数据块 {}",
        StepChecking => "检查 {}",
        StepWriting => "写入 {}",
        StepReading => "读取 {}",
        StepReadingManifest => "读取清单 {}",
        StepReadingConfig => "读取镜像配置",
        CancelledDuringPull => "在拉取过程中已取消",
        CancelledDuringPush => "在上传过程中已取消",
        ArchValueEmpty => "arch_value 为空：请为 arch_mode custom 给出后缀（例如 `x86`）",
        ArchValueInvalid => "arch_value {} 只能包含字母、数字、`_`、`.` 和 `-`",
        GcExternal => {
            "REGISTRY_MODE=external：{} 处的镜像仓库在别处运行，因此垃圾回收需在其所在主机上进行（在仓库只读或停止期间运行 `registry garbage-collect /etc/docker/registry/config.yml`），除非为本服务器设置了 REGISTRY_CONTAINER 或 REGISTRY_CONFIG"
        }
        PushTargetRefused => "{} → {}：{}",
        PrefixNoTags => "{} 没有标签：没有可重命名的内容",
        RepositoryHasNoTags => "该仓库没有标签",
        AlreadyBecomes => "{} 已经会变为 {}",
        DescIndexOne => "包含 1 个平台的索引",
        DescIndex => "包含 {} 个平台的索引",
        DescAttestationOne => "{}，另有 1 个证明",
        DescAttestations => "{}，另有 {} 个证明",
        DescImage => "镜像",
        DescArtifact => "制品（{}）",
        DescManifestOfType => "类型为 {} 的清单",
        DescDocker => "Docker 格式的{}",
        DescOci => "OCI 格式的{}",
        IndexNeedsOne => "索引至少需要一个清单",
        CopyDigestMismatch => "数据块 {}（来自 {}）与其摘要不符（收到的是 {}）；未打任何标签",
        CopySizeMismatch => "数据块 {}（来自 {}）为 {} 字节，而清单中写的是 {}；未打任何标签",
        CopyConflict => "目标标签 {} 指向 {}，而不是来源的 {}；未覆盖",
        CopyNotFound => "{} 在源镜像仓库中不存在",
        CopyPlatformNotFound => "来源中没有 {} 镜像（它有：{}）",
        CopyCancelledShort => "已取消",
        IndexNested => "{} 已经是多架构索引：请先拆分它，或指定其单平台标签",
        IndexMixesKinds => {
            "这些镜像混合了 Docker（{}）和 OCI（{}）清单，一个索引不转换其中一种就无法同时容纳两种：请以同一种格式推送，或按格式分别合并"
        }
        JobInterrupted => "已中断：服务器在任务结束前停止了",
        JobInternalError => "任务因内部错误而停止；详情见服务器日志",
        JobCancelledByUser => "已被用户取消",
        JobItemFailed => "该条目失败",
        JobItemsFailedAll => "全部 {} 个条目失败",
        JobItemsFailed => "{} 个条目失败（共 {} 个）",
        JobItemsSkipped => "{} 个已跳过",
        JobItemsFailedSkipped => "{} 个条目失败（共 {} 个），{} 个已跳过",
        LabelRepositories => "{} 个仓库（{}）",
        LabelImages => "{} 个镜像（{}）",
        LabelTags => "{} 个标签（{}）",
        LabelMore => "{}，……另有 {} 个",
        LabelDeleted => "已删除",
        LabelRemoved => "已移除",
        LabelRegistryStorage => "镜像仓库存储",
        LabelStorageUsage => "存储用量",
        LabelGcDryRun => "试运行：不删除任何内容",
        LabelGcCollected => "已垃圾回收",
        LabelPolicy => "策略“{}”",
        LabelPolicyDryRun => "策略“{}”（试运行）",
        PlatformNotOsArch => {
            "`{}` 不是平台：请写成 os/architecture[/variant]，例如 linux/amd64 或 linux/arm64/v8"
        }
        IndexNotJson => "该索引不是 JSON：{}",
        IndexNoManifestsList => "该索引没有 `manifests` 列表",
        IndexEntryMissing => "索引中的一个条目丢失了",
        CopyInvalidDigest => "清单 {} 的摘要无效：{}",
        CopyEntryIsIndex => "{} 条目（属于 {}）本身就是索引；请改为按摘要复制它",
        CopyCannotFilter => "无法筛选 {}：{}",
        CopyTooManyManifests => "一个标签下的清单超过 {} 个",
        CopyNotCopyable => "{}（{}）既不是镜像、索引，也不是类似清单的制品；无法复制",
        CopyBadDigestListed => "清单 {} 列出了无效的摘要：{}",
        CopyDigestAlgorithm => "数据块 {} 使用了本工具在复制时无法校验的摘要算法（仅支持 sha256）",
        RegUnreachable => "无法连接到 {} 的镜像仓库：{}",
        RegCredentialsRequired => {
            "{} 的镜像仓库要求 {} 身份验证：请设置 REGISTRY_USERNAME 和 REGISTRY_PASSWORD"
        }
        RegCredentialsRefused => {
            "{} 的镜像仓库拒绝了所配置的凭据（HTTP {}）：请检查 REGISTRY_USERNAME 和 REGISTRY_PASSWORD"
        }
        RegStatus => "{} 的镜像仓库返回了 HTTP {}",
        RegStatusBody => "{} 的镜像仓库返回了 HTTP {}（{}）",
        RegRetryLater => "{} 的镜像仓库返回了 HTTP {}，并要求 {} 秒后重试",
        RegRetryLaterBody => "{} 的镜像仓库返回了 HTTP {}（{}），并要求 {} 秒后重试",
        RegProtocol => "来自 {} 的应答无法理解：{}",
        RegDeletionDisabled => {
            "镜像仓库禁用了删除（{} 返回 HTTP 405）：请在镜像仓库上设置 REGISTRY_STORAGE_DELETE_ENABLED=true（storage.delete.enabled: true）并重启它"
        }
        RegNotRepointable => {
            "无法只删除这个标签：它的清单（{}）不是本工具能重新指向的 JSON 文档；请改为删除该镜像（共 {} 个标签）"
        }
        RegTagDeleteIncomplete => "删除 {} 处的标签未完成：{}",
        RegRefused => "已拒绝连接到 {}：{}",
        RegTooLarge => "{}超过 {}（{} 字节），来自 {}",
        BodyManifest => "清单",
        BodyCatalogPage => "目录页",
        BodyTagListPage => "标签列表页",
        BodyTagList => "标签列表（全部页）",
        BodyImageConfig => "镜像配置",
        BodyTokenResponse => "令牌应答",
        BodyAnswer => "应答",
        RegNoChallenge => "返回了 401，但没有可用的 WWW-Authenticate 头",
        RegUnsupportedScheme => "不支持的身份验证方案 {}",
        RegCaCertUnreadable => "无法读取 REGISTRY_CA_CERT：{}",
        RegCaCertNotPem => "REGISTRY_CA_CERT 不是 PEM 证书包：{}",
        RegHttpClient => "无法创建 HTTP 客户端：{}",
        RegNoRealm => "Bearer 质询中没有 realm",
        RegTokenRealmNotUrl => "令牌 realm 不是 URL：{}",
        RegTokenNotJson => "令牌应答不是含有令牌的 JSON：{}",
        RegTokenMissing => "令牌应答中既没有 `token` 也没有 `access_token`",
        RegExpectedStatus => "预期 {}，实际收到 HTTP {}",
        RegUploadNoLocation => "上传已被接受，但没有 Location",
        RegUploadLocationNotUrl => "上传的 Location {} 不是 URL：{}",
        RegNamedInvalidDigest => "镜像仓库给出了无效的摘要：{}",
        RegRefersInvalidDigest => "某个清单引用了无效的摘要：{}",
        RegTagListNotJson => "标签列表不是含有 `tags` 的 JSON：{}",
        RegLinkOtherHost => "它指向下一页的 Link 指向了其他主机（{}）；只跟随镜像仓库自身源上的分页",
        RegCatalogNotJson => "目录不是含有 `repositories` 的 JSON：{}",
        RegInvalidConfigDigest => "清单给出的配置摘要无效：{}",
        RegConfigNotJson => "镜像配置不是有效的 JSON：{}",
        DockerUnavailable => "无法连接到 {} 的 Docker 守护进程：{}",
        DockerNoImage => "没有本地镜像 {}：{}",
        DockerRefused => "Docker 守护进程拒绝了{}：{}",
        DockerTransferFailed => "{} 失败：{}",
        DockerFileTooLarge => "大于 1 MiB",
        DockerArchiveEmpty => "归档为空",
        DockerNotAFile => "不是普通文件",
        DockerActList => "列出镜像",
        DockerActInspect => "检查 {}",
        DockerActTag => "将 {} 标记为 {}",
        DockerActRemove => "删除 {}",
        DockerActPush => "推送 {}",
        DockerActPull => "拉取 {}",
        DockerActInspectContainer => "查看容器 {}",
        DockerActStopContainer => "停止容器 {}",
        DockerActStartContainer => "启动容器 {}",
        DockerActReadFile => "读取容器内的 {}",
        DockerActStatFile => "查看容器内的 {}",
        DockerActCreateGcContainer => "创建垃圾回收容器",
        DockerActStartGcContainer => "启动垃圾回收容器",
        DockerActWaitGcContainer => "等待垃圾回收容器结束",
        DockerActReadGcOutput => "读取垃圾回收容器的输出",
        OutSchemeNotFollowed => "只跟随 http 和 https URL，不跟随 {}:",
        OutNoHost => "该 URL 没有主机",
        OutNotListedPort => "{} 不在所列的端口上（已列出：{}）；如需允许，请将其加入 SOURCE_REGISTRIES",
        OutNotHostPort => "{} 不是 host[:port]：{}",
        OutCannotResolve => "无法解析 {}：{}",
        OutRealmNoHost => "令牌 realm 没有主机",
        OutRealmRefused => "已拒绝令牌 realm：{}",
        OutRealmScheme => "令牌 realm 不是 http 或 https，而是 {}:",
        OutRealmOtherHost => {
            "令牌 realm {} 与镜像仓库（{}）不在同一主机上：只有 TOKEN_REALM_HOSTS 列出它时才会向它发送凭据"
        }
        OutRealmPlainHttp => {
            "令牌 realm {} 使用明文 http：凭据只发送给 https 的 realm（或回环地址上的 http）"
        }
        OutAddressClass => "{} 是{}；如需允许，请将其加入 SOURCE_REGISTRIES",
        OutNoAddress => "{} 没有地址",
        OutTooManyRedirects => "重定向超过 {} 次",
        OutHttpsDowngrade => "不跟随从 https 到明文 http 的重定向（{}）",
        OutRedirectRefused => "已拒绝重定向到 {}：{}",
        AddrLoopback => "回环地址",
        AddrLinkLocal => "链路本地地址",
        AddrPrivate => "私有地址",
        AddrUnspecified => "未指定地址",
        AddrMulticast => "组播地址",
        MisdirectedHost => {
            "此服务器不响应主机名 {}（用于防范 DNS 重绑定）：{}。如果用户通过该名称访问，请将 PUBLIC_URL 设为他们打开的 URL，或把该名称加入 ALLOWED_HOSTS（以逗号分隔的 host 或 host:port）"
        }
        MisdirectedOpenAt => "请通过 PUBLIC_URL（{}）打开",
        MisdirectedNoPublicUrl => "未设置 PUBLIC_URL",
        TagDeleteRestoreFailed => "{}；将 `{}` 放回 {} 也失败了（{}）：它现在指向 {}",
        TagDeleteSiblingMoved => "删除 `{}` 后，标签 `{}` 不再指向 {}（现在为 {}）",
        TagDeleteStillThere => "删除后 `{}` 仍然存在（它指向 {}）",
        BlobNoDataAfter => "{} 内没有收到数据（已收到 {} / {} 字节）",
        BlobRegistryTookNoData => "镜像仓库在接收数据块时 {} 内没有接收任何数据",
        BlobDownloadBroke => "下载在收到 {} / {} 字节后中断：{}",
        BlobAcceptedEarly => "镜像仓库在收到全部数据之前就接受了该数据块",
        PreviewSourceSlow => "{} 在 {} 秒内没有应答；任务会等待更久",
        TagDeletedWhileRead => "读取该标签时它已被删除",
        SomePlatformsUnreadable => "部分平台无法读取：{}",
        IndexesNestedTooDeep => "{}：索引嵌套超过 {} 层",
        DockerProgressUnreadable => "无法读取守护进程的进度行：{}",
        DockerPushStreamBroke => "推送流中断了：{}",
        NamedWithReason => "{}（{}）",
        TokenNameTaken => "名为“{}”的令牌已存在",
        PolicyNameTaken => "名为“{}”的保留策略已存在：请换一个名称",
        UsernameTaken => "用户“{}”已存在",
        ManifestNotUnderstood => "该清单不是本工具能理解的 JSON：{}",
        IndexCannotWrite => "无法写出索引：{}",
        EmbeddedSupervisorStopped => "内置镜像仓库的监管进程已停止",
        EmbeddedCannotWrite => "无法写入 {}：{}",
        EmbeddedCannotOpen => "无法打开 {}：{}",
        EmbeddedCannotStart => "无法启动 {}：{}",
        EmbeddedNoAnswer => "内置镜像仓库没有在 {} 上应答（等待了 {}）",
    }
}

/// What an operation is called in Chinese, as it follows "无法…" / "要…".
pub(super) fn operation(operation: Operation) -> &'static str {
    use Operation::*;
    match operation {
        ListRepositories => "列出仓库",
        ListTags => "列出标签",
        TagDetail => "读取标签",
        ListJobs => "列出任务",
        GetJob => "读取任务",
        ListLocalImages => "列出本地镜像",
        PreviewSync => "预览远程同步",
        PreviewRemotePrefix => "预览远程前缀重命名",
        PreviewLocalPush => "预览本地镜像批量上传",
        PreviewLocalDelete => "预览本地镜像删除",
        PreviewMerge => "预览多架构合并",
        ReadStatus => "读取详细状态",
        ReadStorage => "读取存储用量",
        ManageOwnTokens => "管理你的 API 令牌",
        StartSync => "启动远程同步",
        StartRemotePrefix => "启动远程前缀重命名",
        StartLocalPush => "本地镜像批量上传",
        StartLocalDelete => "删除本地镜像",
        StartMerge => "将多个架构合并为多架构标签",
        StartSplit => "拆分多架构标签",
        CancelJob => "取消任务",
        RetryJob => "重试任务",
        DeleteTag => "删除标签",
        DeleteImage => "删除镜像及其所有标签",
        DeleteRepository => "删除仓库",
        StartRepositoryDelete => "批量删除仓库",
        ManageUsers => "管理用户",
        ManageAllTokens => "管理其他用户的 API 令牌",
        ReadAudit => "读取审计日志",
        Login => "登录",
        Logout => "退出登录",
        Setup => "创建首个管理员",
        ChangePassword => "修改密码",
        ListRetentionPolicies => "查看保留策略",
        PreviewRetention => "试运行保留策略",
        ManageRetentionPolicies => "管理保留策略",
        StartRetention => "执行保留策略",
        StartGc => "进行垃圾回收",
        StartStorageScan => "重新扫描存储用量",
        RemoveEmptyRepository => "移除空仓库",
    }
}
