//! What garbage collection needs from a registry's `config.yml` (distribution's configuration,
//! <https://distribution.github.io/distribution/about/configuration/>): where the filesystem
//! driver keeps the blobs, whether `storage.maintenance.readonly.enabled` is on, and the
//! address it serves on. Read with a YAML parser, never by hand: a config is the operator's file,
//! with comments, flow maps and quoting of every kind.

use serde::Deserialize;
use serde_norway::{Mapping, Value};

/// The filesystem driver's default `rootdirectory` (distribution 2.x).
pub const DEFAULT_ROOT: &str = "/var/lib/registry";

/// The keys under `storage` that are settings, not a driver (distribution's `Storage.Type()`).
const NOT_DRIVERS: &[&str] = &["delete", "maintenance", "cache", "redirect", "tag"];

/// The parts of a registry's config that garbage collection reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryConfig {
    /// The filesystem driver's storage root.
    pub root: String,
    /// `storage.maintenance.readonly.enabled`: pushes are refused while reads go on.
    pub read_only: bool,
    /// `http.addr` (`:5000`, `127.0.0.1:5000`, or a socket path with `http.net: unix`).
    pub http_addr: Option<String>,
    /// `http.net` is `unix`.
    pub unix_socket: bool,
}

/// Why a config cannot serve garbage collection here (worded by the caller's message keys).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("not valid YAML: {0}")]
    Yaml(String),
    /// The storage driver is not `filesystem`: its blobs cannot be measured (the driver's name).
    #[error("storage driver {0}")]
    NotFilesystem(String),
}

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    storage: Option<Mapping>,
    #[serde(default)]
    http: Option<Http>,
}

#[derive(Deserialize, Default)]
struct Http {
    #[serde(default)]
    addr: Option<String>,
    #[serde(default)]
    net: Option<String>,
}

impl RegistryConfig {
    /// Parses a config; `env` are `KEY=value` pairs the registry runs with (a container's), of
    /// which distribution's overrides for the fields read here are applied
    /// (`REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY`, `REGISTRY_HTTP_ADDR`, `REGISTRY_HTTP_NET`).
    pub fn parse(text: &str, env: &[String]) -> Result<Self, ConfigError> {
        let file: File = if text.trim().is_empty() {
            File::default()
        } else {
            serde_norway::from_str(text).map_err(|e| ConfigError::Yaml(e.to_string()))?
        };
        let storage = file.storage.unwrap_or_default();
        let get = |map: &Mapping, key: &str| map.get(key).cloned();
        let driver = storage
            .keys()
            .filter_map(Value::as_str)
            .find(|key| !NOT_DRIVERS.contains(key))
            .map(str::to_owned);
        let env_value = |name: &str| {
            env.iter().find_map(|pair| pair.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        };
        let root_from_env = env_value("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY");
        match driver.as_deref() {
            None | Some("filesystem") => {}
            Some(other) if root_from_env.is_none() => {
                return Err(ConfigError::NotFilesystem(other.to_owned()));
            }
            Some(_) => {}
        }
        let root = root_from_env.map(str::to_owned).unwrap_or_else(|| {
            get(&storage, "filesystem")
                .as_ref()
                .and_then(Value::as_mapping)
                .and_then(|fs| get(fs, "rootdirectory"))
                .as_ref()
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| DEFAULT_ROOT.to_owned())
        });
        let read_only = get(&storage, "maintenance")
            .as_ref()
            .and_then(Value::as_mapping)
            .and_then(|m| get(m, "readonly"))
            .as_ref()
            .and_then(Value::as_mapping)
            .and_then(|r| get(r, "enabled"))
            .is_some_and(|enabled| enabled.as_bool() == Some(true));
        let http = file.http.unwrap_or_default();
        let http_addr = env_value("REGISTRY_HTTP_ADDR").map(str::to_owned).or(http.addr);
        let net = env_value("REGISTRY_HTTP_NET").map(str::to_owned).or(http.net);
        Ok(Self {
            root: root.trim_end_matches('/').to_owned(),
            read_only,
            http_addr,
            unix_socket: net.as_deref() == Some("unix"),
        })
    }

    /// Where a blob's bytes live under the root (`…/blobs/sha256/ab/abcd…/data`); `None` for a
    /// digest that is not `sha256:` and hex (nothing else is ever stored).
    pub fn blob_path(&self, digest: &str) -> Option<String> {
        let hex = digest.strip_prefix("sha256:")?;
        if hex.len() < 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(format!("{}/docker/registry/v2/blobs/sha256/{}/{hex}/data", self.root, &hex[..2]))
    }

    /// The directory that exists once anything was pushed: `garbage-collect` fails without it.
    pub fn repositories_path(&self) -> String {
        format!("{}/docker/registry/v2/repositories", self.root)
    }

    /// The TCP address to probe for "does the registry answer": `http.addr` with an empty or
    /// unspecified host taken as loopback. `None` for a unix socket or no address.
    pub fn probe_addr(&self) -> Option<String> {
        if self.unix_socket {
            return None;
        }
        let addr = self.http_addr.as_deref()?.trim();
        let (host, port) = addr.rsplit_once(':')?;
        let host = match host.trim_start_matches('[').trim_end_matches(']') {
            "" | "0.0.0.0" => "127.0.0.1".to_owned(),
            "::" => "[::1]".to_owned(),
            other if other.contains(':') => format!("[{other}]"),
            other => other.to_owned(),
        };
        Some(format!("{host}:{port}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full stack's config (docker/registry/config.yml).
    const STACK: &str = include_str!("../../../../docker/registry/config.yml");

    #[test]
    fn the_stack_config_names_its_root_and_is_writable() {
        let config = RegistryConfig::parse(STACK, &[]).unwrap();
        assert_eq!(config.root, "/var/lib/registry");
        assert!(!config.read_only);
        assert_eq!(config.probe_addr().as_deref(), Some("127.0.0.1:5000"));
        assert_eq!(
            config.blob_path("sha256:abcd").as_deref(),
            Some("/var/lib/registry/docker/registry/v2/blobs/sha256/ab/abcd/data")
        );
        assert_eq!(config.blob_path("sha256:../x"), None);
    }

    #[test]
    fn read_only_root_and_address_come_from_the_file_or_the_environment() {
        let text = "version: 0.1\nstorage:\n  filesystem: {rootdirectory: '/srv/reg/'}\n  delete: {enabled: true}\n  \
                    maintenance:\n    readonly:\n      enabled: true\nhttp:\n  addr: \"127.0.0.1:5999\"\n";
        let config = RegistryConfig::parse(text, &[]).unwrap();
        assert_eq!((config.root.as_str(), config.read_only), ("/srv/reg", true));
        assert_eq!(config.probe_addr().as_deref(), Some("127.0.0.1:5999"));
        let env = [
            "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/data".to_owned(),
            "REGISTRY_HTTP_ADDR=:6000".to_owned(),
        ];
        let config = RegistryConfig::parse(text, &env).unwrap();
        assert_eq!(config.root, "/data");
        assert_eq!(config.probe_addr().as_deref(), Some("127.0.0.1:6000"));
        // No storage section: the filesystem driver's default root.
        assert_eq!(RegistryConfig::parse("version: 0.1\n", &[]).unwrap().root, DEFAULT_ROOT);
        // `enabled: false` and a readonly section without `enabled` are both writable.
        let off = "storage:\n  maintenance:\n    readonly:\n      enabled: false\n";
        assert!(!RegistryConfig::parse(off, &[]).unwrap().read_only);
    }

    #[test]
    fn other_drivers_and_broken_yaml_are_refused() {
        let s3 = "storage:\n  s3:\n    bucket: b\n  delete:\n    enabled: true\n";
        assert_eq!(RegistryConfig::parse(s3, &[]), Err(ConfigError::NotFilesystem("s3".into())));
        assert!(matches!(RegistryConfig::parse("storage: [1, 2", &[]), Err(ConfigError::Yaml(_))));
    }
}
