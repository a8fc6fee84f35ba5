//! Multi-arch jobs: merge single-architecture tags into one multi-arch tag (an OCI image index
//! or a Docker manifest list over the manifests that already exist), and split such a tag back
//! into one tag per platform. The same structs travel through server functions and the REST API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The arch suffixes the original's local push writes (`-x86`, `-arm`), offered by default.
pub const DEFAULT_ARCH_SUFFIXES: [&str; 2] = ["-x86", "-arm"];

/// `POST /api/merge-jobs`: write one multi-arch tag per group of single-arch tags. The inputs
/// are named one of two ways:
///
/// * `sources` and `target`: these tags (`app:1.0-x86`, `arm/app:1.0-arm`, in one repository or
///   several) become `target` (`app:1.0`);
/// * `repository` and `suffixes`: every tag of `repository` ending with one of `suffixes` is
///   grouped by its base (`1.0-x86` + `1.0-arm` → `1.0`), written in `target_repository`
///   (default: `repository`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRequest {
    /// `repository:tag` of each input, in our registry.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub sources: Vec<String>,
    /// `repository:tag` to write, with `sources`.
    #[serde(default)]
    pub target: Option<String>,
    /// The repository whose suffixed tags are grouped, with `suffixes`.
    #[serde(default)]
    pub repository: Option<String>,
    /// Tag endings that name an architecture (`-x86`, `-arm`, or your own).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub suffixes: Vec<String>,
    /// Where the rule's target tags go; defaults to `repository`.
    #[serde(default)]
    pub target_repository: Option<String>,
    /// Replace a target tag that holds another digest (otherwise: a skipped item, a conflict).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub overwrite: bool,
    /// Once the written index is verified, delete the source tags (only the tags: the manifests
    /// stay, as the index's children).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub delete_sources: bool,
}

/// `POST /api/split-jobs`: one tag per platform of an index tag, pointing at its child manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitRequest {
    /// `repository:tag` of the index, in our registry.
    pub source: String,
    /// `os/arch[/variant]` → the suffix its tag gets (`{"linux/amd64": "-x86"}`). A platform
    /// without a variant matches every variant. Platforms of the index not named are left out.
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub suffixes: BTreeMap<String, String>,
    /// Where the tags go; defaults to the source's repository.
    #[serde(default)]
    pub target_repository: Option<String>,
    /// Replace target tags that hold another digest (otherwise: skipped items, conflicts).
    #[serde(default, deserialize_with = "super::nulls::or_default")]
    pub overwrite: bool,
}

/// What a merge would write, group by group; reads only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergePreview {
    pub groups: Vec<MergeGroupPreview>,
    /// Suffixed tags with no other architecture of the same base: left alone.
    #[serde(default)]
    pub singles: Vec<String>,
    /// What stops the whole request (a repository that cannot be listed, no suffixed tags).
    pub errors: Vec<String>,
}

/// One target tag and the manifests it would combine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeGroupPreview {
    /// `repository:tag` to write.
    pub target: String,
    pub children: Vec<MergeChild>,
    /// The index media type it would write (OCI index or Docker manifest list).
    pub media_type: Option<String>,
    /// The digest of the index it would write.
    pub digest: Option<String>,
    /// What the target tag holds now (`None`: it does not exist).
    pub target_digest: Option<String>,
    pub conflicts: Vec<MergeConflict>,
    /// Why this group cannot be merged (children of mixed formats, a child that is an index, an
    /// input that cannot be read). Its item fails; the other groups go on.
    pub error: Option<String>,
}

impl MergeGroupPreview {
    /// The target already holds exactly this index: nothing to write.
    pub fn up_to_date(&self) -> bool {
        self.digest.is_some() && self.digest == self.target_digest
    }

    /// Writing this group needs `overwrite`.
    pub fn needs_overwrite(&self) -> bool {
        self.conflicts.iter().any(|c| matches!(c, MergeConflict::TargetExists { .. }))
    }
}

/// One input of a merge: the manifest that becomes a child of the index, unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeChild {
    /// `repository:tag` as named.
    pub source: String,
    pub digest: Option<String>,
    pub media_type: Option<String>,
    /// `os/arch[/variant]`, from the image config (not from the tag's suffix).
    pub platform: Option<String>,
    /// Config plus compressed layers, in bytes.
    pub size_bytes: Option<u64>,
}

/// Why a group needs a decision before it can be written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MergeConflict {
    /// Two inputs are images of the same platform: an index holds one per platform. Not
    /// overridable: leave one out.
    SamePlatform { platform: String, sources: Vec<String> },
    /// The target tag exists with another digest: writing it needs `overwrite`.
    TargetExists { digest: String },
}
