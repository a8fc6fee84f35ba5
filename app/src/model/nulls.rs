//! The original's clients send `null` for an optional field they leave out (`"platforms": null`,
//! `"cleanup_local_images": null`). Fields with a default read `null` as that default, so such a
//! body is accepted as the original accepted it.

use serde::{Deserialize, Deserializer};

/// `#[serde(default, deserialize_with = "or_default")]`: `null` reads as the default.
pub fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A rename's `prefix_mode`: `null` reads as `add`, the original's default.
pub fn or_add<'de, D>(deserializer: D) -> Result<crate::naming::PrefixMode, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::deserialize(deserializer)?.unwrap_or(crate::naming::PrefixMode::Add))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::{LocalPushRequest, RemotePrefixRequest, SyncEngine, SyncRequest};
    use crate::naming::PrefixMode;

    #[test]
    fn nulls_read_as_absent_fields() {
        let sync: SyncRequest = serde_json::from_value(json!({
            "source_image": "app:v1", "target_repository": null, "target_tag": null, "platforms": null,
            "cleanup_local_images": null, "engine": null, "overwrite": null
        }))
        .unwrap();
        assert!(sync.platforms.is_empty() && !sync.cleanup_local_images && sync.overwrite.is_none());
        assert_eq!(sync.engine, SyncEngine::Registry);
        let rename: RemotePrefixRequest = serde_json::from_value(json!({
            "repositories": ["a"], "prefix_mode": null, "prefix_value": "x86", "cleanup_source_tag": null,
            "target_registry_host": null, "overwrite": null
        }))
        .unwrap();
        assert_eq!(rename.prefix_mode, PrefixMode::Add, "the original's default mode");
        assert!(!rename.cleanup_source_tag && !rename.overwrite);
        let absent: RemotePrefixRequest = serde_json::from_value(json!({"repositories": ["a"]})).unwrap();
        assert_eq!((absent.prefix_mode, absent.prefix_value.as_str()), (PrefixMode::Add, ""));
        let push: LocalPushRequest = serde_json::from_value(json!({
            "image_refs": ["app:v1"], "prefix_mode": null, "prefix_value": null, "arch_mode": null,
            "arch_value": null, "target_registry_host": null, "cleanup_local_tag": null,
            "cleanup_registry_source_tag": null
        }))
        .unwrap();
        assert_eq!(push.image_refs, ["app:v1"]);
    }
}
