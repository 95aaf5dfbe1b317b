//! Images built by tests/build-images.sh with the local Docker Engine and
//! saved with `docker save`. The daemon here uses the classic graph-driver
//! store (no containerd snapshotter), so `docker save` writes the legacy
//! layout, with duplicate layers as symlinks inside the archive.

use std::io::Read;
use stockade_core::{
    ArchiveLayout, ImageSpec, NotableKind, PackageManager, PasswordState, SecretKind,
};
use stockade_image::{ReadOptions, looks_like_image_archive, open, open_reader};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The six images of images.tar.gz, gunzipped in memory (the bytes docker wrote).
fn all_images() -> Vec<ImageSpec> {
    let f = std::fs::File::open(fixture("images.tar.gz")).unwrap();
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(f)
        .read_to_end(&mut bytes)
        .unwrap();
    let v = open_reader(
        std::io::Cursor::new(bytes),
        "images.tar",
        &ReadOptions::default(),
    )
    .unwrap();
    v.into_iter().map(|r| r.unwrap()).collect()
}

fn by_tag<'a>(all: &'a [ImageSpec], tag: &str) -> &'a ImageSpec {
    all.iter()
        .find(|s| s.tags.iter().any(|t| t == tag))
        .unwrap_or_else(|| panic!("{tag} not in the fixture"))
}

#[test]
fn every_image_reads_with_verified_diff_ids() {
    let all = all_images();
    assert_eq!(all.len(), 6);
    for s in &all {
        assert_eq!(s.layout, ArchiveLayout::DockerLegacy);
        assert!(s.config_digest.as_deref().unwrap().starts_with("sha256:"));
        for (l, d) in s.layers.iter().zip(&s.config.diff_ids) {
            assert_eq!(l.diff_id.as_ref(), Some(d));
        }
        assert_eq!(s.layers.len(), s.config.diff_ids.len());
        assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    }
    // The busybox layer is stored once; other images link to it.
    let linked = all
        .iter()
        .flat_map(|s| &s.layers)
        .filter(|l| l.uncompressed_size > 1_000_000)
        .map(|l| l.member.clone())
        .collect::<std::collections::HashSet<_>>();
    assert_eq!(linked.len(), 1);
}

#[test]
fn root_and_nobody_users() {
    let all = all_images();
    let root = by_tag(&all, "stockade-fixture/root:1");
    assert_eq!(root.config.user.as_deref(), Some(""));
    assert_eq!(root.effective_user(), "root");
    assert_eq!(root.config.env_value("APP_MODE"), Some("test"));
    assert!(root.config.healthcheck.is_none());
    assert_eq!(
        root.find_user("root").unwrap().password,
        PasswordState::Empty
    );
    assert_eq!(root.shadow_file.as_ref().unwrap().path, "etc/shadow");
    let os = root.os_release.as_ref().unwrap();
    assert_eq!(os.id.as_deref(), Some("stockade-fixture"));
    assert_eq!(root.stats.regular_files, 5);
    let shell = &root.notable_files[0];
    assert_eq!(
        (shell.file.path.as_str(), shell.kind),
        ("bin/busybox", NotableKind::Shell)
    );
    let tmp = &root.world_writable[0];
    assert_eq!((tmp.file.path.as_str(), tmp.sticky), ("tmp", true));

    let nobody = by_tag(&all, "stockade-fixture/nobody:1");
    assert_eq!(nobody.config.user.as_deref(), Some("65534"));
    assert_eq!(nobody.find_user("65534").unwrap().name, "nobody");
    assert_eq!(nobody.config.exposed_ports, vec!["8080/tcp"]);
    let hc = nobody.config.healthcheck.as_ref().unwrap();
    assert_eq!(hc.test, vec!["CMD", "/bin/busybox", "true"]);
    assert_eq!(hc.timeout_ns, Some(3_000_000_000));
    // History: the ENV/USER/EXPOSE steps are empty layers.
    let steps: Vec<_> = nobody
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.layer)
        .collect();
    assert_eq!(steps, vec![Some(0), Some(1)]);
    assert!(
        nobody
            .history
            .iter()
            .any(|h| h.created_by.as_deref().unwrap_or("").contains("USER 65534"))
    );
}

#[test]
fn setuid_file_and_world_writable_dir() {
    let all = all_images();
    let s = by_tag(&all, "stockade-fixture/setuid:1");
    assert_eq!(s.setid_files.len(), 1);
    let f = &s.setid_files[0];
    assert_eq!(f.file.path, "usr/local/bin/tool");
    assert_eq!(f.mode, 0o4755);
    assert!(f.setuid && !f.setgid);
    // Made by the chmod RUN step (layer 3), not the COPY.
    assert_eq!(f.file.layer, 3);
    assert_eq!(
        s.history
            .iter()
            .find(|h| h.layer == Some(3))
            .and_then(|h| h.created_by.as_deref()),
        Some("/bin/busybox chmod 4755 /usr/local/bin/tool")
    );
    assert_eq!(f.file.layer_digest, s.layers[3].diff_id.clone().unwrap());
    let shared = s
        .world_writable
        .iter()
        .find(|w| w.file.path == "shared")
        .unwrap();
    assert!(shared.is_dir && !shared.sticky);
    assert_eq!(shared.mode & 0o777, 0o777);
    // Other images have no setuid file.
    assert!(
        by_tag(&all, "stockade-fixture/root:1")
            .setid_files
            .is_empty()
    );
}

#[test]
fn key_deleted_by_a_later_layer() {
    let all = all_images();
    let s = by_tag(&all, "stockade-fixture/secret:1");
    assert_eq!(s.secrets.len(), 1);
    let k = &s.secrets[0];
    assert_eq!(k.kind, SecretKind::SshPrivateKey);
    assert_eq!(k.file.path, "root/.ssh/id_rsa");
    assert_eq!(k.file.layer, 2);
    assert!(k.deleted_in_later_layer);
    assert_eq!(k.line, Some(1));
    // No secret in the images without the key.
    for t in ["stockade-fixture/root:1", "stockade-fixture/setuid:1"] {
        assert!(by_tag(&all, t).secrets.is_empty(), "{t}");
    }
}

#[test]
fn multi_stage_final_image() {
    let all = all_images();
    let s = by_tag(&all, "stockade-fixture/multistage:1");
    assert_eq!(s.config.user.as_deref(), Some("1000:1000"));
    assert_eq!(
        s.config.entrypoint.as_deref(),
        Some(&["/app/run".to_string()][..])
    );
    assert_eq!(s.layers.len(), 2);
    // Only what was copied: no busybox, no shadow file, no OS release.
    assert_eq!(s.stats.regular_files, 2);
    assert!(s.stats.uncompressed_size < 10_000);
    assert!(s.os_release.is_none() && s.shadow_file.is_none());
    assert_eq!(
        s.find_user("root").unwrap().password,
        PasswordState::Unknown
    );
}

#[test]
fn debian_like_from_a_file() {
    let path = fixture("debianlike.tar");
    assert!(looks_like_image_archive(&path));
    assert!(!looks_like_image_archive(&fixture("images.tar.gz")));
    let v = open(&path, &ReadOptions::default()).unwrap();
    assert_eq!(v.len(), 1);
    let s = v.into_iter().next().unwrap().unwrap();
    assert_eq!(s.source, path.display().to_string());
    assert_eq!(s.reference, "stockade-fixture/debianlike:1");
    let os = s.os_release.as_ref().unwrap();
    assert_eq!(os.id.as_deref(), Some("debian"));
    assert_eq!(os.version_id.as_deref(), Some("12"));
    assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
    // /etc/os-release is a symlink into /usr/lib.
    assert_eq!(os.file.path, "usr/lib/os-release");
    assert_eq!(os.extra[0].1, "12.5");
    let pk: Vec<_> = s
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.db_path.as_str()))
        .collect();
    assert_eq!(
        pk,
        vec![
            ("base-files", "12.4+deb12u5", "var/lib/dpkg/status"),
            ("libc6", "2.36-9+deb12u4", "var/lib/dpkg/status"),
            ("tzdata", "2024a-0+deb12u1", "var/lib/dpkg/status.d/tzdata"),
        ]
    );
    assert!(s.packages.iter().all(|p| p.manager == PackageManager::Dpkg));
    assert_eq!(s.packages[1].source.as_deref(), Some("glibc"));
    assert_eq!(s.package_dbs.len(), 2);
    assert_eq!(s.config.user.as_deref(), Some("app"));
    let app = s.find_user("app").unwrap();
    assert_eq!((app.uid, app.password), (Some(1000), PasswordState::Hash));
    assert_eq!(s.find_user("root").unwrap().password, PasswordState::Locked);
    assert_eq!(s.stats.symlinks, 1);

    // One platform filter that matches and one that does not.
    let amd = ReadOptions {
        platform: Some("linux/amd64".into()),
        ..ReadOptions::default()
    };
    assert_eq!(open(&path, &amd).unwrap().len(), 1);
    let arm = ReadOptions {
        platform: Some("linux/arm64".into()),
        ..ReadOptions::default()
    };
    assert!(open(&path, &arm).is_err());
}
