//! The JSON documents of image archives: `docker save`'s `manifest.json`,
//! OCI indexes and manifests, and the image config.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use stockade_core::{
    EnvEntry, HistoryEntry, ImageConfig, ImageHealthcheck, Platform, rfc3339_days,
};

/// One entry of `docker save`'s `manifest.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct LegacyEntry {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    pub layers: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    pub digest: String,
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub platform: Option<DescPlatform>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DescPlatform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(rename = "os.version", default)]
    pub os_version: Option<String>,
}

impl DescPlatform {
    pub fn to_platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone().filter(|v| !v.is_empty()),
            os_version: self.os_version.clone().filter(|v| !v.is_empty()),
        }
    }
}

/// An OCI index, a Docker manifest list, or an OCI/Docker manifest: the
/// fields of both, told apart by which are present.
#[derive(Debug, Deserialize)]
pub(crate) struct IndexOrManifest {
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
}

/// `os/arch[/variant]` as asked for on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlatformFilter {
    os: String,
    arch: String,
    variant: Option<String>,
}

fn norm_arch(a: &str) -> &str {
    match a {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        a => a,
    }
}

fn norm_variant(arch: &str, v: Option<&str>) -> Option<String> {
    match (arch, v) {
        ("arm64", None | Some("")) => Some("v8".into()),
        ("arm", None | Some("")) => Some("v7".into()),
        (_, Some("")) | (_, None) => None,
        (_, Some(v)) => Some(v.to_string()),
    }
}

impl PlatformFilter {
    pub fn parse(s: &str) -> Option<Self> {
        let parts: Vec<&str> = s.trim().split('/').collect();
        let (os, arch, variant) = match parts.as_slice() {
            [os, arch] => (*os, *arch, None),
            [os, arch, v] => (*os, *arch, Some(*v)),
            _ => return None,
        };
        if os.is_empty() || arch.is_empty() {
            return None;
        }
        Some(PlatformFilter {
            os: os.to_ascii_lowercase(),
            arch: norm_arch(&arch.to_ascii_lowercase()).to_string(),
            variant: variant.map(str::to_ascii_lowercase),
        })
    }

    pub fn matches(&self, p: &Platform) -> bool {
        let arch = norm_arch(&p.architecture);
        if !p.os.eq_ignore_ascii_case(&self.os) || !arch.eq_ignore_ascii_case(&self.arch) {
            return false;
        }
        match &self.variant {
            None => true,
            Some(v) => norm_variant(arch, p.variant.as_deref()).is_some_and(|pv| {
                pv.eq_ignore_ascii_case(v) || norm_variant(arch, Some(v)).as_deref() == Some(&pv)
            }),
        }
    }
}

/// Attestation manifests and the like: not runnable images.
pub(crate) fn is_attestation(d: &Descriptor) -> bool {
    let annotated = d
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("vnd.docker.reference.type"));
    let unknown = d
        .platform
        .as_ref()
        .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown");
    annotated || unknown
}

pub(crate) fn is_index_media_type(mt: Option<&str>) -> bool {
    matches!(
        mt,
        Some(
            "application/vnd.oci.image.index.v1+json"
                | "application/vnd.docker.distribution.manifest.list.v2+json"
        )
    )
}

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => Some(
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect(),
        ),
        // Some tools write a single string.
        Value::String(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// Reads the image config leniently: wrong types become absent values.
pub(crate) fn parse_config(v: &Value) -> (ImageConfig, Vec<HistoryEntry>) {
    let c = v
        .get("config")
        .or_else(|| v.get("container_config"))
        .unwrap_or(&Value::Null);
    let mut cfg = ImageConfig {
        user: c.get("User").and_then(string),
        exposed_ports: c.get("ExposedPorts").map(keys).unwrap_or_default(),
        env: c
            .get("Env")
            .and_then(string_list)
            .unwrap_or_default()
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((n, val)) => EnvEntry {
                    name: n.to_string(),
                    value: val.to_string(),
                    has_value: true,
                },
                None => EnvEntry {
                    name: e,
                    value: String::new(),
                    has_value: false,
                },
            })
            .collect(),
        entrypoint: c.get("Entrypoint").and_then(string_list),
        cmd: c.get("Cmd").and_then(string_list),
        volumes: c.get("Volumes").map(keys).unwrap_or_default(),
        labels: c
            .get("Labels")
            .and_then(Value::as_object)
            .map(|o| {
                let mut l: Vec<(String, String)> = o
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string()),
                        )
                    })
                    .collect();
                l.sort();
                l
            })
            .unwrap_or_default(),
        healthcheck: c
            .get("Healthcheck")
            .filter(|h| h.is_object())
            .map(|h| ImageHealthcheck {
                test: h.get("Test").and_then(string_list).unwrap_or_default(),
                interval_ns: h.get("Interval").and_then(Value::as_i64),
                timeout_ns: h.get("Timeout").and_then(Value::as_i64),
                start_period_ns: h.get("StartPeriod").and_then(Value::as_i64),
                start_interval_ns: h.get("StartInterval").and_then(Value::as_i64),
                retries: h.get("Retries").and_then(Value::as_i64),
            }),
        working_dir: c
            .get("WorkingDir")
            .and_then(string)
            .filter(|s| !s.is_empty()),
        stop_signal: c.get("StopSignal").and_then(string),
        shell: c.get("Shell").and_then(string_list),
        on_build: c.get("OnBuild").and_then(string_list).unwrap_or_default(),
        created: v.get("created").and_then(string),
        created_days: None,
        author: v.get("author").and_then(string),
        architecture: v.get("architecture").and_then(string),
        os: v.get("os").and_then(string),
        variant: v.get("variant").and_then(string),
        os_version: v.get("os.version").and_then(string),
        diff_ids: v
            .get("rootfs")
            .and_then(|r| r.get("diff_ids"))
            .and_then(string_list)
            .unwrap_or_default(),
    };
    cfg.created_days = cfg.created.as_deref().and_then(rfc3339_days);
    let history = v
        .get("history")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|h| HistoryEntry {
                    created: h.get("created").and_then(string),
                    created_by: h.get("created_by").and_then(string),
                    author: h.get("author").and_then(string),
                    comment: h.get("comment").and_then(string),
                    empty_layer: h
                        .get("empty_layer")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    layer: None,
                    layer_digest: None,
                })
                .collect()
        })
        .unwrap_or_default();
    (cfg, history)
}

/// `sha256:<64 hex>` (or another algorithm with a sane name and hex), as
/// the blob path `blobs/<alg>/<hex>`.
pub(crate) fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let alg_ok = !alg.is_empty()
        && alg.len() <= 32
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let hex_ok = hex.len() >= 32
        && hex.len() <= 128
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (alg_ok && hex_ok).then(|| format!("blobs/{alg}/{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_filters() {
        let f = PlatformFilter::parse("linux/arm64/v8").unwrap();
        let p = |a: &str, v: Option<&str>| Platform {
            os: "linux".into(),
            architecture: a.into(),
            variant: v.map(Into::into),
            os_version: None,
        };
        assert!(f.matches(&p("arm64", None)));
        assert!(f.matches(&p("arm64", Some("v8"))));
        assert!(!f.matches(&p("amd64", None)));
        let f = PlatformFilter::parse("linux/amd64").unwrap();
        assert!(f.matches(&p("amd64", None)));
        assert!(f.matches(&p("x86_64", None)));
        assert!(!f.matches(&p("arm64", None)));
        let f = PlatformFilter::parse("linux/arm/v6").unwrap();
        assert!(!f.matches(&p("arm", Some("v7"))));
        assert!(PlatformFilter::parse("linux").is_none());
    }

    #[test]
    fn blob_paths() {
        let h = "a".repeat(64);
        assert_eq!(
            blob_path(&format!("sha256:{h}")),
            Some(format!("blobs/sha256/{h}"))
        );
        assert_eq!(blob_path("sha256:../../etc/passwd"), None);
        assert_eq!(blob_path(&format!("../x:{h}")), None);
        assert_eq!(blob_path("nocolon"), None);
    }

    #[test]
    fn config_is_lenient() {
        let v: Value = serde_json::from_str(
            r#"{"created":"2024-01-02T03:04:05Z","architecture":"amd64","os":"linux",
            "config":{"User":"65534","Env":["A=b=c","NOVAL"],"Entrypoint":null,"Cmd":"sh",
            "ExposedPorts":{"80/tcp":{}},"Labels":{"b":"2","a":"1"},"Healthcheck":{"Test":["NONE"]}},
            "rootfs":{"type":"layers","diff_ids":["sha256:aa"]},
            "history":[{"created_by":"x","empty_layer":true},{"created_by":"y"}]}"#,
        )
        .unwrap();
        let (c, h) = parse_config(&v);
        assert_eq!(c.user.as_deref(), Some("65534"));
        assert_eq!(c.env[0].value, "b=c");
        assert!(!c.env[1].has_value);
        assert_eq!(c.entrypoint, None);
        assert_eq!(c.cmd, Some(vec!["sh".to_string()]));
        assert_eq!(c.labels[0].0, "a");
        assert!(c.healthcheck.unwrap().is_disabled());
        assert!(c.created_days.is_some());
        assert_eq!(h.len(), 2);
        assert!(h[0].empty_layer && !h[1].empty_layer);
    }
}
