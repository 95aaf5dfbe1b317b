//! Runs the container rules over KICS's Compose query samples (a copy
//! lives in the shared corpus) and checks that, for each KICS query we have
//! a rule for, our rule flags every positive sample and no negative sample,
//! apart from the reviewed disagreements listed in `DISAGREE`.
//!
//! The corpus is outside the repository: when it is missing, the test says
//! so and fails (`STOCKADE_KICS` points elsewhere). `STOCKADE_DUMP=1`
//! prints each sample's result.

use std::path::PathBuf;
use stockade_compose::{LoadOptions, load};
use stockade_core::SourceMap;
use stockade_rules::{Ctx, Policy, check_container};

/// KICS query folder → our rules that cover it.
const MAP: &[(&str, &[&str])] = &[
    ("docker_socket_mounted_in_container", &["SKD201"]),
    ("volume_has_sensitive_host_directory", &["SKD203"]),
    ("volume_mounted_in_multiple_containers", &["SKD204"]),
    ("privileged_containers_enabled", &["SKD205"]),
    ("container_capabilities_unrestricted", &["SKD208", "SKD209"]),
    ("no_new_privileges_not_set", &["SKD215"]),
    ("default_seccomp_profile_disabled", &["SKD212"]),
    ("host_namespace_is_shared", &["SKD210"]),
    ("shared_host_ipc_namespace", &["SKD210"]),
    ("shared_host_network_namespace", &["SKD210"]),
    ("shared_host_user_namespace", &["SKD210"]),
    ("memory_not_limited", &["SKD216"]),
    ("cpus_not_limited", &["SKD217"]),
    ("pids_limit_not_set", &["SKD218"]),
    (
        "container_traffic_not_bound_to_host_interface",
        &["SKD219", "SKD220", "SKD222"],
    ),
];

/// Samples where we knowingly disagree with KICS, and why.
const DISAGREE: &[(&str, &str)] = &[
    (
        "volume_has_sensitive_host_directory/positive1.yaml",
        "`- /var/lib/backup/data` is an anonymous volume, not a host path (Checkmarx/kics#8047)",
    ),
    (
        "volume_has_sensitive_host_directory/positive2.yaml",
        "the volume binds /var/lib/backup/data, an application directory, not a system one",
    ),
    (
        "volume_has_sensitive_host_directory/positive3.yaml",
        "not valid Compose (a service named `image`); the local-persist volumes are used by no service",
    ),
    (
        "volume_mounted_in_multiple_containers/positive3.yaml",
        "`rslave` carries mounts from the host into the container only, never back",
    ),
    (
        "volume_mounted_in_multiple_containers/positive4.yaml",
        "`slave` carries mounts from the host into the container only, never back",
    ),
    (
        "default_seccomp_profile_disabled/positive1.yaml",
        "`label:seccomp:unconfined` is a (bad) SELinux label option, not a seccomp setting: the daemon rejects it",
    ),
];

fn kics() -> PathBuf {
    std::env::var_os("STOCKADE_KICS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus/kics/dockerCompose"
            ))
        })
}

#[test]
fn kics_compose_samples_agree() {
    let root = kics();
    assert!(
        root.is_dir(),
        "KICS corpus not found at {} (it ships beside the repository in shared/; STOCKADE_KICS points elsewhere)",
        root.display()
    );
    let dump = std::env::var_os("STOCKADE_DUMP").is_some();
    let cx = Ctx::default();
    let policy = Policy::default();
    let mut wrong = Vec::new();
    for (query, rules) in MAP {
        let dir = root.join(query).join("test");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let positive = name.starts_with("positive") && name.ends_with(".yaml");
            let negative = name.starts_with("negative") && name.ends_with(".yaml");
            if !positive && !negative {
                continue;
            }
            let sources = SourceMap::new();
            let (project, errors) =
                load(std::slice::from_ref(&f), &sources, &LoadOptions::default());
            let key = format!("{query}/{name}");
            let Some(project) = project else {
                wrong.push(format!("{key}: did not load: {errors:?}"));
                continue;
            };
            let mut hits = Vec::new();
            for spec in &project.services {
                for finding in check_container(spec, &cx, &policy) {
                    if rules.contains(&finding.rule) {
                        hits.push(format!(
                            "{} {} {}",
                            finding.rule, finding.severity, finding.subject
                        ));
                    }
                }
            }
            if dump {
                println!("{key}\t{}", hits.join("; "));
            }
            let agrees = if positive {
                !hits.is_empty()
            } else {
                hits.is_empty()
            };
            let excused = DISAGREE.iter().any(|(k, _)| *k == key);
            if agrees == excused {
                wrong.push(format!(
                    "{key}: {} (found: {})",
                    if excused {
                        "listed as a disagreement but agrees"
                    } else {
                        "disagrees with KICS"
                    },
                    hits.join("; ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
