//! Typed views of the Engine API answers stockade reads. Every field is
//! optional and lenient: a field of an unexpected type reads as absent
//! instead of failing the whole document, and the document itself is kept
//! in `raw` for whoever needs more (or needs to fail closed).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads a field as `T`, or `None` when it has another type.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// Reads `v` as `T`; only a non-object document is an error.
pub(crate) fn from_doc<T: DeserializeOwned + WithRaw>(v: Value, what: &str) -> Result<T, String> {
    if !v.is_object() {
        return Err(format!("{what}: expected a JSON object"));
    }
    let mut t: T = serde_json::from_value(v.clone()).map_err(|e| format!("{what}: {e}"))?;
    t.set_raw(v);
    Ok(t)
}

pub(crate) trait WithRaw {
    fn set_raw(&mut self, v: Value);
}

macro_rules! with_raw {
    ($($t:ty),*) => {$(
        impl WithRaw for $t {
            fn set_raw(&mut self, v: Value) {
                self.raw = v;
            }
        }
    )*};
}

with_raw!(
    VersionInfo,
    SystemInfo,
    ContainerSummary,
    NetworkInspect,
    ImageInspect
);

/// `GET /_ping`: the headers the daemon sends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ping {
    pub api_version: Option<String>,
    pub os_type: Option<String>,
    pub experimental: Option<bool>,
    /// The `Server` header (`Docker/28.5.2 (linux)`).
    pub server: Option<String>,
}

/// `GET /version`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionInfo {
    #[serde(default, deserialize_with = "lenient")]
    pub version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub api_version: Option<String>,
    #[serde(default, rename = "MinAPIVersion", deserialize_with = "lenient")]
    pub min_api_version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub os: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub arch: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub kernel_version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub git_commit: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub build_time: Option<String>,
    #[serde(skip)]
    pub raw: Value,
}

/// `GET /info` (the fields stockade reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SystemInfo {
    #[serde(default, rename = "ID", deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub server_version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub operating_system: Option<String>,
    #[serde(default, rename = "OSType", deserialize_with = "lenient")]
    pub os_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub kernel_version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub driver: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub docker_root_dir: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub cgroup_version: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub security_options: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub plugins: Option<PluginsInfo>,
    #[serde(default, deserialize_with = "lenient")]
    pub live_restore_enabled: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub registry_config: Option<RegistryConfig>,
    #[serde(default, deserialize_with = "lenient")]
    pub warnings: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub containers: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub containers_running: Option<i64>,
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PluginsInfo {
    #[serde(default, deserialize_with = "lenient")]
    pub authorization: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub volume: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub network: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegistryConfig {
    #[serde(
        default,
        rename = "InsecureRegistryCIDRs",
        deserialize_with = "lenient"
    )]
    pub insecure_registry_cidrs: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub index_configs: Option<BTreeMap<String, IndexInfo>>,
    #[serde(default, deserialize_with = "lenient")]
    pub mirrors: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexInfo {
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub secure: Option<bool>,
    #[serde(default, deserialize_with = "lenient")]
    pub official: Option<bool>,
}

/// One entry of `GET /containers/json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerSummary {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub names: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub image: Option<String>,
    #[serde(default, rename = "ImageID", deserialize_with = "lenient")]
    pub image_id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(skip)]
    pub raw: Value,
}

impl ContainerSummary {
    /// The first name without its leading `/`.
    pub fn name(&self) -> Option<&str> {
        self.names
            .as_ref()
            .and_then(|n| n.first())
            .map(|n| n.trim_start_matches('/'))
    }
}

/// `GET /networks/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInspect {
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub driver: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(skip)]
    pub raw: Value,
}

impl NetworkInspect {
    /// `com.docker.network.bridge.enable_icc` as a boolean (Go's
    /// `strconv.ParseBool` spellings); `None` when absent or unreadable.
    pub fn icc(&self) -> Option<bool> {
        let v = self
            .options
            .as_ref()?
            .get("com.docker.network.bridge.enable_icc")?;
        match v.trim() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
            _ => None,
        }
    }
}

/// `GET /images/{id}/json` (the fields stockade reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub repo_tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub repo_digests: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub os: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub architecture: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub size: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub config: Option<ImageConfig>,
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    #[serde(default, deserialize_with = "lenient")]
    pub user: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub env: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub working_dir: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "lenient")]
    pub exposed_ports: Option<BTreeMap<String, Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_info_leniently() {
        let v = json!({"ID": "X", "Name": "vm", "SecurityOptions": ["name=seccomp,profile=default", 5],
            "Plugins": {"Authorization": null, "Volume": ["local"]}, "LiveRestoreEnabled": "yes",
            "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8", "10.0.0.0/8"],
                "IndexConfigs": {"docker.io": {"Name": "docker.io", "Secure": true}, "reg:5000": {"Secure": false}}},
            "Warnings": ["WARNING: API is accessible on http://0.0.0.0:2375 without encryption."]});
        let info: SystemInfo = from_doc(v.clone(), "info").unwrap();
        assert_eq!(info.id.as_deref(), Some("X"));
        // A list with a non-string is unreadable as a whole: absent.
        assert!(info.security_options.is_none());
        assert!(info.plugins.as_ref().unwrap().authorization.is_none());
        assert!(info.live_restore_enabled.is_none());
        let rc = info.registry_config.as_ref().unwrap();
        assert_eq!(rc.insecure_registry_cidrs.as_ref().unwrap().len(), 2);
        assert_eq!(
            rc.index_configs.as_ref().unwrap()["reg:5000"].secure,
            Some(false)
        );
        assert_eq!(info.warnings.as_ref().unwrap().len(), 1);
        assert_eq!(info.raw, v);
        assert!(from_doc::<SystemInfo>(json!([1]), "info").is_err());
        assert!(from_doc::<SystemInfo>(json!({}), "info").is_ok());
    }

    #[test]
    fn reads_summaries_versions_networks_images() {
        let c: ContainerSummary = from_doc(
            json!({"Id": "abc", "Names": ["/web"], "Image": "nginx", "State": "running", "Labels": {"a": "b"}}),
            "c",
        )
        .unwrap();
        assert_eq!(c.name(), Some("web"));
        let v: VersionInfo = from_doc(
            json!({"Version": "28.5.2", "ApiVersion": "1.51", "MinAPIVersion": "1.24"}),
            "v",
        )
        .unwrap();
        assert_eq!(v.min_api_version.as_deref(), Some("1.24"));
        let n: NetworkInspect = from_doc(
            json!({"Name": "bridge", "Options": {"com.docker.network.bridge.enable_icc": "false"}}),
            "n",
        )
        .unwrap();
        assert_eq!(n.icc(), Some(false));
        let n: NetworkInspect = from_doc(
            json!({"Options": {"com.docker.network.bridge.enable_icc": "maybe"}}),
            "n",
        )
        .unwrap();
        assert_eq!(n.icc(), None);
        let i: ImageInspect = from_doc(
            json!({"Id": "sha256:1", "RepoTags": ["a:1"], "Config": {"User": "app", "ExposedPorts": {"80/tcp": {}}}}),
            "i",
        )
        .unwrap();
        assert_eq!(i.config.unwrap().user.as_deref(), Some("app"));
    }
}
