//! Credentials for other registries from a Docker `config.json` (`SOURCE_REGISTRY_AUTH_FILE`), with
//! the same coverage as the Docker CLI:
//!
//! * `auths`: `{"host:port": {"auth": base64("user:password")}}` (or `username`/`password`); keys
//!   may be URLs (`https://host/v1/`), of which the host is kept;
//! * `credHelpers`: `{"host:port": "name"}`, asked through `docker-credential-<name> get`;
//! * `credsStore`: one helper for every other host.
//!
//! As the Docker CLI decides: a host's `credHelpers` entry wins, then `credsStore`, then `auths`.
//! A helper is a program on `PATH` that reads the host on stdin and answers
//! `{"Username": …, "Secret": …}` (https://github.com/docker/docker-credential-helpers); it is
//! asked once per host, when a job first reaches that host, and its answer kept. Hand-written
//! rather than the `docker_credential` crate, which reads only `$DOCKER_CONFIG`/`~/.docker` and
//! so cannot take the file this setting names.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

use base64::Engine as _;
use serde::Deserialize;

use super::Credentials;
use crate::backend::config::Secret;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// A credential helper's answer to `get`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

/// What a Docker `config.json` says about each host's credentials.
#[derive(Debug, Default)]
pub struct DockerConfig {
    auths: HashMap<String, Credentials>,
    creds_store: Option<String>,
    cred_helpers: HashMap<String, String>,
    /// Helpers' answers, by host (a helper is asked once per host).
    asked: Mutex<HashMap<String, Credentials>>,
}

impl DockerConfig {
    /// Reads and checks the file; helpers are not run yet.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read SOURCE_REGISTRY_AUTH_FILE {}: {e}", path.display()))?;
        let file: ConfigFile = serde_json::from_str(&text).map_err(|e| {
            format!(
                "SOURCE_REGISTRY_AUTH_FILE {} is not a Docker config.json ({{\"auths\": {{\"host\": {{\"auth\": \"…\"}}}}}}): {e}",
                path.display()
            )
        })?;
        let mut auths = HashMap::new();
        for (key, entry) in file.auths {
            if let Some(credentials) = entry.credentials(&key)? {
                auths.insert(host_of(&key), credentials);
            }
        }
        let cred_helpers = file.cred_helpers.into_iter().map(|(key, name)| (host_of(&key), name)).collect();
        Ok(Self { auths, creds_store: file.creds_store, cred_helpers, asked: Mutex::default() })
    }

    /// The credentials for `host`: its helper's, the store's, or its `auths` entry; anonymous when
    /// none applies. A helper that fails or knows nothing of the host falls through to `auths`
    /// (logged, never with the secret).
    pub fn credentials_for(&self, host: &str) -> Credentials {
        let helper = self.cred_helpers.get(host).or(self.creds_store.as_ref());
        if let Some(helper) = helper {
            if let Some(known) = self.asked.lock().expect("credential answers lock").get(host) {
                return known.clone();
            }
            match ask_helper(Path::new(&format!("docker-credential-{helper}")), host) {
                Ok(credentials) => {
                    self.asked
                        .lock()
                        .expect("credential answers lock")
                        .insert(host.to_owned(), credentials.clone());
                    return credentials;
                }
                Err(reason) => {
                    tracing::warn!(host, helper, %reason, "no credentials from the credential helper")
                }
            }
        }
        self.auths.get(host).cloned().unwrap_or_default()
    }
}

impl AuthEntry {
    fn credentials(self, key: &str) -> Result<Option<Credentials>, String> {
        let (username, password) = match (self.auth, self.username, self.password) {
            (Some(auth), _, _) if !auth.is_empty() => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| {
                        format!("SOURCE_REGISTRY_AUTH_FILE: the auth of {key} is not base64 of user:password")
                    })?;
                let (user, password) = decoded
                    .split_once(':')
                    .ok_or_else(|| format!("SOURCE_REGISTRY_AUTH_FILE: the auth of {key} has no `:`"))?;
                (user.to_owned(), password.to_owned())
            }
            (_, Some(user), Some(password)) => (user, password),
            _ => return Ok(None),
        };
        Ok(Some(Credentials::Basic { username, password: Secret::new(password) }))
    }
}

/// `https://host:port/v1/` → `host:port`.
fn host_of(key: &str) -> String {
    key.trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Runs `program get` with `host` on stdin. An identity token (user `<token>`) is not a Basic
/// credential and is refused by name.
fn ask_helper(program: &Path, host: &str) -> Result<Credentials, String> {
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    child
        .stdin
        .take()
        .ok_or("the helper's stdin is not open")?
        .write_all(host.as_bytes())
        .map_err(|e| format!("cannot write to {}: {e}", program.display()))?;
    let output =
        child.wait_with_output().map_err(|e| format!("{} did not finish: {e}", program.display()))?;
    if !output.status.success() {
        // Helpers print "credentials not found in native keychain" and the like: no secret.
        let said = String::from_utf8_lossy(&output.stdout);
        return Err(format!("{} answered {}: {}", program.display(), output.status, said.trim()));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).map_err(|_| {
        format!("{} answered something that is not {{\"Username\", \"Secret\"}}", program.display())
    })?;
    if answer.username == "<token>" {
        return Err(format!(
            "{} gave an identity token; only a username and password can be used",
            program.display()
        ));
    }
    Ok(Credentials::Basic { username: answer.username, password: Secret::new(answer.secret) })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn basic(username: &str, password: &str) -> Credentials {
        Credentials::Basic { username: username.into(), password: Secret::new(password) }
    }

    #[test]
    fn auths_are_read_by_host() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &path,
            format!(r#"{{"auths": {{"127.0.0.1:5001": {{"auth": "{auth}"}}, "https://127.0.0.1:5002/v1/": {{"username": "bob", "password": "pw"}}}}}}"#),
        )
        .unwrap();
        let config = DockerConfig::read(&path).unwrap();
        assert_eq!(config.credentials_for("127.0.0.1:5001"), basic("alice", "s3cret"));
        assert_eq!(config.credentials_for("127.0.0.1:5002"), basic("bob", "pw"));
        assert_eq!(config.credentials_for("127.0.0.1:5003"), Credentials::Anonymous);
        std::fs::write(&path, "not json").unwrap();
        assert!(DockerConfig::read(&path).unwrap_err().contains("not a Docker config.json"));
    }

    /// A credential helper as a script: answers for `127.0.0.1:5001`, fails for anything else.
    fn helper(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("docker-credential-test");
        std::fs::write(
            &path,
            "#!/bin/sh\n[ \"$1\" = get ] || exit 2\nread host\nif [ \"$host\" = 127.0.0.1:5001 ]; then\n  \
             echo '{\"ServerURL\":\"127.0.0.1:5001\",\"Username\":\"carol\",\"Secret\":\"from-helper\"}'\nelse\n  \
             echo 'credentials not found in native keychain'; exit 1\nfi\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn helpers_speak_the_docker_credential_protocol() {
        let dir = tempfile::tempdir().unwrap();
        let program = helper(dir.path());
        assert_eq!(ask_helper(&program, "127.0.0.1:5001").unwrap(), basic("carol", "from-helper"));
        let refused = ask_helper(&program, "127.0.0.1:9").unwrap_err();
        assert!(refused.contains("credentials not found"), "{refused}");
        let missing = ask_helper(&dir.path().join("docker-credential-none"), "h").unwrap_err();
        assert!(missing.contains("cannot run"), "{missing}");
    }

    #[test]
    fn a_host_helper_wins_over_the_store_and_auths_are_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("dave:pw");
        std::fs::write(
            &path,
            format!(
                r#"{{"auths": {{"127.0.0.1:5002": {{"auth": "{auth}"}}}},
                    "credsStore": "absent-store", "credHelpers": {{"https://127.0.0.1:5001": "absent-helper"}}}}"#
            ),
        )
        .unwrap();
        let config = DockerConfig::read(&path).unwrap();
        assert_eq!(config.cred_helpers["127.0.0.1:5001"], "absent-helper");
        assert_eq!(config.creds_store.as_deref(), Some("absent-store"));
        // Neither helper is installed: the store falls through to `auths`, then anonymous.
        assert_eq!(config.credentials_for("127.0.0.1:5002"), basic("dave", "pw"));
        assert_eq!(config.credentials_for("127.0.0.1:5001"), Credentials::Anonymous);
    }
}
