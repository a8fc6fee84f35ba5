//! Docker and OCI media types, multi-platform indexes, artifacts, and the tag detail.

use app::backend::browse::TagQuery;
use app::backend::registry::OCI_MANIFEST;
use app::model::{ManifestKind, Platform};
use rm_harness::fixtures::{DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, sha256_digest};
use rm_harness::{Flavour, ImageSpec, ManifestFormat, Registry};

use crate::common::{client, named};

const HTML_LABEL: &str = "<b>bold</b> & <script>alert(1)</script>";

fn platforms() -> Vec<ImageSpec> {
    vec![
        ImageSpec::default().layers(&[1000]).created("2024-01-01T00:00:00Z"),
        ImageSpec::default().arch("arm64").layers(&[2000, 3000]).created("2024-03-01T00:00:00Z"),
        ImageSpec::default().arch("arm").layers(&[500]).created("2024-02-01T00:00:00Z"),
    ]
}

#[tokio::test]
async fn docker_oci_indexes_and_artifacts_are_listed_and_detailed() {
    let registry = Registry::start(Flavour::Plain).await.unwrap();
    let repo = "media/app";
    let docker = registry
        .push_image(
            repo,
            "docker",
            &ImageSpec::docker()
                .layers(&[1000, 2000])
                .label("html", HTML_LABEL)
                .expose("8080/tcp")
                .env("MODE=prod")
                .entrypoint(&["/bin/app"])
                .cmd(&["serve"])
                .working_dir("/srv")
                .user("app")
                .created("2024-05-01T12:00:00Z"),
        )
        .await
        .unwrap();
    registry.tag_manifest(repo, "docker-alias", &docker).await.unwrap();
    let oci = registry
        .push_image(
            repo,
            "oci",
            &ImageSpec::oci().annotation("org.example.note", "hi").created("2023-01-01T00:00:00Z"),
        )
        .await
        .unwrap();
    let list_docker =
        registry.push_index(repo, "multi-docker", &platforms(), ManifestFormat::Docker).await.unwrap();
    let list_oci = registry.push_index(repo, "multi-oci", &platforms(), ManifestFormat::Oci).await.unwrap();
    let helm = registry
        .push_artifact(repo, "helm", "application/vnd.cncf.helm.config.v1+json", b"chart bytes")
        .await
        .unwrap();
    // An OCI 1.1 artifact: empty config, `artifactType`.
    registry.push_blob(repo, &sha256_digest(b"{}"), bytes::Bytes::from_static(b"{}")).await.unwrap();
    let sbom = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": "application/spdx+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256_digest(b"{}"), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256_digest(b"{}"), "size": 2}],
        "annotations": {"org.opencontainers.image.created": "2022-01-01T00:00:00Z"}
    }))
    .unwrap();
    let sbom_digest = registry.put_manifest(repo, "sbom", OCI_MANIFEST, &sbom).await.unwrap();
    // A manifest type distribution 2.8.2 does not know is refused on PUT, so "unknown" media
    // types cannot be stored in it; how they are listed is covered by the unit tests.
    let refused = registry.put_manifest(repo, "unknown", "application/vnd.example.unknown+json", &sbom).await;
    assert!(refused.is_err(), "distribution 2.8.2 accepted an unknown manifest media type");

    let client = client(&registry);
    let list = named::tags(&client, repo, true, &TagQuery::default()).await.unwrap();
    let row = |tag: &str| list.tags.iter().find(|t| t.tag == tag).unwrap_or_else(|| panic!("{tag} listed"));
    assert_eq!(list.total, 7);
    assert!(list.tags.iter().all(|t| t.error.is_none()), "{:#?}", list.tags);

    let r = row("docker");
    assert_eq!((r.media_type.as_deref(), r.kind), (Some(DOCKER_MANIFEST), Some(ManifestKind::Image)));
    assert_eq!((r.size_bytes, r.digest.as_deref()), (Some(docker.size), Some(docker.digest.as_str())));
    let r = row("oci");
    assert_eq!((r.media_type.as_deref(), r.kind), (Some(OCI_MANIFEST), Some(ManifestKind::Image)));
    assert_eq!(r.size_bytes, Some(oci.size));

    for (tag, index, media_type) in
        [("multi-docker", &list_docker, DOCKER_MANIFEST_LIST), ("multi-oci", &list_oci, OCI_INDEX)]
    {
        let r = row(tag);
        assert_eq!((r.media_type.as_deref(), r.kind), (Some(media_type), Some(ManifestKind::Index)));
        assert_eq!(r.digest.as_deref(), Some(index.digest.as_str()));
        assert_eq!(r.platforms, ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"]);
        let sizes: Vec<(String, u64)> =
            r.platform_sizes.iter().map(|p| (p.digest.clone(), p.size_bytes)).collect();
        let expected: Vec<(String, u64)> =
            index.children.iter().map(|c| (c.digest.clone(), c.size)).collect();
        assert_eq!(sizes, expected);
        assert_eq!(r.size_bytes, Some(index.children.iter().map(|c| c.size).sum()));
        assert_eq!(r.created_at.as_deref(), Some("2024-03-01T00:00:00Z"), "the newest platform's");
    }

    let r = row("helm");
    assert_eq!((r.kind, r.media_type.as_deref()), (Some(ManifestKind::Artifact), Some(OCI_MANIFEST)));
    assert_eq!((r.size_bytes, r.platforms.len()), (Some(helm.size), 0));
    let r = row("sbom");
    assert_eq!((r.kind, r.digest.as_deref()), (Some(ManifestKind::Artifact), Some(sbom_digest.as_str())));
    assert_eq!((r.size_bytes, r.created_at.as_deref()), (Some(4), Some("2022-01-01T00:00:00Z")));

    // Tag detail of a Docker image: config summary, layers, history, siblings. Registry text
    // (the HTML label) is kept verbatim; rendering it as text is the view's job.
    let detail = named::tag_detail(&client, repo, "docker").await.unwrap();
    assert_eq!((detail.kind, detail.digest.as_str()), (ManifestKind::Image, docker.digest.as_str()));
    assert_eq!(detail.sibling_tags, ["docker-alias"]);
    assert_eq!(detail.size_bytes, docker.size);
    let image = &detail.images[0];
    assert_eq!(image.config_digest.as_deref(), Some(docker.config_digest.as_str()));
    let layers: Vec<(String, u64)> = image.layers.iter().map(|l| (l.digest.clone(), l.size_bytes)).collect();
    assert_eq!(layers, docker.layers);
    let config = image.config.as_ref().unwrap();
    assert_eq!(config.labels["html"], HTML_LABEL);
    assert_eq!(config.exposed_ports, ["8080/tcp"]);
    assert!(config.env.contains(&"MODE=prod".to_owned()));
    assert_eq!(
        (config.entrypoint.clone(), config.cmd.clone()),
        (vec!["/bin/app".to_owned()], vec!["serve".to_owned()])
    );
    assert_eq!((config.working_dir.as_deref(), config.user.as_deref()), (Some("/srv"), Some("app")));
    assert_eq!(config.created.as_deref(), Some("2024-05-01T12:00:00Z"));
    assert_eq!(config.author.as_deref(), Some("rm-harness"));
    assert!(config.history.iter().any(|h| h.created_by.as_deref().is_some_and(|c| c.contains("ADD file:"))));
    assert!(config.history.iter().any(|h| h.empty_layer));
    assert_eq!(
        image.platform,
        Some(Platform { os: "linux".into(), architecture: "amd64".into(), variant: None })
    );

    // OCI manifest annotations come through.
    let detail = named::tag_detail(&client, repo, "oci").await.unwrap();
    assert_eq!(detail.images[0].annotations["org.example.note"], "hi");
    assert!(detail.sibling_tags.is_empty());

    // An index: each platform with its own layers and config.
    let detail = named::tag_detail(&client, repo, "multi-oci").await.unwrap();
    assert_eq!((detail.kind, detail.media_type.as_str()), (ManifestKind::Index, OCI_INDEX));
    assert_eq!(detail.images.len(), 3);
    for (image, child) in detail.images.iter().zip(&list_oci.children) {
        assert_eq!(image.digest, child.digest);
        assert_eq!(image.kind, ManifestKind::Image);
        let platform = child.platform.as_ref().unwrap();
        assert_eq!(
            image.platform.as_ref().map(|p| p.architecture.as_str()),
            Some(platform.architecture.as_str())
        );
        let layers: Vec<(String, u64)> =
            image.layers.iter().map(|l| (l.digest.clone(), l.size_bytes)).collect();
        assert_eq!(layers, child.layers);
        let config = image.config.as_ref().unwrap();
        assert_eq!(config.architecture.as_deref(), Some(platform.architecture.as_str()));
        assert_eq!(config.variant, platform.variant);
    }

    // An artifact: listed with its config media type and layers, no image config.
    let detail = named::tag_detail(&client, repo, "helm").await.unwrap();
    assert_eq!(detail.kind, ManifestKind::Artifact);
    let image = &detail.images[0];
    assert_eq!(image.config_media_type.as_deref(), Some("application/vnd.cncf.helm.config.v1+json"));
    assert_eq!((image.config.is_none(), image.layers.len(), image.error.clone()), (true, 1, None));

    // By digest: the same manifest, and every tag on it is a sibling.
    let detail = named::tag_detail(&client, repo, &docker.digest).await.unwrap();
    assert_eq!(detail.sibling_tags, ["docker", "docker-alias"]);
}
