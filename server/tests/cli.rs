//! `registry-manager user …` / `token …`: the real binary on a temporary `DATA_DIR`. Outcomes are
//! read back from the store itself (accounts, password hashes, sessions, tokens, the audit log),
//! not from the binary's own output alone.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use app::backend::auth::password::verify_password;
use app::backend::auth::secret::hash_secret;
use app::backend::jobs::Store;
use app::backend::store::{Db, now_ms};
use app::model::{
    AuditEntry, AuditOutcome, AuditQuery, JobKind, JobRequest, JobStatus, JobSummary, Progress,
    RepositoryDeleteRequest, Role, TokenList, UserInfo, UserList,
};

const BIN: &str = env!("CARGO_BIN_EXE_registry-manager");
const PASSWORD: &str = "correct horse battery";

/// One `DATA_DIR`, and the binary run on it with no other configuration.
struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    /// Runs `registry-manager args…`; `stdin` is piped in, or `None` for no stdin at all (never a
    /// terminal, as in CI and cron).
    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATA_DIR", self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = command.spawn().expect("the binary runs");
        if let Some(text) = stdin {
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed; its stdout.
    fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let output = self.run(args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?} failed: {stderr}");
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs a command that must fail with `code`; its stderr.
    fn fails(&self, args: &[&str], stdin: Option<&str>, code: i32) -> String {
        let output = self.run(args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        stderr
    }

    fn add_user(&self, username: &str, role: &str) {
        self.ok(
            &["user", "add", username, "--role", role, "--password-stdin"],
            Some(&format!("{PASSWORD}\n")),
        );
    }

    fn db(&self) -> Db {
        Db::open(self.dir.path()).unwrap()
    }

    fn users(&self) -> Vec<UserInfo> {
        let json = self.ok(&["user", "list", "--json"], None);
        serde_json::from_str::<UserList>(&json).unwrap().users
    }

    fn user(&self, username: &str) -> UserInfo {
        self.users().into_iter().find(|u| u.username == username).expect("the user is listed")
    }

    fn tokens(&self, args: &[&str]) -> TokenList {
        let json = self.ok(&[&["token", "list", "--json"], args].concat(), None);
        serde_json::from_str(&json).unwrap()
    }

    /// Whether `password` is now the account's password, checked against the stored hash.
    fn password_is(&self, username: &str, password: &str) -> bool {
        let (_, hash) = self.db().user_by_name(username).unwrap().expect("the account exists");
        verify_password(&hash, password)
    }

    /// A signed-in session of `username`, made in the store as a login would; its id hash.
    fn session_of(&self, username: &str) -> String {
        let db = self.db();
        let (account, _) = db.user_by_name(username).unwrap().unwrap();
        let id_hash = hash_secret(&format!("session of {username}"));
        db.create_session(&id_hash, account.id, now_ms()).unwrap();
        id_hash
    }

    /// The audit log, oldest first.
    fn audit(&self) -> Vec<AuditEntry> {
        let mut entries = self.db().list_audit(&AuditQuery::default()).unwrap();
        entries.reverse();
        entries
    }

    /// Runs `change` and returns the one audit entry it must have left.
    fn one_entry(&self, change: impl FnOnce()) -> AuditEntry {
        let before = self.audit().len();
        change();
        let mut entries = self.audit().split_off(before);
        assert_eq!(entries.len(), 1, "expected exactly one audit entry: {entries:#?}");
        entries.pop().unwrap()
    }
}

fn assert_entry(entry: &AuditEntry, operation: &str, target: &str, outcome: AuditOutcome) {
    assert_eq!(entry.actor, "cli", "{entry:?}");
    assert_eq!(entry.operation, operation, "{entry:?}");
    assert_eq!(entry.target, target, "{entry:?}");
    assert_eq!(entry.outcome, outcome, "{entry:?}");
}

#[test]
fn user_add_takes_the_password_from_stdin_and_lists_the_account() {
    let cli = Cli::new();
    let entry = cli.one_entry(|| {
        let out = cli.ok(
            &["user", "add", "alice", "--role", "operator", "--password-stdin"],
            Some(&format!("{PASSWORD}\r\n")),
        );
        assert!(out.contains("created user alice with the operator role"), "{out}");
    });
    assert_entry(&entry, "manage-users", "alice", AuditOutcome::Ok);
    assert_eq!(entry.error, None);

    let alice = cli.user("alice");
    assert_eq!((alice.role, alice.disabled, alice.last_login_at), (Role::Operator, false, None));
    // The line ending is not part of the password.
    assert!(cli.password_is("alice", PASSWORD));

    cli.add_user("bob", "viewer");
    let table = cli.ok(&["user", "list"], None);
    let lines = table.lines().collect::<Vec<_>>();
    assert!(lines[0].starts_with("USERNAME") && lines[0].contains("LAST LOGIN"), "{table}");
    assert!(
        lines[1].starts_with("alice") && lines[1].contains("operator") && lines[1].contains("never"),
        "{table}"
    );
    assert!(lines[2].starts_with("bob") && lines[2].contains("viewer"), "{table}");
    assert_eq!(lines.len(), 3, "{table}");
}

#[test]
fn the_role_defaults_to_viewer() {
    let cli = Cli::new();
    cli.ok(&["user", "add", "carol", "--password-stdin"], Some(PASSWORD));
    assert_eq!(cli.user("carol").role, Role::Viewer);
}

#[test]
fn disable_ends_the_sessions_and_enable_restores_the_account() {
    let cli = Cli::new();
    cli.add_user("admin", "admin");
    cli.add_user("bob", "operator");
    let session = cli.session_of("bob");

    let entry = cli.one_entry(|| {
        cli.ok(&["user", "disable", "bob"], None);
    });
    assert_entry(&entry, "manage-users", "bob", AuditOutcome::Ok);
    assert!(cli.user("bob").disabled);
    assert!(cli.db().session(&session).unwrap().is_none(), "bob's session outlived the disable");

    let entry = cli.one_entry(|| {
        cli.ok(&["user", "enable", "bob"], None);
    });
    assert_entry(&entry, "manage-users", "bob", AuditOutcome::Ok);
    let bob = cli.user("bob");
    assert_eq!((bob.disabled, bob.role), (false, Role::Operator));
}

#[test]
fn the_last_enabled_admin_cannot_be_disabled() {
    let cli = Cli::new();
    cli.add_user("admin", "admin");
    let stderr = cli.fails(&["user", "disable", "admin"], None, 2);
    assert!(stderr.contains("admin is the last enabled admin: make another admin first"), "{stderr}");
    assert!(!cli.user("admin").disabled);
}

#[test]
fn passwd_resets_the_password_and_ends_the_sessions() {
    let cli = Cli::new();
    cli.add_user("dave", "viewer");
    let session = cli.session_of("dave");

    let entry = cli.one_entry(|| {
        cli.ok(&["user", "passwd", "dave", "--password-stdin"], Some("a brand new password\n"));
    });
    assert_entry(&entry, "manage-users", "dave", AuditOutcome::Ok);
    assert!(cli.password_is("dave", "a brand new password"));
    assert!(!cli.password_is("dave", PASSWORD));
    assert!(cli.db().session(&session).unwrap().is_none(), "dave's session outlived the reset");
}

#[test]
fn bad_input_exits_2_with_the_rule_and_changes_nothing() {
    let cli = Cli::new();
    let password = Some(PASSWORD);
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["user", "add", "erin", "--role", "superuser", "--password-stdin"],
            password,
            "[possible values: viewer, operator, admin]",
        ),
        (
            &["user", "add", "bad name!", "--password-stdin"],
            password,
            "use 1 to 64 letters, digits, '.', '_', '-' or '@'",
        ),
        (&["user", "add", "erin", "--password-stdin"], Some("short\n"), "use 10 to 1024 characters"),
        (&["user", "passwd", "nobody", "--password-stdin"], password, "no user named \"nobody\""),
        (&["user", "enable", "nobody"], None, "no user named \"nobody\""),
    ];
    for (args, stdin, expected) in cases {
        let stderr = cli.fails(args, *stdin, 2);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    assert_eq!(cli.users(), vec![]);
    // Refused by the service, so recorded (clap refused the bad role before anything ran).
    let entries = cli.audit();
    let recorded = entries.iter().map(|e| (e.target.as_str(), e.outcome)).collect::<Vec<_>>();
    assert_eq!(
        recorded,
        [
            ("bad name!", AuditOutcome::Failed),
            ("erin", AuditOutcome::Failed),
            ("nobody", AuditOutcome::Failed),
            ("nobody", AuditOutcome::Failed),
        ]
    );
    assert!(entries.iter().all(|e| e.actor == "cli" && e.operation == "manage-users"), "{entries:#?}");
}

#[test]
fn without_password_stdin_and_no_terminal_it_says_how_to_pass_the_password() {
    let cli = Cli::new();
    let stderr = cli.fails(&["user", "add", "frank"], None, 2);
    assert!(stderr.contains("stdin is not a terminal"), "{stderr}");
    assert!(stderr.contains("registry-manager user add frank --password-stdin"), "{stderr}");
    assert_eq!(cli.users(), vec![]);

    cli.add_user("frank", "viewer");
    let stderr = cli.fails(&["user", "passwd", "frank"], None, 2);
    assert!(stderr.contains("registry-manager user passwd frank --password-stdin"), "{stderr}");
    assert!(cli.password_is("frank", PASSWORD));
}

#[test]
fn passwd_of_an_unknown_user_says_so_before_asking_for_a_password() {
    // Guards against prompting twice for a password only to learn the name was mistyped.
    let cli = Cli::new();
    let stderr = cli.fails(&["user", "passwd", "ghost"], None, 2);
    assert!(stderr.contains("no user named \"ghost\""), "{stderr}");
    assert!(!stderr.contains("terminal"), "{stderr}");
}

#[test]
fn token_create_quiet_prints_only_a_working_secret_that_token_list_shows() {
    let cli = Cli::new();
    cli.add_user("admin", "admin");
    let mut output = None;
    let entry = cli.one_entry(|| {
        output =
            Some(cli.run(&["token", "create", "--name", "ci-deploy", "--role", "operator", "--quiet"], None));
    });
    let output = output.unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_entry(&entry, "manage-all-tokens", "ci-deploy", AuditOutcome::Ok);

    let stdout = String::from_utf8(output.stdout).unwrap();
    let secret = stdout.strip_suffix('\n').expect("one line");
    assert!(secret.starts_with("rmt_") && !secret.contains(char::is_whitespace), "{stdout:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be shown again"));

    // The owner defaulted to ADMIN_USERNAME, and the secret is the one the store recognises.
    let stored = cli.db().token_by_hash(&hash_secret(secret)).unwrap().expect("the secret is a stored token");
    assert_eq!((stored.info.name.as_str(), stored.info.owner.as_str()), ("ci-deploy", "admin"));
    assert_eq!((stored.info.role, stored.expires_ms, stored.revoked), (Role::Operator, None, false));

    let tokens = cli.tokens(&[]).tokens;
    assert_eq!(tokens, vec![stored.info.clone()]);
    assert!(secret.starts_with(&tokens[0].prefix));
    let table = cli.ok(&["token", "list"], None);
    assert!(
        table.lines().nth(1).is_some_and(|l| l.starts_with(&tokens[0].id) && l.ends_with("active")),
        "{table}"
    );
}

#[test]
fn token_create_without_quiet_names_the_token_and_prints_the_secret_once() {
    let cli = Cli::new();
    cli.add_user("admin", "admin");
    let out = cli.ok(&["token", "create", "--name", "backup", "--role", "viewer"], None);
    let token = cli.tokens(&[]).tokens.pop().unwrap();
    let lines = out.lines().collect::<Vec<_>>();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains(&format!("backup (id {}) for admin: viewer role, expires never", token.id)),
        "{out}"
    );
    assert!(cli.db().token_by_hash(&hash_secret(lines[1])).unwrap().is_some(), "{out}");
}

#[test]
fn expiry_is_rounded_up_to_whole_days() {
    let cli = Cli::new();
    cli.add_user("admin", "admin");
    let before = now_ms();
    cli.ok(&["token", "create", "--name", "short", "--role", "viewer", "--expires", "36h", "--quiet"], None);
    let after = now_ms();
    let id = cli.tokens(&[]).tokens[0].id.clone();
    let expires = cli.db().token_by_public_id(&id).unwrap().unwrap().expires_ms.expect("it expires");
    let two_days = 2 * 86_400_000;
    assert!((before + two_days..=after + two_days).contains(&expires), "{expires} not 2 days after {before}");

    let stderr =
        cli.fails(&["token", "create", "--name", "x", "--role", "viewer", "--expires", "soon"], None, 2);
    assert!(stderr.contains("--expires must be a duration such as 90d, 12h or 2w, or `never`"), "{stderr}");
    let stderr =
        cli.fails(&["token", "create", "--name", "x", "--role", "viewer", "--expires", "3651d"], None, 2);
    assert!(stderr.contains("expiry must be 1 to 3650 days"), "{stderr}");
    assert_eq!(cli.tokens(&[]).tokens.len(), 1);
}

#[test]
fn a_token_role_above_its_owners_is_refused() {
    let cli = Cli::new();
    cli.add_user("bob", "viewer");
    let entry = cli.one_entry(|| {
        let stderr =
            cli.fails(&["token", "create", "--name", "sneaky", "--role", "admin", "--user", "bob"], None, 2);
        assert!(stderr.contains("a token cannot have more than its creator's role"), "{stderr}");
    });
    assert_entry(&entry, "manage-all-tokens", "sneaky", AuditOutcome::Denied);
    assert_eq!(cli.tokens(&[]).tokens, vec![]);
}

#[test]
fn the_default_owner_must_exist() {
    let cli = Cli::new();
    let stderr = cli.fails(&["token", "create", "--name", "ci", "--role", "viewer"], None, 2);
    assert!(stderr.contains("no user named \"admin\""), "{stderr}");
    assert!(stderr.contains("ADMIN_USERNAME=admin unless --user NAME is given"), "{stderr}");
}

#[test]
fn token_list_filters_by_owner_and_revoke_stops_the_token() {
    let cli = Cli::new();
    cli.add_user("admin", "admin");
    cli.add_user("bob", "operator");
    cli.ok(&["token", "create", "--name", "admin-ci", "--role", "admin", "--quiet"], None);
    let secret = cli
        .ok(&["token", "create", "--name", "bob-ci", "--role", "operator", "--user", "bob", "--quiet"], None);

    let bobs = cli.tokens(&["--user", "bob"]).tokens;
    assert_eq!(
        bobs.iter().map(|t| (t.name.as_str(), t.owner.as_str())).collect::<Vec<_>>(),
        [("bob-ci", "bob")]
    );
    assert_eq!(cli.tokens(&[]).tokens.len(), 2);
    let stderr = cli.fails(&["token", "list", "--user", "nobody"], None, 2);
    assert!(stderr.contains("no user named \"nobody\""), "{stderr}");

    let entry = cli.one_entry(|| {
        let out = cli.ok(&["token", "revoke", &bobs[0].id], None);
        assert!(out.contains(&format!("revoked token bob-ci (id {}) of bob", bobs[0].id)), "{out}");
    });
    assert_entry(&entry, "manage-all-tokens", "bob-ci", AuditOutcome::Ok);
    let stored = cli.db().token_by_hash(&hash_secret(secret.trim_end())).unwrap().unwrap();
    assert!(stored.revoked);
    assert!(cli.tokens(&["--user", "bob"]).tokens[0].revoked_at.is_some());
    let table = cli.ok(&["token", "list", "--user", "bob"], None);
    assert!(table.lines().nth(1).is_some_and(|l| l.ends_with("revoked")), "{table}");

    let stderr = cli.fails(&["token", "revoke", "no-such-id"], None, 2);
    assert!(stderr.contains("no API token with id no-such-id"), "{stderr}");
}

#[test]
fn commands_leave_a_running_servers_jobs_alone() {
    // Guards against the CLI building AppState, whose job engine marks unfinished jobs interrupted.
    let cli = Cli::new();
    let store = Store::open(cli.dir.path()).unwrap();
    let summary = JobSummary {
        id: "running-job".into(),
        job_type: JobKind::RepositoryDelete,
        status: JobStatus::Running,
        source_image: "team/app".into(),
        target_image: "deleted".into(),
        total_items: 1,
        progress: Progress::default(),
        error: None,
        created_at: "2026-01-01T00:00:00Z".into(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        started_at: Some("2026-01-01T00:00:00Z".into()),
        finished_at: None,
        retry_of: None,
        failed_items: 0,
    };
    let request =
        JobRequest::RepositoryDelete(RepositoryDeleteRequest { repositories: vec!["team/app".into()] });
    store.insert(&summary, &request, &[]).unwrap();

    cli.add_user("admin", "admin");
    cli.ok(&["user", "list"], None);
    cli.ok(&["token", "create", "--name", "ci", "--role", "viewer", "--quiet"], None);

    let job = store.summary("running-job").unwrap().unwrap();
    assert_eq!((job.status, job.error), (JobStatus::Running, None));
}
