//! Local images: list, inspect, tag, remove.

use std::collections::HashMap;

use bollard::query_parameters::{
    ListImagesOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder,
};

use super::{DockerAction, DockerClient, DockerError};
use crate::backend::registry::reference::ImageReference;

/// One image as `GET /images/json` lists it (top-level images, dangling ones included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageListEntry {
    /// `sha256:…`
    pub id: String,
    /// `repository:tag` names; empty for a dangling image.
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub size: u64,
}

/// What `GET /images/{name}/json` says about one image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// `amd64`, `arm64`, … (empty when the image does not say).
    pub architecture: String,
    pub os: String,
    pub variant: Option<String>,
}

/// What a removal did, as the daemon reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removed {
    /// References untagged (`repo:tag`, `repo@sha256:…`).
    pub untagged: Vec<String>,
    /// Image (and layer) IDs deleted.
    pub deleted: Vec<String>,
}

/// `host/repo:tag` → (`host/repo`, `tag`); `latest` when no tag is given.
pub(crate) fn split_reference(reference: &str) -> (&str, &str) {
    match reference.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (reference, "latest"),
    }
}

/// The daemon's `repo` and `tag` for a target the job parsed: `[host/]repository` and its tag
/// (a digest is passed on as it is, for the daemon to refuse: nothing is tagged or pushed by
/// digest).
pub(crate) fn repo_and_tag(target: &ImageReference) -> (String, &str) {
    let repo = match &target.host {
        Some(host) => format!("{host}/{}", target.repository),
        None => target.repository.to_string(),
    };
    (repo, target.reference.as_str())
}

/// `<none>:<none>` (older daemons) and `<none>@<none>` mean "no name".
fn is_real_name(name: &str) -> bool {
    !name.starts_with("<none>")
}

impl DockerClient {
    /// Top-level images (not intermediate build layers), dangling ones included.
    pub async fn list_images(&self) -> Result<Vec<ImageListEntry>, DockerError> {
        let docker = self.client().await?;
        let options = ListImagesOptionsBuilder::new().all(false).build();
        let images = match docker.list_images(Some(options)).await {
            Ok(images) => images,
            Err(e) => return Err(self.fail(e, DockerAction::ListImages, "").await),
        };
        Ok(images
            .into_iter()
            .map(|i| ImageListEntry {
                id: i.id,
                repo_tags: i.repo_tags.into_iter().filter(|t| is_real_name(t)).collect(),
                repo_digests: i.repo_digests.into_iter().filter(|t| is_real_name(t)).collect(),
                created: i.created,
                size: u64::try_from(i.size).unwrap_or_default(),
            })
            .collect())
    }

    /// One image by reference (`repo:tag`), ID or ID prefix.
    pub async fn inspect_image(&self, reference: &str) -> Result<ImageInfo, DockerError> {
        let docker = self.client().await?;
        match docker.inspect_image(reference).await {
            Ok(i) => Ok(ImageInfo {
                id: i.id.unwrap_or_default(),
                repo_tags: i.repo_tags.unwrap_or_default().into_iter().filter(|t| is_real_name(t)).collect(),
                repo_digests: i
                    .repo_digests
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| is_real_name(t))
                    .collect(),
                architecture: i.architecture.unwrap_or_default(),
                os: i.os.unwrap_or_default(),
                variant: i.variant.filter(|v| !v.is_empty()),
            }),
            Err(e) => Err(self.fail(e, DockerAction::Inspect(reference.to_owned()), reference).await),
        }
    }

    /// Like [`Self::inspect_image`], with "no such image" as `None`.
    pub async fn find_image(&self, reference: &str) -> Result<Option<ImageInfo>, DockerError> {
        match self.inspect_image(reference).await {
            Ok(info) => Ok(Some(info)),
            Err(DockerError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Inspects many images, a few at a time; the answers keyed by the reference asked for.
    pub async fn inspect_many(
        &self,
        references: impl IntoIterator<Item = String>,
        concurrency: usize,
    ) -> HashMap<String, Result<ImageInfo, DockerError>> {
        use futures::StreamExt as _;
        futures::stream::iter(references)
            .map(|reference| async move {
                let info = self.inspect_image(&reference).await;
                (reference, info)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await
    }

    /// `docker tag source target`.
    pub async fn tag_image(&self, source: &str, target: &ImageReference) -> Result<(), DockerError> {
        let docker = self.client().await?;
        let (repo, tag) = repo_and_tag(target);
        let options = TagImageOptionsBuilder::new().repo(&repo).tag(tag).build();
        match docker.tag_image(source, Some(options)).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self
                .fail(e, DockerAction::Tag { source: source.to_string(), target: target.to_string() }, source)
                .await),
        }
    }

    /// Removes one name (`repo:tag` or `repo@digest`), not forced and without pruning parents:
    /// the image itself goes only if this was its last name.
    pub async fn remove_reference(&self, reference: &str) -> Result<Removed, DockerError> {
        let options = RemoveImageOptionsBuilder::new().force(false).noprune(true).build();
        self.remove(reference, options).await
    }

    /// `docker rmi -f <id>`: the image and every tag on it (as the original tool did).
    pub async fn remove_image_forced(&self, id: &str) -> Result<Removed, DockerError> {
        let options = RemoveImageOptionsBuilder::new().force(true).build();
        self.remove(id, options).await
    }

    async fn remove(
        &self,
        name: &str,
        options: bollard::query_parameters::RemoveImageOptions,
    ) -> Result<Removed, DockerError> {
        let docker = self.client().await?;
        match docker.remove_image(name, Some(options), None).await {
            Ok(items) => {
                let mut removed = Removed::default();
                for item in items {
                    removed.untagged.extend(item.untagged);
                    removed.deleted.extend(item.deleted);
                }
                Ok(removed)
            }
            Err(e) => Err(self.fail(e, DockerAction::Remove(name.to_string()), name).await),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_at_the_tag_colon_not_the_port() {
        assert_eq!(split_reference("127.0.0.1:5000/x86/app:v1-x86"), ("127.0.0.1:5000/x86/app", "v1-x86"));
        assert_eq!(split_reference("127.0.0.1:5000/app"), ("127.0.0.1:5000/app", "latest"));
        assert_eq!(split_reference("app"), ("app", "latest"));
        let target: ImageReference = "127.0.0.1:5000/x86/app:v1-x86".parse().unwrap();
        assert_eq!(repo_and_tag(&target), ("127.0.0.1:5000/x86/app".to_owned(), "v1-x86"));
        let ours: ImageReference = "x86/app:v1".parse().unwrap();
        assert_eq!(repo_and_tag(&ours), ("x86/app".to_owned(), "v1"));
        assert!(!is_real_name("<none>:<none>") && is_real_name("app:v1"));
    }
}
