//! Writing fixtures straight into distribution's filesystem storage layout — the same files a
//! push through the API leaves behind, without the HTTP round trips (the scale fixture's fast
//! path; [`crate::scale`] then checks a sample through the registry API, and every measured
//! request checks the server's answers).
//!
//! Layout under `<rootdirectory>/docker/registry/v2` (distribution 2.8, `registry/storage/paths.go`):
//!
//! ```text
//! blobs/sha256/<hex[0..2]>/<hex>/data                              blob bytes (layers, configs, manifests)
//! repositories/<name>/_layers/sha256/<hex>/link                    "sha256:<hex>": blob linked into <name>
//! repositories/<name>/_manifests/revisions/sha256/<hex>/link       manifest linked into <name>
//! repositories/<name>/_manifests/tags/<tag>/current/link           the tag's manifest digest
//! repositories/<name>/_manifests/tags/<tag>/index/sha256/<hex>/link  the tag's history
//! ```
//!
//! The catalog finds repositories by their `_layers` directory; `tags/list` lists
//! `_manifests/tags`.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::push::{Image, SharedLayer};

pub struct StoreWriter {
    v2: PathBuf,
}

fn hex(digest: &str) -> &str {
    digest.strip_prefix("sha256:").expect("a sha256 digest")
}

/// Writes `data` to `path`, creating missing parent directories.
fn write(path: &Path, data: &[u8]) -> Result<()> {
    match std::fs::write(path, data) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let parent = path.parent().expect("a file path has a parent");
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            std::fs::write(path, data).with_context(|| format!("writing {}", path.display()))
        }
        r => r.with_context(|| format!("writing {}", path.display())),
    }
}

impl StoreWriter {
    /// For the registry whose `storage.filesystem.rootdirectory` is `root`.
    pub fn new(root: &Path) -> StoreWriter {
        StoreWriter { v2: root.join("docker/registry/v2") }
    }

    fn blob(&self, digest: &str, data: &[u8]) -> Result<()> {
        let h = hex(digest);
        write(&self.v2.join(format!("blobs/sha256/{}/{h}/data", &h[..2])), data)
    }

    fn link(&self, repo: &str, rest: &str, digest: &str) -> Result<()> {
        write(&self.v2.join(format!("repositories/{repo}/{rest}/link")), digest.as_bytes())
    }

    /// The shared layer's blob (once per store).
    pub fn layer_blob(&self, layer: &SharedLayer) -> Result<()> {
        self.blob(&layer.digest, &layer.data)
    }

    /// Links the shared layer into `repo` (what a mount does); this makes `repo` a repository.
    pub fn link_layer(&self, repo: &str, layer: &SharedLayer) -> Result<()> {
        self.link(repo, &format!("_layers/sha256/{}", hex(&layer.digest)), &layer.digest)
    }

    /// Config blob, manifest blob, their links into `repo`, and `repo:tag` → the manifest.
    pub fn tag(&self, repo: &str, tag: &str, img: &Image) -> Result<()> {
        let (c, m) = (&img.config_digest, &img.manifest_digest);
        self.blob(c, &img.config)?;
        self.blob(m, &img.manifest)?;
        self.link(repo, &format!("_layers/sha256/{}", hex(c)), c)?;
        self.link(repo, &format!("_manifests/revisions/sha256/{}", hex(m)), m)?;
        self.link(repo, &format!("_manifests/tags/{tag}/index/sha256/{}", hex(m)), m)?;
        self.link(repo, &format!("_manifests/tags/{tag}/current"), m)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rm_harness::Registry;
    use rm_harness::fixtures::ManifestFormat;

    use super::*;
    use crate::push::{Pusher, TagJob, image};

    /// Every file under `dir` (relative path → bytes), leaving out upload state.
    fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, p: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for e in std::fs::read_dir(p).unwrap().flatten() {
                let path = e.path();
                if e.file_type().unwrap().is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    out.insert(rel, std::fs::read(&path).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(dir, dir, &mut out);
        out
    }

    /// The direct writer leaves exactly the files a push through the registry API leaves
    /// (apart from the `_uploads` directories a push creates and empties), and the registry serves
    /// what it wrote.
    #[tokio::test]
    async fn writes_what_a_push_through_the_api_writes() {
        let layer = SharedLayer::build(512, 42).unwrap();
        let jobs: Vec<TagJob> = [("a/one", "v1", 0usize), ("a/one", "v2", 3), ("b/two", "latest", 1)]
            .iter()
            .map(|&(repo, tag, i)| TagJob {
                repo: repo.into(),
                tag: tag.into(),
                format: if i == 3 { ManifestFormat::Oci } else { ManifestFormat::Docker },
                created: crate::push::created_at(i as u64),
                label: format!("{repo}:{tag}"),
            })
            .collect();
        let repos = vec!["a/one".to_string(), "b/two".to_string()];

        let pushed = Registry::start(rm_harness::Flavour::Plain).await.unwrap();
        Pusher::new(&pushed.url(), 4).unwrap().populate(&layer, &repos, &jobs, 4, false).await.unwrap();
        let want = tree(pushed.storage_dir());
        let want: BTreeMap<_, _> = want.into_iter().filter(|(k, _)| !k.contains("/_uploads/")).collect();

        let dir = tempfile::tempdir().unwrap();
        let writer = StoreWriter::new(dir.path());
        writer.layer_blob(&layer).unwrap();
        for repo in &repos {
            writer.link_layer(repo, &layer).unwrap();
        }
        for j in &jobs {
            writer.tag(&j.repo, &j.tag, &image(&layer, j.format, &j.created, &j.label)).unwrap();
        }
        assert_eq!(tree(dir.path()), want);

        let served = Registry::builder().storage_dir(dir.path()).start().await.unwrap();
        assert_eq!(served.catalog().await.unwrap(), repos);
        assert_eq!(served.tags("a/one").await.unwrap(), vec!["v1", "v2"]);
        let img = image(&layer, jobs[1].format, &jobs[1].created, &jobs[1].label);
        assert_eq!(served.manifest_digest("a/one", "v2").await.unwrap(), Some(img.manifest_digest));
        assert!(served.blob_exists("a/one", &img.config_digest).await.unwrap());
    }
}
