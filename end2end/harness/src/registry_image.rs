//! A stand-in for `registry:2`, built in a test daemon without pulling anything: `FROM scratch`
//! with Debian's distribution binary (the same project and major version) and its shared
//! libraries, at the real image's paths: `/bin/registry`, its config at
//! /etc/docker/registry/config.yml, storage in /var/lib/registry (a volume). Shared by the image
//! tests (the full-stack compose) and garbage collection of a registry container.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::Dockerd;
use crate::registry::registry_bin;

/// The full stack's registry config (docker/registry/config.yml in this repository).
pub fn stack_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docker/registry/config.yml")
}

/// Builds the stand-in as `tag` in `d`, with `config` as its /etc/docker/registry/config.yml.
pub async fn build_stand_in(d: &Dockerd, tag: &str, config: &Path) -> Result<()> {
    let context = tempfile::Builder::new().prefix("rmh-img-").tempdir()?;
    let root = context.path().join("rootfs");
    let binary = which(&registry_bin())?;
    std::fs::create_dir_all(root.join("bin"))?;
    std::fs::copy(&binary, root.join("bin/registry"))
        .with_context(|| format!("copying {}", binary.display()))?;
    // Its shared libraries and loader, at the paths ldd names.
    let ldd = Command::new("ldd").arg(&binary).output().context("running ldd")?;
    for path in String::from_utf8_lossy(&ldd.stdout).split_whitespace().filter(|w| w.starts_with('/')) {
        let target = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(target.parent().expect("a library path has a parent"))?;
        std::fs::copy(path, &target).with_context(|| format!("copying {path}"))?;
    }
    for dir in ["etc/docker/registry", "var/lib/registry", "tmp"] {
        std::fs::create_dir_all(root.join(dir))?;
    }
    std::fs::copy(config, root.join("etc/docker/registry/config.yml"))
        .with_context(|| format!("copying {}", config.display()))?;
    std::fs::write(
        context.path().join("Dockerfile"),
        "FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\nVOLUME /var/lib/registry\nEXPOSE 5000\n\
         ENTRYPOINT [\"/bin/registry\", \"serve\"]\nCMD [\"/etc/docker/registry/config.yml\"]\n",
    )?;
    let context_path = context.path().to_string_lossy().into_owned();
    let out = d.cli(&["build", "-q", "-t", tag, &context_path]).await?;
    if !out.status.success() {
        bail!("docker build of the stand-in registry image failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn which(name: &str) -> Result<PathBuf> {
    if name.contains('/') {
        return Ok(PathBuf::from(name));
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("{name} is not on PATH (apt-get install docker-registry)"))
}
