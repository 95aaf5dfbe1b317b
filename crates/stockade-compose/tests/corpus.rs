//! Loads the shared Compose corpora: awesome-compose (must load without a
//! single input error) and KICS's dockerCompose samples (a few are not valid
//! Compose; those are listed with the reason).

mod common;

use std::path::{Path, PathBuf};

use common::disk;
use stockade_compose::{LoadOptions, looks_like_compose};
use stockade_core::MountKind;

fn corpus() -> PathBuf {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    assert!(
        p.is_dir(),
        "the shared corpus is missing at {} (expected /work/shared/corpus)",
        p.display()
    );
    p
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
}

#[test]
fn awesome_compose_loads_without_errors() {
    let mut files = Vec::new();
    yaml_files(&corpus().join("awesome-compose"), &mut files);
    assert_eq!(files.len(), 39, "expected the 39 awesome-compose files");
    let mut services = 0;
    let mut sockets = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(looks_like_compose(&text), "{} not recognised", f.display());
        let l = disk(std::slice::from_ref(f), &LoadOptions::default());
        assert!(l.errors.is_empty(), "{}: {:#?}", f.display(), l.errors);
        let p = l.project();
        assert!(!p.services.is_empty(), "{} has no services", f.display());
        for s in &p.services {
            assert!(
                s.image.is_some() || s.build.is_some(),
                "{}: {} has neither image nor build",
                f.display(),
                s.subject
            );
            let anchor = l.text(s.anchor);
            assert_eq!(
                anchor,
                s.subject,
                "{}: anchor is not the service key",
                f.display()
            );
            for m in &s.mounts {
                assert!(!l.text(m.span).is_empty());
                if m.host_path().and_then(|h| h.known()) == Some("/var/run/docker.sock") {
                    sockets += 1;
                }
            }
        }
        services += p.services.len();
    }
    // Counts from the corpus README: 81 services, 2 mount the Docker socket.
    assert_eq!(services, 81);
    assert_eq!(sockets, 2);
}

/// KICS samples that are not valid Compose, and why.
const KICS_INVALID: &[(&str, &str)] = &[
    (
        "volume_has_sensitive_host_directory/test/positive3.yaml",
        "a service literally named `image` whose value is a string",
    ),
    (
        "volume_has_sensitive_host_directory/test/negative2.yaml",
        "a service literally named `image` whose value is a string",
    ),
    (
        "container_traffic_not_bound_to_host_interface/test/negative4.yaml",
        "long-syntax port with `published: 127.0.0.1:8080` (an address is not a port)",
    ),
    (
        "container_traffic_not_bound_to_host_interface/test/negative5.yaml",
        "long-syntax port with `published: 127.0.0.1:8080-8090`",
    ),
    (
        "container_traffic_not_bound_to_host_interface/test/negative6.yaml",
        "long-syntax port with `published: 127.0.0.1` (no port at all)",
    ),
];

#[test]
fn kics_samples_load() {
    let mut files = Vec::new();
    let root = corpus().join("kics/dockerCompose");
    yaml_files(&root, &mut files);
    assert_eq!(
        files.len(),
        111,
        "expected the 111 KICS dockerCompose samples"
    );
    let mut unexpected = Vec::new();
    let mut with_errors = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let l = disk(std::slice::from_ref(f), &LoadOptions::default());
        let expected_invalid = KICS_INVALID.iter().any(|(p, _)| *p == rel);
        if l.errors.is_empty() {
            assert!(!expected_invalid, "{rel} was expected to be invalid");
            assert!(l.project.is_some(), "{rel}");
        } else {
            with_errors.push(rel.clone());
            if !expected_invalid {
                unexpected.push(format!("{rel}: {:?}", l.errors));
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected input errors:\n{}",
        unexpected.join("\n")
    );
    assert_eq!(with_errors.len(), KICS_INVALID.len(), "{with_errors:?}");
}

#[test]
fn kics_positive_samples_carry_the_facts_rules_need() {
    let root = corpus().join("kics/dockerCompose");
    let load = |rel: &str| disk(&[root.join(rel)], &LoadOptions::default());

    let l = load("privileged_containers_enabled/test/positive1.yaml");
    assert!(
        l.project()
            .services
            .iter()
            .any(|s| s.privileged.as_ref().is_some_and(|p| p.value))
    );

    let l = load("docker_socket_mounted_in_container/test/positive1.yaml");
    assert!(l.project().services.iter().any(|s| {
        s.mounts.iter().any(|m| {
            m.kind == MountKind::Bind
                && m.host_path().and_then(|h| h.known()) == Some("/var/run/docker.sock")
        })
    }));

    let l = load("shared_host_network_namespace/test/positive1.yaml");
    assert!(
        l.project()
            .services
            .iter()
            .any(|s| s.network_mode.as_ref().and_then(|n| n.value.known()) == Some("host"))
    );
}
