//! What a copy writes: the platform filter, the manifest the target tag will point to, and the
//! child manifests and blobs it needs.
//!
//! Manifests are copied as the exact bytes read, so digests are preserved. The one exception is
//! an index filtered down to several platforms: that is a new index (same media type, only the
//! kept entries), and so a new digest.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::retry::retrying;
use super::{CopyError, Ctx, image_name, short_digest};
use crate::backend::registry::reference::Digest;
use crate::backend::registry::{Descriptor, Manifest, sha256_digest};
use crate::model::{ManifestKind, Message};

/// The annotation buildx puts on an attestation entry of an index, naming the manifest it
/// describes.
const REFERENCE_DIGEST_ANNOTATION: &str = "vnd.docker.reference.digest";

/// More manifests than this in one copy is not an image but a mistake (or a hostile index).
const MAX_MANIFESTS: usize = 1_000;

/// An `os/architecture[/variant]` to keep from an index, as in `linux/arm64/v8`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformFilter {
    pub os: String,
    pub architecture: String,
    /// `None` matches every variant of the architecture.
    pub variant: Option<String>,
}

impl PlatformFilter {
    pub fn parse(value: &str) -> Result<Self, Message> {
        let part_ok =
            |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let parts: Vec<&str> = value.trim().split('/').collect();
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(part_ok) {
            return Err(crate::msg!(PlatformNotOsArch, value));
        }
        Ok(Self {
            os: parts[0].to_ascii_lowercase(),
            architecture: parts[1].to_ascii_lowercase(),
            variant: parts.get(2).map(|v| v.to_ascii_lowercase()),
        })
    }

    /// Whether a platform matches. arm64 without a variant is v8, as Docker has it.
    pub fn matches(&self, os: &str, architecture: &str, variant: Option<&str>) -> bool {
        if !self.os.eq_ignore_ascii_case(os) || !self.architecture.eq_ignore_ascii_case(architecture) {
            return false;
        }
        match (self.variant.as_deref(), variant.filter(|v| !v.is_empty())) {
            (None, _) => true,
            (Some(want), Some(have)) => want.eq_ignore_ascii_case(have),
            (Some(want), None) => self.architecture == "arm64" && want == "v8",
        }
    }

    fn matches_entry(&self, entry: &Descriptor) -> bool {
        entry.platform.as_ref().is_some_and(|p| self.matches(&p.os, &p.architecture, p.variant.as_deref()))
    }
}

impl fmt::Display for PlatformFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        match &self.variant {
            Some(variant) => write!(f, "/{variant}"),
            None => Ok(()),
        }
    }
}

/// Which entries of an index a copy keeps.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Selection {
    /// Every entry: the index is copied byte for byte.
    All,
    /// One platform: its manifest is copied as the image itself (the tag gets its digest).
    One(usize),
    /// Several platforms, with the attestations describing them: a new index of these entries.
    Subset(Vec<usize>),
}

/// Chooses the entries of an index that `filters` keep; also returns the filters that matched
/// nothing. No filter keeps everything.
pub(super) fn select(
    entries: &[Descriptor],
    filters: &[PlatformFilter],
) -> Result<(Selection, Vec<PlatformFilter>), CopyError> {
    if filters.is_empty() {
        return Ok((Selection::All, Vec::new()));
    }
    let platforms: Vec<usize> = (0..entries.len())
        .filter(|&i| !entries[i].is_attestation() && filters.iter().any(|f| f.matches_entry(&entries[i])))
        .collect();
    let unmatched: Vec<PlatformFilter> = filters
        .iter()
        .filter(|f| !entries.iter().any(|e| !e.is_attestation() && f.matches_entry(e)))
        .cloned()
        .collect();
    match platforms.as_slice() {
        [] => Err(CopyError::PlatformNotFound {
            requested: join(filters.iter().map(ToString::to_string)),
            available: join(entries.iter().filter(|e| !e.is_attestation()).map(platform_name)),
        }),
        [one] => Ok((Selection::One(*one), unmatched)),
        _ => {
            let kept: HashSet<&str> = platforms.iter().map(|&i| entries[i].digest.as_str()).collect();
            let keep: Vec<usize> = (0..entries.len())
                .filter(|&i| {
                    let entry = &entries[i];
                    if entry.is_attestation() {
                        entry
                            .annotations
                            .get(REFERENCE_DIGEST_ANNOTATION)
                            .is_some_and(|d| kept.contains(d.as_str()))
                    } else {
                        platforms.contains(&i)
                    }
                })
                .collect();
            if keep.len() == entries.len() {
                Ok((Selection::All, unmatched))
            } else {
                Ok((Selection::Subset(keep), unmatched))
            }
        }
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() { "none".to_owned() } else { items.join(", ") }
}

/// `linux/arm64/v8`, or the digest of an entry without a platform.
pub(super) fn platform_name(entry: &Descriptor) -> String {
    match &entry.platform {
        Some(p) => p.to_platform().to_string(),
        None => short_digest(&entry.digest),
    }
}

/// The index `raw` with only the entries at `keep` (positions in its `manifests`), everything else
/// as it was. Key order may change: the result is a new document with its own digest anyway.
pub(super) fn filtered_index(raw: &[u8], keep: &[usize]) -> Result<Bytes, Message> {
    let mut document: serde_json::Value =
        serde_json::from_slice(raw).map_err(|e| crate::msg!(IndexNotJson, &e))?;
    let entries = document
        .get_mut("manifests")
        .and_then(serde_json::Value::as_array_mut)
        .ok_or_else(|| crate::msg!(IndexNoManifestsList))?;
    let kept: Vec<serde_json::Value> = keep
        .iter()
        .map(|&i| entries.get(i).cloned().ok_or_else(|| crate::msg!(IndexEntryMissing)))
        .collect::<Result<_, _>>()?;
    *entries = kept;
    serde_json::to_vec_pretty(&document).map(Bytes::from).map_err(|e| Message::Text(e.to_string()))
}

/// A manifest to write: exactly these bytes, under this media type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct ManifestWrite {
    pub digest: Digest,
    pub media_type: String,
    pub raw: Bytes,
}

impl ManifestWrite {
    /// The manifest as read, under the digest it was read by (or the registry named for its
    /// tag), which must be a digest: it is the reference the copy writes it under.
    fn of(manifest: &Manifest) -> Result<Self, CopyError> {
        let digest = manifest.digest.parse::<Digest>().map_err(|reason| {
            CopyError::Unsupported(crate::msg!(CopyInvalidDigest, &manifest.digest, reason.message()))
        })?;
        Ok(Self { digest, media_type: manifest.media_type.as_str().to_owned(), raw: manifest.raw.clone() })
    }
}

/// A blob to copy: its digest (checked when the manifest naming it was read) and its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Blob {
    pub digest: Digest,
    pub size: u64,
}

/// The manifest the target will point to: the source's, one platform of it, or a filtered index.
pub(super) struct Root {
    pub write: ManifestWrite,
    pub manifest: Arc<Manifest>,
    /// For a filtered index: the entries kept (a subset of `manifest.manifests`).
    pub entries: Vec<Descriptor>,
}

/// Everything a copy writes, in order: blobs, then child manifests by digest (every child before
/// the index that lists it), then the root.
pub(super) struct Plan {
    pub root: ManifestWrite,
    pub children: Vec<ManifestWrite>,
    /// Config and layer blobs, each digest once.
    pub blobs: Vec<Blob>,
}

/// Reads the source manifest and applies the platform filter.
pub(super) async fn resolve_root(ctx: &Ctx<'_>, filters: &[PlatformFilter]) -> Result<Root, CopyError> {
    let spec = ctx.spec;
    let (repository, reference) = (&spec.source_repository, &spec.source_reference);
    let what = crate::msg!(StepReading, &format!("{repository}:{reference}"));
    let manifest =
        retrying(what, ctx.observer, ctx.cancel, || ctx.source.fetch_manifest(repository, reference))
            .await?
            .ok_or_else(|| CopyError::NotFound { reference: image_name(repository, reference) })?;
    verify_manifest(ctx, &manifest)?;
    ctx.info(crate::msg!(
        Read,
        image_name(repository, reference),
        describe(&manifest),
        short_digest(&manifest.digest)
    ));

    if manifest.kind != ManifestKind::Index {
        if !filters.is_empty() {
            check_single_platform(ctx, &manifest, filters).await?;
        }
        return Ok(Root { write: ManifestWrite::of(&manifest)?, entries: Vec::new(), manifest });
    }
    let (selection, unmatched) = select(&manifest.manifests, filters)?;
    for filter in unmatched {
        ctx.warn(crate::msg!(IndexLacksPlatform, &filter));
    }
    match selection {
        Selection::All => {
            Ok(Root { write: ManifestWrite::of(&manifest)?, entries: manifest.manifests.clone(), manifest })
        }
        Selection::One(i) => {
            let entry = &manifest.manifests[i];
            let child = fetch_child(ctx, entry).await?;
            ctx.info(crate::msg!(KeptOnePlatform, platform_name(entry), short_digest(&child.digest)));
            if child.media_type.is_index() {
                return Err(CopyError::Unsupported(crate::msg!(
                    CopyEntryIsIndex,
                    platform_name(entry),
                    image_name(repository, reference)
                )));
            }
            Ok(Root { write: ManifestWrite::of(&child)?, entries: Vec::new(), manifest: child })
        }
        Selection::Subset(keep) => {
            let raw = filtered_index(&manifest.raw, &keep).map_err(|reason| {
                CopyError::Unsupported(crate::msg!(CopyCannotFilter, &manifest.digest, reason))
            })?;
            let digest = Digest::sha256(&raw);
            let entries: Vec<Descriptor> = keep.iter().map(|&i| manifest.manifests[i].clone()).collect();
            let names: Vec<String> =
                entries.iter().filter(|e| !e.is_attestation()).map(platform_name).collect();
            ctx.info(crate::msg!(
                KeptPlatforms,
                names.len(),
                manifest.platform_entries().count(),
                names.join(", "),
                short_digest(digest.as_str()),
                short_digest(&manifest.digest)
            ));
            let write = ManifestWrite { digest, media_type: manifest.media_type.as_str().to_owned(), raw };
            Ok(Root { write, entries, manifest })
        }
    }
}

/// Collects the child manifests and blobs under `root`, breadth first, reading each child once.
pub(super) async fn collect(ctx: &Ctx<'_>, root: Root) -> Result<Plan, CopyError> {
    let mut blobs = Vec::new();
    let mut seen_blobs = HashSet::new();
    // Manifests in breadth-first order; written in reverse, so every child precedes its index.
    let mut children: Vec<ManifestWrite> = Vec::new();
    let mut queue: VecDeque<Descriptor> = VecDeque::new();
    add_content(&root.manifest, &root.entries, &mut queue, &mut blobs, &mut seen_blobs)?;
    while let Some(entry) = queue.pop_front() {
        ctx.check_cancel()?;
        if children.len() >= MAX_MANIFESTS {
            return Err(CopyError::Unsupported(crate::msg!(CopyTooManyManifests, MAX_MANIFESTS)));
        }
        let child = fetch_child(ctx, &entry).await?;
        add_content(&child, &child.manifests, &mut queue, &mut blobs, &mut seen_blobs)?;
        children.push(ManifestWrite::of(&child)?);
    }
    children.reverse();
    // A manifest listed twice is written once, at its first (deepest) place.
    let mut seen = HashSet::new();
    children.retain(|c| seen.insert(c.digest.clone()));
    Ok(Plan { root: root.write, children, blobs })
}

/// Queues an index's `entries`, or records an image's (or manifest-like artifact's) blobs.
fn add_content(
    manifest: &Manifest,
    entries: &[Descriptor],
    queue: &mut VecDeque<Descriptor>,
    blobs: &mut Vec<Blob>,
    seen: &mut HashSet<Digest>,
) -> Result<(), CopyError> {
    if manifest.kind == ManifestKind::Index {
        for entry in entries {
            check_digest(manifest, &entry.digest)?;
            queue.push_back(entry.clone());
        }
        return Ok(());
    }
    // Images and artifacts; an unknown type only if it has the manifest shape (config and/or
    // layers), since then its blobs are known. Anything else cannot be copied faithfully.
    if manifest.parse_error.is_some() || (manifest.config.is_none() && manifest.layers.is_empty()) {
        return Err(CopyError::Unsupported(crate::msg!(
            CopyNotCopyable,
            &manifest.digest,
            manifest.media_type.as_str()
        )));
    }
    for blob in manifest.config.iter().chain(&manifest.layers) {
        let digest = check_digest(manifest, &blob.digest)?;
        if seen.insert(digest.clone()) {
            blobs.push(Blob { digest, size: blob.size });
        }
    }
    Ok(())
}

fn check_digest(manifest: &Manifest, digest: &str) -> Result<Digest, CopyError> {
    digest.parse::<Digest>().map_err(|reason| {
        CopyError::Unsupported(crate::msg!(CopyBadDigestListed, &manifest.digest, reason.message()))
    })
}

/// A child manifest by digest (cached by the client), checked against its digest.
async fn fetch_child(ctx: &Ctx<'_>, entry: &Descriptor) -> Result<Arc<Manifest>, CopyError> {
    let repository = &ctx.spec.source_repository;
    let what = crate::msg!(StepReadingManifest, short_digest(&entry.digest));
    let child =
        retrying(what, ctx.observer, ctx.cancel, || ctx.source.entry_manifest(repository, entry)).await?;
    verify_manifest(ctx, &child)?;
    Ok(child)
}

/// The bytes must hash to the digest they were read under, or copying them "byte for byte"
/// would write something else.
fn verify_manifest(ctx: &Ctx<'_>, manifest: &Manifest) -> Result<(), CopyError> {
    let actual = sha256_digest(&manifest.raw);
    if manifest.digest.starts_with("sha256:") && manifest.digest != actual {
        return Err(CopyError::DigestMismatch {
            url: format!(
                "{}v2/{}/manifests/{}",
                ctx.source.base_url(),
                ctx.spec.source_repository,
                manifest.digest
            ),
            digest: manifest.digest.clone(),
            actual,
        });
    }
    Ok(())
}

/// A single image asked for with a platform filter: it must be one of the platforms asked for
/// (its config says which it is). Artifacts have no platform and are copied as they are.
async fn check_single_platform(
    ctx: &Ctx<'_>,
    manifest: &Manifest,
    filters: &[PlatformFilter],
) -> Result<(), CopyError> {
    let (ManifestKind::Image, Some(config)) = (manifest.kind, &manifest.config) else {
        ctx.info(crate::msg!(FilterNotIndex));
        return Ok(());
    };
    let repository = &ctx.spec.source_repository;
    let summary = retrying(crate::msg!(StepReadingConfig), ctx.observer, ctx.cancel, || {
        ctx.source.image_config(repository, config)
    })
    .await?;
    let (os, architecture) =
        (summary.os.as_deref().unwrap_or(""), summary.architecture.as_deref().unwrap_or(""));
    if filters.iter().any(|f| f.matches(os, architecture, summary.variant.as_deref())) {
        return Ok(());
    }
    let mut available = format!("{os}/{architecture}");
    if let Some(variant) = &summary.variant {
        available = format!("{available}/{variant}");
    }
    Err(CopyError::PlatformNotFound { requested: join(filters.iter().map(ToString::to_string)), available })
}

/// "Docker image", "OCI index of 3 platforms", "OCI artifact (application/vnd.example+json)".
fn describe(manifest: &Manifest) -> crate::model::Message {
    use crate::msg;
    let what = match manifest.kind {
        ManifestKind::Index => {
            let platforms = manifest.platform_entries().count();
            let extra = manifest.manifests.len() - platforms;
            let index = if platforms == 1 { msg!(DescIndexOne) } else { msg!(DescIndex, platforms) };
            match extra {
                0 => index,
                1 => msg!(DescAttestationOne, index),
                _ => msg!(DescAttestations, index, extra),
            }
        }
        ManifestKind::Image => msg!(DescImage),
        ManifestKind::Artifact => msg!(
            DescArtifact,
            manifest
                .artifact_type
                .as_deref()
                .or(manifest.config.as_ref().map(|c| c.media_type.as_str()))
                .unwrap_or("?")
        ),
        _ => msg!(DescManifestOfType, manifest.media_type.as_str()),
    };
    match manifest.media_type.as_str() {
        t if t.starts_with("application/vnd.docker.") => msg!(DescDocker, what),
        t if t.starts_with("application/vnd.oci.") => msg!(DescOci, what),
        _ => what,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::backend::registry::PlatformJson;

    fn entry(digest: &str, platform: &str) -> Descriptor {
        let parts: Vec<&str> = platform.split('/').collect();
        Descriptor {
            media_type: crate::backend::registry::OCI_MANIFEST.into(),
            digest: digest.into(),
            size: 1,
            platform: Some(PlatformJson {
                os: parts[0].into(),
                architecture: parts[1].into(),
                variant: parts.get(2).map(|v| v.to_string()),
            }),
            annotations: BTreeMap::new(),
        }
    }

    fn attestation(digest: &str, describes: &str) -> Descriptor {
        let mut e = entry(digest, "unknown/unknown");
        e.annotations.insert("vnd.docker.reference.type".into(), "attestation-manifest".into());
        e.annotations.insert(REFERENCE_DIGEST_ANNOTATION.into(), describes.into());
        e
    }

    fn filters(values: &[&str]) -> Vec<PlatformFilter> {
        values.iter().map(|v| PlatformFilter::parse(v).unwrap()).collect()
    }

    #[test]
    fn platforms_parse_as_os_arch_and_optional_variant() {
        let f = PlatformFilter::parse(" Linux/ARM64/v8 ").unwrap();
        assert_eq!(
            (f.os.as_str(), f.architecture.as_str(), f.variant.as_deref()),
            ("linux", "arm64", Some("v8"))
        );
        assert_eq!(f.to_string(), "linux/arm64/v8");
        assert_eq!(PlatformFilter::parse("windows/amd64").unwrap().variant, None);
        for bad in ["linux", "linux/", "/amd64", "linux/arm/v7/extra", "linux/amd 64", ""] {
            let error = PlatformFilter::parse(bad).unwrap_err();
            assert!(error.contains("os/architecture[/variant]"), "{bad}: {error}");
            let zh = error.render(crate::ui::lang::Lang::ZhCn);
            assert!(zh.contains("不是平台") && zh.contains("os/architecture[/variant]"), "{bad}: {zh}");
        }
    }

    #[test]
    fn variants_match_loosely_when_left_out() {
        let arm64 = PlatformFilter::parse("linux/arm64").unwrap();
        assert!(arm64.matches("linux", "arm64", Some("v8")) && arm64.matches("linux", "arm64", None));
        let v8 = PlatformFilter::parse("linux/arm64/v8").unwrap();
        assert!(v8.matches("linux", "arm64", None), "arm64 without a variant is v8");
        let v7 = PlatformFilter::parse("linux/arm/v7").unwrap();
        assert!(v7.matches("linux", "arm", Some("v7")) && !v7.matches("linux", "arm", Some("v6")));
        assert!(!v7.matches("linux", "arm", None));
        assert!(!arm64.matches("windows", "arm64", None) && !arm64.matches("linux", "amd64", None));
    }

    #[test]
    fn selection_keeps_all_one_or_a_subset_with_its_attestations() {
        let entries = [
            entry("sha256:a", "linux/amd64"),
            entry("sha256:b", "linux/arm64/v8"),
            entry("sha256:c", "linux/arm/v7"),
            attestation("sha256:d", "sha256:a"),
            attestation("sha256:e", "sha256:b"),
        ];
        assert_eq!(select(&entries, &[]).unwrap(), (Selection::All, vec![]));
        assert_eq!(select(&entries, &filters(&["linux/arm64"])).unwrap(), (Selection::One(1), vec![]));
        assert_eq!(
            select(&entries, &filters(&["linux/amd64", "linux/arm/v7"])).unwrap(),
            (Selection::Subset(vec![0, 2, 3]), vec![])
        );
        // Naming every platform keeps the index as it is (same digest).
        assert_eq!(
            select(&entries, &filters(&["linux/amd64", "linux/arm64", "linux/arm"])).unwrap().0,
            Selection::All
        );
        let (selection, unmatched) = select(&entries, &filters(&["linux/amd64", "linux/s390x"])).unwrap();
        assert_eq!((selection, unmatched), (Selection::One(0), filters(&["linux/s390x"])));
        // Attestations are not platforms, even though their platform is unknown/unknown.
        let missing = select(&entries, &filters(&["unknown/unknown", "linux/ppc64le"])).unwrap_err();
        match missing {
            CopyError::PlatformNotFound { requested, available } => {
                assert_eq!(requested, "unknown/unknown, linux/ppc64le");
                assert_eq!(available, "linux/amd64, linux/arm64/v8, linux/arm/v7");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_filtered_index_keeps_only_the_chosen_entries_and_the_rest_of_the_document() {
        let raw = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
            "manifests":[{"digest":"sha256:a"},{"digest":"sha256:b"},{"digest":"sha256:c"}],
            "annotations":{"org.opencontainers.image.source":"x"}}"#;
        let filtered = filtered_index(raw, &[0, 2]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&filtered).unwrap();
        assert_eq!(value["manifests"], serde_json::json!([{"digest":"sha256:a"},{"digest":"sha256:c"}]));
        assert_eq!(value["mediaType"], "application/vnd.oci.image.index.v1+json");
        assert_eq!(value["annotations"]["org.opencontainers.image.source"], "x");
        assert!(filtered_index(b"[]", &[0]).is_err());
        assert!(filtered_index(raw, &[7]).is_err());
    }

    #[test]
    fn unknown_manifests_are_copied_only_when_they_look_like_manifests() {
        let parse = |json: &str| {
            Manifest::parse(
                "sha256:x".into(),
                Some("application/vnd.example.v1+json"),
                Bytes::from(json.to_owned()),
            )
        };
        let (mut queue, mut blobs, mut seen) = (VecDeque::new(), Vec::new(), HashSet::new());
        let digest = format!("sha256:{}", "1".repeat(64));
        let shaped = parse(&format!(
            r#"{{"layers":[{{"digest":"{digest}","size":3}},{{"digest":"{digest}","size":3}}]}}"#
        ));
        add_content(&shaped, &[], &mut queue, &mut blobs, &mut seen).unwrap();
        assert_eq!(blobs.len(), 1, "each blob once");
        let shapeless = parse(r#"{"whatever": true}"#);
        let error = add_content(&shapeless, &[], &mut queue, &mut blobs, &mut seen).unwrap_err();
        assert!(matches!(&error, CopyError::Unsupported(m) if m.contains("cannot be copied")), "{error:?}");
        let bad = parse(r#"{"layers":[{"digest":"sha256:not-hex","size":3}]}"#);
        assert!(matches!(
            add_content(&bad, &[], &mut queue, &mut blobs, &mut seen),
            Err(CopyError::Unsupported(_))
        ));
    }
}
